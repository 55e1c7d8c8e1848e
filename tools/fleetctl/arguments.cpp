#include "tools/fleetctl/arguments.hpp"

#include "tools/fleetctl/command_table.hpp"
#include "tools/fleetctl/exit_code.hpp"

#include "common/count.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace fleet::ctl {

namespace {

std::string join_words(const std::vector<std::string>& words, std::size_t count) {
    std::string out;
    for (std::size_t i = 0; i < count && i < words.size(); ++i) out += (i ? " " : "") + words[i];
    return out;
}

// The command named by the longest prefix of `words`, and how many words it took.
std::pair<const Command*, std::size_t> resolve(const std::vector<std::string>& words,
                                               const std::vector<Command>& table) {
    for (std::size_t n = words.size(); n > 0; --n) {
        const auto name = join_words(words, n);
        for (const auto& command : table)
            if (command.name == name) return {&command, n};
    }
    return {nullptr, 0};
}

const OptionSpec* find_option(const std::vector<OptionSpec>& options, const std::string& name) {
    const auto it = std::find_if(options.begin(), options.end(), [&](const OptionSpec& o) { return o.name == name; });
    return it == options.end() ? nullptr : &*it;
}

// The commands whose name starts with `prefix`, to suggest after an unknown one.
std::string near(const std::string& prefix, const std::vector<Command>& table) {
    std::string out;
    for (const auto& command : table)
        if (command.name.rfind(prefix + " ", 0) == 0) out += (out.empty() ? "" : ", ") + command.name;
    return out;
}

}  // namespace

Invocation parse_arguments(const std::vector<std::string>& argv, const std::vector<Command>& table) {
    Invocation result;
    std::vector<std::string> words;  // every positional word, command words first
    struct Pending {
        std::string name;
        std::optional<std::string> value;  // from --name=value
        std::size_t position;              // index in argv, to take the next word as the value
    };
    std::vector<Pending> command_options;
    std::vector<bool> consumed(argv.size(), false);

    bool options_done = false;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        if (consumed[i]) continue;
        const std::string& word = argv[i];
        if (options_done || word == "-" || word.empty() || word.front() != '-') {
            words.push_back(word);
            continue;
        }
        if (word == "--") {
            options_done = true;
            continue;
        }
        std::string name;
        std::optional<std::string> inline_value;
        if (word.rfind("--", 0) == 0) {
            name = word.substr(2);
            if (const auto eq = name.find('='); eq != std::string::npos) {
                inline_value = name.substr(eq + 1);
                name.resize(eq);
            }
        } else if (word == "-o") {
            name = "output";
        } else if (word == "-h") {
            name = "help";
        } else {
            throw usage_error("unknown option '" + word + "'");
        }
        const auto take_value = [&](const std::string& shown) -> std::string {
            if (inline_value) return *inline_value;
            if (i + 1 >= argv.size()) throw usage_error(shown + " needs a value");
            consumed[i + 1] = true;
            return argv[i + 1];
        };
        if (name == "help") {
            result.help = true;
        } else if (name == "version") {
            result.version = true;
        } else if (name == "url") {
            result.url = take_value("--url");
        } else if (name == "token") {
            result.token = take_value("--token");
        } else if (name == "tls-ca") {
            result.tls_ca = take_value("--tls-ca");
        } else if (name == "tls-cert") {
            result.tls_cert = take_value("--tls-cert");
        } else if (name == "tls-key") {
            result.tls_key = take_value("--tls-key");
        } else if (name == "output") {
            const auto format = take_value("-o/--output");
            if (format != "json" && format != "table")
                throw usage_error("-o/--output must be table or json, got '" + format + "'");
            result.json = format == "json";
        } else {
            // Its meaning depends on the command, known once the words before it are read:
            // a value is taken now when the command so far declares the option with one.
            const auto [command, used] = resolve(words, table);
            const OptionSpec* spec = command ? find_option(command->options, name) : nullptr;
            if (!spec) {
                throw usage_error("unknown option '--" + name + "'" +
                                  (command ? " for '" + command->name + "'" : std::string()));
            }
            if (!spec->value.empty()) {
                inline_value = take_value("--" + name);
            } else if (inline_value) {
                throw usage_error("--" + name + " takes no value");
            }
            command_options.push_back({name, inline_value, i});
        }
    }

    const auto [command, used] = resolve(words, table);
    if (!command) {
        if (words.empty()) return result;
        throw usage_error("unknown command '" + words.front() + "'");
    }
    result.command = command;
    result.args.assign(words.begin() + static_cast<std::ptrdiff_t>(used), words.end());
    for (const auto& option : command_options) {
        if (!find_option(command->options, option.name))
            throw usage_error("unknown option '--" + option.name + "' for '" + command->name + "'");
        auto& values = result.options[option.name];
        const auto* spec = find_option(command->options, option.name);
        if (!values.empty() && !spec->repeatable) throw usage_error("--" + option.name + " given twice");
        values.push_back(option.value.value_or(""));
    }
    if (result.help) return result;
    for (const auto& [name, values] : result.options) {
        const auto& range = find_option(command->options, name)->count;
        if (!range) continue;
        for (const auto& value : values) {
            try {
                parse_count(value, range->min, range->max);
            } catch (const std::invalid_argument& error) {
                throw usage_error("--" + name + ": " + error.what());
            }
        }
    }
    if (result.args.size() > command->max_args()) {
        const auto suggestions = near(command->name, table);
        if (command->max_args() == 0 && !suggestions.empty())
            throw usage_error("unknown command '" + command->name + " " + result.args.front() + "' (known: " +
                              suggestions + ")");
        throw usage_error("'" + command->name + "' takes at most " + std::to_string(command->max_args()) +
                          " argument(s), got " + std::to_string(result.args.size()));
    }
    if (result.args.size() < command->min_args()) {
        std::ostringstream missing;
        for (std::size_t i = result.args.size(); i < command->min_args(); ++i) missing << ' ' << command->args[i];
        throw usage_error("'" + command->name + "' needs" + missing.str());
    }
    return result;
}

}  // namespace fleet::ctl
