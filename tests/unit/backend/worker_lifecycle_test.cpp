#include "backend/registry/worker_lifecycle.hpp"
#include "tests/support/manual_clock.hpp"

#include <catch2/catch.hpp>

using namespace fleet;
using namespace fleet::backend;
namespace wl = fleet::backend::worker_lifecycle;
using S = WorkerStatus;

namespace {

WorkerRecord worker(std::size_t slots = 1) {
    WorkerRecord w;
    w.worker_id = "w1";
    w.max_concurrent = slots;
    return w;
}

}  // namespace

TEST_CASE("worker lifecycle: the status follows from what the worker said and the slots held", "[worker_lifecycle]") {
    struct Row {
        S status;  // before: only TEMPORARILY_UNAVAILABLE is kept as it is
        S said;
        std::size_t held;
        std::size_t slots;
        S decided;
    };
    for (const auto& row : std::initializer_list<Row>{
             {S::Available, S::Available, 0, 1, S::Available},
             {S::Available, S::Available, 1, 1, S::Busy},       // every slot held: busy, whatever it said
             {S::Available, S::Available, 1, 2, S::Available},  // a free slot
             {S::Busy, S::Busy, 0, 2, S::Busy},                 // it says so (work of its own)
             {S::Busy, S::Draining, 0, 1, S::Draining},
             {S::Available, S::Draining, 1, 1, S::Draining},
             {S::TemporarilyUnavailable, S::Available, 0, 1, S::TemporarilyUnavailable},
             {S::TemporarilyUnavailable, S::Draining, 1, 1, S::TemporarilyUnavailable},
         }) {
        auto w = worker(row.slots);
        w.status = row.status;
        w.reported = row.said;
        for (std::size_t i = 0; i < row.held; ++i) w.operations.push_back("op" + std::to_string(i));
        INFO("status " << to_string(row.status) << ", said " << to_string(row.said) << ", held " << row.held << "/"
                       << row.slots);
        CHECK(wl::decide(w) == row.decided);
    }
}

TEST_CASE("worker lifecycle: claims fill slots and releases free them", "[worker_lifecycle]") {
    test::ManualClock clock;
    auto w = worker(2);
    CHECK_FALSE(wl::claimed(w, "a", clock.now()));
    CHECK(w.status == S::Available);
    CHECK(w.last_dispatched_at == clock.now());
    CHECK(wl::claimed(w, "b", clock.now()));
    CHECK(w.status == S::Busy);
    CHECK(wl::released(w, "a"));
    CHECK(w.status == S::Available);
    CHECK(w.operations == std::vector<std::string>{"b"});
}

TEST_CASE("worker lifecycle: a 503 says busy or draining; a slot it frees ends the busy", "[worker_lifecycle]") {
    auto w = worker(1);
    CHECK(wl::reported(w, S::Busy));
    CHECK(w.status == S::Busy);
    CHECK(wl::claimed(w, "a", {}) == false);
    CHECK(wl::released(w, "a"));
    CHECK(w.status == S::Available);
    CHECK(wl::reported(w, S::Draining));
    CHECK(w.status == S::Draining);
    CHECK_FALSE(wl::released(w, "nothing"));  // draining stays draining
}

TEST_CASE("worker lifecycle: lost is unavailable until it answers or registers; the time it was lost is kept",
          "[worker_lifecycle]") {
    test::ManualClock clock;
    auto w = worker(1);
    wl::claimed(w, "a", clock.now());
    CHECK(wl::lost(w, clock.now()));
    CHECK(w.status == S::TemporarilyUnavailable);
    const auto since = w.unavailable_since;
    clock.advance(std::chrono::seconds(5));
    CHECK_FALSE(wl::lost(w, clock.now()));
    CHECK(w.unavailable_since == since);
    CHECK_FALSE(wl::released(w, "a"));  // a slot freed does not bring it back
    CHECK(w.status == S::TemporarilyUnavailable);

    CHECK(wl::answered(w, S::Available));
    CHECK(w.status == S::Available);
    CHECK_FALSE(w.unavailable_since);

    wl::lost(w, clock.now());
    w.reported = S::Draining;
    CHECK(wl::registered(w));
    CHECK(w.status == S::Available);  // a registration is a fresh start
    CHECK(w.reported == S::Available);
}

TEST_CASE("worker lifecycle: a worker that says it is idle while the backend holds all its slots is busy",
          "[worker_lifecycle]") {
    // The registry once listed such a worker AVAILABLE while it dispatched nothing to it.
    auto w = worker(1);
    wl::claimed(w, "a", {});
    CHECK_FALSE(wl::answered(w, S::Available));
    CHECK(w.status == S::Busy);
}
