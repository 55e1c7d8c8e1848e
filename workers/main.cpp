// fleet-worker: hosts any worker type (--type), or runs one operation locally (--run).
#include "common/http/health_check.hpp"
#include "common/log.hpp"
#include "worker_base/local_runner.hpp"
#include "worker_base/worker_app.hpp"
#include "worker_base/worker_config.hpp"
#include "workers/worker_types.hpp"

#include <algorithm>
#include <iostream>

int main(int argc, char* argv[]) {
    using namespace fleet;
    log::use_journal_if_connected();
    std::vector<std::string> names;
    for (const auto& type : workers::all_worker_types()) names.push_back(type.type);

    auto parsed = worker::parse_worker_config(argc, argv, names);
    if (auto* exit = std::get_if<worker::ConfigExit>(&parsed)) {
        if (exit->code == 0) std::cout << exit->text;
        else log::write_text(log::Level::Error, exit->text);
        return exit->code;
    }
    const auto& config = std::get<worker::WorkerConfig>(parsed);
    if (config.check_health) return http::check_local_health(config.host, config.port, std::cout, config.tls);
    const auto& types = workers::all_worker_types();
    if (config.list_types) {
        for (const auto& type : types) std::cout << type.type << ' ' << type.domain << '\n';
        return 0;
    }
    const auto& type = *std::find_if(types.begin(), types.end(), [&](const auto& t) { return t.type == config.type; });
    if (config.run) return worker::run_locally(type, *config.run);
    return worker::run_worker(config, type);
}
