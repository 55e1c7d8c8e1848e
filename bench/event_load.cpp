// Load tool for the backend's event stream (scripts/bench_events drives it).
//
//   fleet-bench-events --backend URL [--clients 100] [--duration 10] [--types operation.status]
//       listen only: C clients hold GET /api/v1/events?types=T open for D seconds (0: until
//       SIGTERM or SIGINT), then the figures below. "--types all" asks for every event.
//   fleet-bench-events --backend URL --rate 200 [--duration 10] [--clients 100] [--settle 1]
//       [--domain echo] [--body '{"duration_ms":0,"steps":1}']
//       the same, and once every client has its stream open, R starts a second of
//       POST /api/v1/<domain>/start for D seconds (open loop, the i-th planned i/R after the
//       start, from 4 threads); then it listens until no event came for --settle seconds.
//   [--measure latency|count] [--token T] [--label L] [--figures FILE] [--build B] on every form
//       --measure count: the clients only count the frames they get (each must get every
//       event), no latency or spread: the least a reader can do, for a load that measures
//       what the streams cost the backend on a machine the readers share with it
//
// Figures: for every event every client reads, its receive time minus the event's `time`
// (when the backend appended it, right after the commit; whole milliseconds, floored, so a
// latency reads up to 1 ms high); for every event, the spread between the first and the
// last client that read it (one clock, precise); events a client, how many clients the
// backend cut off and how many `gap` events came; the tool's own CPU.
//
// The clients are plain loopback sockets read by one poll() thread: no per-client
// thread or strand, and the event's data is not parsed as JSON (its `time` is found
// by text, once per event, not once per client), so the tool costs little CPU on a
// machine it shares with the backend. Only talks to 127.0.0.1; every wait is bounded.
#include "bench/bench_figures.hpp"
#include "bench/bench_options.hpp"
#include "common/http/client.hpp"
#include "common/json/time.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using fleet::http::BlockingHttpClient;

constexpr fleet::bench::Program kProgram{"fleet-bench-events", "bench/event_load.cpp"};
constexpr auto kConnectDeadline = std::chrono::seconds(10);
constexpr auto kSettleCap = std::chrono::seconds(30);
constexpr int kStartThreads = 4;

volatile std::sig_atomic_t g_stop_signal = 0;
extern "C" void on_stop_signal(int) { g_stop_signal = 1; }

struct Options : fleet::bench::CommonOptions {
    Options() { label = "events"; }
    std::uint16_t port = 0;
    int clients = 100;
    double duration = 10;
    double rate = 0;
    double settle = 1;
    std::string types = "operation.status";
    std::string domain = "echo";
    std::string body = R"({"duration_ms":0,"steps":1})";
    bool count_only = false;  // --measure count
};

Options parse_options(int argc, char** argv) {
    Options o;
    fleet::bench::read_options(kProgram, argc, argv, [&](std::string_view key, const std::string& value) {
        if (o.take(kProgram, key, value)) return true;
        if (key == "--clients") o.clients = std::max(1, std::atoi(value.c_str()));
        else if (key == "--duration") o.duration = std::max(0.0, std::atof(value.c_str()));
        else if (key == "--rate") o.rate = std::max(0.0, std::atof(value.c_str()));
        else if (key == "--settle") o.settle = std::max(0.0, std::atof(value.c_str()));
        else if (key == "--types") o.types = value;
        else if (key == "--domain") o.domain = value;
        else if (key == "--body") o.body = value;
        else if (key == "--measure" && (value == "latency" || value == "count")) o.count_only = value == "count";
        else return false;
        return true;
    });
    if (o.backend.empty()) fleet::bench::usage(kProgram, "--backend is required");
    o.port = fleet::bench::loopback_backend(kProgram, o.backend).port;
    if (o.rate > 0 && o.duration <= 0) fleet::bench::usage(kProgram, "--rate needs a --duration");
    return o;
}

double now_ms() {
    return std::chrono::duration<double, std::milli>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Milliseconds in 10 µs buckets up to 20 s: quantiles of millions of values in fixed memory.
class MsHistogram {
public:
    void add(double ms) {
        ++count_;
        max_ = std::max(max_, ms);
        const auto bucket = static_cast<std::size_t>(std::max(0.0, ms) * kPerMs);
        if (bucket < buckets_.size()) ++buckets_[bucket];
        else ++over_;
    }
    std::uint64_t count() const { return count_; }
    double max() const { return max_; }
    // Nearest rank, to the bucket's upper edge; the max for the top.
    double quantile(double q) const {
        if (count_ == 0) return 0;
        const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(count_ - 1) + 0.5) + 1;
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < buckets_.size(); ++i)
            if ((seen += buckets_[i]) >= rank) return std::min(max_, static_cast<double>(i + 1) / kPerMs);
        return max_;
    }

private:
    static constexpr double kPerMs = 100;
    std::vector<std::uint32_t> buckets_ = std::vector<std::uint32_t>(2'000'000);
    std::uint64_t count_ = 0, over_ = 0;
    double max_ = 0;
};

// ---------------------------------------------------------------- the stream clients

struct Client {
    int fd = -1;
    std::string buffer;
    bool streaming = false;  // the answer's headers were a 200
    bool closed = false;     // by the backend (or an error), before the end
    std::uint64_t events = 0, gaps = 0, comments = 0;
};

// One event as every client saw it.
struct Seen {
    double time_ms = 0;  // the event's `time`; NaN when it has none
    double first_ms = 0, last_ms = 0;
    int readers = 0;
};

// Every client's socket, read by one thread.
class Listener {
public:
    explicit Listener(const Options& o) : options_(o) {}

    // Opens every connection and sends its request; false when one cannot connect.
    bool open() {
        std::string target = "/api/v1/events";
        if (options_.types != "all") target += "?types=" + options_.types;
        target_ = target;
        std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
        if (!options_.token.empty()) request += "Authorization: Bearer " + options_.token + "\r\n";
        request += "\r\n";
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(options_.port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        clients_.resize(static_cast<std::size_t>(options_.clients));
        for (auto& c : clients_) {
            c.fd = ::socket(AF_INET, SOCK_STREAM, 0);
            if (c.fd < 0 || ::connect(c.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
                ::send(c.fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
                std::fprintf(stderr, "%s: cannot open stream %zu: %s\n", options_.label.c_str(),
                             static_cast<std::size_t>(&c - clients_.data()), std::strerror(errno));
                return false;
            }
            ::fcntl(c.fd, F_SETFL, ::fcntl(c.fd, F_GETFL) | O_NONBLOCK);
        }
        return true;
    }

    // Reads until `stop` is set; `streaming` counts the clients whose stream is open.
    void run(const std::atomic<bool>& stop) {
        std::vector<pollfd> fds(clients_.size());
        std::vector<char> chunk(256 * 1024);
        while (!stop) {
            for (std::size_t i = 0; i < clients_.size(); ++i)
                fds[i] = {clients_[i].closed ? -1 : clients_[i].fd, POLLIN, 0};
            if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
            for (std::size_t i = 0; i < clients_.size(); ++i) {
                if (fds[i].revents == 0) continue;
                auto& c = clients_[i];
                for (;;) {
                    const auto n = ::recv(c.fd, chunk.data(), chunk.size(), 0);
                    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
                    if (n <= 0) {
                        c.closed = true;
                        break;
                    }
                    take_frames(c, std::string_view(chunk.data(), static_cast<std::size_t>(n)), now_ms());
                    if (static_cast<std::size_t>(n) < chunk.size()) break;
                }
            }
        }
        cpu_seconds_ = thread_cpu_seconds();
    }

    void close_all() {
        for (auto& c : clients_)
            if (c.fd >= 0) ::close(c.fd), c.fd = -1;
    }

    int streaming() const { return streaming_.load(); }
    Clock::time_point last_event() const { return Clock::time_point(Clock::duration(last_event_.load())); }
    const std::string& target() const { return target_; }

    // Prints the figures and appends the key ones; 0 when every client stayed and none missed an event.
    int report(double listened_seconds) {
        // Events not read by every client still open at the end: their spread is not whole.
        int open_at_end = 0;
        for (const auto& c : clients_) open_at_end += c.streaming && !c.closed;
        std::uint64_t partial = 0;
        for (const auto& [id, seen] : seen_) {
            if (seen.readers >= open_at_end) spread_.add(seen.last_ms - seen.first_ms);
            else ++partial;
        }
        std::uint64_t least = UINT64_MAX, most = 0, gaps = 0, comments = 0;
        int cut_off = 0, never = 0;
        for (const auto& c : clients_) {
            if (!c.streaming) {
                ++never;
                continue;
            }
            least = std::min(least, c.events);
            most = std::max(most, c.events);
            gaps += c.gaps;
            comments += c.comments;
            cut_off += c.closed;
        }
        if (least == UINT64_MAX) least = 0;
        const auto distinct = options_.count_only ? most : events_total_;
        const auto deliveries = options_.count_only ? deliveries_ : latency_.count();
        const char* l = options_.label.c_str();
        std::printf("%s: %d clients on %s for %.1f s: %llu distinct events (%.0f/s), %llu deliveries (%.0f/s)\n", l,
                    options_.clients, target_.c_str(), listened_seconds, static_cast<unsigned long long>(distinct),
                    static_cast<double>(distinct) / listened_seconds, static_cast<unsigned long long>(deliveries),
                    static_cast<double>(deliveries) / listened_seconds);
        if (options_.count_only) {
            std::printf("%s latency and spread: not measured (--measure count)\n", l);
            partial = 0;
        } else {
            std::printf("%s latency, a client's receive time - the event's time (whole ms, floored: reads up to 1 ms "
                        "high): p50 %.2f ms, p99 %.2f ms, max %.2f ms (%llu deliveries, %llu without a time)\n",
                        l, latency_.quantile(0.5), latency_.quantile(0.99), latency_.max(),
                        static_cast<unsigned long long>(latency_.count()), static_cast<unsigned long long>(untimed_));
            std::printf("%s spread, the last client's receive time - the first's, same event: p50 %.2f ms, "
                        "p99 %.2f ms, max %.2f ms (%llu events read by all %d open clients, %llu not)\n",
                        l, spread_.quantile(0.5), spread_.quantile(0.99), spread_.max(),
                        static_cast<unsigned long long>(spread_.count()), open_at_end,
                        static_cast<unsigned long long>(partial));
        }
        std::printf("%s clients: events each min %llu, max %llu; cut off by the backend %d, never streaming %d, gap "
                    "events %llu, keep-alive comments %llu\n",
                    l, static_cast<unsigned long long>(least), static_cast<unsigned long long>(most), cut_off, never,
                    static_cast<unsigned long long>(gaps), static_cast<unsigned long long>(comments));
        std::printf("%s tool CPU: reader thread %.3f cores, whole process %.3f cores\n", l,
                    cpu_seconds_ / listened_seconds, process_cpu_seconds() / listened_seconds);
        const fleet::bench::FigureFile figures{options_.figures, options_.build, options_.label};
        if (!options_.count_only) {
            figures.add("latency_p50_ms", latency_.quantile(0.5));
            figures.add("latency_p99_ms", latency_.quantile(0.99));
            figures.add("latency_max_ms", latency_.max());
            figures.add("spread_p99_ms", spread_.quantile(0.99));
        }
        figures.add("reader_cores", cpu_seconds_ / listened_seconds);
        figures.add("deliveries_per_s", static_cast<double>(deliveries) / listened_seconds);
        figures.add("cut_off", cut_off);
        std::fflush(stdout);
        return cut_off == 0 && never == 0 && gaps == 0 && partial == 0 && least == most ? 0 : 1;
    }

private:
    static double thread_cpu_seconds() {
        rusage usage{};
        ::getrusage(RUSAGE_THREAD, &usage);
        return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
               static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    }
    static double process_cpu_seconds() {
        rusage usage{};
        ::getrusage(RUSAGE_SELF, &usage);
        return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
               static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    }

    // Takes every whole frame (or the answer's headers) from what a read gave, after what an
    // earlier read left unfinished; keeps the unfinished rest. Most reads end at a frame's end:
    // they are read in place, not copied.
    void take_frames(Client& c, std::string_view read, double received_ms) {
        if (!c.buffer.empty()) {
            c.buffer.append(read);
            read = c.buffer;
        }
        const std::string_view b = read;
        std::size_t at = 0;
        if (!c.streaming) {
            const auto end = b.find("\r\n\r\n");
            if (end == std::string_view::npos) return keep_rest(c, b, 0);
            if (b.compare(0, 12, "HTTP/1.1 200") != 0) {
                std::fprintf(stderr, "%s: the stream answered %s\n", options_.label.c_str(),
                             std::string(b.substr(0, b.find('\r'))).c_str());
                c.closed = true;
                return;
            }
            c.streaming = true;
            ++streaming_;
            at = end + 4;
        }
        const auto events_before = c.events;
        for (;;) {
            const auto end = b.find("\n\n", at);
            if (end == std::string_view::npos) break;
            take_frame(c, b.substr(at, end - at), received_ms);
            at = end + 2;
        }
        if (options_.count_only && c.events != events_before) last_event_ = Clock::now().time_since_epoch().count();
        keep_rest(c, b, at);
    }

    static void keep_rest(Client& c, std::string_view b, std::size_t at) {
        if (!c.buffer.empty() && b.data() == c.buffer.data()) c.buffer.erase(0, at);
        else c.buffer.assign(b.substr(at));
    }

    // --measure count: an event frame starts with its id (a gap has none), a comment with ':'.
    void count_frame(Client& c, std::string_view frame) {
        if (frame.starts_with("id: ")) {
            ++c.events;
            ++deliveries_;
        } else if (frame.starts_with("event: gap")) {
            ++c.events;
            ++c.gaps;
        } else if (frame.starts_with(":") && !frame.starts_with(": connected")) {
            ++c.comments;
        }
    }

    void take_frame(Client& c, std::string_view frame, double received_ms) {
        if (options_.count_only) return count_frame(c, frame);
        std::string_view id, type, data;
        while (!frame.empty()) {
            const auto end = std::min(frame.find('\n'), frame.size());
            const auto line = frame.substr(0, end);
            frame.remove_prefix(std::min(end + 1, frame.size()));
            if (line.starts_with("id: ")) id = line.substr(4);
            else if (line.starts_with("event: ")) type = line.substr(7);
            else if (line.starts_with("data: ")) data = line.substr(6);
            else if (line.starts_with(":") && line != ": connected") ++c.comments;
        }
        if (type.empty()) return;
        ++c.events;
        if (type == "gap") {
            ++c.gaps;
            return;
        }
        std::uint64_t number = 0;
        std::from_chars(id.data(), id.data() + id.size(), number);
        auto [it, fresh] = seen_.try_emplace(number);
        Seen& seen = it->second;
        if (fresh) {
            ++events_total_;
            seen.time_ms = time_of(data);
            seen.first_ms = received_ms;
            last_event_ = Clock::now().time_since_epoch().count();
        }
        seen.last_ms = received_ms;
        ++seen.readers;
        if (!std::isnan(seen.time_ms)) latency_.add(received_ms - seen.time_ms);
        else ++untimed_;
        // Read by every client: its spread is whole, and the entry goes.
        if (seen.readers >= streaming_) {
            spread_.add(seen.last_ms - seen.first_ms);
            seen_.erase(it);
        }
    }

    // The event's `time` in ms since the epoch, or NaN.
    static double time_of(std::string_view data) {
        constexpr std::string_view key = "\"time\":\"";
        const auto at = data.find(key);
        if (at == std::string_view::npos) return NAN;
        const auto text = data.substr(at + key.size());
        const auto time = fleet::json::parse_iso8601(text.substr(0, text.find('"')));
        if (!time) return NAN;
        return std::chrono::duration<double, std::milli>(time->time_since_epoch()).count();
    }

    const Options& options_;
    std::string target_;
    std::vector<Client> clients_;
    std::unordered_map<std::uint64_t, Seen> seen_;
    std::atomic<int> streaming_{0};
    std::atomic<Clock::rep> last_event_{Clock::now().time_since_epoch().count()};
    std::uint64_t events_total_ = 0, untimed_ = 0, deliveries_ = 0;
    MsHistogram latency_, spread_;
    double cpu_seconds_ = 0;
};

// ---------------------------------------------------------------- the load

// R starts a second for D seconds, open loop, from a few threads.
void drive_starts(const Options& o) {
    const auto count = static_cast<std::size_t>(o.rate * o.duration);
    const std::string url = o.backend + "/api/v1/" + o.domain + "/start";
    std::atomic<std::size_t> next{0}, accepted{0}, refused{0}, late{0};
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < kStartThreads; ++t) {
        threads.emplace_back([&] {
            BlockingHttpClient client;
            for (std::size_t i; (i = next++) < count;) {
                const auto planned = start + std::chrono::duration_cast<Clock::duration>(
                                                 std::chrono::duration<double>(static_cast<double>(i) / o.rate));
                if (Clock::now() > planned + std::chrono::milliseconds(10)) ++late;
                std::this_thread::sleep_until(planned);
                const auto r = client.post(url, o.body, o.token);
                ++(r.ok() && (r.status == 200 || r.status == 202) ? accepted : refused);
            }
        });
    }
    for (auto& thread : threads) thread.join();
    std::printf("%s load: %zu starts of %s in %.1f s (%.0f/s planned, %zu sent more than 10 ms late), %zu accepted, "
                "%zu refused or failed\n",
                o.label.c_str(), count, o.body.c_str(), seconds_since(start), o.rate, late.load(), accepted.load(),
                refused.load());
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse_options(argc, argv);
    std::signal(SIGTERM, on_stop_signal);
    std::signal(SIGINT, on_stop_signal);
    Listener listener(o);
    if (!listener.open()) return 1;
    std::atomic<bool> stop{false};
    std::thread reader([&] { listener.run(stop); });
    const auto finish = [&](int code) {
        stop = true;
        reader.join();
        listener.close_all();
        return code;
    };

    const auto connect_deadline = Clock::now() + kConnectDeadline;
    while (listener.streaming() < o.clients && Clock::now() < connect_deadline && !g_stop_signal)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (listener.streaming() < o.clients) {
        std::fprintf(stderr, "%s: only %d of %d streams open after %lld s\n", o.label.c_str(), listener.streaming(),
                     o.clients, static_cast<long long>(kConnectDeadline.count()));
        return finish(1);
    }
    // scripts/bench_events waits for this line before it starts the load it measures.
    std::printf("%s: %d clients connected to %s\n", o.label.c_str(), o.clients, listener.target().c_str());
    std::fflush(stdout);

    const auto start = Clock::now();
    if (o.rate > 0) {
        drive_starts(o);
        // Until the last events are in: nothing new for --settle seconds.
        const auto settle = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.settle));
        const auto cap = Clock::now() + kSettleCap;
        while (Clock::now() - listener.last_event() < settle && Clock::now() < cap && !g_stop_signal)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } else {
        const auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration));
        while ((o.duration <= 0 || Clock::now() < end) && !g_stop_signal)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const double listened = seconds_since(start);
    stop = true;
    reader.join();
    const int code = listener.report(listened);
    listener.close_all();
    return code;
}
