#pragma once

#include "common/http/client.hpp"
#include "common/http/sse_parser.hpp"

#include <boost/json/value.hpp>

#include <functional>
#include <string>

namespace fleet::ctl {

// An answer the backend gave with a 2xx status.
struct Answer {
    int status = 0;
    std::string body;        // as it came: `-o json` prints it unchanged
    boost::json::value json;  // parsed (null when the body is not JSON)
};

// fleetctl's view of the backend API: requests by path, the base URL and the
// token added, and every failure turned into a CliError with its exit code
// (404 -> NotFound, other 4xx -> Refused, no answer or 5xx -> Unreachable),
// its message the backend's own `error` text.
class BackendClient {
public:
    // `tls`: the CA and client certificate for an https:// backend (null: the system store, no certificate).
    BackendClient(std::string base_url, std::string token, std::shared_ptr<http::TlsContext> tls = nullptr);

    const std::string& base_url() const { return base_url_; }

    Answer get(const std::string& path_and_query);
    Answer post(const std::string& path, const std::string& body = {}, http::Fields headers = {});
    Answer del(const std::string& path);

    // Sends and returns the answer whatever its status; throws only when there was none.
    http::ClientResponse send_raw(http::Method method, const std::string& path_and_query, std::string body = {},
                                  http::Fields headers = {});

    // Follows GET /api/v1/events?<query> from `last_event_id` (empty: from now),
    // handing each event to `on_event` until it returns false. `on_connected`
    // runs once the stream has begun (what happened before is then in the
    // state a GET shows); returning false ends the stream there. Returns how the stream ended: `None` when on_event
    // stopped it, else the failure (the caller reconnects). A non-2xx answer throws.
    http::ClientResponse follow_events(const std::string& query, const std::string& last_event_id,
                                       const std::function<bool()>& on_connected,
                                       const std::function<bool(const http::SseEvent&)>& on_event,
                                       std::string& resume_id);

    // A send_raw answer as get/post/del return it: throws for a non-2xx status.
    Answer check(const http::ClientResponse& response, const std::string& what);

private:

    std::string base_url_;
    std::string token_;
    http::BlockingHttpClient client_;
    http::BlockingHttpClient stream_client_;  // its own thread: on_event may call the backend
};

// The exit code for a non-2xx status.
int exit_code_for_status(int status);

}  // namespace fleet::ctl
