# The fuzz targets, one file fuzz_<name>.cpp each, with their seeds in corpus/<name>/
# and the inputs of fixed crashes in regressions/<name>/. Read by this folder's
# project (to build them) and by fuzz_tests.cmake (to run them in CTest).
set(FLEET_FUZZ_TARGETS
  byte_size
  count
  cron
  duration
  http_request
  json
  query
  router
  sse_parser
  url
  workflow_definition
)
