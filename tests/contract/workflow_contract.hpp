#pragma once

#include "tests/contract/contract_session.hpp"

#include <string>

namespace fleet::contract {

// Every workflow endpoint and its refusals, through `api`. `scripted_domain` is
// served by a worker that accepts every start, shows it running and answers a
// cancel with 404 (so the backend cancels the attempt at once): a workflow of
// a signal step and a step there needs no real work.
void exercise_workflows(ContractSession& api, const std::string& scripted_domain);

}  // namespace fleet::contract
