#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

// An invariant a fuzz target checks: on failure it says which and aborts, so
// libFuzzer keeps the input as a crash.
namespace fleet::fuzz {

[[noreturn]] inline void fail(std::string_view what, std::string_view detail = {}) {
    std::fprintf(stderr, "fuzz invariant broken: %.*s%s%.*s\n", static_cast<int>(what.size()), what.data(),
                 detail.empty() ? "" : ": ", static_cast<int>(detail.size()), detail.data());
    std::abort();
}

inline void check(bool condition, std::string_view what, std::string_view detail = {}) {
    if (!condition) fail(what, detail);
}

}  // namespace fleet::fuzz
