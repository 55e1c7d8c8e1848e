#pragma once

#include "tests/contract/contract_session.hpp"

namespace fleet::contract {

// Every schedule endpoint and its refusals, through `api`. The schedules'
// workflows wait on a signal step, so they need no worker, and due times are
// far off: their runs come from triggers. Every run is cancelled at the end.
void exercise_schedules(ContractSession& api);

}  // namespace fleet::contract
