#include "backend/admin/admin_run.hpp"

namespace fleet::backend {

RunView view_of(const AdminRun& run, SystemTime now) {
    const auto& operation = run.operation;
    RunView view;
    view.run_id = run.record.run_id;
    view.bot = run.record.bot;
    view.status = run_status_of(operation.status);
    double percentage = 0;
    if (const auto* reported = operation.progress.if_contains("percentage"); reported && reported->is_number())
        percentage = reported->to_number<double>();
    view.progress = run_progress(view.status, percentage);
    if (const auto* step = operation.progress.if_contains("current_step"); step && step->is_string())
        view.current_step = std::string(step->get_string());
    view.counters = view.status == RunStatus::Finished ? operation.result : boost::json::value(nullptr);
    view.error_message = operation.error_message;
    view.params = run.record.params;
    view.warning = run.record.warning;
    view.rerun_of = run.record.rerun_of;
    view.worker_id = operation.worker_id;
    view.created_at = run.record.created_at;
    view.started_at = operation.started_at;
    if (is_terminal(view.status)) view.finished_at = operation.completed_at ? operation.completed_at : operation.updated_at;
    view.duration_seconds = run_duration_seconds(view.started_at, view.finished_at, now);
    return view;
}

}  // namespace fleet::backend
