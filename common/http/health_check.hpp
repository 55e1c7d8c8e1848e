#pragma once

#include "common/http/tls_context.hpp"

#include <cstdint>
#include <iosfwd>
#include <string>

namespace fleet::http {

// `--check-health`: asks the server this configuration would run for its
// /health on the local machine, so a container HEALTHCHECK or a script needs
// no curl. Prints the answer to `out`; returns the exit code: 0 when the
// server answered 200, 1 otherwise. A server with TLS is asked over https://
// with the program's own CA and certificate (so its certificate must name
// 127.0.0.1 or the listen address).
int check_local_health(const std::string& listen_host, std::uint16_t port, std::ostream& out,
                       const TlsSetup& tls = {});

}  // namespace fleet::http
