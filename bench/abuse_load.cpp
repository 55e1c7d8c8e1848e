// fleet-bench-abuse: what abusive clients do to a Fleet program's /health (scripts/bench_abuse).
//
//   fleet-bench-abuse --backend http://127.0.0.1:PORT --pid PID [--idle 2000] [--slow 64]
//                     [--seconds 10] [--flood-mib 1024] [--label L] [--figures FILE]
//
// `--backend` is the program measured: a backend or a worker (both serve /health the same way);
// `--pid` is its process, whose resident memory is read from /proc.
//  1. quiet: /health on one kept-alive connection, 200 a second for --seconds (p50, p99, max),
//     and 50 times on a new connection each (connect + request + answer);
//  2. abused: the same while --idle connections send nothing and --slow slow-loris clients send a
//     request's header one byte every 500 ms (any of them cut off reconnects at once); counts how
//     the server ended them (408 answers, closes);
//  3. floods, one after the other: a header that never ends, a body declared 1 GiB long, a chunked
//     body that never ends, each sent as fast as the server takes it (up to --flood-mib): the bytes
//     the server took before it answered or closed, its answer's status, and the time it took.
// Resident memory of --pid before, at the end of (2), and after (3). Prints a line per figure and
// appends the key ones to --figures.
#include "bench/bench_figures.hpp"
#include "bench/bench_options.hpp"
#include "common/fd_limit.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
constexpr fleet::bench::Program kProgram{"fleet-bench-abuse", "bench/abuse_load.cpp"};

struct Options {
    fleet::bench::CommonOptions common;
    std::uint16_t port = 0;
    long pid = 0;
    std::size_t idle = 2000;
    std::size_t slow = 64;
    int seconds = 10;
    std::size_t flood_mib = 1024;
};

Options parse_options(int argc, char** argv) {
    Options o;
    fleet::bench::read_options(kProgram, argc, argv, [&](std::string_view key, const std::string& value) {
        if (key == "--pid") o.pid = std::stol(value);
        else if (key == "--idle") o.idle = std::stoul(value);
        else if (key == "--slow") o.slow = std::stoul(value);
        else if (key == "--seconds") o.seconds = std::stoi(value);
        else if (key == "--flood-mib") o.flood_mib = std::stoul(value);
        else return o.common.take(kProgram, key, value);
        return true;
    });
    if (o.common.backend.empty()) fleet::bench::usage(kProgram, "--backend is required");
    if (o.pid <= 0) fleet::bench::usage(kProgram, "--pid is required");
    o.port = fleet::bench::loopback_backend(kProgram, o.common.backend).port;
    return o;
}

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double rss_mib(long pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    return 0;
}

// A connected socket to the program, blocking or not; -1 when the connect fails.
int connect_to(std::uint16_t port, bool blocking) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | (blocking ? 0 : SOCK_NONBLOCK), 0);
    if (fd < 0) return -1;
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 && errno != EINPROGRESS) {
        ::close(fd);
        return -1;
    }
    return fd;
}

void set_timeouts(int fd, std::chrono::milliseconds timeout) {
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// Reads one answer with a Content-Length; its status, or 0 when the connection failed.
int read_answer(int fd) {
    std::string in;
    char buffer[4096];
    for (;;) {
        const auto end = in.find("\r\n\r\n");
        if (end != std::string::npos) {
            const auto at = in.find("Content-Length: ");
            const std::size_t length = at == std::string::npos ? 0 : std::stoul(in.substr(at + 16));
            if (in.size() >= end + 4 + length) return std::stoi(in.substr(9, 3));
        }
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) return 0;
        in.append(buffer, static_cast<std::size_t>(n));
    }
}

struct Latencies {
    std::vector<double> kept_alive, fresh;
    std::size_t failed = 0;
};

// /health at 200 a second on one kept-alive connection, then 50 times on a new connection each.
Latencies measure_health(std::uint16_t port, int seconds) {
    Latencies result;
    static const std::string request = "GET /health HTTP/1.1\r\nHost: bench\r\n\r\n";
    int fd = connect_to(port, true);
    set_timeouts(fd, 5s);
    const auto start = Clock::now();
    for (int i = 0; i < seconds * 200; ++i) {
        std::this_thread::sleep_until(start + i * 5ms);
        const auto sent = Clock::now();
        if (fd < 0 || ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) < 0 || read_answer(fd) != 200) {
            ++result.failed;
            if (fd >= 0) ::close(fd);
            fd = connect_to(port, true);
            set_timeouts(fd, 5s);
            continue;
        }
        result.kept_alive.push_back(ms_since(sent));
    }
    if (fd >= 0) ::close(fd);
    static const std::string closing = "GET /health HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n";
    for (int i = 0; i < 50; ++i) {
        const auto began = Clock::now();
        const int one = connect_to(port, true);
        set_timeouts(one, 5s);
        const bool ok = one >= 0 && ::send(one, closing.data(), closing.size(), MSG_NOSIGNAL) > 0 && read_answer(one) == 200;
        if (one >= 0) ::close(one);
        if (ok) result.fresh.push_back(ms_since(began));
        else ++result.failed;
        std::this_thread::sleep_for(20ms);
    }
    return result;
}

void print_latencies(const Options& o, const char* phase, const Latencies& l) {
    using fleet::bench::quantile;
    std::printf("%s /health kept alive: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%zu answers); new connection each: "
                "p50 %.2f ms, p99 %.2f ms (%zu); failed %zu\n",
                phase, quantile(l.kept_alive, 0.5), quantile(l.kept_alive, 0.99), quantile(l.kept_alive, 1.0),
                l.kept_alive.size(), quantile(l.fresh, 0.5), quantile(l.fresh, 0.99), l.fresh.size(), l.failed);
    fleet::bench::FigureFile figures{o.common.figures, o.common.build, o.common.label};
    figures.add(std::string(phase) + "_health_p99_ms", quantile(l.kept_alive, 0.99));
    figures.add(std::string(phase) + "_new_connection_p99_ms", quantile(l.fresh, 0.99));
    figures.add(std::string(phase) + "_failed", static_cast<double>(l.failed));
}

// The abusers of phase 2, driven by one poll() loop until `stop`.
struct Abusers {
    std::vector<int> idle;
    struct Slow {
        int fd = -1;
        std::size_t sent = 0;
    };
    std::vector<Slow> slow;
    std::size_t idle_closed = 0, slow_408 = 0, slow_closed = 0, reconnects = 0;
};

void abuse(const Options& o, Abusers& a, const std::atomic<bool>& stop) {
    static const std::string head = "GET /health HTTP/1.1\r\nHost: bench\r\nX-Slow: ";
    for (std::size_t i = 0; i < o.idle; ++i) a.idle.push_back(connect_to(o.port, false));
    a.slow.resize(o.slow);
    for (auto& s : a.slow) s.fd = connect_to(o.port, false);
    auto next_byte = Clock::now();
    std::vector<pollfd> fds;
    while (!stop) {
        fds.clear();
        for (int fd : a.idle)
            if (fd >= 0) fds.push_back({fd, POLLIN, 0});
        for (auto& s : a.slow)
            if (s.fd >= 0) fds.push_back({s.fd, POLLIN, 0});
        ::poll(fds.data(), fds.size(), 100);
        char buffer[512];
        for (const auto& p : fds) {
            if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
            const ssize_t n = ::recv(p.fd, buffer, sizeof buffer, MSG_DONTWAIT);
            if (n < 0 && errno == EAGAIN) continue;
            for (auto& fd : a.idle)
                if (fd == p.fd) {  // an idle connection the server ended: come back at once
                    ::close(fd);
                    fd = connect_to(o.port, false);
                    ++a.idle_closed;
                }
            for (auto& s : a.slow)
                if (s.fd == p.fd) {  // cut off: a 408, or just closed; come back at once
                    if (n > 12 && std::string(buffer, 12) == "HTTP/1.1 408") ++a.slow_408;
                    else ++a.slow_closed;
                    ::close(s.fd);
                    s = {connect_to(o.port, false), 0};
                    ++a.reconnects;
                }
        }
        if (Clock::now() < next_byte) continue;
        next_byte += 500ms;
        for (auto& s : a.slow) {
            if (s.fd < 0) continue;
            // The request line and first header, then a byte every 500 ms of a header that never ends.
            const std::string piece = s.sent == 0 ? head : "a";
            if (::send(s.fd, piece.data(), piece.size(), MSG_NOSIGNAL | MSG_DONTWAIT) > 0) s.sent += piece.size();
        }
    }
}

// Sends `prefix`, then `filler` over and over as fast as the server takes it, up to `limit` bytes;
// what the server took and answered.
void flood(const Options& o, const char* what, const std::string& prefix, const std::string& filler) {
    const auto began = Clock::now();
    const int fd = connect_to(o.port, true);
    set_timeouts(fd, 3s);
    const std::size_t limit = o.flood_mib << 20;
    std::size_t sent = 0;
    bool cut = false;
    if (::send(fd, prefix.data(), prefix.size(), MSG_NOSIGNAL) < 0) cut = true;
    while (!cut && sent < limit) {
        const ssize_t n = ::send(fd, filler.data(), filler.size(), MSG_NOSIGNAL);
        if (n <= 0) cut = true;
        else sent += static_cast<std::size_t>(n);
    }
    char buffer[512] = {};
    const ssize_t n = ::recv(fd, buffer, sizeof buffer - 1, 0);
    ::close(fd);
    const std::string status = n > 12 ? std::string(buffer + 9, 3) : "none";
    std::printf("flood, %s: the server took %.1f MiB of %zu MiB, then %s; answer %s, after %.0f ms\n", what,
                static_cast<double>(sent) / (1 << 20), o.flood_mib, cut ? "stopped taking (closed)" : "still took more",
                status.c_str(), ms_since(began));
    fleet::bench::FigureFile figures{o.common.figures, o.common.build, o.common.label};
    figures.add(std::string("flood_") + what + "_mib_taken", static_cast<double>(sent) / (1 << 20));
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse_options(argc, argv);
    fleet::raise_fd_limit();  // --idle connections need as many descriptors
    fleet::bench::FigureFile figures{o.common.figures, o.common.build, o.common.label};
    const double rss_before = rss_mib(o.pid);
    std::printf("%s: resident memory %.1f MiB before\n", o.common.label.c_str(), rss_before);
    print_latencies(o, "quiet", measure_health(o.port, o.seconds));

    Abusers abusers;
    std::atomic<bool> stop{false};
    std::thread abuser([&] { abuse(o, abusers, stop); });
    std::this_thread::sleep_for(1s);  // every connection made
    const auto abused = measure_health(o.port, o.seconds);
    const double rss_abused = rss_mib(o.pid);
    stop = true;
    abuser.join();
    std::printf("abused: %zu idle connections (closed by the server and opened again: %zu), %zu slow-loris clients: "
                "%zu answered 408, %zu closed, %zu reconnects\n",
                o.idle, abusers.idle_closed, o.slow, abusers.slow_408, abusers.slow_closed, abusers.reconnects);
    print_latencies(o, "abused", abused);
    for (int fd : abusers.idle)
        if (fd >= 0) ::close(fd);
    for (auto& s : abusers.slow)
        if (s.fd >= 0) ::close(s.fd);

    const std::string filler(64 * 1024, 'a');
    flood(o, "header", "GET /health HTTP/1.1\r\nHost: bench\r\nX-Flood: ", filler);
    flood(o, "body", "POST /health HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: " +
                         std::to_string(1ULL << 30) + "\r\n\r\n",
          filler);
    std::string chunk = "10000\r\n" + filler + "\r\n";
    flood(o, "chunked", "POST /api/v1/operations HTTP/1.1\r\nHost: bench\r\nTransfer-Encoding: chunked\r\n\r\n", chunk);
    std::this_thread::sleep_for(1s);
    const double rss_after = rss_mib(o.pid);
    std::printf("%s: resident memory %.1f MiB before, %.1f MiB while abused, %.1f MiB after the floods\n",
                o.common.label.c_str(), rss_before, rss_abused, rss_after);
    figures.add("rss_mib_before", rss_before);
    figures.add("rss_mib_abused", rss_abused);
    figures.add("rss_mib_after", rss_after);
    return 0;
}
