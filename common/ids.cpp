#include "common/ids.hpp"

#include <array>
#include <random>

namespace fleet {
namespace {

// One random_device word would give each thread one of only 2^32 streams, so
// ids from different threads or processes would repeat long before 96 bits
// suggest: the generator's state is seeded with 256 bits instead.
std::mt19937_64 seeded_generator() {
    std::random_device device;
    std::array<std::random_device::result_type, 8> words{};
    for (auto& word : words) word = device();
    std::seed_seq seed(words.begin(), words.end());
    return std::mt19937_64(seed);
}

}  // namespace

std::string random_hex(std::size_t n) {
    thread_local std::mt19937_64 rng = seeded_generator();
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(n, '0');
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (i % 16 == 0) bits = rng();
        out[i] = kHex[bits & 0xF];
        bits >>= 4;
    }
    return out;
}

std::string time_ordered_id(std::string_view prefix, std::chrono::system_clock::time_point now,
                            std::size_t random_chars) {
    static constexpr char kHex[] = "0123456789abcdef";
    constexpr std::size_t kTimeChars = 12;  // 48 bits of milliseconds: until the year 10889
    auto ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count());
    std::string out(prefix);
    out.resize(prefix.size() + kTimeChars);
    for (std::size_t i = out.size(); i-- > prefix.size(); ms >>= 4) out[i] = kHex[ms & 0xF];
    out += random_hex(random_chars);
    return out;
}

bool is_plain_id(std::string_view id) {
    if (id.empty() || id.size() > 128) return false;
    for (char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                        c == '.' || c == ':' || c == '-';
        if (!ok) return false;
    }
    return true;
}

}  // namespace fleet
