#include "tests/support/sanitizer_report.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>

namespace fleet::test {

namespace {

// The log_path=... entry of a sanitizer options variable ("a=1:log_path=/x/report:b=2").
std::string log_path_in(const char* variable) {
    const char* value = std::getenv(variable);
    if (!value) return {};
    const std::string_view options(value);
    constexpr std::string_view key = "log_path=";
    std::size_t at = 0;
    while ((at = options.find(key, at)) != std::string_view::npos) {
        if (at == 0 || options[at - 1] == ':' || options[at - 1] == ' ') {
            const auto begin = at + key.size();
            const auto end = options.find_first_of(": ", begin);
            return std::string(options.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin));
        }
        at += key.size();
    }
    return {};
}

}  // namespace

std::string sanitizer_report(pid_t pid) {
    std::string report;
    std::string seen;
    for (const char* variable : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS"}) {
        const auto path = log_path_in(variable);
        if (path.empty() || path == "stderr" || path == "stdout" || path == seen) continue;
        seen = path;
        std::ifstream file(path + "." + std::to_string(pid));
        if (!file) continue;
        std::ostringstream text;
        text << file.rdbuf();
        report += text.str();
    }
    return report;
}

}  // namespace fleet::test
