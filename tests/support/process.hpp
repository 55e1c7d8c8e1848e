#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace fleet::test {

// A real child process (the binary under test) with its stdout and stderr
// collected, so a test can wait for a line, send signals and await the exit.
class Process {
public:
    // `working_directory` empty: the test's own.
    Process(const std::string& program, const std::vector<std::string>& args,
            const std::vector<std::string>& environment = {}, const std::string& working_directory = {});
    ~Process();  // SIGKILL if still running; fails the test if a sanitizer reported in the child
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }
    // Waits for output containing `needle`; returns the whole line. Throws on timeout or exit.
    std::string wait_for_line(std::string_view needle, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    std::string output() const;
    void signal(int signal);
    // The exit code (or 128 + signal), or nothing if it did not exit in time.
    std::optional<int> wait(std::chrono::milliseconds timeout);

private:
    void read_output(int fd);

    std::string program_;
    pid_t pid_ = -1;
    std::thread reader_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::string output_;
    bool closed_ = false;
    std::optional<int> exit_code_;
};

}  // namespace fleet::test
