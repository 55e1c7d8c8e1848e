// fleet-backend: the registry, health monitor, dispatcher and operation store of a fleet.
#include "backend/backend_app.hpp"
#include "backend/config.hpp"
#include "common/http/health_check.hpp"
#include "common/log.hpp"

#include <iostream>

int main(int argc, char* argv[]) {
    fleet::log::use_journal_if_connected();
    auto parsed = fleet::backend::parse_backend_config(argc, argv);
    if (auto* exit = std::get_if<fleet::backend::BackendConfigExit>(&parsed)) {
        if (exit->code == 0) std::cout << exit->text;
        else fleet::log::write_text(fleet::log::Level::Error, exit->text);
        return exit->code;
    }
    const auto& config = std::get<fleet::backend::BackendConfig>(parsed);
    if (config.check_health) return fleet::http::check_local_health(config.host, config.port, std::cout, config.tls);
    return fleet::backend::run_backend(config);
}
