# Build options, defaults and the compiler flags shared by Ember's targets.

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

# CUDA is built whenever the toolkit is there; EMBER_WITH_CUDA=OFF gives a CPU-only build.
include(CheckLanguage)
check_language(CUDA)
if(CMAKE_CUDA_COMPILER)
  set(_ember_cuda_default ON)
else()
  set(_ember_cuda_default OFF)
endif()
option(EMBER_WITH_CUDA "Build the CUDA backend" ${_ember_cuda_default})
# sm_90 machine code plus compute_90 PTX, which newer cards compile at load time.
set(EMBER_CUDA_ARCHS "90" CACHE STRING "CUDA architectures (CMAKE_CUDA_ARCHITECTURES syntax)")
option(EMBER_BUILD_TESTS "Build the GoogleTest suites" ON)
option(EMBER_BUILD_SAMPLES "Build the sample programs" ON)
option(EMBER_BUILD_BENCH "Build the benchmarks" ON)
option(EMBER_WARNINGS_AS_ERRORS "Treat compiler warnings as errors" OFF)
# Ember's own CPU loops are compiled for x86-64-v3 (AVX2 + FMA), which every machine this project
# runs on has; set to "" for a portable build.
set(EMBER_CPU_ARCH "x86-64-v3" CACHE STRING "-march for kernels/cpu (empty: compiler default)")

# ccache caches both g++ and nvcc; use it when it is installed and not disabled.
option(EMBER_USE_CCACHE "Use ccache as the compiler launcher when found" ON)
if(EMBER_USE_CCACHE)
  find_program(CCACHE_PROGRAM ccache)
  if(CCACHE_PROGRAM)
    set(CMAKE_CXX_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
    set(CMAKE_CUDA_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
  endif()
endif()

set(EMBER_WARNING_FLAGS
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-unused-parameter -fno-semantic-interposition>)
if(EMBER_WARNINGS_AS_ERRORS)
  list(APPEND EMBER_WARNING_FLAGS $<$<COMPILE_LANGUAGE:CXX>:-Werror>)
endif()

set(EMBER_CPU_ARCH_FLAGS "")
if(EMBER_CPU_ARCH AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
  set(EMBER_CPU_ARCH_FLAGS "-march=${EMBER_CPU_ARCH}")
endif()
