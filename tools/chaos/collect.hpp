#pragma once

#include "tools/chaos/audit.hpp"
#include "tools/chaos/chaos_fleet.hpp"

#include <chrono>
#include <map>
#include <string>
#include <vector>

// What the audit reads at the end, over HTTP and from the run-log files.
namespace fleet::chaos {

// Waits (up to `timeout`) until the backend holds no queued, pending or
// running operation and no workflow is still going. False: it did not.
bool wait_until_settled(const std::string& backend_url, std::chrono::milliseconds timeout);

// Every operation the backend holds (GET /api/v1/operations, page by page).
std::map<std::string, BackendOperation> backend_operations(const std::string& backend_url);

// The acknowledged workflows the backend holds (GET /api/v1/workflows/{id}).
std::map<std::string, BackendWorkflow> backend_workflows(const std::string& backend_url,
                                                         const std::vector<Submission>& submissions);

// What each live worker lists (GET /api/v1/operations on the worker, page by page).
std::vector<WorkerListing> worker_listings(const ChaosFleet& fleet);

// Every well-formed line of these run logs.
std::vector<RunLogEntry> read_run_logs(const std::vector<std::string>& paths);

}  // namespace fleet::chaos
