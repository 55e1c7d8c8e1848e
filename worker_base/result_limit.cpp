#include "worker_base/result_limit.hpp"

#include "common/byte_size.hpp"

#include <boost/json/serializer.hpp>

namespace fleet::worker {

std::optional<std::string> result_too_large(const boost::json::value& result, std::size_t max_bytes) {
    // Counted in chunks: a result far past the limit is never held twice.
    boost::json::serializer serializer;
    serializer.reset(&result);
    char buffer[16 * 1024];
    std::size_t size = 0;
    while (!serializer.done()) size += serializer.read(buffer, sizeof buffer).size();
    if (size <= max_bytes) return std::nullopt;
    return describe_excess("result", size, max_bytes) +
           " (--max-result-bytes); write large outputs to a file and return its path";
}

}  // namespace fleet::worker
