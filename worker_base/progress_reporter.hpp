#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

namespace boost::asio {
class io_context;
}

namespace fleet::worker {

class OperationsService;

// Tells the backend how running operations progress, so its event stream
// (and the dashboard, and `fleetctl --watch`) show it live: every `interval`,
// each operation that has run at least that long and moved since it was last
// told is sent once (`send`, best effort), all of a round in one call, in
// pieces of at most kMaxPerSend. A million bridge updates a second still make
// one notice per interval; short operations make none.
class ProgressReporter {
public:
    using Send = std::function<void(boost::json::array operations)>;
    static constexpr std::size_t kMaxPerSend = 500;

    ProgressReporter(boost::asio::io_context& io, OperationsService& operations, Send send,
                     std::chrono::milliseconds interval = std::chrono::milliseconds(500));
    ~ProgressReporter();
    ProgressReporter(const ProgressReporter&) = delete;
    ProgressReporter& operator=(const ProgressReporter&) = delete;

    void start();
    // No round after the one under way, if any (any thread).
    void stop();

    // One round, as the timer runs it (tests call it directly).
    void report_once();

private:
    void arm();

    struct Timer;
    std::unique_ptr<Timer> timer_;
    OperationsService& operations_;
    Send send_;
    const std::chrono::milliseconds interval_;
    std::unordered_map<std::string, std::string> told_;  // operation -> what it was last told
};

}  // namespace fleet::worker
