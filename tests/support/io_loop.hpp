#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <thread>
#include <vector>

namespace fleet::test {

// An io_context run by threads of its own for as long as the test lasts.
struct IoLoop {
    explicit IoLoop(int threads = 1) {
        for (int i = 0; i < threads; ++i) this->threads.emplace_back([this] { io.run(); });
    }
    ~IoLoop() {
        work.reset();
        io.stop();
        for (auto& t : threads) t.join();
    }

    boost::asio::io_context io;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
    std::vector<std::thread> threads;
};

}  // namespace fleet::test
