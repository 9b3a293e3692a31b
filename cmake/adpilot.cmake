# Shared build conventions: warnings, sanitizers, dependency lookup and helpers.
include(GNUInstallDirs)

# Precompiled headers: the standard, JSON and fmt headers nearly every
# translation unit includes are parsed once per target instead of once per
# file (docs/benchmarks.md, "Build and demo", has the figures). -DADPILOT_PCH=OFF for tools that
# cannot read GCC's .gch files (clang-tidy: `make tidy` configures its own).
option(ADPILOT_PCH "Precompile the common headers of each target" ON)
set(ADPILOT_PCH_HEADERS <algorithm> <cmath> <cstdint> <filesystem> <fstream> <functional> <map> <memory> <string>
    <string_view> <vector> <nlohmann/json.hpp> <fmt/format.h>)
function(adpilot_pch target)
  if(ADPILOT_PCH)
    target_precompile_headers(${target} PRIVATE ${ADPILOT_PCH_HEADERS} ${ARGN})
  endif()
endfunction()
# One precompiled header for a family of targets (the stages, the test
# binaries): the first target of the family compiles it, the others reuse it,
# so it is built once instead of once per target. They share compile flags;
# GCC checks the rest (-Winvalid-pch, an error under ADPILOT_WERROR).
function(adpilot_shared_pch family target)
  if(NOT ADPILOT_PCH)
    return()
  endif()
  get_property(owner GLOBAL PROPERTY ADPILOT_PCH_OWNER_${family})
  if(owner)
    target_precompile_headers(${target} REUSE_FROM ${owner})
  else()
    target_precompile_headers(${target} PRIVATE ${ADPILOT_PCH_HEADERS} ${ARGN})
    set_property(GLOBAL PROPERTY ADPILOT_PCH_OWNER_${family} ${target})
  endif()
endfunction()
# The libtorch translation units of a stage compile as one (a unity group):
# libtorch's headers cost about 14 s to parse, the same in every file.
function(adpilot_torch_group target)
  set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_MODE GROUP)
  set_source_files_properties(${ARGN} TARGET_DIRECTORY ${target} PROPERTIES UNITY_GROUP torch)
endfunction()

# ccache makes rebuilds across build folders (and CI on a warm machine) cheap;
# with precompiled headers it needs these sloppiness settings to hit.
find_program(ADPILOT_CCACHE ccache)
if(ADPILOT_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(launcher ${ADPILOT_CCACHE})
  if(ADPILOT_PCH)
    set(launcher ${CMAKE_COMMAND} -E env CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
                 ${ADPILOT_CCACHE})
  endif()
  set(CMAKE_C_COMPILER_LAUNCHER ${launcher})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${launcher})
endif()

add_compile_options(-Wall -Wextra)
# CI builds treat warnings as errors (the Makefile turns this on under CI=true).
# GCC 12's -Wmaybe-uninitialized misfires inside libstdc++'s <regex>/<functional>
# at -O3, so that one stays a warning.
if(ADPILOT_WERROR)
  add_compile_options(-Werror -Wno-error=maybe-uninitialized)
endif()
# GCC 12 reports false -Wrestrict positives inside libstdc++'s string code
# (GCC bug 105329), and, once the standard headers come precompiled, false
# -Warray-bounds / -Wstringop-overflow ones inside char_traits wherever
# "literal" + std::to_string(n) is inlined (GCC bug 105651). Real
# out-of-bounds accesses are the sanitizer and fuzz builds' job.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  add_compile_options(-Wno-restrict -Wno-array-bounds -Wno-stringop-overflow)
endif()
# A fuzz build (clang; tests/fuzz) instruments every stage it compiles for
# libFuzzer's coverage feedback, under ASan+UBSan unless told otherwise, so
# the targets can link the ordinary stage objects.
if(ADPILOT_BUILD_FUZZ AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  add_compile_options(-fsanitize=fuzzer-no-link -g)
  if(NOT ADPILOT_SANITIZE)
    set(ADPILOT_SANITIZE address,undefined)
  endif()
endif()
if(ADPILOT_SANITIZE)
  add_compile_options(-fsanitize=${ADPILOT_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${ADPILOT_SANITIZE})
  # Tests are listed when ctest runs, under the sanitizer options the Makefile
  # sets (make sanitize / tsan), not at build time without them.
  set(CMAKE_GTEST_DISCOVER_TESTS_DISCOVERY_MODE PRE_TEST)
endif()

find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
find_package(Eigen3 REQUIRED NO_MODULE)
find_package(nlohmann_json REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(toml11 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
find_package(simdjson QUIET)
find_package(NLopt QUIET)
find_package(SQLite3 QUIET)

# Debian's xgboost CMake package references files it does not ship: find the
# header and library directly and wrap them in an imported target.
find_path(XGBOOST_INCLUDE_DIR xgboost/c_api.h REQUIRED)
find_library(XGBOOST_LIBRARY xgboost REQUIRED)
add_library(adpilot_xgboost INTERFACE IMPORTED)
target_include_directories(adpilot_xgboost INTERFACE ${XGBOOST_INCLUDE_DIR})
target_link_libraries(adpilot_xgboost INTERFACE ${XGBOOST_LIBRARY})

if(ADPILOT_WITH_TORCH)
  find_package(Torch QUIET)
  if(NOT Torch_FOUND)
    message(WARNING "libtorch not found: deep models, BERT and DQN are disabled")
    set(ADPILOT_WITH_TORCH OFF)
  else()
    # libtorch's targets carry -D_GLIBCXX_USE_CXX11_ABI=1 (GCC's default) to
    # everything that links them; every target gets it, so one precompiled
    # standard library serves them all (GCC refuses a PCH built without it).
    separate_arguments(torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
    add_compile_options(${torch_flags})
  endif()
endif()

# Data-parallel training and replay across ranks (docs/distributed.md). Without
# MPI every command still runs, in one process.
option(ADPILOT_WITH_MPI "Data-parallel training and replay over OpenMPI (mpirun, srun)" ON)
if(ADPILOT_WITH_MPI)
  find_package(MPI COMPONENTS C QUIET)
  if(NOT MPI_C_FOUND)
    message(WARNING "MPI not found (libopenmpi-dev): adpilot runs in one process only")
    set(ADPILOT_WITH_MPI OFF)
  endif()
endif()

# adpilot_stage(NAME [OWN_PCH] [DIRS ...] DEPS ...): one OBJECT library per pipeline stage.
# Stages self-register models/readers/strategies in static initialisers, so
# their objects are always linked in full: executables list the stages they
# need (adpilot_link_stages) or link the one `adpilot` shared library.
function(adpilot_stage name)
  cmake_parse_arguments(S "OWN_PCH" "" "DEPS;DIRS" ${ARGN})
  if(NOT S_DIRS)
    set(S_DIRS ${CMAKE_CURRENT_SOURCE_DIR})
  endif()
  set(srcs "")
  foreach(d ${S_DIRS})
    file(GLOB_RECURSE more CONFIGURE_DEPENDS ${d}/*.cc)
    list(APPEND srcs ${more})
  endforeach()
  if(NOT srcs)
    # A stage whose first sources have not landed yet still yields a library.
    set(empty ${CMAKE_CURRENT_BINARY_DIR}/adpilot_${name}_empty.cc)
    file(WRITE ${empty} "")
    set(srcs ${empty})
  endif()
  add_library(adpilot_${name} OBJECT ${srcs})
  set_property(GLOBAL APPEND PROPERTY ADPILOT_STAGES adpilot_${name})
  target_include_directories(adpilot_${name}
    PUBLIC ${PROJECT_SOURCE_DIR}/include
    PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(adpilot_${name} PUBLIC ${S_DEPS})
  set_target_properties(adpilot_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  # OWN_PCH: a stage whose dependencies bring macros that change the standard
  # headers (serve: hiredis' _FILE_OFFSET_BITS) precompiles its own.
  if(S_OWN_PCH)
    adpilot_pch(adpilot_${name})
  else()
    adpilot_shared_pch(stages adpilot_${name})
  endif()
endfunction()

# Links the objects of the named stages (each must be listed: object files do
# not travel through other object libraries).
function(adpilot_link_stages target)
  foreach(stage ${ARGN})
    target_link_libraries(${target} PRIVATE adpilot_${stage})
  endforeach()
endfunction()

# adpilot_test(NAME STAGES...): one gtest binary per folder of tests/.
function(adpilot_test name)
  cmake_parse_arguments(T "" "" "STAGES;LABELS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  if(NOT srcs)
    return()
  endif()
  add_executable(test_${name} ${srcs})
  target_include_directories(test_${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  adpilot_link_stages(test_${name} ${T_STAGES})
  target_link_libraries(test_${name} PRIVATE GTest::gtest GTest::gtest_main Threads::Threads)
  adpilot_shared_pch(tests test_${name} <gtest/gtest.h>)
  # The tests' own code is thin (the library under test keeps the build's
  # flags); -O1 compiles it in about half the time of -O3.
  if(CMAKE_BUILD_TYPE MATCHES "^(Release|RelWithDebInfo)$" AND NOT ADPILOT_SANITIZE)
    target_compile_options(test_${name} PRIVATE -O1)
  endif()
  target_compile_definitions(test_${name} PRIVATE
    ADPILOT_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    ADPILOT_BINARY_DIR="${PROJECT_BINARY_DIR}"
    ADPILOT_CLI_PATH="$<TARGET_FILE:adpilot_cli>")
  set(labels ${name})
  if(T_LABELS)
    list(APPEND labels ${T_LABELS})
  endif()
  gtest_discover_tests(test_${name}
    WORKING_DIRECTORY ${PROJECT_BINARY_DIR}
    PROPERTIES LABELS "${labels}"
    DISCOVERY_TIMEOUT 60)
  # Tests that drive the CLI use ADPILOT_CLI_PATH; `make test` builds everything first.
endfunction()
