#pragma once

#include "workers/csv/csv.hpp"

#include <boost/json/object.hpp>

#include <filesystem>
#include <string_view>

// Files named by fields of a worker request, checked while the request is
// parsed so a bad name is a 400 rather than a failed run.
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

// Reads request[field]: an optional path of a file the run writes. Absent, it is
// `input` with ".csv" replaced by `default_suffix` (appended when `input` does not
// end in ".csv"), so the output lands next to its input. An ApiError 400 naming
// the field when it is not a string, is empty, or names the same file as `input`
// ("must differ from <input_field>").
std::filesystem::path optional_output_file(const boost::json::object& request, std::string_view field,
                                           const std::filesystem::path& input, std::string_view input_field,
                                           std::string_view default_suffix);

}  // namespace fleet::csv
