#include "common/tls_options.hpp"

#include <boost/program_options.hpp>

namespace fleet {
namespace po = boost::program_options;

void add_tls_options(po::options_description& options, bool env_hints) {
    const auto hint = [env_hints](const char* text, const char* variable) {
        return env_hints ? std::string(text) + " [" + variable + "]" : std::string(text);
    };
    options.add_options()
        ("tls-cert", po::value<std::string>()->default_value(""), hint("PEM certificate chain: serve HTTPS with it, and present it to TLS peers that ask (mutual TLS)", "FLEET_TLS_CERT").c_str())
        ("tls-key", po::value<std::string>()->default_value(""), hint("PEM private key of --tls-cert", "FLEET_TLS_KEY").c_str())
        ("tls-ca", po::value<std::string>()->default_value(""), hint("PEM CA bundle: https:// peers must have a certificate from it (default: the system store), and clients are asked for one", "FLEET_TLS_CA").c_str())
        ("tls-client-auth", po::value<std::string>()->default_value(""), hint("none, request or require (a client without a valid certificate is refused in the handshake); default request with --tls-ca, none without", "FLEET_TLS_CLIENT_AUTH").c_str());
}

http::TlsSetup read_tls_options(const po::variables_map& vm) {
    http::TlsFiles files;
    files.cert = vm["tls-cert"].as<std::string>();
    files.key = vm["tls-key"].as<std::string>();
    files.ca = vm["tls-ca"].as<std::string>();
    const auto auth = vm["tls-client-auth"].as<std::string>();
    if (auth.empty()) {
        files.client_auth = files.ca.empty() ? http::ClientAuth::None : http::ClientAuth::Request;
    } else if (const auto parsed = http::parse_client_auth(auth)) {
        files.client_auth = *parsed;
    } else {
        throw po::error("--tls-client-auth must be none, request or require (got '" + auth + "')");
    }
    try {
        return http::load_tls(files);
    } catch (const http::TlsError& error) {
        throw po::error(std::string("TLS: ") + error.what());
    }
}

}  // namespace fleet
