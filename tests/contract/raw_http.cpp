#include "tests/contract/raw_http.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <cctype>

namespace fleet::contract {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

}  // namespace

std::optional<std::string> RawAnswer::header(std::string_view name) const {
    const std::string wanted = lower(name);
    for (const auto& [key, value] : headers)
        if (lower(key) == wanted) return value;
    return std::nullopt;
}

std::string RawAnswer::media_type() const {
    const std::string value = header("Content-Type").value_or("");
    std::string media = lower(value.substr(0, value.find(';')));
    while (!media.empty() && media.back() == ' ') media.pop_back();
    return media;
}

RawAnswer raw_exchange(std::uint16_t port, const std::string& request, std::chrono::milliseconds timeout) {
    asio::io_context io;
    beast::tcp_stream stream(io);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    RawAnswer answer;
    const asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);

    // One deadline for the whole exchange: connect, write, read.
    stream.expires_after(timeout);
    stream.async_connect(endpoint, [&](beast::error_code ec) {
        if (ec) {
            answer.error = "connect: " + ec.message();
            return;
        }
        asio::async_write(stream, asio::buffer(request), [&](beast::error_code write_ec, std::size_t) {
            // A server that answers before the request is complete (413, 431)
            // may reset the rest of the write: its answer is still to be read.
            (void)write_ec;
            bhttp::async_read(stream, buffer, parser, [&](beast::error_code read_ec, std::size_t) {
                if (read_ec) answer.error = "read: " + read_ec.message();
            });
        });
    });
    io.run();
    if (!answer.ok()) return answer;
    auto message = parser.release();
    answer.status = static_cast<int>(message.result_int());
    for (const auto& field : message) answer.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    answer.body = std::move(message.body());
    return answer;
}

std::string http_request(std::string_view method, std::string_view target, const std::optional<std::string>& body,
                         const std::string& token) {
    std::string out;
    out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if (!token.empty()) out.append("Authorization: Bearer ").append(token).append("\r\n");
    if (body) {
        out.append("Content-Type: application/json\r\nContent-Length: ").append(std::to_string(body->size())).append("\r\n\r\n");
        out.append(*body);
    } else {
        out.append("\r\n");
    }
    return out;
}

}  // namespace fleet::contract
