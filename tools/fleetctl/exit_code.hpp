#pragma once

#include <stdexcept>
#include <string>

namespace fleet::ctl {

// What fleetctl's exit status says; the same table is in --help, the man page
// and proto_docs/fleetctl.md.
enum class ExitCode {
    Ok = 0,           // done; a watched operation, run or workflow completed
    Failed = 1,       // a watched one ended failed or cancelled; a local fleet did not come up
    Usage = 2,        // the command line is wrong
    NotFound = 3,     // the backend has no such thing (404); no local fleet in the directory
    Refused = 4,      // the backend refused the request (any other 4xx)
    Unreachable = 5,  // the backend did not answer, or answered 5xx
};

inline int to_int(ExitCode code) { return static_cast<int>(code); }

// An outcome that ends the command: its message goes to stderr, its code is the exit status.
class CliError : public std::runtime_error {
public:
    CliError(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
    ExitCode code() const noexcept { return code_; }

private:
    ExitCode code_;
};

inline CliError usage_error(const std::string& message) { return CliError(ExitCode::Usage, message); }

}  // namespace fleet::ctl
