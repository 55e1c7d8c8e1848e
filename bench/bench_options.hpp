#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace fleet::bench {

// How a benchmark program names itself in its usage errors.
struct Program {
    const char* name;    // fleet-bench-dispatch
    const char* source;  // bench/dispatch_load.cpp, whose top comment is the usage
};

// Prints "<name>: <why> (see the comment at the top of <source>)" and exits 2.
[[noreturn]] void usage(const Program& program, std::string_view why);

// Hands every `--key value` pair of the command line to `take`, which returns
// false for a key it does not know; that, or a key without a value, is a usage error.
void read_options(const Program& program, int argc, char** argv,
                  const std::function<bool(std::string_view key, const std::string& value)>& take);

// --backend as http://127.0.0.1:PORT or http://localhost:PORT: a benchmark never leaves the machine.
struct LoopbackBackend {
    std::string url;  // http://127.0.0.1:PORT
    std::uint16_t port = 0;
};
LoopbackBackend loopback_backend(const Program& program, std::string_view url);

// The options the backend's load tools share: --backend, --token, --label, --figures, --build.
struct CommonOptions {
    std::string backend;  // http://127.0.0.1:PORT
    std::string token;
    std::string label;    // names the tool's lines and figures
    std::string figures;  // where key figures are appended (none when empty)
    std::string build;    // names the build in the figures

    // Takes one of the shared options; false for any other key.
    bool take(const Program& program, std::string_view key, const std::string& value);
};

}  // namespace fleet::bench
