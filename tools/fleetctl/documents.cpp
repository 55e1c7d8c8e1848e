#include "tools/fleetctl/documents.hpp"

#include "common/version.hpp"
#include "tools/fleetctl/command_table.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

namespace fleet::ctl {

namespace {

constexpr const char* kEnvironment =
    "  FLEET_URL     the backend, default http://127.0.0.1:8000 (--url)\n"
    "  FLEET_TOKEN   bearer token (--token)\n"
    "  FLEET_HOME    directory of the local fleet of up/status/down, default ./.fleet (--dir)\n";

const std::vector<std::pair<int, std::string>>& exit_codes() {
    static const std::vector<std::pair<int, std::string>> codes{
        {0, "done; a watched operation, run or workflow completed"},
        {1, "a watched one ended failed or cancelled; a local fleet did not come up or is partly down"},
        {2, "usage error: the command line is wrong"},
        {3, "not found: the backend answered 404; no local fleet in the directory"},
        {4, "refused: the backend answered another 4xx (bad input, conflict, unauthorized)"},
        {5, "unreachable: no answer from the backend, or a 5xx"},
    };
    return codes;
}

std::string synopsis(const Command& command) {
    std::string text = "fleetctl " + command.name;
    for (const auto& arg : command.args) text += " " + arg;
    if (!command.options.empty()) text += " [options]";
    return text;
}

std::string option_label(const OptionSpec& option) {
    return "--" + option.name + (option.value.empty() ? "" : " " + option.value);
}

void option_lines(std::ostringstream& out, const std::vector<OptionSpec>& options) {
    std::size_t width = 0;
    for (const auto& o : options) width = std::max(width, option_label(o).size());
    for (const auto& o : options) {
        const auto label = option_label(o);
        out << "  " << label << std::string(width - label.size() + 2, ' ') << o.help
            << (o.repeatable ? " (repeatable)" : "") << '\n';
    }
}

// roff needs backslashes and leading dots/quotes escaped.
std::string roff(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '\\') out += "\\e";
        else if (c == '-') out += "\\-";
        else out += c;
    }
    if (!out.empty() && (out.front() == '.' || out.front() == '\'')) out.insert(0, "\\&");
    return out;
}

}  // namespace

std::string exit_code_text() {
    std::ostringstream out;
    for (const auto& [code, meaning] : exit_codes()) out << "  " << code << "  " << meaning << '\n';
    return out.str();
}

std::string usage_text(const std::vector<Command>& table) {
    std::ostringstream out;
    out << "Usage: fleetctl [global options] <command> [arguments] [options]\n\n"
           "The command-line client of a Fleet backend.\n\nCommands:\n";
    std::size_t width = 0;
    for (const auto& c : table) width = std::max(width, c.name.size() + (c.args.empty() ? 0 : 1) + [&] {
                                                    std::size_t n = 0;
                                                    for (const auto& a : c.args) n += a.size() + 1;
                                                    return n ? n - 1 : 0;
                                                }());
    for (const auto& c : table) {
        std::string head = c.name;
        for (const auto& a : c.args) head += " " + a;
        out << "  " << head << std::string(width - head.size() + 2, ' ') << c.summary << '\n';
    }
    out << "\nGlobal options:\n";
    std::ostringstream globals;
    option_lines(globals, global_options());
    out << globals.str() << "\nEnvironment:\n" << kEnvironment << "\nExit status:\n" << exit_code_text()
        << "\n'fleetctl help <command>' (or '<command> --help') shows a command's options.\n";
    return out.str();
}

std::string command_help(const Command& command) {
    std::ostringstream out;
    out << "Usage: " << synopsis(command) << "\n\n" << command.summary << '\n';
    if (!command.details.empty()) out << '\n' << command.details << '\n';
    if (!command.options.empty()) {
        out << "\nOptions:\n";
        option_lines(out, command.options);
    }
    out << "\nGlobal options: --url URL, --token TOKEN, -o table|json (see fleetctl --help).\n";
    return out.str();
}

std::string bash_completion(const std::vector<Command>& table) {
    // For each command prefix, the words that may follow it; for each command, its options.
    std::map<std::string, std::set<std::string>> next;
    std::map<std::string, std::string> options;
    for (const auto& c : table) {
        std::istringstream words(c.name);
        std::string word, prefix;
        while (words >> word) {
            next[prefix].insert(word);
            prefix += (prefix.empty() ? "" : " ") + word;
        }
        std::string list;
        for (const auto& o : c.options) list += " --" + o.name;
        options[c.name] = list;
    }
    std::string globals;
    for (const auto& o : global_options()) globals += " --" + o.name;
    std::ostringstream out;
    out << "# bash completion for fleetctl, generated by `fleetctl completion bash`\n"
           "_fleetctl() {\n"
           "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
           "  case $prev in\n"
           "    -o|--output) COMPREPLY=($(compgen -W 'table json' -- \"$cur\")); return ;;\n"
           "    --url|--token|--param|--json|--cron|--timezone|--from|--status|--type|--limit|--offset) return ;;\n"
           "  esac\n"
           "  local path='' w i\n"
           "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
           "    w=${COMP_WORDS[i]}\n"
           "    [[ $w == -* ]] && continue\n"
           "    case \"${path:+$path }$w\" in\n";
    std::set<std::string> names;
    for (const auto& [prefix, words] : next)
        for (const auto& w : words) names.insert(prefix.empty() ? w : prefix + " " + w);
    out << "      ";
    bool first = true;
    for (const auto& n : names) {
        out << (first ? "" : "|") << "'" << n << "'";
        first = false;
    }
    out << ") path=\"${path:+$path }$w\" ;;\n"
           "    esac\n"
           "  done\n"
           "  local words=''\n"
           "  case $path in\n";
    for (const auto& [prefix, words] : next) {
        std::string list;
        for (const auto& w : words) list += " " + w;
        const auto own = options.find(prefix);
        if (own != options.end()) list += own->second;
        out << "    '" << prefix << "') words='" << list.substr(list.empty() ? 0 : 1) << "' ;;\n";
    }
    for (const auto& [name, list] : options) {
        if (next.count(name)) continue;
        out << "    '" << name << "') words='" << (list.empty() ? "" : list.substr(1)) << "' ;;\n";
    }
    out << "  esac\n"
           "  if [[ $cur == -* ]]; then words=\"$words" << globals << "\"; fi\n"
           "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
           "  if [[ $path == 'workflows submit' || $path == 'schedules create' ]] && [[ $cur != -* ]]; then\n"
           "    COMPREPLY+=($(compgen -f -- \"$cur\"))\n"
           "  fi\n"
           "}\n"
           "complete -F _fleetctl fleetctl\n";
    return out.str();
}

std::string man_page(const std::vector<Command>& table) {
    std::ostringstream out;
    out << ".TH FLEETCTL 1 \"\" \"" << roff(version_line("fleetctl")) << "\" \"Fleet\"\n"
        << ".SH NAME\nfleetctl \\- the command\\-line client of a Fleet backend\n"
        << ".SH SYNOPSIS\n.B fleetctl\n[\\fIglobal options\\fR] \\fIcommand\\fR [\\fIarguments\\fR] [\\fIoptions\\fR]\n"
        << ".SH DESCRIPTION\nLists and controls a Fleet backend's workers, operations, admin runs, workflows and "
           "schedules; follows any of them live with \\fB\\-\\-watch\\fR (the backend's event stream, a progress "
           "bar on stderr); starts and stops a local fleet (\\fBup\\fR, \\fBstatus\\fR, \\fBdown\\fR). Tables are "
           "for people; \\fB\\-o json\\fR prints the backend's JSON as it is, for scripts.\n"
        << ".SH GLOBAL OPTIONS\n";
    for (const auto& o : global_options())
        out << ".TP\n.B " << roff(option_label(o)) << "\n" << roff(o.help) << "\n";
    out << ".SH COMMANDS\n";
    for (const auto& c : table) {
        out << ".SS " << roff(synopsis(c)) << "\n" << roff(c.summary) << "\n";
        if (!c.details.empty()) out << ".PP\n" << roff(c.details) << "\n";
        for (const auto& o : c.options)
            out << ".TP\n.B " << roff(option_label(o)) << "\n" << roff(o.help + (o.repeatable ? " (repeatable)" : ""))
                << "\n";
    }
    out << ".SH ENVIRONMENT\n";
    std::istringstream env(kEnvironment);
    std::string line;
    while (std::getline(env, line)) {
        const auto start = line.find_first_not_of(' ');
        const auto gap = line.find("  ", start);
        out << ".TP\n.B " << line.substr(start, gap - start) << "\n"
            << roff(line.substr(line.find_first_not_of(' ', gap))) << "\n";
    }
    out << ".SH EXIT STATUS\n";
    for (const auto& [code, meaning] : exit_codes()) out << ".TP\n.B " << code << "\n" << roff(meaning) << "\n";
    out << ".SH SEE ALSO\n\\fBfleet\\-backend\\fR(1), \\fBfleet\\-worker\\fR(1); proto_docs/fleetctl.md\n";
    return out.str();
}

}  // namespace fleet::ctl
