#include "common/command_line.hpp"

#include "common/count.hpp"

#include <boost/program_options/parsers.hpp>

#include <map>
#include <sstream>
#include <stdexcept>

namespace fleet {
namespace po = boost::program_options;

po::options_description help_table(const std::string& caption) {
    constexpr unsigned kLineLength = 120;
    return po::options_description(caption, kLineLength, kLineLength / 2);
}

void store_flags(int argc, const char* const argv[], const po::options_description& options, po::variables_map& vm) {
    const auto parsed = po::command_line_parser(argc, argv).options(options).run();
    for (const auto& option : parsed.options)
        if (option.position_key >= 0)
            throw po::error("unexpected argument '" + option.value.front() +
                            "': every setting is a flag such as --port 5005");
    po::store(parsed, vm);
}

void store_environment(const po::options_description& options,
                       const std::function<std::string(const std::string&)>& option_of, po::variables_map& vm) {
    std::map<std::string, std::string> variable_of;  // option -> the variable it was read from
    const auto parsed = po::parse_environment(options, [&](const std::string& variable) {
        auto name = option_of(variable);
        if (!name.empty()) variable_of[name] = variable;
        return name;
    });
    try {
        po::store(parsed, vm);
    } catch (po::error_with_option_name& error) {
        // Boost names an option read from the environment without its dashes; say --name and where it came from.
        std::string name = error.get_option_name();
        name.erase(0, name.find_first_not_of('-'));
        error.add_context(name, "", po::command_line_style::allow_long);
        const auto variable = variable_of.find(name);
        if (variable == variable_of.end()) throw;
        throw po::error(std::string(error.what()) + " (from " + variable->second + ")");
    }
}

namespace detail {

std::uint64_t parse_count_option(const std::string& text, std::uint64_t min, std::uint64_t max) {
    try {
        return parse_count(text, min, max);
    } catch (const std::invalid_argument& reason) {
        // store() fills in the option's name.
        throw po::error_with_option_name(std::string("%canonical_option%: ") + reason.what());
    }
}

}  // namespace detail

std::string help_text(const po::options_description& options) {
    std::ostringstream text;
    text << options;
    return text.str();
}

}  // namespace fleet
