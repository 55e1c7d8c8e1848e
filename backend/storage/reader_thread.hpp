#pragma once

#include "backend/storage/operation_reader.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

namespace fleet::backend {

class Database;

// The reads that need SQL but not the core's state (lists, finished
// operations) run here: a thread of its own (its own io_context) with its own
// read-only connection, so neither the core nor an I/O thread waits for them.
// For an in-memory database, which no second connection can see, the reads
// run on the core thread instead, on the core's connection.
class ReaderThread {
public:
    ReaderThread(Database& database, boost::asio::io_context& core);
    ~ReaderThread();  // finishes the reads queued, then joins
    ReaderThread(const ReaderThread&) = delete;
    ReaderThread& operator=(const ReaderThread&) = delete;

    // Runs `read` with the reader, then `then` on the core thread with its
    // result; with nothing when `read` threw (logged here). Call it from the
    // core thread once what the read must see is committed
    // (Database::after_commit).
    template <typename Result>
    void read(std::function<Result(OperationReader&)> read, std::function<void(std::optional<Result>)> then) {
        if (!thread_.joinable()) return then(attempt(read));
        boost::asio::post(reads_, [this, read = std::move(read), then = std::move(then)]() mutable {
            boost::asio::post(core_, [then = std::move(then), result = attempt(read)]() mutable {
                then(std::move(result));
            });
        });
    }

private:
    template <typename Result>
    std::optional<Result> attempt(const std::function<Result(OperationReader&)>& read) {
        try {
            return read(*reader_);
        } catch (const std::exception& error) {
            log_failure(error);
            return std::nullopt;
        }
    }
    static void log_failure(const std::exception& error);

    boost::asio::io_context& core_;
    boost::asio::io_context reads_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::unique_ptr<OperationReader> reader_;
    std::thread thread_;
};

}  // namespace fleet::backend
