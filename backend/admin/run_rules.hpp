#pragma once

#include "backend/admin/admin_run.hpp"
#include "common/clock.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

// The decisions of a new admin run, pure: time and state passed in.
namespace fleet::backend::run_rules {

// A run of a bot that already has one pending or running.
enum class Overlap { None, Warn, Refuse };
Overlap decide_overlap(bool bot_has_active_run, bool strict);
std::string overlap_message(std::string_view bot, std::string_view active_run_id, std::string_view active_status);

// An Idempotency-Key seen before, as Stripe treats it: the same request again
// gets the first run (Replay), a different request under the same key is
// refused (Mismatch), and a key older than the TTL is free again (Expired).
enum class Key { New, Replay, Mismatch, Expired };
Key decide_key(const std::optional<AdminRunRecord>& holder, std::string_view fingerprint, SystemTime now,
               std::chrono::seconds ttl);

// What makes two run requests the same: the bot, the params (key order does
// not matter), strict, and the run repeated. 16 hex digits (FNV-1a, 64 bits).
std::string request_fingerprint(std::string_view bot, const boost::json::object& params, bool strict,
                                std::string_view rerun_of);

}  // namespace fleet::backend::run_rules
