#pragma once

#include <iosfwd>
#include <string>

namespace fleet::ctl {

// What --watch draws on stderr. On a terminal: one line redrawn in place,
// `[#######.............]  35%  running  <message>`. Elsewhere (a log, a pipe):
// a plain line whenever the status changes or progress passes another 10 %.
class ProgressBar {
public:
    ProgressBar(std::ostream& out, bool terminal, std::string label)
        : out_(out), terminal_(terminal), label_(std::move(label)) {}

    void update(const std::string& status, double percent, const std::string& message);
    // A line of its own (a step that moved), kept above the bar.
    void note(const std::string& line);
    // Ends the bar's line.
    void finish();

    static std::string render(double percent, std::size_t width);

private:
    std::ostream& out_;
    bool terminal_;
    std::string label_;
    std::string last_status_;
    int last_decile_ = -1;
    bool drawn_ = false;
};

}  // namespace fleet::ctl
