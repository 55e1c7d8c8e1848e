# Included by tests/CMakeLists.txt when FLEET_FUZZ is on: builds this folder's
# project with clang++ as part of the main build (which stays on g++) and runs
# every target for FLEET_FUZZ_SECONDS in CTest, its seeds and regression inputs
# first. New inputs the short runs find go to <build>/fuzz/scratch/, not to git.
include(ExternalProject)
include(${CMAKE_CURRENT_LIST_DIR}/targets.cmake)

find_program(FLEET_CLANGXX NAMES clang++ clang++-14)
if(NOT FLEET_CLANGXX)
  message(FATAL_ERROR "the fuzz targets need clang++ and libFuzzer: run scripts/setup (Debian packages clang, "
                      "libclang-rt-14-dev), or configure with -DFLEET_FUZZ=OFF")
endif()
set(FLEET_FUZZ_SECONDS 10 CACHE STRING "how long CTest runs each fuzz target")

set(fuzz_build_dir ${CMAKE_BINARY_DIR}/fuzz)
cmake_host_system_information(RESULT fuzz_jobs QUERY NUMBER_OF_LOGICAL_CORES)
ExternalProject_Add(fleet_fuzz
  SOURCE_DIR ${CMAKE_CURRENT_LIST_DIR}
  BINARY_DIR ${fuzz_build_dir}
  CMAKE_ARGS -DCMAKE_CXX_COMPILER=${FLEET_CLANGXX} -DCMAKE_BUILD_TYPE=RelWithDebInfo
             -DCMAKE_CXX_COMPILER_LAUNCHER=${CCACHE_PROGRAM}
  BUILD_COMMAND ${CMAKE_COMMAND} --build ${fuzz_build_dir} -j${fuzz_jobs}
  BUILD_ALWAYS ON
  INSTALL_COMMAND ""
)

foreach(name IN LISTS FLEET_FUZZ_TARGETS)
  set(scratch ${fuzz_build_dir}/scratch/${name})
  file(MAKE_DIRECTORY ${scratch})
  # The first directory is where libFuzzer writes what it finds; the others are only read.
  set(inputs ${scratch} ${CMAKE_CURRENT_LIST_DIR}/corpus/${name})
  if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/regressions/${name})
    list(APPEND inputs ${CMAKE_CURRENT_LIST_DIR}/regressions/${name})
  endif()
  add_test(NAME fuzz.${name}
           COMMAND ${fuzz_build_dir}/fuzz_${name} -max_total_time=${FLEET_FUZZ_SECONDS} -timeout=10
                   -print_final_stats=1 -artifact_prefix=${fuzz_build_dir}/crash-${name}- ${inputs})
endforeach()
