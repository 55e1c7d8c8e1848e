// The HTTP request path, bytes in -> the server's answer: a real HttpServer
// (common/http/server) on its own io_context thread behind a loopback socket,
// with a Router like the backend's. Each input is written to a new connection
// as it is, the client then shuts down its side and reads until the server closes.
// Invariants: what comes back is a sequence of complete HTTP/1.x responses,
// one per request the router saw plus at most one refusal (400, 408, 413, 431)
// with a JSON error body; no answer is a 500 (an exception escaping a handler)
// and every answer is one the routes or the server give.
#include "common/http/error.hpp"
#include "common/http/query.hpp"
#include "common/http/router.hpp"
#include "common/http/server.hpp"
#include "common/json/fields.hpp"
#include "common/log.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using fleet::fuzz::check;
using namespace fleet::http;

// The methods the router saw, in order, for the connection under test.
struct Seen {
    std::mutex mutex;
    std::vector<Method> methods;

    void add(Method method) {
        std::lock_guard lock(mutex);
        methods.push_back(method);
    }
    std::vector<Method> take() {
        std::lock_guard lock(mutex);
        return std::exchange(methods, {});
    }
};

struct ServerUnderTest {
    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
    Seen seen;
    Router router;
    HttpServer server;
    std::uint16_t port = 0;
    std::thread thread;

    static ServerConfig config() {
        ServerConfig c;
        c.host = "127.0.0.1";
        c.body_limit = 2048;
        c.body_limit_for = [](std::string_view path) -> std::size_t { return path == "/big" ? 8192 : 2048; };
        c.header_limit = 1024;
        return c;
    }

    ServerUnderTest() : server(io, config(), [this](HttpRequest request, Reply reply) {
        seen.add(request.method);
        router.handle(std::move(request), std::move(reply));
    }) {
        router.guard([](const HttpRequest& request) {
            if (request.path.starts_with("/private") && request.authorization != "Bearer secret")
                throw ApiError(401, "missing or wrong bearer token");
        });
        router.get("/health", [](const HttpRequest&) { return HttpResponse::text(200, "ok"); });
        router.get("/private/health", [](const HttpRequest&) { return HttpResponse::text(200, "ok"); });
        router.post("/api/v1/{domain}/start", [](const HttpRequest& request) {
            const auto body = fleet::json::parse_object(request.body, true);
            fleet::json::reject_unknown_fields(body, {"task_id", "value", "delay"});
            const auto task = fleet::json::optional_string(body, "task_id");
            if (task) require_plain_id(*task, "task_id");
            (void)fleet::json::optional_number(body, "value");
            return HttpResponse::json(200, {{"success", true}, {"domain", request.path_param("domain")}});
        });
        router.get("/api/v1/operations", [](const HttpRequest& request) {
            const auto limit = query_size(request, "limit", 100, 1000);
            const auto wait = query_duration(request, "wait", std::chrono::seconds(60));
            const auto status = query_text(request, "status");
            return HttpResponse::json(200, {{"limit", limit}, {"wait", wait.count()}, {"status", status.value_or("")}});
        });
        router.get("/api/v1/operations/{id}", [](const HttpRequest& request) {
            return HttpResponse::json(200, {{"operation_id", id_param(request, "id", "operation id")}});
        });
        router.del("/api/v1/operations/{id}/cancel", [](const HttpRequest& request) -> HttpResponse {
            throw fleet::http::conflict("operation " + id_param(request, "id", "operation id") + " already ended");
        });
        router.post("/big", [](const HttpRequest& request) { return HttpResponse::text(200, request.body); });
        // A reply that comes later, from a posted handler: the session's suspending path.
        router.add_async(Method::Get, "/late", [this](HttpRequest request, Reply reply) {
            asio::post(io, [request = std::move(request), reply = std::move(reply)] {
                reply(HttpResponse::text(200, request.target));
            });
        });
        port = server.listen();
        thread = std::thread([this] { io.run(); });
    }
};

ServerUnderTest& server_under_test() {
    // Never destroyed: the server thread runs until the fuzzer exits.
    static auto* server = [] {
        fleet::log::set_level(fleet::log::Level::Error);
        return new ServerUnderTest();
    }();
    return *server;
}

// What the client read: every byte until the server closed, or nothing when the connection broke.
std::optional<std::string> exchange(std::uint16_t port, std::string_view bytes) {
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    boost::system::error_code ec;
    // libFuzzer's -timeout alarm (SIGALRM) can interrupt a blocking connect on a busy machine: try again
    // on a new socket (the interrupted attempt may still go on in the old one).
    for (int attempt = 0; attempt < 5; ++attempt) {
        socket.connect({asio::ip::make_address_v4("127.0.0.1"), port}, ec);
        if (ec != asio::error::interrupted) break;
        boost::system::error_code ignored;
        socket.close(ignored);
    }
    check(!ec, "connect to the server", ec.message());
    asio::write(socket, asio::buffer(bytes.data(), bytes.size()), ec);
    // The server may answer and close before taking it all (a refusal): then what it sent is still read.
    socket.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    std::string answer;
    asio::read(socket, asio::dynamic_buffer(answer), ec);
    if (ec && ec != asio::error::eof) return std::nullopt;
    return answer;
}

void check_answers(std::string_view all, const std::vector<Method>& methods) {
    std::string_view answer = all;
    static const std::set<int> kHandled{200, 400, 401, 404, 405, 409};
    static const std::set<int> kRefusals{400, 408, 413, 431};
    std::size_t count = 0;
    while (!answer.empty()) {
        bhttp::response_parser<bhttp::string_body> parser;
        parser.eager(true);
        parser.body_limit(boost::none);
        const bool handled = count < methods.size();
        if (handled && methods[count] == Method::Head) parser.skip(true);
        boost::system::error_code ec;
        const std::size_t used = parser.put(asio::buffer(answer.data(), answer.size()), ec);
        if (!ec && !parser.is_done()) {
            // A response without a length ends with the connection.
            parser.put_eof(ec);
        }
        check(!ec && parser.is_done(), "the server's bytes are complete HTTP responses", ec.message());
        const auto& response = parser.get();
        const int status = static_cast<int>(response.result_int());
        check(status != 500, "no request makes a handler fail", response.body());
        if (handled) {
            check(kHandled.contains(status), "a routed answer has a status its route gives", std::to_string(status));
        } else {
            check(count == methods.size(), "at most one refusal, after the routed answers");
            check(kRefusals.contains(status), "a refusal is 400, 408, 413 or 431", std::to_string(status));
            check(response.body().starts_with("{\"success\":false,\"error\":"), "a refusal is a JSON error",
                  response.body());
        }
        answer.remove_prefix(used);
        ++count;
    }
    check(count >= methods.size(), "every routed request is answered",
          std::to_string(count) + " answers to " + std::to_string(methods.size()) + " routed requests: " + std::string(all));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto& server = server_under_test();
    const auto answer = exchange(server.port, std::string_view(reinterpret_cast<const char*>(data), size));
    const auto methods = server.seen.take();
    if (!answer) return 0;  // reset by the server: nothing to check
    check_answers(*answer, methods);
    return 0;
}
