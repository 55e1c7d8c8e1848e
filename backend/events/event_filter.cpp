#include "backend/events/event_filter.hpp"

#include <algorithm>

namespace fleet::backend {
namespace {

constexpr std::string_view kFamilies[] = {"worker", "operation", "run", "workflow", "step", "schedule"};

std::string_view family_of(std::string_view type) { return type.substr(0, type.find('.')); }

bool key_matches(const std::string& wanted, const std::string& has) { return wanted.empty() || wanted == has; }

}  // namespace

bool EventFilter::accepts(std::string_view type, const EventKeys& event) const {
    if (!types.empty() && std::none_of(types.begin(), types.end(), [&](const std::string& wanted) {
            return wanted == type || wanted == family_of(type);
        }))
        return false;
    return key_matches(keys.operation_id, event.operation_id) && key_matches(keys.worker_id, event.worker_id) &&
           key_matches(keys.workflow_id, event.workflow_id) && key_matches(keys.schedule_id, event.schedule_id) &&
           key_matches(keys.run_id, event.run_id);
}

std::variant<std::vector<std::string>, std::string> parse_event_types(std::string_view text) {
    std::vector<std::string> types;
    while (!text.empty()) {
        const auto comma = text.find(',');
        const auto word = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        if (word.empty()) continue;
        const bool known = std::find(std::begin(kFamilies), std::end(kFamilies), word) != std::end(kFamilies) ||
                           (word != "gap" && std::find(std::begin(kEventTypes), std::end(kEventTypes), word) !=
                                                 std::end(kEventTypes));
        if (!known) {
            std::string message = "unknown event type '" + std::string(word) + "'; known: ";
            for (auto family : kFamilies) message += std::string(family) + ", ";
            for (auto type : kEventTypes)
                if (type != "gap") message += std::string(type) + ", ";
            message.resize(message.size() - 2);
            return message;
        }
        types.emplace_back(word);
    }
    return types;
}

}  // namespace fleet::backend
