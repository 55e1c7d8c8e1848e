// Backend and workers over TLS and mutual TLS, with certificates made at test
// time: the registration -> dispatch -> completion -> cancel path, peers
// refused for a certificate from another CA or none, a plain-HTTP client on a
// TLS port, a bad key at start, and a certificate reloaded on SIGHUP while an
// operation runs; fleetctl over https.
#include "tests/integration/backend_fixture.hpp"
#include "tests/support/test_pki.hpp"

#include <csignal>
#include <fstream>

using namespace fleet::test;
using fleet::http::BlockingHttpClient;
using fleet::http::ClientAuth;
using fleet::http::TlsContext;
using fleet::http::TlsFiles;
using fleet::http::TlsRole;
using boost::json::object;

namespace {

std::vector<std::string> tls_flags(const CertFiles& node, const std::string& ca, const std::string& client_auth) {
    return {"--tls-cert", node.cert, "--tls-key", node.key, "--tls-ca", ca, "--tls-client-auth", client_auth};
}

std::shared_ptr<TlsContext> client_context(const std::string& ca, const CertFiles& cert = {}) {
    return std::make_shared<TlsContext>(TlsRole::Client, TlsFiles{cert.cert, cert.key, ca, ClientAuth::None});
}

// A real fleet-backend serving HTTPS on a free loopback port, asked by a
// client with `client_cert` from the test's CA.
class TlsBackend {
public:
    TlsBackend(std::vector<std::string> flags, std::shared_ptr<TlsContext> client)
        : process_(FLEET_BACKEND_BIN, arguments(std::move(flags))), client_(std::move(client)) {
        const std::string needle = "fleet-backend listening on port ";
        const std::string line = process_.wait_for_line(needle);
        port_ = static_cast<std::uint16_t>(std::stoi(line.substr(line.find(needle) + needle.size())));
        url_ = "https://127.0.0.1:" + std::to_string(port_);
    }

    const std::string& url() const { return url_; }
    std::uint16_t port() const { return port_; }
    Process& process() { return process_; }

    fleet::http::ClientResponse get(const std::string& path) { return client_.get(url_ + path); }
    fleet::http::ClientResponse post(const std::string& path, const std::string& body) {
        return client_.post(url_ + path, body);
    }
    fleet::http::ClientResponse del(const std::string& path) { return client_.del(url_ + path); }

    std::string start(const object& request) {
        const auto response = post("/api/v1/echo/start", to_body(request));
        INFO("start -> " << response.status << " " << response.body << " " << response.error_message);
        REQUIRE(response.status == 200);
        return string_of(json_of(response).at("operation_id"));
    }

    std::string status_of(const std::string& operation_id) {
        const auto response = get("/api/v1/operations/" + operation_id);
        if (!response.ok() || response.status != 200) return {};
        return string_of(json_of(response).at("data").as_object().at("status"));
    }

    bool reaches(const std::string& operation_id, const std::string& status) {
        return eventually([&] { return status_of(operation_id) == status; });
    }

    std::string worker_status(const std::string& worker_id) {
        const auto response = get("/api/v1/workers/" + worker_id);
        if (!response.ok() || response.status != 200) return {};
        return string_of(json_of(response).at("status"));
    }

private:
    static std::vector<std::string> arguments(std::vector<std::string> flags) {
        std::vector<std::string> args{"--host", "127.0.0.1", "--port", "0", "--db", ":memory:",
                                      "--health-interval", "200ms"};
        args.insert(args.end(), flags.begin(), flags.end());
        return args;
    }

    Process process_;
    BlockingHttpClient client_;
    std::uint16_t port_ = 0;
    std::string url_;
};

// A fleet-worker serving HTTPS, registered with `backend` over HTTPS.
std::unique_ptr<WorkerUnderTest> tls_worker(TlsBackend& backend, const std::string& id, std::vector<std::string> flags) {
    flags.insert(flags.end(), {"--backend-url", backend.url(), "--worker-id", id, "--health-interval", "200ms"});
    auto worker = std::make_unique<WorkerUnderTest>("echo", std::move(flags));
    INFO("worker output:\n" << worker->process().output() << "\nbackend output:\n" << backend.process().output());
    REQUIRE(eventually([&] { return backend.worker_status(id) == "AVAILABLE"; }));
    return worker;
}

}  // namespace

TEST_CASE("backend and worker over mutual TLS: register, dispatch, complete, cancel", "[integration][tls]") {
    TestPki pki("mtls");
    const auto backend_cert = pki.issue("backend");
    const auto worker_cert = pki.issue("worker");
    const auto operator_cert = pki.issue("operator");
    TlsBackend backend(tls_flags(backend_cert, pki.ca(), "require"), client_context(pki.ca(), operator_cert));
    auto worker = tls_worker(backend, "echo-tls-1", tls_flags(worker_cert, pki.ca(), "require"));

    // The registry holds the https:// URL the worker advertised by default.
    const auto entry = json_of(backend.get("/api/v1/workers/echo-tls-1"));
    CHECK(string_of(entry.at("endpoint_url")).starts_with("https://"));

    const auto done = backend.start({{"duration_ms", 100}, {"steps", 2}});
    CHECK(backend.reaches(done, "completed"));

    const auto running = backend.start({{"duration_ms", 60000}, {"steps", 600}});
    REQUIRE(backend.reaches(running, "running"));
    const auto cancelled = backend.del("/api/v1/operations/" + running + "/cancel");
    CHECK(cancelled.status == 200);
    CHECK(backend.reaches(running, "cancelled"));

    // fleetctl reaches an https:// backend with the operator's files from the environment.
    Process fleetctl(FLEETCTL_BIN, {"-o", "json", "workers"},
                     {"FLEET_URL=" + backend.url(), "FLEET_TOKEN=", "FLEET_TLS_CA=" + pki.ca(),
                      "FLEET_TLS_CERT=" + operator_cert.cert, "FLEET_TLS_KEY=" + operator_cert.key});
    CHECK(fleetctl.wait(std::chrono::seconds(10)) == 0);
    CHECK(fleetctl.output().find("echo-tls-1") != std::string::npos);
    Process without_cert(FLEETCTL_BIN, {"workers"}, {"FLEET_URL=" + backend.url(), "FLEET_TLS_CA=" + pki.ca()});
    CHECK(without_cert.wait(std::chrono::seconds(10)) != 0);

    // The worker's own port demands a certificate too: without one, no answer.
    BlockingHttpClient anonymous(client_context(pki.ca()));
    const auto refused = anonymous.get("https://127.0.0.1:" + std::to_string(worker->port()) + "/health");
    CHECK((!refused.ok() || refused.status != 200));

    // Crash detection over TLS: the backend's idle connection notices a killed worker at once.
    worker->process().signal(SIGKILL);
    CHECK_NOTHROW(backend.process().wait_for_line("connection watch echo-tls-1: lost", std::chrono::seconds(5)));
    CHECK(eventually([&] { return backend.worker_status("echo-tls-1") != "AVAILABLE"; }, std::chrono::seconds(5)));
}

TEST_CASE("a client with a certificate from another CA, or none, is refused in the handshake", "[integration][tls]") {
    TestPki pki("refuse");
    TestPki other("other");
    const auto backend_cert = pki.issue("backend");
    TlsBackend backend(tls_flags(backend_cert, pki.ca(), "require"), client_context(pki.ca(), pki.issue("operator")));
    const std::string health = backend.url() + "/health";

    // Trusts the backend's CA but presents a certificate the backend's CA did not sign.
    BlockingHttpClient stranger(client_context(pki.ca(), other.issue("stranger")));
    const auto wrong = stranger.get(health);
    INFO(wrong.error_message);
    CHECK_FALSE(wrong.ok());

    BlockingHttpClient anonymous(client_context(pki.ca()));
    const auto none = anonymous.get(health);
    INFO(none.error_message);
    CHECK_FALSE(none.ok());

    // A client that does not trust the backend's CA refuses the backend.
    BlockingHttpClient doubter(client_context(other.ca(), other.issue("doubter")));
    const auto untrusted = doubter.get(health);
    CHECK_FALSE(untrusted.ok());
    CHECK(untrusted.error_message.find("TLS handshake") != std::string::npos);

    const auto fine = backend.get("/health");
    CHECK(fine.ok());
    CHECK(fine.status == 200);
    CHECK_NOTHROW(backend.process().wait_for_line("TLS handshake with 127.0.0.1 failed"));
}

TEST_CASE("a plain-HTTP client on a TLS port fails cleanly and the server keeps serving", "[integration][tls]") {
    TestPki pki("plain");
    TlsBackend backend(tls_flags(pki.issue("backend"), pki.ca(), "request"), client_context(pki.ca()));
    BlockingHttpClient plain;
    for (int i = 0; i < 3; ++i) {
        fleet::http::ClientRequest request;
        request.url = "http://127.0.0.1:" + std::to_string(backend.port()) + "/health";
        request.timeout = std::chrono::seconds(3);
        const auto answer = plain.send(std::move(request));
        CHECK((!answer.ok() || answer.status != 200));
    }
    // `request`: a client without a certificate is served.
    const auto health = backend.get("/health");
    CHECK(health.status == 200);
    CHECK_FALSE(backend.process().wait(std::chrono::milliseconds(0)).has_value());
}

TEST_CASE("a key that does not match its certificate stops the program at start, exit 2", "[integration][tls]") {
    TestPki pki("mismatch");
    const auto one = pki.issue("one");
    const auto two = pki.issue("two");
    Process backend(FLEET_BACKEND_BIN, {"--db", ":memory:", "--port", "0", "--tls-cert", one.cert, "--tls-key", two.key});
    CHECK(backend.wait(std::chrono::seconds(10)) == 2);
    CHECK(backend.output().find("key file '" + two.key + "' does not match certificate file '" + one.cert + "'") !=
          std::string::npos);

    Process worker(FLEET_WORKER_BIN, {"--type", "echo", "--port", "0", "--tls-cert", one.cert, "--tls-key", one.key,
                                      "--tls-client-auth", "require"});
    CHECK(worker.wait(std::chrono::seconds(10)) == 2);
    CHECK(worker.output().find("--tls-client-auth require needs --tls-ca") != std::string::npos);
}

TEST_CASE("SIGHUP reloads the certificate for new connections while an operation runs", "[integration][tls]") {
    TestPki pki("reload");
    TestPki next("next");
    const auto backend_cert = pki.issue("backend");
    // The worker trusts both CAs, so it reaches the backend before and after the change.
    const auto both = pki.bundle_with(next, "both");
    TlsBackend backend(tls_flags(backend_cert, pki.ca(), "require"), client_context(both, pki.issue("operator")));
    auto worker = tls_worker(backend, "echo-reload-1", tls_flags(pki.issue("worker"), both, "require"));

    const auto running = backend.start({{"duration_ms", 1500}, {"steps", 15}});
    REQUIRE(backend.reaches(running, "running"));

    // Only a client trusting the next CA alone tells the new certificate from the old.
    BlockingHttpClient next_only(client_context(next.ca(), pki.issue("watcher")));
    CHECK_FALSE(next_only.get(backend.url() + "/health").ok());

    const auto renewed = next.issue("backend");
    std::filesystem::copy_file(renewed.cert, backend_cert.cert, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::copy_file(renewed.key, backend_cert.key, std::filesystem::copy_options::overwrite_existing);
    backend.process().signal(SIGHUP);
    backend.process().wait_for_line("TLS certificate, key and CA reloaded");

    BlockingHttpClient fresh(client_context(next.ca(), pki.issue("watcher2")));
    const auto after = fresh.get(backend.url() + "/health");
    INFO(after.error_message);
    CHECK(after.ok());
    CHECK(after.status == 200);
    CHECK(backend.reaches(running, "completed"));

    // A reload that fails keeps the certificate in use.
    std::ofstream(backend_cert.key) << "not a key\n";
    backend.process().signal(SIGHUP);
    backend.process().wait_for_line("TLS reload failed");
    BlockingHttpClient again(client_context(next.ca(), pki.issue("watcher3")));
    CHECK(again.get(backend.url() + "/health").status == 200);
    CHECK(backend.status_of(backend.start({{"duration_ms", 0}})) != "");
}
