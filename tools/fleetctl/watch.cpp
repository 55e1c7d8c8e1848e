#include "tools/fleetctl/watch.hpp"

#include "common/json/parse.hpp"
#include "tools/fleetctl/printing.hpp"
#include "tools/fleetctl/progress_bar.hpp"
#include "tools/fleetctl/request_body.hpp"

#include <chrono>
#include <ostream>
#include <thread>

namespace fleet::ctl {

namespace {

using namespace std::chrono_literals;
constexpr auto kGiveUpAfter = 30s;
constexpr auto kPollInterval = 500ms;

std::string text_of(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

double number_of(const boost::json::value* v, double fallback) {
    if (!v) return fallback;
    if (v->is_double()) return v->get_double();
    if (v->is_int64()) return static_cast<double>(v->get_int64());
    if (v->is_uint64()) return static_cast<double>(v->get_uint64());
    return fallback;
}

const boost::json::object& data_object(const boost::json::value& answer) {
    static const boost::json::object empty;
    const auto* o = data_of(answer).if_object();
    return o ? *o : empty;
}

bool one_of(const std::string& status, std::initializer_list<const char*> words) {
    for (const char* w : words)
        if (status == w) return true;
    return false;
}

// A status event (`status_type`: its `to`, `progress`, `error_message`) or an
// `operation.progress` (its `progress` and `current_step`) applied to the state.
std::optional<WatchState> apply_progress_event(const http::SseEvent& event, const boost::json::object& data,
                                               const WatchState& current, std::string_view status_type) {
    WatchState s = current;
    if (event.type == status_type) {
        s.status = text_of(data, "to");
        s.progress = number_of(data.if_contains("progress"), s.progress);
        if (const auto error = text_of(data, "error_message"); !error.empty()) s.message = error;
    } else if (event.type == "operation.progress") {
        s.progress = number_of(data.if_contains("progress"), s.progress);
        if (const auto step = text_of(data, "current_step"); !step.empty()) s.message = step;
    }
    return s;
}

}  // namespace

namespace {

// An operation or a run: a status event of `status_type` and operation.progress events move it.
WatchTarget progress_target(std::string label, std::string state_path, std::string events_query,
                            std::function<WatchState(const boost::json::value&)> read_state, std::string status_type,
                            std::string success) {
    WatchTarget t;
    t.label = std::move(label);
    t.state_path = std::move(state_path);
    t.events_query = std::move(events_query);
    t.read_state = std::move(read_state);
    t.apply_event = [status_type = std::move(status_type)](const http::SseEvent& event, const boost::json::object& data,
                                                          const WatchState& current) {
        return apply_progress_event(event, data, current, status_type);
    };
    t.terminal = [success](const std::string& s) { return s == success || one_of(s, {"failed", "cancelled"}); };
    t.succeeded = [success](const std::string& s) { return s == success; };
    return t;
}

}  // namespace

WatchTarget operation_target(const std::string& operation_id) {
    const auto read_state = [](const boost::json::value& answer) {
        const auto& data = data_object(answer);
        WatchState s{text_of(data, "status"), 0, {}};
        if (const auto* p = data.if_contains("progress"); p && p->is_object()) {
            s.progress = number_of(p->get_object().if_contains("percentage"), 0);
            s.message = text_of(p->get_object(), "current_step");
        }
        if (s.status == "completed") s.progress = 100;
        if (s.message.empty()) s.message = text_of(data, "error_message");
        return s;
    };
    return progress_target(operation_id, "/api/v1/operations/" + path_segment(operation_id),
                           "types=operation&operation_id=" + path_segment(operation_id), read_state,
                           "operation.status", "completed");
}

WatchTarget run_target(const std::string& run_id, const std::string& operation_id) {
    const auto read_state = [](const boost::json::value& answer) {
        const auto& run = data_object(answer);
        WatchState s{text_of(run, "status"), number_of(run.if_contains("progress"), 0), text_of(run, "current_step")};
        if (s.message.empty()) s.message = text_of(run, "error_message");
        return s;
    };
    // A run's progress comes as its operation's progress events.
    return progress_target(run_id, "/api/v1/admin/workers/runs/" + path_segment(run_id),
                           "types=run,operation.progress&operation_id=" + path_segment(operation_id), read_state,
                           "run.status", "finished");
}

WatchTarget workflow_target(const std::string& workflow_id) {
    WatchTarget t;
    t.label = workflow_id;
    t.state_path = "/api/v1/workflows/" + path_segment(workflow_id);
    t.events_query = "types=workflow,step&workflow_id=" + path_segment(workflow_id);
    t.read_state = [](const boost::json::value& answer) {
        const auto& data = data_object(answer);
        WatchState s{text_of(data, "status"), number_of(data.if_contains("progress"), 0), {}};
        if (const auto* steps = data.if_contains("steps"); steps && steps->is_array()) {
            std::string active;
            for (const auto& step : steps->get_array()) {
                if (!step.is_object()) continue;
                const auto status = text_of(step.get_object(), "status");
                if (one_of(status, {"running", "waiting", "retrying", "queued"}))
                    active += (active.empty() ? "" : ", ") + text_of(step.get_object(), "name") + " " + status;
            }
            s.message = active;
        }
        if (s.message.empty()) s.message = text_of(data, "error_message");
        return s;
    };
    // Step moves change the progress the workflow's GET computes: read it again.
    t.apply_event = [](const http::SseEvent& event, const boost::json::object& data,
                       const WatchState& current) -> std::optional<WatchState> {
        if (event.type == "workflow.status") {
            WatchState s = current;
            s.status = text_of(data, "to");
            return s;
        }
        return std::nullopt;
    };
    t.terminal = [](const std::string& s) { return one_of(s, {"completed", "failed", "cancelled"}); };
    t.succeeded = [](const std::string& s) { return s == "completed"; };
    return t;
}

WatchResult watch(Context& ctx, const WatchTarget& target) {
    ProgressBar bar(ctx.err, ctx.err_is_terminal, target.label);
    WatchState state;
    bool done = false;
    const auto show = [&] {
        bar.update(state.status, state.progress, state.message);
        done = target.terminal(state.status);
    };
    const auto refresh = [&] {
        state = target.read_state(ctx.backend.get(target.state_path).json);
        show();
    };

    // Unknown ids and refusals show here, before any stream.
    refresh();
    // What a callback throws is carried out of the stream's thread and thrown here.
    std::exception_ptr failure;
    const auto guarded = [&](const std::function<void()>& step) {
        try {
            step();
        } catch (...) {
            failure = std::current_exception();
        }
        return !done && !failure;
    };

    std::string resume_id;
    bool polling = false;
    auto failing_since = std::chrono::steady_clock::now();
    while (!done) {
        if (polling) {
            refresh();
            if (!done) std::this_thread::sleep_for(kPollInterval);
            continue;
        }
        http::ClientResponse ended;
        try {
            ended = ctx.backend.follow_events(
                target.events_query, resume_id,
                [&] {
                    failing_since = std::chrono::steady_clock::now();
                    return guarded(refresh);
                },
                [&](const http::SseEvent& event) {
                    return guarded([&] {
                        boost::system::error_code ec;
                        const auto data = json::parse(event.data, ec);
                        if (ec || !data.is_object()) return;
                        if (event.type == "gap") return refresh();
                        const auto& fields = data.get_object();
                        if (event.type == "step.status")
                            bar.note(target.label + ": step " + text_of(fields, "step") + " " +
                                     text_of(fields, "from") + " -> " + text_of(fields, "to"));
                        if (auto next = target.apply_event(event, fields, state)) {
                            state = std::move(*next);
                            show();
                        } else {
                            refresh();
                        }
                    });
                },
                resume_id);
            if (failure) std::rethrow_exception(failure);
        } catch (const CliError& error) {
            if (error.code() == ExitCode::NotFound) {
                // An older backend without GET /api/v1/events: poll.
                bar.note("fleetctl: this backend has no event stream (GET /api/v1/events: 404); polling every " +
                         std::to_string(kPollInterval.count()) + " ms");
                polling = true;
                continue;
            }
            // Too many streams (503), a restart under way: tried again like a dropped stream.
            if (error.code() != ExitCode::Unreachable) throw;
            ended.error = http::ClientError::Other;
            ended.error_message = error.what();
        }
        if (done) break;
        if (std::chrono::steady_clock::now() - failing_since > kGiveUpAfter) {
            bar.finish();
            throw CliError(ExitCode::Unreachable, "lost the event stream of " + ctx.backend.base_url() + " for " +
                                                      std::to_string(kGiveUpAfter.count()) +
                                                      " s: " + ended.error_message);
        }
        bar.note("fleetctl: event stream dropped (" + ended.error_message + "); reconnecting" +
                 (resume_id.empty() ? "" : " from event " + resume_id));
        std::this_thread::sleep_for(1s);
    }
    bar.finish();
    auto final = ctx.backend.get(target.state_path);
    const auto final_state = target.read_state(final.json);
    return {std::move(final), target.succeeded(final_state.status) ? ExitCode::Ok : ExitCode::Failed};
}

int finish_watch(Context& ctx, const WatchResult& result,
                 const std::function<void(Context&, const Answer&)>& print_table) {
    if (ctx.invocation.json) ctx.out << result.final.body << (result.final.body.ends_with('\n') ? "" : "\n");
    else print_table(ctx, result.final);
    return to_int(result.code);
}

}  // namespace fleet::ctl
