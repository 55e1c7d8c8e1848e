#pragma once

#include "common/http/tls_context.hpp"

#include <memory>

namespace boost::asio {
class io_context;
}

namespace fleet::http {

// SIGHUP re-reads a program's certificate, key and CA: new connections use
// them, open ones go on with theirs. A failed reload is logged and the old
// context kept. Without TLS it installs nothing (SIGHUP keeps its default).
class TlsReloadOnHangup {
public:
    TlsReloadOnHangup(boost::asio::io_context& io, TlsSetup tls);
    ~TlsReloadOnHangup();
    TlsReloadOnHangup(const TlsReloadOnHangup&) = delete;
    TlsReloadOnHangup& operator=(const TlsReloadOnHangup&) = delete;

    void stop();

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace fleet::http
