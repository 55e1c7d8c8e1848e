#include "tools/chaos/report.hpp"

#include <sstream>

namespace fleet::chaos {

std::string report_text(const AuditReport& report, const ChaosSummary& chaos) {
    std::ostringstream out;
    const auto count = [&](const char* name, std::size_t value) { out << "  " << name << ": " << value << '\n'; };
    out << "chaos actions\n";
    for (const auto kind : {ActionKind::KillWorker, ActionKind::KillBackend, ActionKind::PauseWorker}) {
        const auto it = chaos.taken.find(kind);
        out << "  " << to_string(kind) << ": " << (it == chaos.taken.end() ? 0 : it->second) << '\n';
    }
    count("skipped (target already down)", chaos.skipped);
    out << "load\n";
    count("submitted", report.submitted);
    count("acknowledged", report.acknowledged);
    count("  runs", report.runs_acknowledged);
    count("  workflows", report.workflows_acknowledged);
    count("  after a retry (Idempotency-Key)", report.replayed);
    count("unacknowledged", report.unacknowledged);
    count("refused", report.refused);
    out << "acknowledged runs\n";
    count("completed", report.completed);
    count("failed", report.failed);
    for (const auto& [reason, n] : report.failed_reasons) out << "    " << n << "  " << reason << '\n';
    count("cancelled", report.cancelled);
    count("still running", report.still_running);
    out << "acknowledged workflows\n";
    for (const auto& [status, n] : report.workflow_statuses) out << "  " << status << ": " << n << '\n';
    count("steps retried (a new attempt)", report.retried_steps);
    out << "workers' run logs\n";
    count("operations started", report.operations_started);
    count("retried (same operation started again)", report.retried);
    for (const auto& [reason, n] : report.retried_reasons) out << "    " << n << "  " << reason << '\n';
    count("overruled (finished on a worker declared lost)", report.overruled);
    out << "audit\n";
    count("duplicates", report.duplicates);
    count("lost", report.lost);
    count("disagreements", report.disagreements);
    out << "  settled: " << (chaos.settled ? "yes" : "no (work still open after the settle time)") << '\n';
    for (const auto& line : report.notes) out << "note: " << line << '\n';
    for (const auto& line : report.problems) out << "PROBLEM: " << line << '\n';
    out << (report.passed() ? "chaos: PASS (nothing lost, nothing ran twice, backend and workers agree)\n"
                            : "chaos: FAIL\n");
    return out.str();
}

}  // namespace fleet::chaos
