#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

namespace fleet::http {

// `--check-health`: asks the server this configuration would run for its
// /health on the local machine, so a container HEALTHCHECK or a script needs
// no curl. Prints the answer to `out`; returns the exit code: 0 when the
// server answered 200, 1 otherwise.
int check_local_health(const std::string& listen_host, std::uint16_t port, std::ostream& out);

}  // namespace fleet::http
