#include "tests/support/process.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "tests/support/sanitizer_report.hpp"

extern char** environ;

namespace fleet::test {

Process::Process(const std::string& program, const std::vector<std::string>& args,
                 const std::vector<std::string>& environment, const std::string& working_directory)
    : program_(program) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");

    std::vector<std::string> argv_storage{program};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& arg : argv_storage) argv.push_back(arg.data());
    argv.push_back(nullptr);

    std::vector<std::string> env_storage;
    for (char** e = environ; *e; ++e) {
        // The child sees only the FLEET_* variables a test gives it.
        if (std::strncmp(*e, "FLEET_", 6) != 0) env_storage.emplace_back(*e);
    }
    env_storage.insert(env_storage.end(), environment.begin(), environment.end());
    std::vector<char*> envp;
    for (auto& var : env_storage) envp.push_back(var.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    if (!working_directory.empty()) posix_spawn_file_actions_addchdir_np(&actions, working_directory.c_str());
    const int rc = posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        throw std::runtime_error("cannot start " + program + ": " + std::strerror(rc));
    }
    reader_ = std::thread([this, fd = fds[0]] { read_output(fd); });
}

Process::~Process() {
    if (!wait(std::chrono::milliseconds(0))) {
        ::kill(pid_, SIGKILL);
        wait(std::chrono::seconds(10));
    }
    if (reader_.joinable()) reader_.join();
    // A sanitizer finding in the child fails the test that started it.
    const auto report = sanitizer_report(pid_);
    if (!report.empty()) FAIL_CHECK("sanitizer report from " << program_ << " (pid " << pid_ << "):\n" << report);
}

void Process::read_output(int fd) {
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        std::lock_guard lock(mutex_);
        output_.append(buffer, static_cast<std::size_t>(n));
        changed_.notify_all();
    }
    close(fd);
    // The pipe closes when the child exits; collect its status.
    int status = 0;
    const pid_t reaped = ::waitpid(pid_, &status, 0);
    std::lock_guard lock(mutex_);
    closed_ = true;
    if (reaped == pid_) exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    else exit_code_ = -1;
    changed_.notify_all();
}

std::string Process::wait_for_line(std::string_view needle, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    std::size_t at = std::string::npos;
    const bool found = changed_.wait_for(lock, timeout, [&] {
        at = output_.find(needle);
        return at != std::string::npos || closed_;
    });
    if (!found || at == std::string::npos) {
        throw std::runtime_error("no output line with '" + std::string(needle) + "'" +
                                 (closed_ ? " (process exited)" : " (timed out)") + "; output:\n" + output_);
    }
    const auto begin = output_.rfind('\n', at);
    const auto end = output_.find('\n', at);
    return output_.substr(begin == std::string::npos ? 0 : begin + 1,
                          (end == std::string::npos ? output_.size() : end) - (begin == std::string::npos ? 0 : begin + 1));
}

std::string Process::output() const {
    std::lock_guard lock(mutex_);
    return output_;
}

void Process::signal(int signal) { ::kill(pid_, signal); }

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return exit_code_.has_value(); });
    return exit_code_;
}

}  // namespace fleet::test
