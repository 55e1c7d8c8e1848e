#include "tools/chaos/chaos_options.hpp"

#include "common/count.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string_view>

namespace fleet::chaos {
namespace {

constexpr const char* kUsage =
    "usage: fleet-chaos --backend-bin PATH --worker-bin PATH --data DIR [options]\n"
    "  --seconds S             how long the load and the chaos last (30)\n"
    "  --workers N             workers, of types echo, backtest, data_processing in turn (4)\n"
    "  --rate R                requests a second: admin runs and workflows (4)\n"
    "  --seed N                the plan and the load are drawn from it (1)\n"
    "  --worker-kill-every S   on average one kill -9 of a worker every S seconds (8)\n"
    "  --backend-kill-every S  one kill -9 of the backend every S seconds (60)\n"
    "  --pause-every S         one SIGSTOP of a worker for 2-6 s every S seconds (30)\n"
    "  --settle S              after the load, how long running work may take to end (120)\n"
    "  --dir DIR               the run's directory (database, logs, run logs); default a new one in /tmp\n"
    "Exits 0 when the audit finds nothing lost, nothing run twice and no disagreement; 1 otherwise; 2 on usage.\n";

std::chrono::milliseconds seconds_value(std::string_view key, const std::string& value) {
    const double seconds = std::stod(value);
    if (!std::isfinite(seconds) || seconds <= 0 || seconds > 1e6)
        throw std::invalid_argument(std::string(key) + " must be a positive number of seconds");
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000)));
}

std::uint64_t count_value(std::string_view key, const std::string& value, std::uint64_t min, std::uint64_t max) {
    try {
        return parse_count(value, min, max);
    } catch (const std::invalid_argument& error) {
        throw std::invalid_argument(std::string(key) + ": " + error.what());
    }
}

}  // namespace

std::variant<ChaosOptions, OptionsExit> parse_chaos_options(int argc, const char* const argv[]) {
    ChaosOptions options;
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string_view key = argv[i];
            if (key == "--help" || key == "-h") return OptionsExit{0, kUsage};
            if (i + 1 >= argc) throw std::invalid_argument(std::string(key) + " needs a value");
            const std::string value = argv[++i];
            if (key == "--backend-bin") options.backend_binary = value;
            else if (key == "--worker-bin") options.worker_binary = value;
            else if (key == "--data") options.data_directory = value;
            else if (key == "--dir") options.directory = value;
            else if (key == "--seed") options.seed = count_value(key, value, 0, std::numeric_limits<std::uint64_t>::max());
            else if (key == "--seconds") options.duration = seconds_value(key, value);
            else if (key == "--workers") options.workers = count_value(key, value, 1, 64);
            else if (key == "--rate") options.rate = std::stod(value);
            else if (key == "--worker-kill-every") options.worker_kill_every = seconds_value(key, value);
            else if (key == "--backend-kill-every") options.backend_kill_every = seconds_value(key, value);
            else if (key == "--pause-every") options.pause_every = seconds_value(key, value);
            else if (key == "--settle") options.settle = seconds_value(key, value);
            else throw std::invalid_argument("unknown option " + std::string(key));
        }
        if (options.backend_binary.empty() || options.worker_binary.empty() || options.data_directory.empty())
            throw std::invalid_argument("--backend-bin, --worker-bin and --data are required");
        if (!(options.rate > 0 && options.rate <= 1000)) throw std::invalid_argument("--rate must be from 0 to 1000");
    } catch (const std::exception& error) {
        return OptionsExit{2, std::string("fleet-chaos: ") + error.what() + "\n" + kUsage};
    }
    return options;
}

}  // namespace fleet::chaos
