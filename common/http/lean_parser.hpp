#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/beast/core/string.hpp>

#include <boost/asio/error.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

// Internal to common/http: the server and the client parse with it.
namespace fleet::http {

// A Beast parser that keeps only what Fleet reads of a message: the request
// line or status, the Authorization, Idempotency-Key, Last-Event-ID and
// If-None-Match headers and the body. Beast's own parser builds a field
// list, an allocation per header, that nobody reads here.
// Limits, keep-alive, chunked bodies and content lengths stay Beast's work.
template <bool IsRequest>
class LeanParser : public boost::beast::http::basic_parser<IsRequest> {
public:
    boost::beast::http::verb method = boost::beast::http::verb::unknown;  // requests
    std::string target;                                                    // requests
    std::string authorization;                                             // requests
    std::string idempotency_key;                                           // requests
    std::string last_event_id;                                             // requests
    std::string if_none_match;                                             // requests
    int status = 0;                                                        // responses
    unsigned version = 11;
    std::string body;
    // When set, body pieces go here as they arrive instead of into `body`
    // (a streamed answer); returning false stops the read with operation_aborted.
    std::function<bool(std::string_view)> body_sink;

private:
    using string_view = boost::beast::string_view;
    using error_code = boost::beast::error_code;

    void on_request_impl(boost::beast::http::verb verb, string_view, string_view request_target, int request_version,
                         error_code&) override {
        method = verb;
        target.assign(request_target.data(), request_target.size());
        version = static_cast<unsigned>(request_version);
    }

    void on_response_impl(int code, string_view, int response_version, error_code&) override {
        status = code;
        version = static_cast<unsigned>(response_version);
    }

    void on_field_impl(boost::beast::http::field name, string_view name_text, string_view value,
                       error_code&) override {
        if (!IsRequest) return;
        if (name == boost::beast::http::field::authorization) authorization.assign(value.data(), value.size());
        else if (name == boost::beast::http::field::if_none_match) if_none_match.assign(value.data(), value.size());
        // Beast has no constant for it: compared by text, only for fields it does not know.
        else if (name == boost::beast::http::field::unknown && boost::beast::iequals(name_text, "Idempotency-Key"))
            idempotency_key.assign(value.data(), value.size());
        else if (name == boost::beast::http::field::unknown && boost::beast::iequals(name_text, "Last-Event-ID"))
            last_event_id.assign(value.data(), value.size());
    }

    void on_header_impl(error_code&) override {}

    // The base has checked a declared length against the body limit by now.
    void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override {
        if (length) body.reserve(static_cast<std::size_t>(*length));
    }

    std::size_t on_body_impl(string_view piece, error_code& ec) override { return take(piece, ec); }

    void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}

    std::size_t on_chunk_body_impl(std::uint64_t, string_view piece, error_code& ec) override {
        return take(piece, ec);
    }

    std::size_t take(string_view piece, error_code& ec) {
        if (!body_sink) {
            body.append(piece.data(), piece.size());
        } else if (!body_sink(std::string_view(piece.data(), piece.size()))) {
            ec = boost::asio::error::operation_aborted;
        }
        return piece.size();
    }

    void on_finish_impl(error_code&) override {}
};

}  // namespace fleet::http
