#include "common/http/listen_address.hpp"

namespace fleet::http {

bool is_wildcard_address(const std::string& listen_host) {
    return listen_host.empty() || listen_host == "0.0.0.0" || listen_host == "::";
}

std::string local_address_of(const std::string& listen_host) {
    if (is_wildcard_address(listen_host)) return listen_host == "::" ? "[::1]" : "127.0.0.1";
    if (listen_host.find(':') != std::string::npos && listen_host.front() != '[') return "[" + listen_host + "]";
    return listen_host;
}

}  // namespace fleet::http
