#include "backend/dispatch/requirements.hpp"

#include <optional>
#include <string_view>

namespace fleet::backend {
namespace {

constexpr std::string_view kMemoryGb = "memory_gb";
constexpr std::string_view kMemoryMb = "memory_mb";
constexpr double kMbPerGb = 1024;

// The worker's memory in `unit` (memory_gb or memory_mb), from whichever of the two it reports.
std::optional<double> memory_in(const boost::json::object& capabilities, std::string_view unit) {
    const std::string_view other = unit == kMemoryGb ? kMemoryMb : kMemoryGb;
    if (const auto* same = capabilities.if_contains(unit); same && same->is_number()) return same->to_number<double>();
    if (const auto* converted = capabilities.if_contains(other); converted && converted->is_number()) {
        const double value = converted->to_number<double>();
        return unit == kMemoryGb ? value / kMbPerGb : value * kMbPerGb;
    }
    return std::nullopt;
}

}  // namespace

bool meets(const boost::json::object& capabilities, const boost::json::object& requirements) {
    for (const auto& [key, wanted] : requirements) {
        if (wanted.is_number() && (key == kMemoryGb || key == kMemoryMb)) {
            const auto memory = memory_in(capabilities, key);
            if (!memory || *memory < wanted.to_number<double>()) return false;
            continue;
        }
        const auto* offered = capabilities.if_contains(key);
        if (!offered) return false;
        if (wanted.is_number()) {
            if (!offered->is_number() || offered->to_number<double>() < wanted.to_number<double>()) return false;
        } else if (*offered != wanted) {
            return false;
        }
    }
    return true;
}

}  // namespace fleet::backend
