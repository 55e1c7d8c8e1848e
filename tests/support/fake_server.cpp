#include "tests/support/fake_server.hpp"

#include "common/http/server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

namespace fleet::test {

namespace asio = boost::asio;

namespace {

http::HttpResponse default_answer(const http::HttpRequest&) {
    return http::HttpResponse::json(200, boost::json::object{{"success", true}});
}

}  // namespace

struct FakeServer::Impl {
    explicit Impl(Responder r) : responder(r ? std::move(r) : Responder(default_answer)) {}

    void handle(http::HttpRequest request, http::Reply reply) {
        Responder current;
        {
            std::lock_guard lock(mutex);
            recorded.push_back(RecordedRequest{request.method, request.path, request.query, request.authorization,
                                               request.body});
            current = responder;
        }
        changed.notify_all();
        http::HttpResponse response;
        try {
            response = current(request);
        } catch (const std::exception& e) {
            response = http::HttpResponse::text(500, e.what());
        }
        reply(std::move(response));
    }

    asio::io_context io;
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    mutable std::mutex mutex;
    mutable std::condition_variable changed;
    Responder responder;
    std::vector<RecordedRequest> recorded;
    std::unique_ptr<http::HttpServer> server;
    std::uint16_t port = 0;
    std::thread thread;
};

FakeServer::FakeServer(Responder responder) : impl_(std::make_unique<Impl>(std::move(responder))) {
    http::ServerConfig config;
    config.host = "127.0.0.1";
    config.port = 0;
    auto* impl = impl_.get();
    impl->server = std::make_unique<http::HttpServer>(
        impl->io, config, [impl](http::HttpRequest request, http::Reply reply) {
            impl->handle(std::move(request), std::move(reply));
        });
    impl->port = impl->server->listen();
    impl->thread = std::thread([impl] { impl->io.run(); });
}

FakeServer::~FakeServer() {
    impl_->server->stop();
    impl_->work.reset();
    impl_->io.stop();
    impl_->thread.join();
    impl_->server.reset();
}

std::uint16_t FakeServer::port() const { return impl_->port; }

std::string FakeServer::url() const { return "http://127.0.0.1:" + std::to_string(impl_->port); }

void FakeServer::set_responder(Responder responder) {
    std::lock_guard lock(impl_->mutex);
    impl_->responder = responder ? std::move(responder) : Responder(default_answer);
}

std::vector<RecordedRequest> FakeServer::requests() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->recorded;
}

bool FakeServer::wait_for(const std::function<bool(const std::vector<RecordedRequest>&)>& condition,
                          std::chrono::milliseconds timeout) const {
    std::unique_lock lock(impl_->mutex);
    return impl_->changed.wait_for(lock, timeout, [&] { return condition(impl_->recorded); });
}

void FakeServer::stop() { impl_->server->stop(); }

}  // namespace fleet::test
