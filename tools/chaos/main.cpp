// fleet-chaos: a backend and N workers under a steady load while processes
// are killed, stopped and restarted at random; then an audit of what was
// acknowledged against what the backend and the workers' run logs hold.
// scripts/chaos finds the binaries and runs it; proto_docs/chaos.md says how to read it.
#include "tools/chaos/chaos_driver.hpp"
#include "tools/chaos/chaos_fleet.hpp"
#include "tools/chaos/chaos_options.hpp"
#include "tools/chaos/collect.hpp"
#include "tools/chaos/load.hpp"
#include "tools/chaos/report.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

using namespace fleet::chaos;

namespace {

const char* const kTypes[] = {"echo", "backtest", "data_processing"};

std::string run_directory(const ChaosOptions& options) {
    if (!options.directory.empty()) return options.directory;
    std::string pattern = (std::filesystem::temp_directory_path() / "fleet-chaos-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot make a directory in /tmp");
    return pattern;
}

}  // namespace

int main(int argc, char* argv[]) {
    auto parsed = parse_chaos_options(argc, argv);
    if (auto* exit = std::get_if<OptionsExit>(&parsed)) {
        (exit->code == 0 ? std::cout : std::cerr) << exit->text;
        return exit->code;
    }
    const auto& options = std::get<ChaosOptions>(parsed);
    try {
        const std::string directory = run_directory(options);
        const auto data = std::filesystem::path(directory) / "data";
        std::filesystem::create_directories(data);
        for (const char* file : {"AAPL_1h.csv", "sensor_readings.csv"})
            std::filesystem::copy_file(std::filesystem::path(options.data_directory) / file, data / file,
                                       std::filesystem::copy_options::overwrite_existing);

        FleetSettings fleet_settings{options.backend_binary, options.worker_binary, directory, {}};
        for (std::size_t i = 0; i < options.workers; ++i) fleet_settings.worker_types.push_back(kTypes[i % 3]);
        ChaosFleet fleet(fleet_settings);
        std::printf("chaos: seed %llu, %zu workers, %.0f s, directory %s\n",
                    static_cast<unsigned long long>(options.seed), options.workers,
                    options.duration.count() / 1000.0, directory.c_str());
        fleet.start();

        LoadSettings load_settings;
        load_settings.seed = options.seed;
        load_settings.duration = options.duration;
        load_settings.rate = options.rate;
        load_settings.types = fleet_settings.worker_types;
        load_settings.data_directory = data.string();
        Load load(load_settings, fleet.backend_url());

        PlanSettings plan{options.seed, options.duration, options.workers, options.worker_kill_every,
                          options.backend_kill_every, options.pause_every};
        ChaosDriver driver(fleet, make_plan(plan));
        std::atomic<bool> stop{false};
        const auto start = std::chrono::steady_clock::now();
        std::thread chaos([&] { driver.run(start, stop); });
        load.run();
        stop = true;
        chaos.join();
        std::printf("chaos: load over; waiting up to %.0f s for work to end\n", options.settle.count() / 1000.0);
        std::fflush(stdout);

        ChaosSummary summary{driver.taken(), driver.skipped(), false};
        if (fleet.wait_backend_ready(options.settle))
            summary.settled = wait_until_settled(fleet.backend_url(), options.settle);

        AuditInput input;
        input.submissions = load.submissions();
        input.operations = backend_operations(fleet.backend_url());
        input.workflows = backend_workflows(fleet.backend_url(), input.submissions);
        input.listings = worker_listings(fleet);
        input.run_log = read_run_logs(fleet.run_logs());
        input.deaths_ms = fleet.worker_deaths();
        fleet.stop_all();

        const AuditReport report = audit(input);
        std::cout << report_text(report, summary) << std::flush;
        return report.passed() ? 0 : 1;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "fleet-chaos: %s\n", error.what());
        return 1;
    }
}
