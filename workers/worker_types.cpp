#include "workers/worker_types.hpp"

#include "workers/backtest/backtest_engine.hpp"
#include "workers/data_processing/data_processing_engine.hpp"
#include "workers/echo/echo_engine.hpp"

namespace fleet::workers {

const std::vector<worker::WorkerType>& all_worker_types() {
    static const std::vector<worker::WorkerType> types{
        echo::worker_type(),
        data_processing::worker_type(),
        backtest::worker_type(),
    };
    return types;
}

}  // namespace fleet::workers
