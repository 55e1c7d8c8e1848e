#pragma once

#include "tools/chaos/audit.hpp"
#include "tools/chaos/chaos_plan.hpp"

#include <cstddef>
#include <map>
#include <string>

namespace fleet::chaos {

struct ChaosSummary {
    std::map<ActionKind, std::size_t> taken;
    std::size_t skipped = 0;
    bool settled = true;  // everything ended within the settle time
};

// The counts, one `name: value` a line (stable words, for scripts), then the problems.
std::string report_text(const AuditReport& report, const ChaosSummary& chaos);

}  // namespace fleet::chaos
