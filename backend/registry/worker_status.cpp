#include "backend/registry/worker_status.hpp"

#include <array>
#include <utility>

namespace fleet::backend {
namespace {

constexpr std::array<std::pair<WorkerStatus, std::string_view>, 4> kNames{{
    {WorkerStatus::Available, "AVAILABLE"},
    {WorkerStatus::Busy, "BUSY"},
    {WorkerStatus::TemporarilyUnavailable, "TEMPORARILY_UNAVAILABLE"},
    {WorkerStatus::Draining, "DRAINING"},
}};

}  // namespace

std::string_view to_string(WorkerStatus status) {
    for (const auto& [value, name] : kNames)
        if (value == status) return name;
    return "UNKNOWN";
}

std::optional<WorkerStatus> parse_worker_status(std::string_view text) {
    for (const auto& [value, name] : kNames)
        if (name == text) return value;
    return std::nullopt;
}

}  // namespace fleet::backend
