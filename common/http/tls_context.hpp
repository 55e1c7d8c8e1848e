#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

// OpenSSL and Asio SSL stay in the .cpp files: this header only names them.
namespace boost::asio::ssl {
class context;
}

namespace fleet::http {

// What a TLS server asks of its clients' certificates.
enum class ClientAuth {
    None,     // asks for none
    Request,  // asks; a client without one is served, a bad one is refused
    Require,  // a client without a valid certificate is refused during the handshake
};

std::string_view to_string(ClientAuth auth);
std::optional<ClientAuth> parse_client_auth(std::string_view text);

// The PEM files a program was given. An empty `cert` means no certificate:
// a server serves plain HTTP, a client presents none.
struct TlsFiles {
    std::string cert;  // certificate chain, leaf first
    std::string key;   // its private key
    std::string ca;    // verify peers with this CA bundle; empty: the system store (clients), no client check (servers)
    ClientAuth client_auth = ClientAuth::None;
};

// A start-up or reload failure, naming the file at fault.
struct TlsError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class TlsRole { Server, Client };

// A TLS context that can be re-read from its files (SIGHUP): each new
// connection takes the current one; a connection keeps the one it started with.
class TlsContext {
public:
    // Reads the files; throws TlsError naming the file that is missing,
    // unreadable or not PEM, or a key that does not match its certificate.
    TlsContext(TlsRole role, TlsFiles files);
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;

    // Re-reads the files; on failure throws TlsError and keeps the old context.
    void reload();
    std::shared_ptr<boost::asio::ssl::context> current() const;
    const TlsFiles& files() const;
    TlsRole role() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// A program's TLS: `server` when it has a certificate (it serves HTTPS),
// `client` always once any TLS file is given (https:// URLs verify against
// its CA and present its certificate). Both empty: plain HTTP, and https://
// URLs verify against the system store.
struct TlsSetup {
    std::shared_ptr<TlsContext> server;
    std::shared_ptr<TlsContext> client;

    // Re-reads both; returns what failed ("" when all reloaded).
    std::string reload() const;
};

// Checks the combination (a key with its certificate, `require` with a CA)
// and loads the files; throws TlsError.
TlsSetup load_tls(const TlsFiles& files);

}  // namespace fleet::http
