#include "backend/core/admission.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

using namespace fleet::backend;

TEST_CASE("admitted work runs in order, a few a turn, behind what the core already has", "[core][admission]") {
    boost::asio::io_context core;
    Admission admission(core, 2);
    std::vector<std::string> ran;
    for (int i = 1; i <= 5; ++i) admission.admit([&ran, i] { ran.push_back("start" + std::to_string(i)); });
    // Work that reached the core's own queue meanwhile (worker answers, notices).
    boost::asio::post(core, [&] { ran.push_back("answer1"); });
    boost::asio::post(core, [&] { ran.push_back("answer2"); });
    CHECK(admission.waiting() == 5);
    core.run();
    CHECK(ran == std::vector<std::string>{"start1", "start2", "answer1", "answer2", "start3", "start4", "start5"});
    CHECK(admission.waiting() == 0);
}

TEST_CASE("admission takes new work after it has gone idle", "[core][admission]") {
    boost::asio::io_context core;
    Admission admission(core, 8);
    int ran = 0;
    admission.admit([&] { ++ran; });
    core.run();
    core.restart();
    admission.admit([&] { ++ran; });
    admission.admit([&] { throw std::runtime_error("a bug"); });  // logged; the next still runs
    admission.admit([&] { ++ran; });
    core.run();
    CHECK(ran == 3);
}

TEST_CASE("next_turn_delay: starts get their share of the core's time only while a backlog lasts", "[core][admission]") {
    using namespace std::chrono_literals;
    CHECK(next_turn_delay(100us, false, 0.1) == 0ns);
    CHECK(next_turn_delay(100us, true, 0.1) == 900us);
    CHECK(next_turn_delay(100us, true, 0.5) == 100us);
    CHECK(next_turn_delay(0ns, true, 0.1) == 0ns);
    CHECK(next_turn_delay(100us, true, 1.0) == 0ns);  // all of it: no wait
}

TEST_CASE("while a backlog lasts, the next turn waits behind a timer; without one it follows at once",
          "[core][admission]") {
    bool backlogged = true;
    boost::asio::io_context core;
    // A share so small that the wait outlasts the test: the second start shows as not yet run.
    Admission admission(core, 1, {[&] { return backlogged; }, 1e-9});
    std::vector<std::string> ran;
    admission.admit([&] {
        ran.push_back("start1");
        std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the turn takes time: the wait is long
    });
    admission.admit([&] { ran.push_back("start2"); });
    core.poll();
    CHECK(ran == std::vector<std::string>{"start1"});
    CHECK(admission.waiting() == 1);

    backlogged = false;
    boost::asio::io_context idle_core;
    Admission free_flowing(idle_core, 1, {[&] { return backlogged; }, 1e-9});
    std::vector<std::string> flowed;
    free_flowing.admit([&] { flowed.push_back("a"); });
    free_flowing.admit([&] { flowed.push_back("b"); });
    idle_core.poll();
    CHECK(flowed == std::vector<std::string>{"a", "b"});
}
