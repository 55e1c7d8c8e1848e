#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fleet::ctl {

class BackendClient;

// The values a count option takes (common/count.hpp: plain decimal digits).
struct CountRange {
    std::uint64_t min = 0;
    std::uint64_t max = 0;
};

// A count the backend checks against its own range (a page's size, an offset,
// a retry count): fleetctl checks its form, the backend answers 400 naming the range.
inline constexpr CountRange kBackendCount{0, 1'000'000'000};

// One option a command takes: `--name VALUE`, or a flag when `value` is empty.
struct OptionSpec {
    std::string name;   // without the dashes
    std::string value;  // the value's placeholder in help ("ID", "K=V"); empty for a flag
    std::string help;
    bool repeatable = false;
    std::optional<CountRange> count;  // a count: refused while parsing unless plain digits in this range
};

struct Context;

// A row of the command table, from which parsing, --help, bash completion and
// the man page are all made.
struct Command {
    std::string name;                // the words that name it: "ops watch"
    std::vector<std::string> args;   // positional placeholders; "[x]" optional
    std::string summary;             // one line
    std::vector<OptionSpec> options;
    std::function<int(Context&)> run;
    std::string details;             // more text for `fleetctl help <command>` and the man page

    std::size_t min_args() const;
    std::size_t max_args() const;
};

// A command line, parsed.
struct Invocation {
    const Command* command = nullptr;  // null: nothing but global options (or --help)
    std::vector<std::string> args;
    std::map<std::string, std::vector<std::string>> options;  // by name; a flag holds one empty value
    std::optional<std::string> url;
    std::optional<std::string> token;
    std::optional<std::string> tls_ca, tls_cert, tls_key;  // for an https:// backend
    bool json = false;  // -o json
    bool help = false;
    bool version = false;

    bool has(const std::string& name) const { return options.count(name) > 0; }
    std::optional<std::string> value(const std::string& name) const;
    std::optional<std::uint64_t> count(const std::string& name) const;  // a count option's value, checked by parsing
    std::vector<std::string> values(const std::string& name) const;
    const std::string& arg(std::size_t index) const { return args.at(index); }
};

// Everything a command's handler uses, passed in (no globals, no getenv in handlers).
struct Context {
    const Invocation& invocation;
    BackendClient& backend;
    std::ostream& out;
    std::ostream& err;
    bool err_is_terminal = false;
    std::map<std::string, std::string> environment;  // what main read: FLEET_HOME, PATH, ...
    std::string self_path;                           // this program, to find its siblings

    std::string env(const std::string& name) const {
        const auto it = environment.find(name);
        return it == environment.end() ? std::string{} : it->second;
    }
};

}  // namespace fleet::ctl
