#include "tests/test_util/status_assertions.h"

#include <string>

namespace timebank::testing {

::testing::AssertionResult StatusIsOk(const char* expr_text,
                                      const absl::Status& status) {
  if (status.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << expr_text << " is not OK: " << status.ToString();
}

::testing::AssertionResult StatusHas(const char* expr_text,
                                     const char* code_text,
                                     const char* prefix_text,
                                     const absl::Status& status,
                                     absl::StatusCode code,
                                     std::string_view message_prefix) {
  const bool code_matches = status.code() == code;
  const std::string message(status.message());
  const bool prefix_matches =
      message.compare(0, message_prefix.size(), message_prefix) == 0;
  if (code_matches && prefix_matches) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << expr_text << " is " << status.ToString() << "\n  expected code "
         << absl::StatusCodeToString(code) << " (" << code_text
         << ") and a message starting with \"" << message_prefix << "\" ("
         << prefix_text << ")";
}

}  // namespace timebank::testing
