#pragma once

#include "worker_base/cancellation.hpp"
#include "worker_base/progress_bridge.hpp"
#include "worker_base/worker_type.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The `data_processing` worker type (domain `data-processing`): reads a CSV file
// with a header row, applies operations in the order given, writes a CSV file.
//
// Request (the KTRDR guide's DataProcessingStartRequest, plus our options):
//   source_file  required; an existing, readable regular file with a header row.
//                `input_file`, its old name, is accepted instead of it (not both).
//   output_file  optional; default: source_file with ".csv" replaced by
//                ".processed.csv" (appended when it does not end in ".csv").
//                Must not be source_file. Written atomically (a ".partial" file
//                renamed at the end), so a failed or cancelled run leaves nothing.
//   operations   optional array of "clean", "transform", "validate"; default ["clean"].
//   estimated_rows optional integer >= 0 (0: unknown); `total_rows` of the progress
//                until the file's rows are counted, so the count shows progress too.
//   transform    optional settings for `transform`: {"normalize": ["col", ...]} names
//                the columns to normalise (each must be in the header and numeric);
//                without it every numeric column is normalised.
//   Any other field is refused, except the backend's dispatch keys
//   (priority, requirements, max_retries), which are ignored.
//
// Operations, each applied to what the previous one produced:
//   clean      trims whitespace around every field (header too), drops blank rows
//              and rows whose field count differs from the header.
//   transform  min-max normalises numeric columns to [0, 1]; a column is numeric
//              when all its non-empty values parse as numbers. Empty values stay
//              empty, a constant column becomes 0, rows of the wrong width pass
//              through untouched and are not counted.
//   validate   counts rows with the wrong field count, or a non-numeric value in a
//              column where most non-empty values are numeric (empty values are
//              missing, not invalid); rows are kept. `invalid_rows` is the count of
//              the last validate, 0 when there is none.
//
// Memory stays at one row: the file is streamed once to count rows, once per
// transform/validate to gather column statistics, and once to write the output.
namespace fleet::workers::data_processing {

enum class Operation { clean, transform, validate };

std::string_view to_string(Operation op);
std::optional<Operation> operation_from_string(std::string_view name);

struct DataProcessingParams {
    std::filesystem::path source_file;
    std::filesystem::path output_file;
    std::vector<Operation> operations{Operation::clean};
    std::size_t estimated_rows = 0;  // 0: no estimate
    // Columns `transform` normalises; nullopt means every numeric column.
    std::optional<std::vector<std::string>> normalize_columns;
};

// Throws ApiError 400 naming source_file (or input_file), output_file, operations,
// estimated_rows or transform.
DataProcessingParams parse_data_processing(const boost::json::object& request);

// Result: {"rows_processed", "rows_written", "rows_dropped", "invalid_rows",
//          "output_file", "duration_seconds", "operations", "columns"}.
// Progress fields: current_row, total_rows, current_operation, pass, total_passes; metric
// `rows_processed` every 1000 rows. Throws std::runtime_error when the input
// cannot be read or the output cannot be written.
boost::json::value run_data_processing(const DataProcessingParams& params, worker::ProgressBridge& progress,
                                       const worker::CancellationToken& token);

// Type `data_processing`, domain `data-processing`.
worker::WorkerType worker_type();

}  // namespace fleet::workers::data_processing
