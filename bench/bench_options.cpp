#include "bench/bench_options.hpp"

#include "common/http/url.hpp"

#include <cstdio>
#include <cstdlib>

namespace fleet::bench {

void usage(const Program& program, std::string_view why) {
    std::fprintf(stderr, "%s: %.*s (see the comment at the top of %s)\n", program.name, static_cast<int>(why.size()),
                 why.data(), program.source);
    std::exit(2);
}

void read_options(const Program& program, int argc, char** argv,
                  const std::function<bool(std::string_view key, const std::string& value)>& take) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view key = argv[i];
        if (i + 1 >= argc) usage(program, "every option takes a value");
        if (!take(key, argv[++i])) usage(program, "unknown option " + std::string(key));
    }
}

LoopbackBackend loopback_backend(const Program& program, std::string_view url) {
    const auto parsed = http::parse_http_url(url);
    if (!parsed) usage(program, "--backend must be http://127.0.0.1:PORT");
    if (parsed->host != "127.0.0.1" && parsed->host != "localhost") usage(program, "--backend must be on 127.0.0.1");
    if (parsed->host_and_port.find(':') == std::string::npos) usage(program, "--backend needs a port");
    return {"http://127.0.0.1:" + std::to_string(parsed->port), parsed->port};
}

bool CommonOptions::take(const Program& program, std::string_view key, const std::string& value) {
    if (key == "--backend") backend = loopback_backend(program, value).url;
    else if (key == "--token") token = value;
    else if (key == "--label") label = value;
    else if (key == "--figures") figures = value;
    else if (key == "--build") build = value;
    else return false;
    return true;
}

}  // namespace fleet::bench
