#include "workers/csv/request_file.hpp"

#include "common/http/error.hpp"
#include "common/json/fields.hpp"

#include <algorithm>
#include <exception>
#include <string>
#include <system_error>

namespace fleet::csv {
namespace {

namespace fs = std::filesystem;

fs::path default_output(const fs::path& input, std::string_view suffix) {
    std::string name = input.string();
    constexpr std::string_view kExtension = ".csv";
    if (name.ends_with(kExtension)) name.erase(name.size() - kExtension.size());
    return name + std::string(suffix);
}

bool same_file(const fs::path& a, const fs::path& b) {
    std::error_code ec_a;
    std::error_code ec_b;
    const auto ca = fs::weakly_canonical(a, ec_a);
    const auto cb = fs::weakly_canonical(b, ec_b);
    return (ec_a || ec_b) ? a == b : ca == cb;
}

}  // namespace

RequestedFile require_csv_file(const boost::json::object& request, std::string_view field) {
    const std::string name = json::required_string(request, field);
    std::error_code ec;
    json::require(!name.empty() && std::filesystem::is_regular_file(name, ec), field,
                  "must name an existing regular file: '" + name + "'");
    RequestedFile file{name, {}};
    std::string what(field);
    std::replace(what.begin(), what.end(), '_', ' ');
    try {
        file.header = read_header(file.path, what);
    } catch (const std::exception& e) {
        throw http::bad_request("'" + std::string(field) + "' cannot be read as CSV: " + e.what());
    }
    return file;
}

fs::path optional_output_file(const boost::json::object& request, std::string_view field, const fs::path& input,
                              std::string_view input_field, std::string_view default_suffix) {
    fs::path output;
    if (auto name = json::optional_string(request, field)) {
        json::require(!name->empty(), field, "must not be empty");
        output = *name;
    } else {
        output = default_output(input, default_suffix);
    }
    json::require(!same_file(input, output), field, "must differ from " + std::string(input_field));
    return output;
}

}  // namespace fleet::csv
