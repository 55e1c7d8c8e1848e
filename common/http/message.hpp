#pragma once

#include <boost/json/value.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Plain request/response types shared by the server, the router and handlers.
// They keep Beast out of every header above the socket layer.
namespace fleet::http {

class ResponseStream;

enum class Method { Get, Head, Post, Put, Patch, Delete, Options, Other };

std::string_view to_string(Method method);

using Fields = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
    Method method = Method::Get;
    std::string target;         // as received: path and query
    std::string path;           // target without the query
    std::string query;          // raw query, without '?'
    std::string authorization;  // the Authorization header, if any
    std::string idempotency_key;  // the Idempotency-Key header, if any
    std::string last_event_id;    // the Last-Event-ID header, if any (an event stream's reconnect)
    std::string if_none_match;    // the If-None-Match header, if any (the dashboard's files)
    std::string body;
    Fields path_params;         // filled by the router from `{name}` segments

    // The decoded value of query parameter `name`, if present.
    std::optional<std::string> query_param(std::string_view name) const;
    // The value of path parameter `name`; empty if the route has none.
    std::string_view path_param(std::string_view name) const;
};

struct HttpResponse {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
    Fields headers;
    // Set: the answer has no length; `body` is written first, then what the
    // stream gives until it ends or the client leaves, and the connection closes.
    std::shared_ptr<ResponseStream> stream;

    static HttpResponse json(int status, const boost::json::value& body);
    static HttpResponse text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
};

}  // namespace fleet::http
