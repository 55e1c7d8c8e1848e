# Sanitizer builds (scripts/test --sanitize, proto_docs/sanitizers.md): FLEET_SANITIZE is the
# list given to -fsanitize=, e.g. "address,undefined" or "thread". Every target in the tree
# (libraries, binaries, tests) is compiled and linked with it, so the integration tests start
# sanitized binaries. UBSan findings abort instead of printing and carrying on, so they fail tests.
set(FLEET_SANITIZE "" CACHE STRING "sanitizers to build with (-fsanitize=), e.g. address,undefined or thread; empty: none")
if(FLEET_SANITIZE)
  if(FLEET_MIMALLOC)
    message(FATAL_ERROR "FLEET_SANITIZE needs -DFLEET_MIMALLOC=OFF: the sanitizers bring their own allocator")
  endif()
  add_compile_options(-fsanitize=${FLEET_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${FLEET_SANITIZE})
  if(FLEET_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=all)
  endif()
endif()
