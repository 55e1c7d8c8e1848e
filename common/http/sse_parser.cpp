#include "common/http/sse_parser.hpp"

#include <algorithm>
#include <cctype>

namespace fleet::http {

namespace {
constexpr std::string_view kBom = "\xEF\xBB\xBF";
}

void SseParser::feed(std::string_view piece) {
    if (!started_) {
        // The BOM may arrive split over pieces: wait for three bytes or a mismatch.
        partial_.append(piece);
        if (partial_.size() < kBom.size() && kBom.substr(0, partial_.size()) == partial_) return;
        started_ = true;
        std::string text = std::move(partial_);
        partial_.clear();
        if (std::string_view(text).substr(0, kBom.size()) == kBom) text.erase(0, kBom.size());
        feed(text);
        return;
    }
    std::size_t at = 0;
    if (after_cr_ && !piece.empty()) {
        after_cr_ = false;
        if (piece.front() == '\n') at = 1;
    }
    while (at < piece.size()) {
        const auto end = piece.find_first_of("\r\n", at);
        if (end == std::string_view::npos) {
            partial_.append(piece.substr(at));
            return;
        }
        if (partial_.empty()) {
            line(piece.substr(at, end - at));
        } else {
            partial_.append(piece.substr(at, end - at));
            const std::string whole = std::move(partial_);
            partial_.clear();
            line(whole);
        }
        at = end + 1;
        if (piece[end] == '\r') {
            if (at == piece.size()) after_cr_ = true;
            else if (piece[at] == '\n') ++at;
        }
    }
}

void SseParser::line(std::string_view text) {
    if (text.empty()) {
        if (has_data_) {
            SseEvent event;
            if (!type_.empty()) event.type = type_;
            event.data = std::move(data_);
            event.last_event_id = last_event_id_;
            on_event_(event);
        }
        type_.clear();
        data_.clear();
        has_data_ = false;
        return;
    }
    if (text.front() == ':') {  // a comment (keep-alive)
        ++comments_;
        return;
    }
    const auto colon = text.find(':');
    if (colon == std::string_view::npos) {
        field(text, {});
        return;
    }
    auto value = text.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    field(text.substr(0, colon), value);
}

void SseParser::field(std::string_view name, std::string_view value) {
    if (name == "event") {
        type_.assign(value);
    } else if (name == "data") {
        if (has_data_) data_ += '\n';
        data_.append(value);
        has_data_ = true;
    } else if (name == "id") {
        if (value.find('\0') == std::string_view::npos) last_event_id_.assign(value);
    } else if (name == "retry") {
        const bool digits = !value.empty() && value.size() <= 12 &&
                            std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); });
        if (digits) retry_ms_ = std::stoll(std::string(value));
    }
}

}  // namespace fleet::http
