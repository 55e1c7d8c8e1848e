#pragma once

#include "workers/csv/csv.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace fleet::csv {

// A CSV file written as "<path>.partial" and renamed to its path only by
// commit(), so a run that fails or is cancelled never leaves half a file under
// the name a reader looks for.
class AtomicWriter {
public:
    // `what` names the file in errors ("output file", "trades file"). Throws
    // std::runtime_error "cannot write <what> '<path>': <reason>" when the
    // partial file cannot be created.
    AtomicWriter(std::filesystem::path path, std::string_view what);
    AtomicWriter(const AtomicWriter&) = delete;
    AtomicWriter& operator=(const AtomicWriter&) = delete;
    // Removes the partial file unless commit() renamed it.
    ~AtomicWriter();

    void write_row(const Row& row) { writer_.write_row(row); }

    // Flushes, closes and renames the partial file to the path; throws
    // std::runtime_error naming the file when a write or the rename failed.
    void commit();

    const std::filesystem::path& partial_path() const noexcept { return partial_; }

private:
    std::filesystem::path path_;
    std::filesystem::path partial_;
    std::string what_;
    std::ofstream out_;
    Writer writer_;
    bool committed_ = false;
};

}  // namespace fleet::csv
