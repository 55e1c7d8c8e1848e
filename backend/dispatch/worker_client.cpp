#include "backend/dispatch/worker_client.hpp"

#include "common/json/parse.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace fleet::backend {

std::optional<boost::json::object> answer_data(std::string_view body, boost::system::error_code& ec) {
    auto parsed = json::parse(body, ec);
    auto* data = (!ec && parsed.is_object()) ? parsed.as_object().if_contains("data") : nullptr;
    if (!data || !data->is_object()) return std::nullopt;
    return std::move(data->get_object());
}

HttpWorkerClient::HttpWorkerClient(boost::asio::io_context& core, http::HttpClient& client, std::string token,
                                   std::size_t body_limit)
    : core_(core), client_(client), token_(std::move(token)), body_limit_(body_limit) {}

void HttpWorkerClient::start(const std::string& endpoint_url, const std::string& domain, std::string body,
                             Answer then) {
    call(http::Method::Post, endpoint_url + "/" + domain + "/start", std::move(body), std::move(then));
}

void HttpWorkerClient::get(const std::string& endpoint_url, const std::string& operation_id, Answer then) {
    call(http::Method::Get, endpoint_url + "/api/v1/operations/" + operation_id, {}, std::move(then));
}

void HttpWorkerClient::metrics(const std::string& endpoint_url, const std::string& operation_id,
                               const std::string& query, Answer then) {
    call(http::Method::Get,
         endpoint_url + "/api/v1/operations/" + operation_id + "/metrics" + (query.empty() ? "" : "?" + query), {},
         std::move(then));
}

void HttpWorkerClient::cancel(const std::string& endpoint_url, const std::string& operation_id, Answer then) {
    call(http::Method::Delete, endpoint_url + "/api/v1/operations/" + operation_id + "/cancel", {}, std::move(then));
}

void HttpWorkerClient::drain(const std::string& endpoint_url, Answer then) {
    call(http::Method::Post, endpoint_url + "/api/v1/drain", {}, std::move(then));
}

void HttpWorkerClient::newest(const std::string& endpoint_url, std::size_t limit, Answer then) {
    call(http::Method::Get,
         endpoint_url + "/api/v1/operations?limit=" + std::to_string(limit) + "&fields=operation_id,status", {},
         std::move(then));
}

void HttpWorkerClient::call(http::Method method, std::string url, std::string body, Answer then) {
    http::ClientRequest request;
    request.method = method;
    request.url = std::move(url);
    request.body = std::move(body);
    request.bearer_token = token_;
    request.body_limit = body_limit_;
    client_.send(std::move(request), [&core = core_, then = std::move(then)](http::ClientResponse response) mutable {
        boost::asio::post(core, [then = std::move(then), response = std::move(response)]() mutable {
            then(std::move(response));
        });
    });
}

}  // namespace fleet::backend
