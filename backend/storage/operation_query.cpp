#include "backend/storage/operation_query.hpp"

#include <charconv>
#include <chrono>

namespace fleet::backend {

std::string to_string(const OperationCursor& cursor) {
    return std::to_string(cursor.created_ms) + "." + cursor.operation_id;
}

std::optional<OperationCursor> parse_cursor(std::string_view text) {
    const auto dot = text.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == text.size()) return std::nullopt;
    OperationCursor cursor;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + dot, cursor.created_ms);
    if (ec != std::errc() || end != text.data() + dot) return std::nullopt;
    cursor.operation_id = std::string(text.substr(dot + 1));
    return cursor;
}

OperationCursor cursor_of(const OperationRecord& operation) {
    const auto created = std::chrono::floor<std::chrono::milliseconds>(operation.created_at.time_since_epoch());
    return {created.count(), operation.operation_id};
}

}  // namespace fleet::backend
