#include "backend/core/commit_pacer.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>

using namespace fleet::backend;
using namespace std::chrono_literals;

TEST_CASE("commit_delay: a lone write is never held back", "[commit-pacer]") {
    const SteadyTime t0{1s};
    CHECK(commit_delay(t0, t0 + 10us, 300us, 0) == 0ns);
    CHECK(commit_delay(t0, t0 + 10us, 300us, 1) == 0ns);
}

TEST_CASE("commit_delay: a busy core commits at most once an interval", "[commit-pacer]") {
    const SteadyTime t0{1s};
    CHECK(commit_delay(t0, t0 + 100us, 300us, 2) == 200us);
    CHECK(commit_delay(t0, t0 + 299us, 300us, 40) == 1us);
    CHECK(commit_delay(t0, t0 + 300us, 300us, 40) == 0ns);
    CHECK(commit_delay(t0, t0 + 5ms, 300us, 40) == 0ns);
    CHECK(commit_delay(SteadyTime{}, t0, 300us, 40) == 0ns);  // never committed yet
}

TEST_CASE("CommitPacer: a commit that need not wait runs behind the work already queued", "[commit-pacer]") {
    boost::asio::io_context core;
    CommitPacer pacer(core, 1h);
    std::vector<std::string> order;
    boost::asio::post(core, [&] { order.push_back("queued before"); });
    pacer.schedule([&] { order.push_back("commit"); }, 1);
    core.run();
    CHECK(order == std::vector<std::string>{"queued before", "commit"});
}

TEST_CASE("CommitPacer: after a busy batch, the next commit waits for the interval", "[commit-pacer]") {
    boost::asio::io_context core;
    CommitPacer pacer(core, 1h);  // far longer than the test: the wait shows as not yet run
    int commits = 0;
    pacer.schedule([&] { ++commits; }, 5);  // nothing committed before: at once
    core.poll();
    CHECK(commits == 1);
    pacer.schedule([&] { ++commits; }, 5);
    core.poll();
    CHECK(commits == 1);  // held back
}
