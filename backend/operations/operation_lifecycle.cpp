#include "backend/operations/operation_lifecycle.hpp"

#include "common/log.hpp"

#include <utility>

namespace fleet::backend::lifecycle {
namespace {

Move refuse(const OperationRecord& operation, OperationStatus to) { return {Outcome::Refused, operation.status, to}; }

// Every status assignment of the backend is this one line.
Move move_to(OperationRecord& operation, OperationStatus to) {
    const OperationStatus from = operation.status;
    if (from == to) return {Outcome::Unchanged, from, to};
    operation.status = to;
    return {Outcome::Applied, from, to};
}

// An end sets completed_at once; one that never had a start (cancelled while
// queued, or its completion overtook the start's answer) started when it ended.
Move end(OperationRecord& operation, OperationStatus status, SystemTime now) {
    const Move move = move_to(operation, status);
    if (!operation.completed_at) operation.completed_at = now;
    if (!operation.started_at) operation.started_at = operation.completed_at;
    return move;
}

void clear_worker(OperationRecord& operation) {
    operation.worker_id.clear();
    operation.worker_instance_id.clear();
}

bool on_a_worker(OperationStatus status) {
    return status == OperationStatus::Pending || status == OperationStatus::Running;
}

}  // namespace

std::string_view to_string(Outcome outcome) {
    switch (outcome) {
        case Outcome::Applied: return "applied";
        case Outcome::Unchanged: return "unchanged";
        case Outcome::Refused: return "refused";
    }
    return "refused";
}

bool allowed(OperationStatus from, OperationStatus to) {
    (void)to;
    return !is_terminal(from);
}

std::string table() {
    std::string out = "| from \\ to |";
    for (auto to : kStatuses) out += " " + std::string(fleet::to_string(to)) + " |";
    out += "\n| --- |";
    for (std::size_t i = 0; i < kStatuses.size(); ++i) out += " --- |";
    out += "\n";
    for (auto from : kStatuses) {
        out += "| " + std::string(fleet::to_string(from)) + " |";
        for (auto to : kStatuses) out += !allowed(from, to) ? " refused |" : from == to ? " stays |" : " yes |";
        out += "\n";
    }
    return out;
}

Move claim(OperationRecord& operation, const WorkerRecord& worker) {
    if (operation.status != OperationStatus::Queued) return refuse(operation, OperationStatus::Pending);
    operation.worker_id = worker.worker_id;
    operation.worker_instance_id = worker.instance_id;
    operation.unknown_since.reset();
    ++operation.attempts;
    return move_to(operation, OperationStatus::Pending);
}

Move started(OperationRecord& operation, SystemTime now) {
    if (operation.status == OperationStatus::Running) return {Outcome::Unchanged, operation.status, operation.status};
    if (operation.status != OperationStatus::Pending) return refuse(operation, OperationStatus::Running);
    operation.started_at = now;
    return move_to(operation, OperationStatus::Running);
}

Move undo_claim(OperationRecord& operation) {
    if (!on_a_worker(operation.status)) return refuse(operation, OperationStatus::Queued);
    clear_worker(operation);
    --operation.attempts;
    return move_to(operation, OperationStatus::Queued);
}

Move requeue(OperationRecord& operation) {
    if (!allowed(operation.status, OperationStatus::Queued)) return refuse(operation, OperationStatus::Queued);
    clear_worker(operation);
    return move_to(operation, OperationStatus::Queued);
}

Move await_result(OperationRecord& operation, const WorkerRecord& worker) {
    if (!allowed(operation.status, OperationStatus::Running)) return refuse(operation, OperationStatus::Running);
    operation.worker_instance_id = worker.instance_id;
    if (operation.status != OperationStatus::Queued) return {Outcome::Unchanged, operation.status, operation.status};
    operation.worker_id = worker.worker_id;
    return move_to(operation, OperationStatus::Running);
}

Move finish(OperationRecord& operation, OperationStatus status, std::string error, SystemTime now) {
    if (!is_terminal(status) || !allowed(operation.status, status)) return refuse(operation, status);
    operation.error_message = std::move(error);
    return end(operation, status, now);
}

Move fail(OperationRecord& operation, std::string error, SystemTime now) {
    if (!allowed(operation.status, OperationStatus::Failed)) return refuse(operation, OperationStatus::Failed);
    operation.error_message = std::move(error);
    operation.completed_at = now;
    return move_to(operation, OperationStatus::Failed);
}

namespace {

// apply_worker_view for a view read only (its parts copied) or given up (its parts moved).
template <class View>
Move apply_view(OperationRecord& operation, View& view, SystemTime now) {
    OperationStatus to = operation.status;
    if (const auto* status = view.if_contains("status"); status && status->is_string()) {
        if (auto parsed = parse_operation_status(status->get_string()); parsed && *parsed != OperationStatus::Queued)
            to = *parsed;
    }
    // A requeued operation only takes a final report (the work did get done).
    if (operation.status == OperationStatus::Queued && !is_terminal(to)) return refuse(operation, to);
    if (!allowed(operation.status, to)) return refuse(operation, to);
    if (carries_progress(view)) operation.progress = std::move(view.at("progress").get_object());
    if (auto* result = view.if_contains("result")) operation.result = std::move(*result);
    if (const auto* error = view.if_contains("error_message"))
        operation.error_message = error->is_string() ? std::string(error->get_string()) : std::string{};
    return is_terminal(to) ? end(operation, to, now) : move_to(operation, to);
}

}  // namespace

Move apply_worker_view(OperationRecord& operation, const boost::json::object& view, SystemTime now) {
    return apply_view(operation, view, now);
}

Move apply_worker_view(OperationRecord& operation, boost::json::object&& view, SystemTime now) {
    return apply_view(operation, view, now);
}

bool carries_progress(const boost::json::object& view) {
    const auto* progress = view.if_contains("progress");
    return progress && progress->is_object() && !progress_problem(progress->get_object());
}

std::optional<std::string> progress_problem(const boost::json::object& progress) {
    if (const auto* percentage = progress.if_contains("percentage")) {
        if (!percentage->is_number()) return "'progress.percentage' must be a number";
        const double value = percentage->to_number<double>();
        if (!(value >= 0 && value <= 100)) return "'progress.percentage' must be from 0 to 100";
    }
    if (const auto* step = progress.if_contains("current_step"); step && !step->is_string())
        return "'progress.current_step' must be a string";
    const auto* left = progress.if_contains("estimated_remaining_seconds");
    if (left && !left->is_number() && !left->is_null())
        return "'progress.estimated_remaining_seconds' must be a number or null";
    return std::nullopt;
}

Move logged(const OperationRecord& operation, std::string_view event, Move move) {
    if (move.refused())
        log::warn("operation ", operation.operation_id, ": ", event, " refused: illegal move from ",
                  fleet::to_string(move.from), " to ", fleet::to_string(move.to));
    return move;
}

}  // namespace fleet::backend::lifecycle
