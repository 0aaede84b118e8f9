// FUZZ_CHECK for the libFuzzer targets in tests/fuzz: a broken property
// prints where and what, then aborts, which libFuzzer reports as a crash and
// saves the input for. Unlike assert() it is not compiled out by NDEBUG.

#ifndef TIMEBANK_TESTS_FUZZ_FUZZ_CHECK_H_
#define TIMEBANK_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                          \
  do {                                                                 \
    if (!(condition)) {                                                \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, \
                   __LINE__, #condition);                              \
      std::abort();                                                    \
    }                                                                  \
  } while (false)

#endif  // TIMEBANK_TESTS_FUZZ_FUZZ_CHECK_H_
