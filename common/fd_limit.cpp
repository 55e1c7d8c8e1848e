#include "common/fd_limit.hpp"

#include "common/log.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <mutex>

namespace fleet {

std::size_t raise_fd_limit() {
    static std::once_flag once;
    static std::size_t in_force = 1024;
    std::call_once(once, [] {
        rlimit limit{};
        if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
            log::warn("getrlimit(RLIMIT_NOFILE): ", std::strerror(errno));
            return;
        }
        in_force = static_cast<std::size_t>(limit.rlim_cur);
        if (limit.rlim_cur == limit.rlim_max) return;
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        // An unlimited hard limit cannot be the soft one (the kernel caps it at fs.nr_open).
        if (raised.rlim_cur == RLIM_INFINITY) raised.rlim_cur = 1 << 20;
        if (setrlimit(RLIMIT_NOFILE, &raised) != 0) {
            log::warn("cannot raise the open file limit from ", limit.rlim_cur, " to ", raised.rlim_cur, ": ",
                      std::strerror(errno));
            return;
        }
        in_force = static_cast<std::size_t>(raised.rlim_cur);
        log::debug("open file limit raised from ", limit.rlim_cur, " to ", raised.rlim_cur);
    });
    return in_force;
}

}  // namespace fleet
