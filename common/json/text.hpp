#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace fleet::json {

// The one way JSON leaves Fleet (answers, calls, the store, CLI output, logs).
// Like boost::json::serialize, except that a double is written as the shortest
// decimal that reads back as the same double (std::to_chars): 100, 0.5,
// 0.7299449454988162, 1e+21; never Boost 1.81's 1E2 or 7.299449454988162E-1.
// Infinity and NaN, which JSON cannot hold, are written as null.
std::string to_text(const boost::json::value& value);
// The same for an object or array held as such (a value made of it would be a copy).
std::string to_text(const boost::json::object& object);
std::string to_text(const boost::json::array& array);

// Appends to_text(value) to `out`.
void append_text(std::string& out, const boost::json::value& value);

// Appends `text` as a JSON string, quotes included (the escapes of to_text).
void append_quoted(std::string& out, std::string_view text);

// to_text(value).size(), without building the text.
std::size_t text_size(const boost::json::value& value);

// `text` as a JSON string, or null when it is empty (an id or message not set).
boost::json::value text_or_null(std::string_view text);

// For JSON that Fleet keeps and reads back itself (the backend's store): as
// to_text, except that a double with a whole value keeps a ".0" (100.0, -0.0),
// so every number comes back with the kind it had, not only the same value.
std::string to_stored_text(const boost::json::value& value);
std::string to_stored_text(const boost::json::object& object);

}  // namespace fleet::json
