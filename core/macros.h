// Compiler and visibility macros shared by every Ember file, host or device.
#pragma once

#if defined(__CUDACC__) || defined(__HIPCC__)
#define EMBER_HOST_DEVICE __host__ __device__
#define EMBER_DEVICE __device__
#else
#define EMBER_HOST_DEVICE
#define EMBER_DEVICE
#endif

#if defined(__GNUC__)
#define EMBER_API __attribute__((visibility("default")))
#define EMBER_LIKELY(x) __builtin_expect(!!(x), 1)
#define EMBER_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define EMBER_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define EMBER_API
#define EMBER_LIKELY(x) (x)
#define EMBER_UNLIKELY(x) (x)
#define EMBER_ALWAYS_INLINE inline
#endif
