#pragma once

#include "backend/workflows/workflow_state.hpp"

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fleet::backend {

class Database;

// A page of GET /api/v1/workflows: filters (unset: any) and paging.
struct WorkflowQuery {
    std::optional<workflows::WorkflowStatus> status;
    std::optional<std::string> name;
    std::optional<std::string> schedule_id;
    std::size_t limit = 100;
    std::size_t offset = 0;
};

// The `workflows` table. Statements are prepared once; used on the core
// thread, like the Database it writes through.
class WorkflowRepository {
public:
    explicit WorkflowRepository(Database& database);
    ~WorkflowRepository();
    WorkflowRepository(const WorkflowRepository&) = delete;
    WorkflowRepository& operator=(const WorkflowRepository&) = delete;

    // A new workflow, with its definition. Never overwrites a row.
    void insert(const workflows::WorkflowState& workflow);
    // Its run as it stands now (the definition is never rewritten);
    // `columns_changed`: its status or whether it is settled changed too.
    void update(const workflows::WorkflowState& workflow, bool columns_changed);

    std::optional<workflows::WorkflowState> find(const std::string& workflow_id);
    // Every workflow not yet settled, oldest first.
    std::vector<workflows::WorkflowState> load_active();
    // How many workflows there are of each status.
    std::map<workflows::WorkflowStatus, std::size_t> count_by_status();

    // Retention: deletes at most `limit` settled workflows last changed before
    // `cutoff`, oldest first; returns how many.
    std::size_t delete_settled_before(SystemTime cutoff, std::size_t limit);

    struct Page {
        std::vector<workflows::WorkflowState> workflows;
        std::size_t total = 0;
    };
    // Newest first.
    Page list(const WorkflowQuery& query);

private:
    struct Statements;
    Database& database_;
    std::unique_ptr<Statements> statements_;
};

}  // namespace fleet::backend
