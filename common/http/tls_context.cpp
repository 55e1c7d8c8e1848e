#include "common/http/tls_context.hpp"

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>

namespace fleet::http {
namespace ssl = boost::asio::ssl;

std::string_view to_string(ClientAuth auth) {
    switch (auth) {
        case ClientAuth::None: return "none";
        case ClientAuth::Request: return "request";
        case ClientAuth::Require: return "require";
    }
    return "none";
}

std::optional<ClientAuth> parse_client_auth(std::string_view text) {
    if (text == "none") return ClientAuth::None;
    if (text == "request") return ClientAuth::Request;
    if (text == "require") return ClientAuth::Require;
    return std::nullopt;
}

namespace {

// A missing or unreadable file says so in the system's words, before OpenSSL's "PEM lib".
void require_readable(const std::string& what, const std::string& path) {
    std::ifstream in(path);
    if (!in) throw TlsError("cannot read " + what + " '" + path + "': " + std::strerror(errno));
}

[[noreturn]] void fail(const std::string& what, const std::string& path, const boost::system::error_code& ec) {
    throw TlsError("bad " + what + " '" + path + "': " + ec.message());
}

std::shared_ptr<ssl::context> build(TlsRole role, const TlsFiles& files) {
    auto context = std::make_shared<ssl::context>(role == TlsRole::Server ? ssl::context::tls_server
                                                                          : ssl::context::tls_client);
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                         ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    if (!files.cert.empty()) {
        require_readable("certificate file", files.cert);
        require_readable("key file", files.key);
        context->use_certificate_chain_file(files.cert, ec);
        if (ec) fail("certificate file", files.cert, ec);
        context->use_private_key_file(files.key, ssl::context::pem, ec);
        // OpenSSL checks the pair as it loads the key; say so in plain words.
        const bool mismatch = ec && ec.category() == boost::asio::error::get_ssl_category() &&
                              ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH;
        if (ec && !mismatch) fail("key file", files.key, ec);
        if (mismatch || SSL_CTX_check_private_key(context->native_handle()) != 1) {
            ERR_clear_error();
            throw TlsError("key file '" + files.key + "' does not match certificate file '" + files.cert + "'");
        }
    }
    if (!files.ca.empty()) {
        require_readable("CA file", files.ca);
        context->load_verify_file(files.ca, ec);
        if (ec) fail("CA file", files.ca, ec);
    } else if (role == TlsRole::Client) {
        context->set_default_verify_paths(ec);
        if (ec) throw TlsError("cannot load the system's CA store: " + ec.message());
    }
    if (role == TlsRole::Client) {
        context->set_verify_mode(ssl::verify_peer);
    } else if (!files.ca.empty() && files.client_auth != ClientAuth::None) {
        context->set_verify_mode(files.client_auth == ClientAuth::Require
                                     ? ssl::verify_peer | ssl::verify_fail_if_no_peer_cert
                                     : ssl::verify_peer);
        // A server asking for client certificates needs a session id context for resumption.
        static constexpr unsigned char kSessionContext[] = "fleet";
        SSL_CTX_set_session_id_context(context->native_handle(), kSessionContext, sizeof kSessionContext - 1);
    } else {
        context->set_verify_mode(ssl::verify_none);
    }
    return context;
}

}  // namespace

struct TlsContext::Impl {
    TlsRole role;
    TlsFiles files;
    mutable std::mutex mutex;
    std::shared_ptr<ssl::context> current;
};

TlsContext::TlsContext(TlsRole role, TlsFiles files) : impl_(std::make_unique<Impl>()) {
    impl_->role = role;
    impl_->files = std::move(files);
    impl_->current = build(role, impl_->files);
}

TlsContext::~TlsContext() = default;

void TlsContext::reload() {
    auto fresh = build(impl_->role, impl_->files);
    std::lock_guard lock(impl_->mutex);
    impl_->current = std::move(fresh);
}

std::shared_ptr<ssl::context> TlsContext::current() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->current;
}

const TlsFiles& TlsContext::files() const { return impl_->files; }

TlsRole TlsContext::role() const { return impl_->role; }

std::string TlsSetup::reload() const {
    std::string failed;
    for (auto* context : {server.get(), client.get()}) {
        if (!context) continue;
        try {
            context->reload();
        } catch (const TlsError& error) {
            if (!failed.empty()) failed += "; ";
            failed += error.what();
        }
    }
    return failed;
}

TlsSetup load_tls(const TlsFiles& files) {
    if (files.cert.empty() != files.key.empty())
        throw TlsError(files.cert.empty() ? "--tls-key needs --tls-cert" : "--tls-cert needs --tls-key");
    if (files.client_auth != ClientAuth::None && files.ca.empty())
        throw TlsError("--tls-client-auth " + std::string(to_string(files.client_auth)) + " needs --tls-ca");
    TlsSetup setup;
    if (files.cert.empty() && files.ca.empty()) return setup;
    if (!files.cert.empty()) setup.server = std::make_shared<TlsContext>(TlsRole::Server, files);
    setup.client = std::make_shared<TlsContext>(TlsRole::Client, files);
    return setup;
}

}  // namespace fleet::http
