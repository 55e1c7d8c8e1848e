#include "workers/data_processing/data_processing_engine.hpp"

#include "common/json/fields.hpp"
#include "workers/csv/atomic_writer.hpp"
#include "workers/csv/csv.hpp"
#include "workers/csv/request_file.hpp"

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <utility>

namespace fleet::workers::data_processing {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kReportEvery = 100;  // rows between progress updates and cancellation checks
constexpr std::size_t kMetricEvery = 1000;
constexpr std::string_view kOperationsHint = "use \"clean\", \"transform\" or \"validate\"";

struct ColumnStats {
    std::size_t non_empty = 0;
    std::size_t numeric = 0;
    double min = std::numeric_limits<double>::infinity();
    double max = -std::numeric_limits<double>::infinity();
};

// One operation with the column statistics gathered on its input.
struct Stage {
    Operation op;
    std::vector<std::optional<std::pair<double, double>>> ranges;  // transform: [min, max] of normalised columns
    std::vector<bool> numeric_majority;                            // validate
    std::size_t invalid_rows = 0;
};

bool needs_statistics(Operation op) { return op != Operation::clean; }

// Applies one stage to a data row; false when the row is dropped.
bool apply(Stage& stage, csv::Row& row, std::size_t width) {
    switch (stage.op) {
        case Operation::clean:
            for (auto& field : row) field = std::string(csv::trim(field));
            return row.size() == width && !csv::is_blank(row);
        case Operation::transform:
            if (row.size() != width) return true;
            for (std::size_t c = 0; c < width; ++c) {
                if (!stage.ranges[c]) continue;
                const auto value = csv::parse_number(row[c]);
                if (!value) continue;
                const auto [min, max] = *stage.ranges[c];
                row[c] = csv::format_number(max > min ? (*value - min) / (max - min) : 0.0);
            }
            return true;
        case Operation::validate: {
            bool valid = row.size() == width;
            for (std::size_t c = 0; valid && c < width; ++c)
                valid = !stage.numeric_majority[c] || csv::trim(row[c]).empty() || csv::parse_number(row[c]);
            if (!valid) ++stage.invalid_rows;
            return true;
        }
    }
    return true;
}

bool apply_stages(std::vector<Stage>& stages, std::size_t count, csv::Row& row, std::size_t width) {
    for (std::size_t i = 0; i < count; ++i)
        if (!apply(stages[i], row, width)) return false;
    return true;
}

void accumulate(std::vector<ColumnStats>& stats, const csv::Row& row) {
    if (row.size() != stats.size()) return;
    for (std::size_t c = 0; c < row.size(); ++c) {
        if (csv::trim(row[c]).empty()) continue;
        ++stats[c].non_empty;
        if (const auto value = csv::parse_number(row[c])) {
            ++stats[c].numeric;
            stats[c].min = std::min(stats[c].min, *value);
            stats[c].max = std::max(stats[c].max, *value);
        }
    }
}

void fit(Stage& stage, const std::vector<ColumnStats>& stats, const csv::Row& header,
         const std::optional<std::vector<std::string>>& normalize_columns) {
    const std::size_t width = stats.size();
    if (stage.op == Operation::validate) {
        stage.numeric_majority.resize(width);
        for (std::size_t c = 0; c < width; ++c) stage.numeric_majority[c] = stats[c].numeric * 2 > stats[c].non_empty;
        return;
    }
    stage.ranges.assign(width, std::nullopt);
    const auto is_numeric = [&](std::size_t c) { return stats[c].numeric == stats[c].non_empty; };
    const auto range = [&](std::size_t c) -> std::optional<std::pair<double, double>> {
        if (stats[c].numeric == 0) return std::nullopt;
        return std::pair{stats[c].min, stats[c].max};
    };
    if (!normalize_columns) {
        for (std::size_t c = 0; c < width; ++c)
            if (is_numeric(c)) stage.ranges[c] = range(c);
        return;
    }
    for (const auto& name : *normalize_columns) {
        const auto it = std::find_if(header.begin(), header.end(), [&](const auto& h) { return csv::trim(h) == name; });
        if (it == header.end()) throw std::runtime_error("transform: column '" + name + "' is not in the header");
        const auto c = static_cast<std::size_t>(it - header.begin());
        if (!is_numeric(c)) throw std::runtime_error("transform: column '" + name + "' is not numeric");
        stage.ranges[c] = range(c);
    }
}

// Reports row progress across passes and checks the token as it goes.
class RowProgress {
public:
    RowProgress(worker::ProgressBridge& bridge, const worker::CancellationToken& token, std::size_t total_rows,
                std::size_t total_passes)
        : bridge_(bridge), token_(token), total_passes_(total_passes) {
        set_total_rows(total_rows);
        bridge_.set_field("total_passes", total_passes_);
    }

    // The real count replaces the request's estimate once it is known.
    void set_total_rows(std::size_t total_rows) {
        total_rows_ = total_rows;
        bridge_.set_field("total_rows", total_rows_);
    }

    void begin_pass(std::string step, std::string_view operation) {
        ++pass_;
        step_ = std::move(step);
        bridge_.set_field("pass", pass_);
        bridge_.set_field("current_operation", boost::json::string(operation));
        at_row(0);
    }

    void at_row(std::size_t current) {
        token_.throw_if_cancelled();
        // An estimate may be short of the real count: a pass never shows more than all of itself.
        const double in_pass =
            total_rows_ == 0 ? 1.0 : std::min(1.0, static_cast<double>(current) / static_cast<double>(total_rows_));
        bridge_.set_field("current_row", current);
        bridge_.update(100.0 * (static_cast<double>(pass_ - 1) + in_pass) / static_cast<double>(total_passes_), step_);
    }

private:
    worker::ProgressBridge& bridge_;
    const worker::CancellationToken& token_;
    std::size_t total_rows_ = 0;
    std::size_t total_passes_;
    std::size_t pass_ = 0;
    std::string step_;
};

// Streams the data rows of the file once, calling on_row(row, index) for each.
template <typename OnRow>
void for_each_row(const fs::path& path, RowProgress* progress, const worker::CancellationToken& token,
                  OnRow&& on_row) {
    csv::FileReader reader(path);
    csv::Row row;
    if (!reader.next(row)) throw std::runtime_error("input file '" + path.string() + "' is empty: no header row");
    std::size_t current = 0;
    while (reader.next(row)) {
        ++current;
        on_row(row, current);
        if (current % kReportEvery == 0) {
            if (progress) progress->at_row(current);
            token.throw_if_cancelled();
        }
    }
    if (progress) progress->at_row(current);
}

std::string join(const std::vector<Stage>& stages) {
    std::string out;
    for (const auto& stage : stages) {
        if (!out.empty()) out += ", ";
        out += to_string(stage.op);
    }
    return out;
}

}  // namespace

std::string_view to_string(Operation op) {
    switch (op) {
        case Operation::clean: return "clean";
        case Operation::transform: return "transform";
        case Operation::validate: return "validate";
    }
    return "clean";
}

std::optional<Operation> operation_from_string(std::string_view name) {
    for (auto op : {Operation::clean, Operation::transform, Operation::validate})
        if (to_string(op) == name) return op;
    return std::nullopt;
}

DataProcessingParams parse_data_processing(const boost::json::object& request) {
    json::reject_unknown_fields(request, {"source_file", "input_file", "output_file", "operations", "estimated_rows",
                                          "transform", "priority", "requirements", "max_retries"});
    DataProcessingParams params;

    // `input_file` is the name this field had before the KTRDR guide's was adopted; kept for existing scripts.
    json::require(!(request.contains("source_file") && request.contains("input_file")), "source_file",
                  "and 'input_file' were both given; 'input_file' is the old name of 'source_file': give only 'source_file'");
    const std::string_view source_field = request.contains("input_file") ? "input_file" : "source_file";
    auto [source_file, header] = csv::require_csv_file(request, source_field);
    params.source_file = std::move(source_file);

    params.output_file =
        csv::optional_output_file(request, "output_file", params.source_file, source_field, ".processed.csv");

    if (const auto estimated = json::optional_int(request, "estimated_rows")) {
        json::require(*estimated >= 0, "estimated_rows", "must not be negative");
        params.estimated_rows = static_cast<std::size_t>(*estimated);
    }

    if (const auto* operations = json::optional_array(request, "operations")) {
        json::require(!operations->empty(), "operations", "must not be empty; " + std::string(kOperationsHint));
        params.operations.clear();
        for (const auto& value : *operations) {
            json::require(value.is_string(), "operations",
                          "must be an array of strings; " + std::string(kOperationsHint));
            const auto op = operation_from_string(value.get_string());
            json::require(op.has_value(), "operations",
                          "has unknown operation '" + std::string(value.get_string()) + "'; " +
                              std::string(kOperationsHint));
            params.operations.push_back(*op);
        }
    }

    if (const auto* transform = json::optional_object(request, "transform")) {
        const bool transforms =
            std::find(params.operations.begin(), params.operations.end(), Operation::transform) !=
            params.operations.end();
        json::require(transforms, "transform", "is set but 'operations' does not include \"transform\"");
        for (const auto& [key, value] : *transform)
            json::require(key == "normalize", "transform", "has unknown field '" + std::string(key) + "'");
        if (const auto* normalize = transform->if_contains("normalize")) {
            json::require(normalize->is_array(), "transform", "field 'normalize' must be an array of column names");
            std::vector<std::string> names;
            for (const auto& name : normalize->get_array()) {
                json::require(name.is_string(), "transform", "field 'normalize' must be an array of column names");
                const std::string column(name.get_string());
                const bool known = std::any_of(header.begin(), header.end(),
                                               [&](const auto& h) { return csv::trim(h) == column; });
                json::require(known, "transform", "names column '" + column + "', which is not in the header");
                names.push_back(column);
            }
            params.normalize_columns = std::move(names);
        }
    }
    return params;
}

boost::json::value run_data_processing(const DataProcessingParams& params, worker::ProgressBridge& progress,
                                       const worker::CancellationToken& token) {
    const auto started = std::chrono::steady_clock::now();
    progress.start();
    progress.update(0, "counting rows");
    try {
        const csv::Row raw_header = csv::read_header(params.source_file, "source file");
        csv::Row header = raw_header;
        for (auto& name : header) name = std::string(csv::trim(name));
        const std::size_t width = header.size();

        std::vector<Stage> stages;
        for (auto op : params.operations) stages.push_back(Stage{op, {}, {}, 0});
        const auto fitted = static_cast<std::size_t>(std::count_if(
            params.operations.begin(), params.operations.end(), [](Operation op) { return needs_statistics(op); }));
        // With an estimate the count is a pass of its own that shows progress; without one it is quiet.
        const bool estimated = params.estimated_rows > 0;
        RowProgress rows(progress, token, params.estimated_rows, fitted + 1 + (estimated ? 1 : 0));

        if (estimated) rows.begin_pass("counting rows", to_string(params.operations.front()));
        std::size_t total_rows = 0;
        for_each_row(params.source_file, estimated ? &rows : nullptr, token,
                     [&](const csv::Row&, std::size_t) { ++total_rows; });
        rows.set_total_rows(total_rows);

        for (std::size_t i = 0; i < stages.size(); ++i) {
            if (!needs_statistics(stages[i].op)) continue;
            rows.begin_pass("scanning columns for " + std::string(to_string(stages[i].op)), to_string(stages[i].op));
            std::vector<ColumnStats> stats(width);
            for_each_row(params.source_file, &rows, token, [&](csv::Row& row, std::size_t) {
                if (apply_stages(stages, i, row, width)) accumulate(stats, row);
            });
            fit(stages[i], stats, header, params.normalize_columns);
        }
        // The scans above ran earlier validate stages too; only the final pass counts.
        for (auto& stage : stages) stage.invalid_rows = 0;

        rows.begin_pass("applying " + join(stages), join(stages));
        csv::AtomicWriter writer(params.output_file, "output file");
        const bool cleans = std::find(params.operations.begin(), params.operations.end(), Operation::clean) !=
                            params.operations.end();
        writer.write_row(cleans ? header : raw_header);

        std::size_t processed = 0;
        std::size_t written = 0;
        for_each_row(params.source_file, &rows, token, [&](csv::Row& row, std::size_t) {
            ++processed;
            if (apply_stages(stages, stages.size(), row, width)) {
                writer.write_row(row);
                ++written;
            }
            if (processed % kMetricEvery == 0) progress.record_metric("rows_processed", static_cast<double>(processed));
        });
        writer.commit();
        if (processed % kMetricEvery != 0) progress.record_metric("rows_processed", static_cast<double>(processed));

        std::size_t invalid_rows = 0;
        for (const auto& stage : stages)
            if (stage.op == Operation::validate) invalid_rows = stage.invalid_rows;

        boost::json::array operations;
        for (auto op : params.operations) operations.emplace_back(to_string(op));
        boost::json::array columns;
        for (const auto& name : header) columns.emplace_back(name);

        progress.update(100, "completed");
        boost::json::object result;
        result["rows_processed"] = processed;
        result["rows_written"] = written;
        result["rows_dropped"] = processed - written;
        result["invalid_rows"] = invalid_rows;
        result["output_file"] = params.output_file.string();
        result["duration_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        result["operations"] = std::move(operations);
        result["columns"] = std::move(columns);
        return result;
    } catch (const csv::ParseError& e) {
        throw std::runtime_error("source file '" + params.source_file.string() + "' " + e.what());
    }
}

worker::WorkerType worker_type() {
    return worker::make_worker_type<DataProcessingParams>("data_processing", "data-processing", &parse_data_processing,
                                                          &run_data_processing);
}

}  // namespace fleet::workers::data_processing
