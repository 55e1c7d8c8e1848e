#pragma once

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <boost/program_options/variables_map.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

// What fleet-backend and fleet-worker share on their command lines.
namespace fleet {

// An options table whose --help keeps every description's words whole
// (Boost's 80 columns cut "[FLEET_WORKER_MAX_CONCURRENT]" in two).
boost::program_options::options_description help_table(const std::string& caption);

// Stores argv's flags in `vm`. A word that is not a flag (a stray positional
// argument, a value whose flag was mistyped) is a program_options error naming
// it, not silently dropped.
void store_flags(int argc, const char* const argv[], const boost::program_options::options_description& options,
                 boost::program_options::variables_map& vm);

// Stores the environment variables `option_of` maps to an option name ("" for
// the others) in `vm`, under flags already stored. A bad value is a
// program_options error naming the option and the variable it came from.
void store_environment(const boost::program_options::options_description& options,
                       const std::function<std::string(const std::string&)>& option_of,
                       boost::program_options::variables_map& vm);

namespace detail {

// parse_count for an option: a program_options error naming the option and the value.
std::uint64_t parse_count_option(const std::string& text, std::uint64_t min, std::uint64_t max);

template <class T>
class CountValue final : public boost::program_options::typed_value<T> {
public:
    CountValue(T min, T max) : boost::program_options::typed_value<T>(nullptr), min_(min), max_(max) {}

    // The default, also by the word --help shows for it ("auto"): an env file's
    // commented default, uncommented, then means what leaving it out means.
    CountValue* default_word(T value, const std::string& word) {
        this->default_value(value, word);
        word_ = word;
        word_value_ = value;
        return this;
    }
    // An older word for the default, still read as it (env files written for an older release).
    CountValue* former_word(const std::string& word) {
        former_word_ = word;
        return this;
    }

    void xparse(boost::any& store, const std::vector<std::string>& tokens) const override {
        boost::program_options::validators::check_first_occurrence(store);
        const std::string& text = boost::program_options::validators::get_single_string(tokens);
        if (!word_.empty() && (text == word_ || (!former_word_.empty() && text == former_word_))) {
            store = word_value_;
            return;
        }
        store = static_cast<T>(parse_count_option(text, static_cast<std::uint64_t>(min_), static_cast<std::uint64_t>(max_)));
    }

private:
    T min_, max_;
    std::string word_;
    std::string former_word_;
    T word_value_{};
};

}  // namespace detail

// A count option (common/count.hpp): plain decimal digits from `min` to `max`,
// read as T. Alone, Boost would read "--io-threads -5" as 2^64-5; this refuses
// it, naming the option and the value. Defaults and help read as po::value<T>'s.
template <class T>
detail::CountValue<T>* count_value(T min, T max) {
    static_assert(std::is_integral_v<T>, "a count is an integer");
    return new detail::CountValue<T>(min, max);
}

// The text --help prints.
std::string help_text(const boost::program_options::options_description& options);

}  // namespace fleet
