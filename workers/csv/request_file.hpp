#pragma once

#include "workers/csv/csv.hpp"

#include <boost/json/object.hpp>

#include <filesystem>
#include <string_view>

// A CSV file named by a field of a worker request, checked while the request is
// parsed so a bad file is a 400 rather than a failed run.
namespace fleet::csv {

struct RequestedFile {
    std::filesystem::path path;
    Row header;
};

// Reads request[field]: a required string naming an existing regular file whose
// header row can be read. Every failure is an ApiError 400 naming the field;
// one that cannot be read is "'<field>' cannot be read as CSV: <reason>", where an
// empty file's reason calls it by the field's name with '_' read as a space
// ("data file '<path>' is empty: no header row").
RequestedFile require_csv_file(const boost::json::object& request, std::string_view field);

}  // namespace fleet::csv
