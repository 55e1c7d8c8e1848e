#include "backend/storage/reader_thread.hpp"

#include "backend/storage/database.hpp"
#include "common/log.hpp"

namespace fleet::backend {
ReaderThread::ReaderThread(Database& database, boost::asio::io_context& core)
    : core_(core), work_(boost::asio::make_work_guard(reads_)) {
    if (database.in_memory()) {
        reader_ = std::make_unique<OperationReader>(database);
        return;
    }
    reader_ = std::make_unique<OperationReader>(database.path());
    thread_ = std::thread([this] { reads_.run(); });
}

ReaderThread::~ReaderThread() {
    work_.reset();
    if (thread_.joinable()) thread_.join();
}

void ReaderThread::log_failure(const std::exception& error) {
    log::error("a read on the reader thread failed: ", error.what());
}

}  // namespace fleet::backend
