#include "backend/admin/run_rules.hpp"

#include "common/json/text.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace fleet::backend::run_rules {
namespace {

// JSON text with every object's keys in order, so `{"a":1,"b":2}` and `{"b":2,"a":1}` read alike.
void canonical(const boost::json::value& value, std::string& out) {
    if (value.is_object()) {
        const auto& object = value.get_object();
        std::vector<const boost::json::key_value_pair*> fields;
        fields.reserve(object.size());
        for (const auto& field : object) fields.push_back(&field);
        std::sort(fields.begin(), fields.end(), [](auto* a, auto* b) { return a->key() < b->key(); });
        out += '{';
        for (const auto* field : fields) {
            if (out.back() != '{') out += ',';
            out += json::to_text(boost::json::value(field->key()));
            out += ':';
            canonical(field->value(), out);
        }
        out += '}';
    } else if (value.is_array()) {
        out += '[';
        for (const auto& item : value.get_array()) {
            if (out.back() != '[') out += ',';
            canonical(item, out);
        }
        out += ']';
    } else {
        out += json::to_text(value);
    }
}

}  // namespace

Overlap decide_overlap(bool bot_has_active_run, bool strict) {
    if (!bot_has_active_run) return Overlap::None;
    return strict ? Overlap::Refuse : Overlap::Warn;
}

std::string overlap_message(std::string_view bot, std::string_view active_run_id, std::string_view active_status) {
    return "bot '" + std::string(bot) + "' already has run " + std::string(active_run_id) + " " +
           std::string(active_status);
}

Key decide_key(const std::optional<AdminRunRecord>& holder, std::string_view fingerprint, SystemTime now,
               std::chrono::seconds ttl) {
    if (!holder) return Key::New;
    if (now - holder->created_at >= ttl) return Key::Expired;
    return holder->fingerprint == fingerprint ? Key::Replay : Key::Mismatch;
}

std::string request_fingerprint(std::string_view bot, const boost::json::object& params, bool strict,
                                std::string_view rerun_of) {
    std::string text;
    canonical(boost::json::value{{"bot", bot}, {"params", params}, {"strict", strict}, {"rerun_of", rerun_of}}, text);
    std::uint64_t hash = 14695981039346656037ull;
    for (const unsigned char c : text) {
        hash ^= c;
        hash *= 1099511628211ull;
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 15; i >= 0; --i, hash >>= 4) out[static_cast<std::size_t>(i)] = kHex[hash & 0xf];
    return out;
}

}  // namespace fleet::backend::run_rules
