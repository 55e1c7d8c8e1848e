#include "tools/fleetctl/backend_client.hpp"

#include "common/json/parse.hpp"
#include "tools/fleetctl/exit_code.hpp"

#include <boost/json/object.hpp>

namespace fleet::ctl {

namespace {

constexpr std::chrono::seconds kRequestTimeout{30};
// Three keep-alive comments (every 15 s) missed: the stream is dead.
constexpr std::chrono::seconds kStreamSilence{45};

boost::json::value parse_or_null(const std::string& body) {
    boost::system::error_code ec;
    auto value = json::parse(body, ec);
    return ec ? boost::json::value() : value;
}

std::string error_text(const boost::json::value& body, const std::string& raw) {
    if (const auto* object = body.if_object()) {
        if (const auto* error = object->if_contains("error"); error && error->is_string())
            return std::string(error->get_string());
        if (const auto* message = object->if_contains("message"); message && message->is_string())
            return std::string(message->get_string());
    }
    return raw.size() > 300 ? raw.substr(0, 300) + "..." : raw;
}

}  // namespace

int exit_code_for_status(int status) {
    if (status >= 200 && status < 300) return to_int(ExitCode::Ok);
    if (status == 404) return to_int(ExitCode::NotFound);
    if (status >= 400 && status < 500) return to_int(ExitCode::Refused);
    return to_int(ExitCode::Unreachable);
}

BackendClient::BackendClient(std::string base_url, std::string token, std::shared_ptr<http::TlsContext> tls)
    : base_url_(std::move(base_url)), token_(std::move(token)), client_(tls), stream_client_(tls) {
    while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

http::ClientResponse BackendClient::send_raw(http::Method method, const std::string& path_and_query, std::string body,
                                             http::Fields headers) {
    http::ClientRequest request{method, base_url_ + path_and_query, std::move(body), token_, kRequestTimeout};
    request.headers = std::move(headers);
    auto response = client_.send(std::move(request));
    if (!response.ok()) {
        throw CliError(response.error == http::ClientError::InvalidUrl ? ExitCode::Usage : ExitCode::Unreachable,
                       "cannot reach the backend at " + base_url_ + ": " + response.error_message);
    }
    return response;
}

Answer BackendClient::check(const http::ClientResponse& response, const std::string& what) {
    Answer answer{response.status, response.body, parse_or_null(response.body)};
    if (response.status >= 200 && response.status < 300) return answer;
    throw CliError(static_cast<ExitCode>(exit_code_for_status(response.status)),
                   what + ": " + std::to_string(response.status) + " " + error_text(answer.json, response.body));
}

Answer BackendClient::get(const std::string& path_and_query) {
    return check(send_raw(http::Method::Get, path_and_query), "GET " + path_and_query);
}

Answer BackendClient::post(const std::string& path, const std::string& body, http::Fields headers) {
    return check(send_raw(http::Method::Post, path, body, std::move(headers)), "POST " + path);
}

Answer BackendClient::del(const std::string& path) {
    return check(send_raw(http::Method::Delete, path), "DELETE " + path);
}

http::ClientResponse BackendClient::follow_events(const std::string& query, const std::string& last_event_id,
                                                  const std::function<bool()>& on_connected,
                                                  const std::function<bool(const http::SseEvent&)>& on_event,
                                                  std::string& resume_id) {
    const std::string path = "/api/v1/events" + (query.empty() ? std::string() : "?" + query);
    http::ClientRequest request{http::Method::Get, base_url_ + path, {}, token_, kStreamSilence};
    request.headers.emplace_back("Accept", "text/event-stream");
    if (!last_event_id.empty()) request.headers.emplace_back("Last-Event-ID", last_event_id);
    bool connected = false;
    bool stop = false;
    http::SseParser parser([&](const http::SseEvent& event) {
        if (!stop && !on_event(event)) stop = true;
    });
    resume_id = last_event_id;
    auto response = stream_client_.stream(std::move(request), [&](std::string_view piece) {
        if (!connected) {
            connected = true;
            if (!on_connected()) {
                stop = true;
                return false;
            }
        }
        parser.feed(piece);
        if (!parser.last_event_id().empty()) resume_id = parser.last_event_id();
        return !stop;
    });
    if (response.ok() && (response.status < 200 || response.status >= 300)) check(response, "GET " + path);
    if (response.ok() && !stop) {
        response.error = http::ClientError::Closed;
        response.error_message = "the backend ended the stream";
    }
    return response;
}

}  // namespace fleet::ctl
