#include "workers/csv/atomic_writer.hpp"

#include <cerrno>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace fleet::csv {

AtomicWriter::AtomicWriter(std::filesystem::path path, std::string_view what)
    : path_(std::move(path)),
      partial_(std::filesystem::path(path_) += ".partial"),
      what_(what),
      out_(partial_, std::ios::binary | std::ios::trunc),
      writer_(out_) {
    if (!out_)
        throw std::runtime_error("cannot write " + what_ + " '" + path_.string() +
                                 "': " + std::generic_category().message(errno));
}

AtomicWriter::~AtomicWriter() {
    if (committed_) return;
    out_.close();
    std::error_code ignored;
    std::filesystem::remove(partial_, ignored);
}

void AtomicWriter::commit() {
    out_.close();
    if (!out_) throw std::runtime_error("error while writing " + what_ + " '" + path_.string() + "'");
    std::error_code ec;
    std::filesystem::rename(partial_, path_, ec);
    if (ec) throw std::runtime_error("cannot write " + what_ + " '" + path_.string() + "': " + ec.message());
    committed_ = true;
}

}  // namespace fleet::csv
