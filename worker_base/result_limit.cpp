#include "worker_base/result_limit.hpp"

#include "common/byte_size.hpp"
#include "common/json/text.hpp"

namespace fleet::worker {

std::optional<std::string> result_too_large(const boost::json::value& result, std::size_t max_bytes) {
    // Counted, not written: a result far past the limit is never held twice.
    const std::size_t size = json::text_size(result);
    if (size <= max_bytes) return std::nullopt;
    return describe_excess("result", size, max_bytes) +
           " (--max-result-bytes); write large outputs to a file and return its path";
}

}  // namespace fleet::worker
