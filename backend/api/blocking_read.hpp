#pragma once

#include "backend/events/status_waits.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace fleet::backend {

// The longest a blocking read (`?wait=`) may wait.
inline constexpr std::chrono::milliseconds kMaxBlockingWait{5 * 60 * 1000};

// A blocking read on the core thread: `look` finds the thing (calling back
// with it); when it is `settled` or nobody waits, `answer` gets it at once;
// otherwise it is looked up again once `kind` and `id` fire (its status
// changed) or the wait ends, and that is the answer. `kind` is kept until
// then: a literal ("operation", "workflow", "run").
template <typename Found>
void blocking_read(StatusWaits& waits, std::string_view kind, std::string id, std::chrono::milliseconds wait,
                   std::function<void(std::function<void(Found)>)> look, std::function<bool(const Found&)> settled,
                   std::function<void(Found)> answer) {
    look([&waits, kind, id = std::move(id), wait, look, settled = std::move(settled),
          answer = std::move(answer)](Found found) mutable {
        if (wait.count() == 0 || settled(found)) return answer(std::move(found));
        waits.wait(kind, id, wait, [look = std::move(look), answer = std::move(answer)] { look(answer); });
    });
}

}  // namespace fleet::backend
