#include "backend/core/core_executor.hpp"

#include "backend/storage/database.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace fleet::backend {

CoreExecutor::CoreExecutor(boost::asio::io_context& core, Database& database) : core_(core), database_(database) {}

void CoreExecutor::group_commits() {
    database_.set_batch_scheduler([this](std::function<void()> commit) { post(std::move(commit)); });
}

void CoreExecutor::post(std::function<void()> work) { boost::asio::post(core_, std::move(work)); }

void CoreExecutor::post_after_commit(std::function<void()> then) { database_.after_commit(std::move(then)); }

void CoreExecutor::post_after_next_commit(std::function<void()> then) {
    database_.before_commit([] {});  // opens the batch if none is
    database_.after_commit(std::move(then));
}

}  // namespace fleet::backend
