#include "worker_base/worker_type.hpp"

namespace fleet::worker {

std::string default_domain(std::string_view type) {
    std::string domain(type);
    for (char& c : domain)
        if (c == '_') c = '-';
    return domain;
}

}  // namespace fleet::worker
