#include "common/http/tls_reload.hpp"

#include "common/log.hpp"

#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <optional>

namespace fleet::http {
namespace asio = boost::asio;

struct TlsReloadOnHangup::Impl : std::enable_shared_from_this<Impl> {
    Impl(asio::any_io_executor executor, TlsSetup tls) : tls(std::move(tls)) {
        if (this->tls.server || this->tls.client) signals.emplace(std::move(executor), SIGHUP);
    }

    void wait() {
        if (!signals) return;
        signals->async_wait([weak = weak_from_this()](const boost::system::error_code& ec, int) {
            if (ec) return;  // stopped
            auto self = weak.lock();
            if (!self) return;
            // Reading a few PEM files takes a millisecond or so: cheap enough for the I/O thread.
            const auto failed = self->tls.reload();
            if (failed.empty()) log::info("SIGHUP: TLS certificate, key and CA reloaded; new connections use them");
            else log::error("SIGHUP: TLS reload failed, keeping the old certificate: ", failed);
            self->wait();
        });
    }

    TlsSetup tls;
    std::optional<asio::signal_set> signals;
};

TlsReloadOnHangup::TlsReloadOnHangup(asio::any_io_executor executor, TlsSetup tls)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(tls))) {
    impl_->wait();
}

TlsReloadOnHangup::~TlsReloadOnHangup() { stop(); }

void TlsReloadOnHangup::stop() {
    if (!impl_->signals) return;
    boost::system::error_code ignored;
    impl_->signals->cancel(ignored);
}

}  // namespace fleet::http
