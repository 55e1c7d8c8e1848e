#include "backend/health/health_policy.hpp"
#include "tests/support/manual_clock.hpp"

#include <catch2/catch.hpp>

using namespace fleet;
using namespace fleet::backend;
using namespace std::chrono_literals;

namespace {

ProbeResult healthy(const std::string& worker_status = "idle") {
    ProbeResult result;
    result.worker_id = "w1";
    result.outcome = ProbeOutcome::Healthy;
    result.worker_status = worker_status;
    return result;
}

ProbeResult ambiguous() {
    ProbeResult result;
    result.worker_id = "w1";
    result.outcome = ProbeOutcome::AmbiguousFailure;
    result.detail = "timeout";
    return result;
}

ProbeResult definite() {
    ProbeResult result;
    result.worker_id = "w1";
    result.outcome = ProbeOutcome::DefiniteFailure;
    result.detail = "refused";
    return result;
}

WorkerRecord worker() {
    WorkerRecord record;
    record.worker_id = "w1";
    record.status = WorkerStatus::Available;
    return record;
}

}  // namespace

TEST_CASE("health policy: three ambiguous failures make a worker unavailable exactly at the third", "[health]") {
    test::ManualClock clock;
    const HealthSettings settings;  // threshold 3
    auto w = worker();

    CHECK(apply_probe(w, ambiguous(), clock.now(), settings) == HealthTransition::None);
    CHECK(w.health_check_failures == 1);
    CHECK(w.status == WorkerStatus::Available);
    clock.advance(10s);
    CHECK(apply_probe(w, ambiguous(), clock.now(), settings) == HealthTransition::None);
    CHECK(w.health_check_failures == 2);
    CHECK(w.status == WorkerStatus::Available);
    CHECK_FALSE(w.unavailable_since);
    clock.advance(10s);
    CHECK(apply_probe(w, ambiguous(), clock.now(), settings) == HealthTransition::BecameUnavailable);
    CHECK(w.health_check_failures == 3);
    CHECK(w.status == WorkerStatus::TemporarilyUnavailable);
    REQUIRE(w.unavailable_since);
    CHECK(*w.unavailable_since == clock.now());

    // Further failures count but transition nothing, and keep the first unavailable_since.
    const auto since = *w.unavailable_since;
    clock.advance(10s);
    CHECK(apply_probe(w, ambiguous(), clock.now(), settings) == HealthTransition::None);
    CHECK(apply_probe(w, definite(), clock.now(), settings) == HealthTransition::None);
    CHECK(w.health_check_failures == 5);
    CHECK(*w.unavailable_since == since);
}

TEST_CASE("health policy: a success resets the failure count", "[health]") {
    test::ManualClock clock;
    const HealthSettings settings;
    auto w = worker();

    apply_probe(w, ambiguous(), clock.now(), settings);
    apply_probe(w, ambiguous(), clock.now(), settings);
    REQUIRE(w.health_check_failures == 2);
    clock.advance(10s);
    CHECK(apply_probe(w, healthy(), clock.now(), settings) == HealthTransition::None);
    CHECK(w.health_check_failures == 0);
    REQUIRE(w.last_health_check);
    CHECK(*w.last_health_check == clock.now());

    // The count starts again: two more failures are not yet the threshold.
    CHECK(apply_probe(w, ambiguous(), clock.now(), settings) == HealthTransition::None);
    CHECK(apply_probe(w, ambiguous(), clock.now(), settings) == HealthTransition::None);
    CHECK(w.status == WorkerStatus::Available);
    CHECK(apply_probe(w, ambiguous(), clock.now(), settings) == HealthTransition::BecameUnavailable);
}

TEST_CASE("health policy: a definite failure makes a worker unavailable at once", "[health]") {
    test::ManualClock clock;
    const HealthSettings settings;
    auto w = worker();
    w.status = WorkerStatus::Busy;

    CHECK(apply_probe(w, definite(), clock.now(), settings) == HealthTransition::BecameUnavailable);
    CHECK(w.status == WorkerStatus::TemporarilyUnavailable);
    CHECK(w.health_check_failures == 1);
    REQUIRE(w.unavailable_since);
    CHECK(*w.unavailable_since == clock.now());
}

TEST_CASE("health policy: an unavailable worker that answers again recovers", "[health]") {
    test::ManualClock clock;
    const HealthSettings settings;
    auto w = worker();
    REQUIRE(apply_probe(w, definite(), clock.now(), settings) == HealthTransition::BecameUnavailable);
    clock.advance(30s);

    CHECK(apply_probe(w, healthy("busy"), clock.now(), settings) == HealthTransition::Recovered);
    CHECK(w.status == WorkerStatus::Busy);
    CHECK(w.health_check_failures == 0);
    CHECK_FALSE(w.unavailable_since);
    REQUIRE(w.last_health_check);
    CHECK(*w.last_health_check == clock.now());

    // Healthy again while already healthy: nothing to report.
    CHECK(apply_probe(w, healthy("idle"), clock.now(), settings) == HealthTransition::None);
}

TEST_CASE("health policy: the reported worker_status sets the registry status", "[health]") {
    test::ManualClock clock;
    const HealthSettings settings;
    auto w = worker();

    apply_probe(w, healthy("busy"), clock.now(), settings);
    CHECK(w.status == WorkerStatus::Busy);
    apply_probe(w, healthy("draining"), clock.now(), settings);
    CHECK(w.status == WorkerStatus::Draining);
    apply_probe(w, healthy("idle"), clock.now(), settings);
    CHECK(w.status == WorkerStatus::Available);
}

TEST_CASE("health policy: an unknown worker_status counts as an ambiguous failure", "[health]") {
    test::ManualClock clock;
    const HealthSettings settings;
    auto w = worker();
    const auto before = clock.now();
    apply_probe(w, healthy("idle"), before, settings);
    clock.advance(10s);

    CHECK(apply_probe(w, healthy("sleeping"), clock.now(), settings) == HealthTransition::None);
    CHECK(w.health_check_failures == 1);
    CHECK(w.status == WorkerStatus::Available);
    CHECK(*w.last_health_check == before);  // only a success moves it
    CHECK(apply_probe(w, healthy(""), clock.now(), settings) == HealthTransition::None);
    CHECK(apply_probe(w, healthy("IDLE"), clock.now(), settings) == HealthTransition::BecameUnavailable);
}

TEST_CASE("health policy: a worker unavailable for remove_after is removed, not before", "[health]") {
    test::ManualClock clock;
    const HealthSettings settings;  // 300 s
    auto w = worker();

    CHECK(check_removal(w, clock.now(), settings) == HealthTransition::None);
    REQUIRE(apply_probe(w, definite(), clock.now(), settings) == HealthTransition::BecameUnavailable);
    CHECK(check_removal(w, clock.now(), settings) == HealthTransition::None);
    clock.advance(299'999ms);
    CHECK(check_removal(w, clock.now(), settings) == HealthTransition::None);
    clock.advance(1ms);
    CHECK(check_removal(w, clock.now(), settings) == HealthTransition::Remove);
    clock.advance(1h);
    CHECK(check_removal(w, clock.now(), settings) == HealthTransition::Remove);

    // Recovered in time: the clock starts over when it is lost again.
    auto v = worker();
    test::ManualClock later;
    apply_probe(v, definite(), later.now(), settings);
    later.advance(200s);
    REQUIRE(apply_probe(v, healthy(), later.now(), settings) == HealthTransition::Recovered);
    later.advance(200s);
    CHECK(check_removal(v, later.now(), settings) == HealthTransition::None);
    apply_probe(v, definite(), later.now(), settings);
    later.advance(299s);
    CHECK(check_removal(v, later.now(), settings) == HealthTransition::None);
    later.advance(1s);
    CHECK(check_removal(v, later.now(), settings) == HealthTransition::Remove);
}

TEST_CASE("health policy: a custom threshold and an available worker is never removed", "[health]") {
    test::ManualClock clock;
    HealthSettings settings;
    settings.failure_threshold = 1;
    settings.remove_after = 5s;
    auto w = worker();
    CHECK(apply_probe(w, ambiguous(), clock.now(), settings) == HealthTransition::BecameUnavailable);

    auto healthy_worker = worker();
    apply_probe(healthy_worker, healthy(), clock.now(), settings);
    clock.advance(1h);
    CHECK(check_removal(healthy_worker, clock.now(), settings) == HealthTransition::None);
    CHECK(check_removal(w, clock.now(), settings) == HealthTransition::Remove);
}
