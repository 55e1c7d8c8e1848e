// Query and path parameters (common/http/message query_param, common/http/query).
// The input is "<raw query>\n<value>". Invariants: the readers return or throw
// an ApiError with status 400, within their bounds; any value, percent-encoded
// into a query, decodes back to itself; id_param accepts only plain ids.
#include "common/http/error.hpp"
#include "common/http/message.hpp"
#include "common/http/query.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using fleet::fuzz::check;
using fleet::http::ApiError;
using fleet::http::HttpRequest;

std::string percent_encoded(std::string_view value) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : value) {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
    return out;
}

bool plain_id(std::string_view id) {
    if (id.empty() || id.size() > 128) return false;
    for (unsigned char c : id)
        if (!(std::isalnum(c) || c == '_' || c == '.' || c == ':' || c == '-')) return false;
    return true;
}

// Runs `read`; an ApiError must be a 400.
template <typename Read>
void refused_with_400(Read read, std::string_view what) {
    try {
        read();
    } catch (const ApiError& error) {
        check(error.status() == 400, "a bad query parameter is a 400", what);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto newline = input.find('\n');
    const std::string_view raw = input.substr(0, newline);
    const std::string_view value = newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);

    HttpRequest request;
    request.query = std::string(raw);
    for (std::string_view name : {"limit", "offset", "status", "cursor", "wait", "operation_type"})
        (void)request.query_param(name);
    refused_with_400([&] { check(fleet::http::query_size(request, "limit", 100, 1000) <= 1000, "limit <= max"); },
                     "limit");
    refused_with_400(
        [&] {
            const auto wait = fleet::http::query_duration(request, "wait", std::chrono::seconds(60));
            check(wait.count() >= 0 && wait <= std::chrono::seconds(60), "0 <= wait <= max", raw);
        },
        "wait");

    request.query = "a=1&key=" + percent_encoded(value) + "&b";
    const auto decoded = request.query_param("key");
    check(decoded.has_value() && *decoded == value, "a percent-encoded value decodes to itself", value);

    request.path_params = {{"id", std::string(value)}};
    try {
        const std::string id = fleet::http::id_param(request, "id", "operation id");
        check(id == value && plain_id(id), "id_param returns only plain ids", value);
    } catch (const ApiError& error) {
        check(error.status() == 400 && !plain_id(value), "id_param refuses only ids that are not plain", value);
    }
    return 0;
}
