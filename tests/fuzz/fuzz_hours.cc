// libFuzzer target for the CLI's duration parser and formatter
// (client/hours.h), which read what people type and what CSV imports hold.
// Checked, beyond not crashing:
//   - ParseDuration accepts only 1..kMaxDurationMinutes, rejects everything
//     else with INVALID_ARGUMENT, and ignores ASCII whitespace around the
//     text;
//   - what it accepts formats (FormatMinutes) to text that parses back to
//     the same minutes, as hours.h promises for positive amounts;
//   - FormatMinutes and FormatSignedMinutes are defined for every int64
//     (the input's first eight bytes), INT64_MIN included.
// Seeds: tests/fuzz/corpus/fuzz_hours.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "client/hours.h"
#include "tests/fuzz/fuzz_check.h"

namespace timebank::client {
namespace {

void CheckParse(std::string_view text) {
  const absl::StatusOr<int64_t> minutes = ParseDuration(text);
  if (!minutes.ok()) {
    FUZZ_CHECK(minutes.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  FUZZ_CHECK(*minutes > 0 && *minutes <= kMaxDurationMinutes);
  const absl::StatusOr<int64_t> again = ParseDuration(FormatMinutes(*minutes));
  FUZZ_CHECK(again.ok() && *again == *minutes);
  // Whitespace around the text changes nothing, while it still fits.
  if (text.size() + 2 <= kMaxDurationTextLength) {
    const absl::StatusOr<int64_t> padded =
        ParseDuration(" " + std::string(text) + "\t");
    FUZZ_CHECK(padded.ok() && *padded == *minutes);
  }
}

void CheckFormat(int64_t minutes) {
  const std::string text = FormatMinutes(minutes);
  const std::string signed_text = FormatSignedMinutes(minutes);
  FUZZ_CHECK(!text.empty() && !signed_text.empty());
  FUZZ_CHECK((text[0] == '-') == (minutes < 0));
  FUZZ_CHECK((signed_text[0] == '+') == (minutes > 0));
  if (minutes > 0 && minutes <= kMaxDurationMinutes) {
    const absl::StatusOr<int64_t> again = ParseDuration(text);
    FUZZ_CHECK(again.ok() && *again == minutes);
  }
}

}  // namespace
}  // namespace timebank::client

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  timebank::client::CheckParse(text);
  if (size >= sizeof(int64_t)) {
    int64_t minutes = 0;
    std::memcpy(&minutes, data, sizeof minutes);
    timebank::client::CheckFormat(minutes);
    // Small amounts are the common case; reach them from any input too.
    timebank::client::CheckFormat(minutes % (24 * 60 * 400));
  }
  return 0;
}
