#include "tools/fleetctl/local_fleet.hpp"

#include "common/json/parse.hpp"
#include "tools/fleetctl/exit_code.hpp"

#include <boost/json/value.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

extern char** environ;

namespace fleet::ctl::local {

namespace {

using namespace std::chrono_literals;

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string first_line(const fs::path& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

bool executable_file(const fs::path& path) {
    std::error_code ec;
    return fs::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

// DIR/NAME, or DIR/SUB/NAME in a build tree.
std::optional<fs::path> in_dir(const fs::path& dir, const std::string& name, const std::string& sub) {
    if (executable_file(dir / name)) return dir / name;
    if (executable_file(dir / sub / name)) return dir / sub / name;
    return std::nullopt;
}

std::string value_of(const std::map<std::string, std::string>& env, const std::string& name) {
    const auto it = env.find(name);
    return it == env.end() ? std::string() : it->second;
}

std::string absolute(const fs::path& path) {
    std::error_code ec;
    auto full = fs::absolute(path, ec);
    return ec ? path.string() : full.lexically_normal().string();
}

// The argument vector of a running process; empty without /proc.
std::optional<std::vector<std::string>> command_line_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
    if (!in) return std::nullopt;
    std::vector<std::string> args;
    std::string arg;
    while (std::getline(in, arg, '\0')) args.push_back(arg);
    return args;
}

bool zombie(pid_t pid) {
    const auto stat = read_text("/proc/" + std::to_string(pid) + "/stat");
    const auto at = stat.rfind(") ");
    return at != std::string::npos && at + 2 < stat.size() && stat[at + 2] == 'Z';
}

}  // namespace

std::vector<WorkerGroup> parse_worker_spec(const std::string& spec) {
    if (spec.empty()) throw usage_error("--workers must not be empty (e.g. echo:2)");
    if (spec.front() == ',' || spec.back() == ',' || spec.find(",,") != std::string::npos)
        throw usage_error("bad --workers '" + spec + "': empty entry");
    static const std::regex entry_pattern("([A-Za-z0-9_]+):([0-9]{1,4})");
    std::vector<WorkerGroup> groups;
    std::istringstream entries(spec);
    std::string entry;
    while (std::getline(entries, entry, ',')) {
        std::smatch match;
        if (!std::regex_match(entry, match, entry_pattern))
            throw usage_error("bad --workers entry '" + entry + "': expected TYPE:N, e.g. echo:4 or echo:2,backtest:1");
        const int count = std::stoi(match[2]);
        if (count < 1 || count > 256) throw usage_error("bad --workers entry '" + entry + "': N must be from 1 to 256");
        const std::string type = match[1];
        if (std::any_of(groups.begin(), groups.end(), [&](const WorkerGroup& g) { return g.type == type; }))
            throw usage_error("bad --workers '" + spec + "': " + type + " given twice");
        groups.push_back({type, count});
    }
    return groups;
}

std::vector<std::string> worker_names(const std::vector<WorkerGroup>& groups) {
    std::vector<std::string> names;
    for (const auto& g : groups)
        for (int i = 1; i <= g.count; ++i) names.push_back(g.type + "-" + std::to_string(i));
    return names;
}

Binaries find_binaries(const std::optional<std::string>& bin_dir, const std::map<std::string, std::string>& env,
                       const std::string& self_path) {
    Binaries found;
    const auto from = [&](const fs::path& dir, const std::string& what) {
        auto backend = in_dir(dir, "fleet-backend", "backend");
        auto worker = in_dir(dir, "fleet-worker", "workers");
        if (found.backend.empty() && backend) found.backend = backend->string();
        if (found.worker.empty() && worker) found.worker = worker->string();
        if (!what.empty() && (found.backend.empty() || found.worker.empty()))
            throw CliError(ExitCode::Usage, "no executable " + std::string(found.backend.empty() ? "fleet-backend" : "fleet-worker") +
                                                " in " + what + " " + dir.string());
    };
    if (bin_dir) {
        if (!fs::is_directory(*bin_dir)) throw usage_error("--bin-dir " + *bin_dir + " is not a directory");
        from(*bin_dir, "--bin-dir");
    }
    for (const auto& [variable, slot] : {std::pair{"FLEET_BACKEND_BIN", &found.backend}, {"FLEET_WORKER_BIN", &found.worker}}) {
        const auto value = value_of(env, variable);
        if (value.empty() || !slot->empty()) continue;
        if (!executable_file(value)) throw usage_error(std::string(variable) + "=" + value + " is not an executable file");
        *slot = value;
    }
    if (const auto dir = value_of(env, "FLEET_BIN_DIR"); !dir.empty()) from(dir, "FLEET_BIN_DIR=");
    if (!self_path.empty()) {
        const auto here = fs::path(self_path).parent_path();
        from(here, "");
        // fleetctl's own build tree: build/tools/fleetctl/fleetctl next to build/backend, build/workers.
        from(here.parent_path().parent_path(), "");
    }
    std::istringstream path(value_of(env, "PATH"));
    std::string dir;
    while (std::getline(path, dir, ':'))
        if (!dir.empty()) from(dir, "");
    if (found.backend.empty()) throw usage_error("no fleet-backend: give --bin-dir, FLEET_BIN_DIR or FLEET_BACKEND_BIN, or install Fleet");
    if (found.worker.empty()) throw usage_error("no fleet-worker: give --bin-dir, FLEET_BIN_DIR or FLEET_WORKER_BIN, or install Fleet");
    return {absolute(found.backend), absolute(found.worker)};
}

std::map<std::string, std::string> worker_types(const std::string& worker_binary) {
    std::string quoted = "'";
    for (char c : worker_binary) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    quoted += "' --list-types 2>/dev/null";
    std::map<std::string, std::string> types;
    std::FILE* pipe = ::popen(quoted.c_str(), "r");
    if (!pipe) return types;
    std::string text;
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe)) text += buffer;
    if (::pclose(pipe) != 0) return {};
    std::istringstream lines(text);
    std::string type, domain;
    while (lines >> type >> domain) types[type] = domain;
    return types;
}

std::optional<pid_t> FleetDir::pid_of(const std::string& name) const {
    const auto text = first_line(file(name, ".pid"));
    if (text.empty() || !std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); }) ||
        text.size() > 9)
        return std::nullopt;
    return static_cast<pid_t>(std::stol(text));
}

std::string FleetDir::url_of(const std::string& name) const { return first_line(file(name, ".url")); }

std::vector<std::string> FleetDir::worker_names() const {
    std::vector<std::pair<std::pair<std::string, int>, std::string>> found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(path_, ec)) {
        if (entry.path().extension() != ".pid") continue;
        const auto name = entry.path().stem().string();
        if (name == "backend") continue;
        const auto dash = name.rfind('-');
        int number = 0;
        if (dash != std::string::npos) {
            try {
                number = std::stoi(name.substr(dash + 1));
            } catch (const std::exception&) {
            }
        }
        found.push_back({{name.substr(0, dash), number}, name});
    }
    std::sort(found.begin(), found.end());
    std::vector<std::string> names;
    for (auto& [key, name] : found) names.push_back(std::move(name));
    return names;
}

bool FleetDir::has_fleet() const {
    std::error_code ec;
    return fs::exists(file("backend", ".pid"), ec) || !worker_names().empty();
}

bool FleetDir::alive(const std::string& name) const {
    const auto pid = pid_of(name);
    return pid && alive(name, *pid);
}

bool FleetDir::alive(const std::string& name, pid_t pid) const {
    if (pid <= 0) return false;
    if (::kill(pid, 0) != 0 && errno != EPERM) return false;
    reap_if_exited(pid);
    if (::kill(pid, 0) != 0 && errno != EPERM) return false;
    if (zombie(pid)) return false;
    const auto args = command_line_of(pid);
    if (!args) return true;  // no /proc: trust kill(0)
    const std::string flag = name == "backend" ? "--db" : "--worker-id";
    const std::string value = name == "backend" ? (path_ / "fleet.db").string() : name;
    for (std::size_t i = 1; i + 1 < args->size(); ++i)
        if ((*args)[i] == flag && (*args)[i + 1] == value) return true;
    return false;
}

void FleetDir::forget(const std::string& name) const {
    std::error_code ec;
    for (const char* suffix : {".pid", ".url", ".ready"}) fs::remove(file(name, suffix), ec);
}

std::string FleetDir::log_tail(const std::string& name, std::size_t count) const {
    std::ifstream in(file(name, ".log"));
    std::deque<std::string> lines;
    std::string line;
    while (std::getline(in, line)) {
        lines.push_back(line);
        if (lines.size() > count) lines.pop_front();
    }
    std::string text;
    for (const auto& l : lines) text += l + "\n";
    return text;
}

bool FleetDir::logged_line_ending(const std::string& name, const std::string& text) const {
    std::ifstream in(file(name, ".log"));
    std::string line;
    while (std::getline(in, line))
        if (line.ends_with(text)) return true;
    return false;
}

DirLock::DirLock(const FleetDir& dir, std::chrono::seconds wait, const std::string& holder_message) {
    fd_ = ::open((dir.path() / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw CliError(ExitCode::Failed, "cannot open " + (dir.path() / ".lock").string() + ": " + std::strerror(errno));
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        if (std::chrono::steady_clock::now() >= deadline) {
            ::close(fd_);
            fd_ = -1;
            throw CliError(ExitCode::Failed, holder_message);
        }
        std::this_thread::sleep_for(100ms);
    }
}

DirLock::~DirLock() {
    if (fd_ >= 0) ::close(fd_);
}

std::vector<std::string> child_environment(const std::map<std::string, std::string>& set,
                                           const std::vector<std::string>& unset) {
    std::vector<std::string> out;
    for (char** e = environ; e && *e; ++e) {
        const std::string entry(*e);
        const auto name = entry.substr(0, entry.find('='));
        if (set.count(name) || std::find(unset.begin(), unset.end(), name) != unset.end()) continue;
        out.push_back(entry);
    }
    for (const auto& [name, value] : set) out.push_back(name + "=" + value);
    return out;
}

pid_t launch(const FleetDir& dir, const std::string& name, const std::vector<std::string>& argv,
             const std::vector<std::string>& environment) {
    dir.forget(name);
    const std::string log = dir.file(name, ".log").string();
    // Everything the child needs is made before fork: after it, only async-signal-safe calls.
    std::vector<char*> args, envp;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (const auto& e : environment) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    const long max_fd = std::min(::sysconf(_SC_OPEN_MAX), 65536L);

    const pid_t pid = ::fork();
    if (pid < 0) throw CliError(ExitCode::Failed, "fork: " + std::string(std::strerror(errno)));
    if (pid == 0) {
        ::setsid();
        const int in = ::open("/dev/null", O_RDONLY);
        const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || out < 0) ::_exit(127);
        ::dup2(in, 0);
        ::dup2(out, 1);
        ::dup2(out, 2);
        for (long fd = 3; fd < max_fd; ++fd) ::close(static_cast<int>(fd));
        ::execve(args[0], args.data(), envp.data());
        const char message[] = "fleetctl: cannot execute the program\n";
        [[maybe_unused]] auto ignored = ::write(2, message, sizeof message - 1);
        ::_exit(127);
    }
    std::ofstream(dir.file(name, ".pid")) << pid << '\n';
    return pid;
}

std::optional<std::string> ready_url(const fs::path& ready_file) {
    const auto text = read_text(ready_file);
    if (text.empty()) return std::nullopt;
    boost::system::error_code ec;
    const auto value = json::parse(text, ec);
    if (ec || !value.is_object()) return std::nullopt;
    const auto* url = value.get_object().if_contains("url");
    if (!url || !url->is_string()) return std::nullopt;
    return std::string(url->get_string());
}

bool reap_if_exited(pid_t pid) {
    int status = 0;
    return ::waitpid(pid, &status, WNOHANG) == pid;
}

bool child_exited(pid_t pid) {
    int status = 0;
    const auto result = ::waitpid(pid, &status, WNOHANG);
    return result == pid || (result < 0 && errno == ECHILD);
}

std::vector<std::string> terminate(const FleetDir& dir, const std::vector<std::string>& names,
                                   std::chrono::seconds timeout) {
    std::map<std::string, pid_t> running;
    for (const auto& name : names) {
        const auto pid = dir.pid_of(name);
        if (pid && dir.alive(name, *pid)) {
            running[name] = *pid;
            ::kill(*pid, SIGTERM);
        }
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (std::none_of(running.begin(), running.end(), [&](const auto& p) { return dir.alive(p.first, p.second); }))
            break;
        std::this_thread::sleep_for(50ms);
    }
    std::vector<std::string> killed;
    for (const auto& [name, pid] : running) {
        if (!dir.alive(name, pid)) continue;
        ::kill(pid, SIGKILL);
        killed.push_back(name);
        for (int i = 0; i < 100 && dir.alive(name, pid); ++i) std::this_thread::sleep_for(20ms);
    }
    return killed;
}

}  // namespace fleet::ctl::local
