#include "common/command_line.hpp"

#include <boost/program_options/parsers.hpp>

#include <sstream>

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

std::string help_text(const po::options_description& options) {
    std::ostringstream text;
    text << options;
    return text.str();
}

}  // namespace fleet
