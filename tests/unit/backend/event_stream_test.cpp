#include "backend/core/core_timers.hpp"
#include "backend/core/event_bus.hpp"
#include "backend/events/event_feed.hpp"
#include "backend/events/event_history.hpp"
#include "backend/events/event_stream.hpp"
#include "backend/events/status_waits.hpp"
#include "tests/support/manual_clock.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace fleet;
using namespace fleet::backend;
using namespace std::chrono_literals;

namespace {

// The history with wake-ups run when the test says, on this thread.
struct History {
    test::ManualClock clock;
    std::vector<std::function<void()>> posted;
    std::vector<std::chrono::microseconds> delays;  // of every wake-up posted
    EventHistory history;
    explicit History(EventHistory::Limits limits = {})
        : history(limits, 1000, clock, [this](std::chrono::microseconds delay, std::function<void()> wake) {
              delays.push_back(delay);
              posted.push_back(std::move(wake));
          }) {}
    // Runs the wake-ups posted "off the core thread", whatever their delay.
    void run_posted() {
        while (!posted.empty()) {
            auto batch = std::move(posted);
            posted.clear();
            for (auto& wake : batch) wake();
        }
    }
    std::uint64_t add(std::string_view type, EventKeys keys = {}, SystemTime time = SystemTime{}) {
        return history.append(type, std::move(keys), "{}", time);
    }
};

// What a stream's next() gave.
struct Next {
    bool answered = false;
    http::ResponseStream::Piece piece;
};

std::shared_ptr<Next> ask(EventStream& stream) {
    auto next = std::make_shared<Next>();
    stream.next([next](http::ResponseStream::Piece piece) {
        next->answered = true;
        next->piece = std::move(piece);
    });
    return next;
}

std::vector<std::string> ids_in(const std::string& text) {
    std::vector<std::string> ids;
    for (std::size_t at = text.find("id: "); at != std::string::npos; at = text.find("id: ", at + 1)) {
        if (at > 0 && text[at - 1] != '\n') continue;  // "last_event_id: " inside data
        ids.push_back(text.substr(at + 4, text.find('\n', at) - at - 4));
    }
    return ids;
}

auto counter() { return std::make_shared<std::atomic<std::size_t>>(0); }

}  // namespace

TEST_CASE("event history: ids follow the start id; reads take what the filter accepts, from a position",
          "[events]") {
    History h;
    CHECK(h.add("worker.status", {.worker_id = "w1"}) == 1001);
    CHECK(h.add("operation.status", {.operation_id = "op1", .worker_id = "w1"}) == 1002);
    CHECK(h.add("operation.progress", {.operation_id = "op1"}) == 1003);
    CHECK(h.add("operation.status", {.operation_id = "op2"}) == 1004);

    auto all = h.history.read_after(1000, {}, 1 << 20);
    CHECK(all.events == 4);
    CHECK(all.next == 1004);
    CHECK_FALSE(all.missed);
    CHECK(all.text->starts_with("id: 1001\nevent: worker.status\ndata: {}\n\n"));

    EventFilter op1{{"operation"}, {.operation_id = "op1"}};
    auto read = h.history.read_after(1001, op1, 1 << 20);
    CHECK(ids_in(*read.text) == std::vector<std::string>{"1002", "1003"});
    CHECK(read.next == 1004);  // looked at, not accepted: not looked at again

    EventFilter exact{{"operation.status"}, {}};
    CHECK(ids_in(*h.history.read_after(1000, exact, 1 << 20).text) == std::vector<std::string>{"1002", "1004"});
    CHECK(h.history.read_after(1004, {}, 1 << 20).events == 0);
}

TEST_CASE("event history: readers asking the same question before anything changes share one text", "[events]") {
    History h;
    h.add("operation.status", {.operation_id = "op1"});
    h.add("worker.status");
    const EventFilter status{{"operation.status"}, {}};
    const auto first = h.history.read_after(1000, status, 1 << 20);
    const auto again = h.history.read_after(1000, status, 1 << 20);
    CHECK(again.text == first.text);  // the same bytes, not a copy
    CHECK(again.next == first.next);
    CHECK(again.events == 1);
    // Another filter, position or limit is another question.
    CHECK(h.history.read_after(1000, {}, 1 << 20).text != first.text);
    CHECK(ids_in(*h.history.read_after(1000, {}, 1 << 20).text) == std::vector<std::string>{"1001", "1002"});
    CHECK(h.history.read_after(1001, status, 1 << 20).text != first.text);
    // A new event changes the answer.
    h.add("operation.status", {.operation_id = "op2"});
    const auto later = h.history.read_after(1000, status, 1 << 20);
    CHECK(later.text != first.text);
    CHECK(ids_in(*later.text) == std::vector<std::string>{"1001", "1003"});
    CHECK(ids_in(*first.text) == std::vector<std::string>{"1001"});  // what was given stays as it was
}


TEST_CASE("event history: an event's data is made by its first read, once, whoever reads it; unread, never",
          "[events]") {
    History h;
    auto made = counter();
    const auto make = [made](const HistoryEntry& entry) {
        ++*made;
        return "{\"operation_id\":\"" + entry.keys.operation_id + "\"}";
    };
    h.history.append("operation.status", {.operation_id = "op1"}, make, SystemTime{});
    h.history.append("worker.status", {.worker_id = "w1"}, make, SystemTime{});
    CHECK(*made == 0);  // nobody read: nothing made

    // A filter that passes the worker's event over does not make it either.
    const EventFilter status{{"operation.status"}, {}};
    const auto first = h.history.read_after(1000, status, 1 << 20);
    CHECK(*first.text == "id: 1001\nevent: operation.status\ndata: {\"operation_id\":\"op1\"}\n\n");
    CHECK(*made == 1);

    // Readers on two threads at once, with questions of their own: each event made once.
    std::string on_one, on_two;
    std::thread one([&] { on_one = *h.history.read_after(1000, {}, 1 << 20).text; });
    std::thread two([&] { on_two = *h.history.read_after(1000, {}, 1 << 19).text; });
    one.join();
    two.join();
    CHECK(on_one == on_two);
    CHECK(ids_in(on_one) == std::vector<std::string>{"1001", "1002"});
    CHECK(*made == 2);
}
TEST_CASE("event history: bounded by count and age; a read from before what is kept says it missed events",
          "[events]") {
    History h({.max_events = 3, .max_age = 3600s});
    const SystemTime t0{std::chrono::hours(1000)};
    for (int i = 0; i < 5; ++i) h.add("worker.status", {}, t0);
    CHECK(h.history.size() == 3);
    auto read = h.history.read_after(1001, {}, 1 << 20);
    CHECK(read.missed);
    CHECK(read.oldest == 1003u);
    CHECK_FALSE(h.history.read_after(1002, {}, 1 << 20).missed);

    h.history.tick(t0 + 3601s);
    CHECK(h.history.size() == 0);
    CHECK(h.history.read_after(1004, {}, 1 << 20).missed);
    CHECK_FALSE(h.history.read_after(1005, {}, 1 << 20).missed);
}

TEST_CASE("event types: families and exact types; an unknown word names the known ones", "[events]") {
    auto ok = parse_event_types("operation,run,step.status");
    REQUIRE(std::holds_alternative<std::vector<std::string>>(ok));
    CHECK(std::get<std::vector<std::string>>(ok) == std::vector<std::string>{"operation", "run", "step.status"});
    auto bad = parse_event_types("operation,bogus");
    REQUIRE(std::holds_alternative<std::string>(bad));
    CHECK_THAT(std::get<std::string>(bad), Catch::Contains("'bogus'") && Catch::Contains("workflow.status"));
    CHECK(std::holds_alternative<std::string>(parse_event_types("gap")));
}

TEST_CASE("event stream: a new client waits for what comes next and is woken by it", "[events]") {
    History h;
    h.add("worker.status");
    auto open = counter();
    auto stream = std::make_shared<EventStream>(h.history, EventFilter{}, h.history.last_id(), false, open);
    CHECK(*open == 1);
    CHECK(stream->opening() == "retry: 2000\n: connected\n\n");
    auto next = ask(*stream);
    CHECK_FALSE(next->answered);
    h.add("operation.status", {.operation_id = "op1"});
    CHECK_FALSE(next->answered);  // the wake-up runs off the core thread
    h.run_posted();
    REQUIRE(next->answered);
    CHECK(ids_in(*next->piece) == std::vector<std::string>{"1002"});

    stream->close();
    stream.reset();
    CHECK(*open == 0);
}

TEST_CASE("event stream: clients woken together at the same position with the same filter write one shared piece",
          "[events]") {
    History h;
    auto a = std::make_shared<EventStream>(h.history, EventFilter{}, h.history.last_id(), false, counter());
    auto b = std::make_shared<EventStream>(h.history, EventFilter{}, h.history.last_id(), false, counter());
    auto c = std::make_shared<EventStream>(h.history, EventFilter{{"workflow"}, {}}, h.history.last_id(), false,
                                           counter());
    auto next_a = ask(*a), next_b = ask(*b), next_c = ask(*c);
    h.add("operation.status", {.operation_id = "op1"});
    h.add("workflow.status", {.workflow_id = "wf1"});
    h.run_posted();
    REQUIRE(next_a->answered);
    REQUIRE(next_b->answered);
    REQUIRE(next_c->answered);
    CHECK(next_a->piece == next_b->piece);
    CHECK(ids_in(*next_a->piece) == std::vector<std::string>{"1001", "1002"});
    CHECK(ids_in(*next_c->piece) == std::vector<std::string>{"1002"});
}

TEST_CASE("event stream: a filtered client is not woken into sending anything for events it does not want; "
          "the keep-alive tick sends a comment",
          "[events]") {
    History h;
    auto stream = std::make_shared<EventStream>(h.history, EventFilter{{"workflow"}, {}}, h.history.last_id(), false,
                                                counter());
    auto next = ask(*stream);
    h.add("operation.status");
    h.run_posted();
    CHECK_FALSE(next->answered);
    h.history.tick(SystemTime{});
    REQUIRE(next->answered);
    CHECK(*next->piece == ": keep-alive\n\n");
    next = ask(*stream);
    h.add("workflow.status", {.workflow_id = "wf1"});
    h.run_posted();
    REQUIRE(next->answered);
    CHECK(ids_in(*next->piece) == std::vector<std::string>{"1002"});
}

TEST_CASE("event stream: a client resuming gets what it missed, then live events, nothing twice", "[events]") {
    History h;
    for (int i = 0; i < 4; ++i) h.add("operation.status");
    auto stream = std::make_shared<EventStream>(h.history, EventFilter{}, 1002, true, counter());
    CHECK(stream->opening() == "retry: 2000\n: connected\n\n");  // nothing missed beyond the history
    auto next = ask(*stream);
    REQUIRE(next->answered);
    CHECK(ids_in(*next->piece) == std::vector<std::string>{"1003", "1004"});
    next = ask(*stream);
    CHECK_FALSE(next->answered);
    h.add("operation.status");
    h.run_posted();
    CHECK(ids_in(*next->piece) == std::vector<std::string>{"1005"});
}

TEST_CASE("event stream: under a steady flow a client gets everything since its last piece in one piece, "
          "at most once per pace; the first event after a quiet spell goes at once",
          "[events]") {
    History h({.pace = 20ms});
    auto stream = std::make_shared<EventStream>(h.history, EventFilter{}, h.history.last_id(), false, counter());
    auto next = ask(*stream);
    h.add("operation.status");
    REQUIRE(h.delays == std::vector<std::chrono::microseconds>{0us});  // quiet until now: at once
    h.run_posted();
    REQUIRE(next->answered);
    CHECK(ids_in(*next->piece) == std::vector<std::string>{"1001"});

    // The piece is being written; three more events come meanwhile, 5 ms apart.
    for (int i = 0; i < 3; ++i) {
        h.clock.advance(5ms);
        h.add("operation.status");
    }
    next = ask(*stream);
    CHECK_FALSE(next->answered);  // not read at once: the next wake-up is due 20 ms after the last
    REQUIRE(h.delays.size() == 2);
    CHECK(h.delays[1] == 5ms);
    h.run_posted();
    REQUIRE(next->answered);
    CHECK(ids_in(*next->piece) == std::vector<std::string>{"1002", "1003", "1004"});

    // A quiet spell longer than the pace: the next event wakes at once.
    next = ask(*stream);
    h.clock.advance(50ms);
    h.add("operation.status");
    CHECK(h.delays.back() == 0us);
    h.run_posted();
    CHECK(ids_in(*next->piece) == std::vector<std::string>{"1005"});
}

TEST_CASE("event history: the keep-alive tick leaves a claimed wake-up alone, so no second chain of wake-ups starts",
          "[events]") {
    History h({.pace = 20ms});
    auto stream = std::make_shared<EventStream>(h.history, EventFilter{}, h.history.last_id(), false, counter());
    auto next = ask(*stream);
    h.add("operation.status");
    h.run_posted();  // the first wake-up: at once; the piece goes
    REQUIRE(next->answered);
    next = ask(*stream);
    h.add("operation.status");  // claims the next wake-up, 20 ms after the last
    REQUIRE(h.delays.size() == 2);
    auto paced = std::move(h.posted);
    h.posted.clear();
    h.history.tick(SystemTime{});  // wakes the stream (it reads the event) while that wake-up is pending
    REQUIRE(next->answered);
    next = ask(*stream);
    h.add("operation.status");
    CHECK(h.delays.size() == 2);  // the claimed wake-up still stands: nothing new is posted
    for (auto& wake : paced) wake();
    REQUIRE(next->answered);
    CHECK(ids_in(*next->piece) == std::vector<std::string>{"1003"});
}

TEST_CASE("event stream: a client catching up takes its pieces back to back", "[events]") {
    History h;
    std::string big(200 * 1024, 'x');
    for (int i = 0; i < 3; ++i) h.history.append("operation.status", {}, "\"" + big + "\"", SystemTime{});
    auto stream = std::make_shared<EventStream>(h.history, EventFilter{}, 1000, true, counter());
    stream->opening();
    auto next = ask(*stream);
    REQUIRE(next->answered);
    CHECK(ids_in(*next->piece) == std::vector<std::string>{"1001", "1002"});  // a piece stops past 256 KiB
    next = ask(*stream);
    REQUIRE(next->answered);  // more was left: read at once, no wake-up needed
    CHECK(ids_in(*next->piece) == std::vector<std::string>{"1003"});
    next = ask(*stream);
    CHECK_FALSE(next->answered);
}

TEST_CASE("event stream: resuming from before the history, or from an id never given, opens with a gap",
          "[events]") {
    History h({.max_events = 2});
    for (int i = 0; i < 4; ++i) h.add("operation.status");
    auto old = std::make_shared<EventStream>(h.history, EventFilter{}, 1001, true, counter());
    const auto opening = old->opening();
    CHECK_THAT(opening, Catch::Contains("event: gap\ndata: {\"last_event_id\":\"1001\",\"oldest_id\":\"1003\"}"));
    auto next = ask(*old);
    CHECK(ids_in(*next->piece) == std::vector<std::string>{"1003", "1004"});

    auto future = std::make_shared<EventStream>(h.history, EventFilter{}, 99999, true, counter());
    CHECK_THAT(future->opening(), Catch::Contains("event: gap"));
    next = ask(*future);
    CHECK_FALSE(next->answered);  // from now on, live
    h.add("operation.status");
    h.run_posted();
    CHECK(ids_in(*next->piece) == std::vector<std::string>{"1005"});
}

TEST_CASE("event stream: a reader that falls behind the whole history gets a gap and the end", "[events]") {
    History h({.max_events = 3});
    auto stream = std::make_shared<EventStream>(h.history, EventFilter{}, h.history.last_id(), false, counter());
    for (int i = 0; i < 5; ++i) h.add("operation.status");  // it has read none of them
    auto next = ask(*stream);
    REQUIRE(next->answered);
    CHECK_THAT(*next->piece, Catch::StartsWith("event: gap"));
    next = ask(*stream);
    REQUIRE(next->answered);
    CHECK_FALSE(next->piece);
}

TEST_CASE("event stream: closing answers a waiting next with the end, and nothing wakes it afterwards", "[events]") {
    History h;
    auto stream = std::make_shared<EventStream>(h.history, EventFilter{}, h.history.last_id(), false, counter());
    auto next = ask(*stream);
    stream->close();
    REQUIRE(next->answered);
    CHECK_FALSE(next->piece);
    stream->close();  // twice is harmless
    h.add("operation.status");
    h.run_posted();
    auto after = ask(*stream);
    CHECK(after->answered);
    CHECK_FALSE(after->piece);
}

namespace {

// The feed over a bus that delivers at once, with timers on a ManualClock.
struct Feed {
    boost::asio::io_context io;
    test::ManualClock clock;
    EventBus bus{[](std::function<void()> then) { then(); }};
    History h;
    CoreTimers timers{io, clock};
    StatusWaits waits{timers};
    std::map<std::string, std::string> runs;  // run id -> bot
    EventFeed feed{bus, h.history, waits, timers, clock,
                   [this](const std::string& id) -> std::optional<std::string> {
                       const auto it = runs.find(id);
                       if (it == runs.end()) return std::nullopt;
                       return it->second;
                   },
                   20ms};

    std::vector<boost::json::object> events(const EventFilter& filter = {}) {
        std::vector<boost::json::object> out;
        const auto text = *h.history.read_after(1000, filter, 1 << 20).text;
        for (std::size_t at = 0; (at = text.find("event: ", at)) != std::string::npos;) {
            const auto type_end = text.find('\n', at);
            const auto data_at = text.find("data: ", type_end) + 6;
            auto data = boost::json::parse(text.substr(data_at, text.find('\n', data_at) - data_at)).as_object();
            data["event"] = text.substr(at + 7, type_end - at - 7);
            out.push_back(std::move(data));
            at = data_at;
        }
        return out;
    }

    static OperationGlance operation(std::string id, OperationStatus status, double percentage = 0) {
        OperationGlance r;
        r.operation_id = std::move(id);
        r.domain = "echo";
        r.status = status;
        r.worker_id = "w1";
        r.progress["percentage"] = percentage;
        return r;
    }
    void status(const std::string& id, std::optional<OperationStatus> from, OperationStatus to, double percentage = 0) {
        bus.publish(OperationStatusChanged{operation(id, to, percentage), from});
    }
    void progress(const std::string& id, double percentage) {
        bus.publish(OperationProgressed{operation(id, OperationStatus::Running, percentage)});
    }
    // Moves the clock and lets the timers due by then run.
    void advance(std::chrono::milliseconds by) {
        clock.advance(by);
        io.restart();
        io.run_for(by + 50ms);
    }
};

}  // namespace

TEST_CASE("event feed: an operation.status event's data is written as text in a fixed field order", "[events]") {
    Feed f;
    auto failed = Feed::operation("wf_9.fetch.a1", OperationStatus::Failed, 37.5);
    failed.error_message = "said \"no\"\n";
    f.bus.publish(OperationStatusChanged{failed, OperationStatus::Running});
    auto queued = Feed::operation("op_1", OperationStatus::Queued);
    queued.worker_id.clear();
    f.bus.publish(OperationStatusChanged{queued, std::nullopt});
    const auto text = *f.h.history.read_after(1000, {}, 1 << 20).text;
    const auto time = "\"time\":\"" + fleet::to_iso8601(f.clock.now()) + "\"}";
    CHECK_THAT(text, Catch::Contains(R"(data: {"operation_id":"wf_9.fetch.a1","operation_type":"echo","worker_id":"w1",)"
                                     R"("workflow_id":"wf_9","step":"fetch","run_id":null,"from":"running","to":"failed",)"
                                     R"("progress":37.5,"error_message":"said \"no\"\n",)" + time));
    CHECK_THAT(text, Catch::Contains(R"(data: {"operation_id":"op_1","operation_type":"echo","worker_id":null,)"
                                     R"("workflow_id":null,"step":null,"run_id":null,"from":null,"to":"queued",)"
                                     R"("progress":0,"error_message":null,)" + time));
}

TEST_CASE("event feed: an operation.progress event's data is written as text in a fixed field order, "
          "its time when it is sent", "[events]") {
    Feed f;
    auto step = Feed::operation("wf_9.fetch.a1", OperationStatus::Running, 12.5);
    step.progress["current_step"] = "page \"2\"";
    step.progress["estimated_remaining_seconds"] = 3;
    f.bus.publish(OperationProgressed{step});  // the first goes at once
    const auto first = "\"time\":\"" + fleet::to_iso8601(f.clock.now()) + "\"}";
    auto plain = Feed::operation("wf_9.fetch.a1", OperationStatus::Running, 50);
    plain.worker_id.clear();
    f.bus.publish(OperationProgressed{plain});  // held for the interval
    f.advance(25ms);
    const auto sent = "\"time\":\"" + fleet::to_iso8601(f.clock.now()) + "\"}";
    const auto text = *f.h.history.read_after(1000, {}, 1 << 20).text;
    CHECK_THAT(text, Catch::Contains(R"(data: {"operation_id":"wf_9.fetch.a1","operation_type":"echo","worker_id":"w1",)"
                                     R"("workflow_id":"wf_9","step":"fetch","progress":12.5,"current_step":"page \"2\"",)"
                                     R"("estimated_remaining_seconds":3,)" + first));
    CHECK_THAT(text, Catch::Contains(R"(data: {"operation_id":"wf_9.fetch.a1","operation_type":"echo","worker_id":null,)"
                                     R"("workflow_id":"wf_9","step":"fetch","progress":50,"current_step":null,)"
                                     R"("estimated_remaining_seconds":null,)" + sent));
}

TEST_CASE("event feed: a worker.status event's data is written as text in a fixed field order", "[events]") {
    Feed f;
    f.bus.publish(WorkerStatusChanged{"w\"1", std::nullopt, WorkerStatus::Available, "echo", "http://w1:5005"});
    f.bus.publish(WorkerStatusChanged{"w\"1", WorkerStatus::Available, WorkerStatus::Busy, "echo", "http://w1:5005"});
    f.bus.publish(WorkerRemoved{"w\"1", "echo", "http://w1:5005", WorkerStatus::Draining});
    const auto text = *f.h.history.read_after(1000, {}, 1 << 20).text;
    const auto time = "\"time\":\"" + fleet::to_iso8601(f.clock.now()) + "\"}";
    const std::string opening = R"(data: {"worker_id":"w\"1","worker_type":"echo","endpoint":"http://w1:5005",)";
    CHECK_THAT(text, Catch::Contains(opening + R"("from":null,"to":"AVAILABLE",)" + time));
    CHECK_THAT(text, Catch::Contains(opening + R"("from":"AVAILABLE","to":"BUSY",)" + time));
    CHECK_THAT(text, Catch::Contains(opening + R"("from":"DRAINING","to":"REMOVED",)" + time));
    CHECK(f.events(EventFilter{{"worker.status"}, {.worker_id = "w\"1"}}).size() == 3);
}

TEST_CASE("event feed: an operation's status moves become events with its ids; a workflow attempt names its workflow",
          "[events]") {
    Feed f;
    f.status("op_1", std::nullopt, OperationStatus::Queued);
    f.status("op_1", OperationStatus::Queued, OperationStatus::Running);
    f.status("wf_9.fetch.a1", std::nullopt, OperationStatus::Pending);
    auto events = f.events();
    REQUIRE(events.size() == 3);
    CHECK(events[0]["event"] == "operation.status");
    CHECK(events[0]["from"].is_null());
    CHECK(events[0]["to"] == "queued");
    CHECK(events[1]["from"] == "queued");
    CHECK(events[1]["operation_type"] == "echo");
    CHECK(events[1]["worker_id"] == "w1");
    CHECK(events[1]["run_id"].is_null());
    CHECK(events[2]["workflow_id"] == "wf_9");
    CHECK(events[2]["step"] == "fetch");
    CHECK(f.events(EventFilter{{}, {.workflow_id = "wf_9"}}).size() == 1);
    CHECK(f.events(EventFilter{{}, {.worker_id = "w1"}}).size() == 3);
}

TEST_CASE("event feed: progress is coalesced per operation; the latest wins; a held one goes before the status",
          "[events]") {
    Feed f;
    f.status("op_1", std::nullopt, OperationStatus::Running);
    f.progress("op_1", 10);  // the first goes at once
    f.progress("op_1", 20);
    f.progress("op_1", 30);  // held: within 20 ms of the first
    f.progress("op_2", 50);  // another operation's own interval
    auto progress = f.events(EventFilter{{"operation.progress"}, {}});
    REQUIRE(progress.size() == 2);
    CHECK(progress[0]["progress"].to_number<double>() == 10.0);
    CHECK(progress[1]["operation_id"] == "op_2");

    f.advance(20ms);
    progress = f.events(EventFilter{{"operation.progress"}, {.operation_id = "op_1"}});
    REQUIRE(progress.size() == 2);
    CHECK(progress[1]["progress"].to_number<double>() == 30.0);  // 20 was overtaken

    f.progress("op_1", 40);  // held again
    f.status("op_1", OperationStatus::Running, OperationStatus::Completed, 100);
    auto all = f.events(EventFilter{{}, {.operation_id = "op_1"}});
    REQUIRE(all.size() >= 2);
    CHECK(all[all.size() - 2]["event"] == "operation.progress");
    CHECK(all[all.size() - 2]["progress"].to_number<double>() == 40.0);
    CHECK(all.back()["to"] == "completed");
    CHECK(f.feed.held_progress() == 1);  // op_2 has not ended
    f.advance(50ms);
    CHECK(f.events(EventFilter{{"operation.progress"}, {.operation_id = "op_1"}}).size() == 3);  // nothing after the end
}

TEST_CASE("event feed: an admin run's moves are also run events, in the admin's words, once per run status",
          "[events]") {
    Feed f;
    f.runs["op_r"] = "echo-bot";
    f.status("op_r", std::nullopt, OperationStatus::Queued);
    f.status("op_r", OperationStatus::Queued, OperationStatus::Pending);  // still pending to the admin
    f.status("op_r", OperationStatus::Pending, OperationStatus::Running);
    f.status("op_r", OperationStatus::Running, OperationStatus::Completed, 100);
    auto runs = f.events(EventFilter{{"run"}, {}});
    REQUIRE(runs.size() == 3);
    CHECK(runs[0]["from"].is_null());
    CHECK(runs[0]["to"] == "pending");
    CHECK(runs[1]["to"] == "running");
    CHECK(runs[2]["to"] == "finished");
    CHECK(runs[2]["progress"] == 100);
    CHECK(runs[2]["bot"] == "echo-bot");
    CHECK(f.events(EventFilter{{"operation"}, {.run_id = "op_r"}}).size() == 4);
}

TEST_CASE("event feed: workers, workflows, steps and schedules", "[events]") {
    Feed f;
    f.bus.publish(WorkerStatusChanged{"w1", std::nullopt, WorkerStatus::Available, "echo", "http://h:1"});
    f.bus.publish(WorkerRemoved{"w1", "echo", "http://h:1", WorkerStatus::Draining});
    f.bus.publish(WorkflowStatusChanged{"wf_1", "sch_1", workflows::WorkflowStatus::Pending,
                                        workflows::WorkflowStatus::Running});
    f.bus.publish(StepStatusChanged{"wf_1", "fetch", 1, "wf_1.fetch.a1", workflows::StepStatus::Pending,
                                    workflows::StepStatus::Running});
    f.bus.publish(ScheduleFired{"sch_1", SystemTime{std::chrono::hours(1)}, "wf_1"});
    f.bus.publish(ScheduleSkipped{"sch_1", SystemTime{std::chrono::hours(2)}, "overlap"});
    auto events = f.events();
    REQUIRE(events.size() == 6);
    CHECK(events[0]["to"] == "AVAILABLE");
    CHECK(events[0]["from"].is_null());
    CHECK(events[1]["to"] == "REMOVED");
    CHECK(events[1]["from"] == "DRAINING");
    CHECK(events[2]["event"] == "workflow.status");
    CHECK(events[2]["schedule_id"] == "sch_1");
    CHECK(events[3]["event"] == "step.status");
    CHECK(events[3]["attempt"] == 1);
    CHECK(events[4]["event"] == "schedule.fired");
    CHECK(events[4]["scheduled_for"] == "1970-01-01T01:00:00.000Z");
    CHECK(events[5]["reason"] == "overlap");
    CHECK(f.events(EventFilter{{}, {.workflow_id = "wf_1"}}).size() == 3);
    CHECK(f.events(EventFilter{{}, {.schedule_id = "sch_1"}}).size() == 3);
}

TEST_CASE("status waits: a waiter hears the first of its key firing or its wait ending, once", "[events]") {
    Feed f;
    int fired = 0;
    int timed_out = 0;
    f.waits.wait("operation", "op_1", 100ms, [&] { ++fired; });
    f.waits.wait("operation", "op_2", 30ms, [&] { ++timed_out; });
    f.status("op_1", OperationStatus::Queued, OperationStatus::Running);  // the feed fires it
    CHECK(fired == 1);
    CHECK(f.waits.waiting() == 1);
    f.advance(30ms);
    CHECK(timed_out == 1);
    CHECK(f.waits.waiting() == 0);
    f.advance(100ms);
    f.waits.fire("operation", "op_2");
    CHECK(fired == 1);
    CHECK(timed_out == 1);
}
