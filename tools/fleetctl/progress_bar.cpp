#include "tools/fleetctl/progress_bar.hpp"

#include <algorithm>
#include <cstdio>
#include <ostream>

namespace fleet::ctl {

namespace {
constexpr std::size_t kBarWidth = 30;
constexpr std::size_t kMessageWidth = 40;
}

std::string ProgressBar::render(double percent, std::size_t width) {
    const double clamped = std::clamp(percent, 0.0, 100.0);
    const auto filled = static_cast<std::size_t>(clamped / 100.0 * static_cast<double>(width) + 0.5);
    return "[" + std::string(filled, '#') + std::string(width - filled, '.') + "]";
}

void ProgressBar::update(const std::string& status, double percent, const std::string& message) {
    char number[16];
    std::snprintf(number, sizeof number, "%3.0f%%", std::clamp(percent, 0.0, 100.0));
    if (terminal_) {
        std::string text = message.substr(0, kMessageWidth);
        // \x1b[K clears what a longer previous line left.
        out_ << '\r' << label_ << ' ' << render(percent, kBarWidth) << ' ' << number << "  " << status
             << (text.empty() ? "" : "  " + text) << "\x1b[K" << std::flush;
        drawn_ = true;
        return;
    }
    const int decile = static_cast<int>(std::clamp(percent, 0.0, 100.0) / 10);
    if (status == last_status_ && decile == last_decile_) return;
    last_status_ = status;
    last_decile_ = decile;
    out_ << label_ << ' ' << status << ' ' << number << (message.empty() ? "" : "  " + message) << '\n' << std::flush;
}

void ProgressBar::note(const std::string& line) {
    if (terminal_ && drawn_) out_ << "\r\x1b[K";
    out_ << line << '\n' << std::flush;
    drawn_ = false;
}

void ProgressBar::finish() {
    if (terminal_ && drawn_) out_ << '\n' << std::flush;
    drawn_ = false;
}

}  // namespace fleet::ctl
