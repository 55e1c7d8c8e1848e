#pragma once

#include "common/http/tls_context.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <memory>

namespace fleet::http {

// SIGHUP re-reads a program's certificate, key and CA: new connections use
// them, open ones go on with theirs. A failed reload is logged and the old
// context kept. Without TLS it installs nothing (SIGHUP keeps its default).
class TlsReloadOnHangup {
public:
    // `executor`: where the signal is waited for and stop() is called; a strand when the
    // program runs several I/O threads, so the two never race.
    TlsReloadOnHangup(boost::asio::any_io_executor executor, TlsSetup tls);
    ~TlsReloadOnHangup();
    TlsReloadOnHangup(const TlsReloadOnHangup&) = delete;
    TlsReloadOnHangup& operator=(const TlsReloadOnHangup&) = delete;

    void stop();

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace fleet::http
