// gtest assertions on absl::Status and absl::StatusOr<T> that print the
// status text when they fail:
//
//   ASSERT_OK(ledger->Close());               // Status or StatusOr
//   ASSERT_OK_AND_ASSIGN(Exchange e, ledger->RecordExchange(...));
//   EXPECT_STATUS(result, absl::StatusCode::kInvalidArgument, "minutes:");
//
// EXPECT_STATUS checks the code and that the message starts with the given
// prefix (the ledger's messages start with the field name).
//
// Thread safety: as gtest assertions (use from the test's threads only).

#ifndef TIMEBANK_TESTS_TEST_UTIL_STATUS_ASSERTIONS_H_
#define TIMEBANK_TESTS_TEST_UTIL_STATUS_ASSERTIONS_H_

#include <gtest/gtest.h>

#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace timebank::testing {

inline const absl::Status& StatusOf(const absl::Status& status) {
  return status;
}
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

::testing::AssertionResult StatusIsOk(const char* expr_text,
                                      const absl::Status& status);

template <typename T>
::testing::AssertionResult IsOkFormatter(const char* expr_text,
                                         const T& status_like) {
  return StatusIsOk(expr_text, StatusOf(status_like));
}

::testing::AssertionResult StatusHas(const char* expr_text,
                                     const char* code_text,
                                     const char* prefix_text,
                                     const absl::Status& status,
                                     absl::StatusCode code,
                                     std::string_view message_prefix);

template <typename T>
::testing::AssertionResult StatusHasFormatter(const char* expr_text,
                                              const char* code_text,
                                              const char* prefix_text,
                                              const T& status_like,
                                              absl::StatusCode code,
                                              std::string_view message_prefix) {
  return StatusHas(expr_text, code_text, prefix_text, StatusOf(status_like),
                   code, message_prefix);
}

}  // namespace timebank::testing

#define ASSERT_OK(expr) \
  ASSERT_PRED_FORMAT1(::timebank::testing::IsOkFormatter, expr)
#define EXPECT_OK(expr) \
  EXPECT_PRED_FORMAT1(::timebank::testing::IsOkFormatter, expr)

#define ASSERT_STATUS(expr, code, prefix)                                  \
  ASSERT_PRED_FORMAT3(::timebank::testing::StatusHasFormatter, expr, code, \
                      prefix)
#define EXPECT_STATUS(expr, code, prefix)                                  \
  EXPECT_PRED_FORMAT3(::timebank::testing::StatusHasFormatter, expr, code, \
                      prefix)

#define TIMEBANK_STATUS_CONCAT_INNER(a, b) a##b
#define TIMEBANK_STATUS_CONCAT(a, b) TIMEBANK_STATUS_CONCAT_INNER(a, b)

// Evaluates `rexpr` (a StatusOr), fails the test with its status text unless
// it is OK, and otherwise moves its value into `lhs`, which may declare a
// variable (`ASSERT_OK_AND_ASSIGN(auto x, F())`).
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  TIMEBANK_ASSERT_OK_AND_ASSIGN_IMPL(    \
      TIMEBANK_STATUS_CONCAT(timebank_status_or_, __LINE__), lhs, rexpr)
#define TIMEBANK_ASSERT_OK_AND_ASSIGN_IMPL(status_or, lhs, rexpr) \
  auto status_or = (rexpr);                                       \
  ASSERT_OK(status_or);                                           \
  lhs = std::move(status_or).value()

#endif  // TIMEBANK_TESTS_TEST_UTIL_STATUS_ASSERTIONS_H_
