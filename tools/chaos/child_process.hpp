#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace fleet::chaos {

// A program the chaos run started: its output appended to a log file, signals
// sent by its pid only, reaped when it ends.
class ChildProcess {
public:
    // Starts `program args...`; throws std::runtime_error when it cannot.
    ChildProcess(const std::string& program, const std::vector<std::string>& args, const std::string& log_path);
    ~ChildProcess();  // SIGKILL if still running
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t pid() const { return pid_; }
    bool running();                 // false once it has exited (reaped here)
    void signal(int number);        // nothing once it has exited
    void kill_now();                // SIGKILL (a stopped process too), then reaped
    // SIGTERM, up to `grace` to exit, then SIGKILL.
    void stop(std::chrono::milliseconds grace);

private:
    bool reap(bool wait);

    pid_t pid_ = -1;
    bool exited_ = false;
};

}  // namespace fleet::chaos
