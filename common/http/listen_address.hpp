#pragma once

#include <string>

namespace fleet::http {

// 0.0.0.0, :: or empty: a server listening there is reached at any of the machine's addresses.
bool is_wildcard_address(const std::string& listen_host);

// The address a process on this machine reaches a server listening on
// `listen_host` at: loopback for a wildcard address, else the address itself
// (bracketed when it is IPv6).
std::string local_address_of(const std::string& listen_host);

}  // namespace fleet::http
