#include "workers/csv/request_file.hpp"

#include "common/http/error.hpp"
#include "common/json/fields.hpp"

#include <algorithm>
#include <exception>
#include <string>
#include <system_error>

namespace fleet::csv {

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

}  // namespace fleet::csv
