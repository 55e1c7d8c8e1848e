# Runs fleetctl to write its man page and bash completion (cmake -P; FLEETCTL and OUT_DIR given).
execute_process(COMMAND ${FLEETCTL} man OUTPUT_FILE ${OUT_DIR}/fleetctl.1 RESULT_VARIABLE man_result)
execute_process(COMMAND ${FLEETCTL} completion bash OUTPUT_FILE ${OUT_DIR}/fleetctl.bash RESULT_VARIABLE completion_result)
if(NOT man_result EQUAL 0 OR NOT completion_result EQUAL 0)
  message(FATAL_ERROR "fleetctl man / completion bash failed: ${man_result} ${completion_result}")
endif()
