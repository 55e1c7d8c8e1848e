#include "backend/dispatch/requirements.hpp"

namespace fleet::backend {

bool meets(const boost::json::object& capabilities, const boost::json::object& requirements) {
    for (const auto& [key, wanted] : requirements) {
        const auto* offered = capabilities.if_contains(key);
        if (!offered) return false;
        if (wanted.is_number()) {
            if (!offered->is_number() || offered->to_number<double>() < wanted.to_number<double>()) return false;
        } else if (*offered != wanted) {
            return false;
        }
    }
    return true;
}

}  // namespace fleet::backend
