#include "backend/core_context.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace fleet::backend {

void CoreContext::call_worker(http::Method method, std::string url, std::string body,
                              std::function<void(http::ClientResponse)> then,
                              std::chrono::milliseconds timeout) const {
    http::ClientRequest request;
    request.method = method;
    request.url = std::move(url);
    request.body = std::move(body);
    request.bearer_token = config.token;
    request.timeout = timeout;
    request.body_limit = worker_message_limit(config);
    client.send(std::move(request), [&core = core, then = std::move(then)](http::ClientResponse response) mutable {
        boost::asio::post(core, [then = std::move(then), response = std::move(response)]() mutable {
            then(std::move(response));
        });
    });
}

}  // namespace fleet::backend
