#pragma once

#include "tools/fleetctl/backend_client.hpp"
#include "tools/fleetctl/command.hpp"

#include <boost/json/value.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace fleet::ctl {

// How a command shows what the backend answered: `-o json` prints the body as
// it came; the table form is the command's own.
int print_answer(Context& ctx, const Answer& answer, const std::function<void(const boost::json::value&)>& table);

// `{"success", "data": {...}}` -> the data; anything else as it is.
const boost::json::value& data_of(const boost::json::value& answer);

// The array under `key` (of the data), or empty.
const boost::json::array& array_at(const boost::json::value& data, std::string_view key);

// One object's fields, one a line ("key  value"), leaving out `skip`.
void print_object(Context& ctx, const boost::json::value& object, const std::vector<std::string>& skip = {});

// A table of `items`: one row per object, a column per (header, field) pair;
// fields ending in `_at` are shown as relative times.
void print_items(Context& ctx, const boost::json::array& items,
                 const std::vector<std::pair<std::string, std::string>>& columns);

// "<shown> of <total> <noun>(s)" under a list, when the answer's data says its total.
void print_total(Context& ctx, const boost::json::value& data, std::size_t shown, const std::string& noun);

// A one-line confirmation: the answer's `message`, else `fallback`.
int print_done(Context& ctx, const Answer& answer, const std::string& fallback);

}  // namespace fleet::ctl
