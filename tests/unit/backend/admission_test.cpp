#include "backend/core/admission.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <catch2/catch.hpp>

#include <string>
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
