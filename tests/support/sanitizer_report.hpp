#pragma once

#include <sys/types.h>

#include <string>

namespace fleet::test {

// What a sanitizer (ASan, UBSan, LSan, TSan) reported in process `pid`, or "" when it reported
// nothing or this is not a sanitizer run. scripts/test --sanitize sets log_path=<dir>/report in
// ASAN_OPTIONS, UBSAN_OPTIONS and TSAN_OPTIONS, so each sanitized process writes its findings
// to <dir>/report.<pid> rather than into its stderr (proto_docs/sanitizers.md).
std::string sanitizer_report(pid_t pid);

}  // namespace fleet::test
