#include "common/journal_stream.hpp"

#include <sys/stat.h>

#include <charconv>
#include <cstdint>
#include <string_view>

namespace fleet {
namespace {

// Reads the decimal number `text` starts with and advances `text` past it.
bool read_number(std::string_view& text, std::uint64_t& value) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end == text.data()) return false;
    text.remove_prefix(static_cast<std::size_t>(end - text.data()));
    return true;
}

}  // namespace

bool is_journal_stream(const char* journal_stream, int fd) {
    if (journal_stream == nullptr) return false;
    std::string_view text = journal_stream;
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    if (!read_number(text, device) || !text.starts_with(':')) return false;
    text.remove_prefix(1);
    if (!read_number(text, inode) || !text.empty()) return false;
    struct stat status{};
    if (fstat(fd, &status) != 0) return false;
    return static_cast<std::uint64_t>(status.st_dev) == device && static_cast<std::uint64_t>(status.st_ino) == inode;
}

}  // namespace fleet
