#include "tests/contract/scripted_worker.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/serialize.hpp>

#include <sys/socket.h>

#include <mutex>
#include <thread>
#include <vector>

namespace fleet::contract {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

}  // namespace

ScriptedAnswer ScriptedAnswer::json(int status, const boost::json::value& body) {
    return ScriptedAnswer{status, boost::json::serialize(body), false};
}

ScriptedAnswer ScriptedAnswer::close_connection() { return ScriptedAnswer{0, {}, true}; }

struct ScriptedWorker::Impl {
    explicit Impl(Script s) : script(std::move(s)), acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {}

    void accept_loop() {
        for (;;) {
            auto socket = std::make_shared<tcp::socket>(io);
            boost::system::error_code ec;
            acceptor.accept(*socket, ec);
            std::lock_guard lock(mutex);
            if (ec || stopping) return;
            sockets.push_back(socket);
            threads.emplace_back([this, socket] { serve(*socket); });
        }
    }

    // One connection: requests in turn, each answered as the script says, until it closes.
    void serve(tcp::socket& socket) {
        beast::flat_buffer buffer;
        for (;;) {
            bhttp::request<bhttp::string_body> request;
            boost::system::error_code ec;
            bhttp::read(socket, buffer, request, ec);
            if (ec) break;
            Script current;
            {
                std::lock_guard lock(mutex);
                current = script;
            }
            const ScriptedAnswer answer =
                current(std::string(request.method_string()), std::string(request.target()), request.body());
            if (answer.hang_up) break;
            bhttp::response<bhttp::string_body> response{static_cast<bhttp::status>(answer.status), 11};
            response.set(bhttp::field::content_type, "application/json");
            response.body() = answer.body;
            response.keep_alive(request.keep_alive());
            response.prepare_payload();
            bhttp::write(socket, response, ec);
            if (ec || !request.keep_alive()) break;
        }
        // Closed for the peer now; the descriptor itself goes with the worker, so the
        // destructor never shuts down a number the system gave to someone else.
        boost::system::error_code ignored;
        socket.shutdown(tcp::socket::shutdown_both, ignored);
    }

    Script script;
    asio::io_context io;
    tcp::acceptor acceptor;
    std::mutex mutex;
    bool stopping = false;
    std::vector<std::shared_ptr<tcp::socket>> sockets;
    std::vector<std::thread> threads;
    std::thread acceptor_thread;
};

ScriptedWorker::ScriptedWorker(Script script) : impl_(std::make_unique<Impl>(std::move(script))) {
    impl_->acceptor_thread = std::thread([impl = impl_.get()] { impl->accept_loop(); });
}

ScriptedWorker::~ScriptedWorker() {
    {
        std::lock_guard lock(impl_->mutex);
        impl_->stopping = true;
        // shutdown() wakes the threads blocked in accept() and read() on these descriptors.
        ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
        for (auto& socket : impl_->sockets) ::shutdown(socket->native_handle(), SHUT_RDWR);
    }
    impl_->acceptor_thread.join();
    for (auto& thread : impl_->threads) thread.join();
}

std::uint16_t ScriptedWorker::port() const { return impl_->acceptor.local_endpoint().port(); }

std::string ScriptedWorker::url() const { return "http://127.0.0.1:" + std::to_string(port()); }

void ScriptedWorker::set_script(Script script) {
    std::lock_guard lock(impl_->mutex);
    impl_->script = std::move(script);
}

}  // namespace fleet::contract
