#include "backend/api/on_core.hpp"

#include "backend/core/admission.hpp"
#include "backend/core/core_executor.hpp"
#include "common/http/error.hpp"
#include "common/log.hpp"

namespace fleet::backend {

void on_core(CoreExecutor& core, http::Reply answer, std::function<void(http::Reply)> work, Admission* admission) {
    http::Reply reply = [&core, answer = std::move(answer)](http::HttpResponse response) {
        core.post_after_commit([answer, response = std::move(response)]() mutable { answer(std::move(response)); });
    };
    auto run = [reply = std::move(reply), work = std::move(work)] {
        try {
            work(reply);
        } catch (const http::ApiError& error) {
            reply(http::error_response(error));
        } catch (const std::exception& error) {
            log::error("unhandled error on the core thread: ", error.what());
            reply(http::error_response(500, "internal error"));
        }
    };
    if (admission) admission->admit(std::move(run));
    else core.post(std::move(run));
}

}  // namespace fleet::backend
