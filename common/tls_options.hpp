#pragma once

#include "common/http/tls_context.hpp"

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

// The --tls-* options fleet-backend and fleet-worker share.
namespace fleet {

// Adds --tls-cert, --tls-key, --tls-ca and --tls-client-auth; with
// `env_hints`, each description ends in its variable ([FLEET_TLS_CERT]).
void add_tls_options(boost::program_options::options_description& options, bool env_hints);

// Reads and loads them: a program_options error naming the file or the
// option at fault (the program exits 2 with it). --tls-ca alone makes a
// server ask for client certificates (`request`).
http::TlsSetup read_tls_options(const boost::program_options::variables_map& vm);

}  // namespace fleet
