// libFuzzer entry point for ParseDuration, the one parser in the client that
// reads text typed by people and imported from files. Build with
// -DTIMEBANK_FUZZ=ON and clang; run ./client_duration_fuzz -max_len=80.
// Beyond not crashing, it checks the contract: anything accepted is in
// range and reads back the same after FormatMinutes.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "client/hours.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<int64_t> minutes = timebank::client::ParseDuration(text);
  if (!minutes.ok()) {
    if (minutes.status().code() != absl::StatusCode::kInvalidArgument)
      std::abort();
    return 0;
  }
  if (*minutes <= 0 || *minutes > timebank::client::kMaxDurationMinutes)
    std::abort();
  const absl::StatusOr<int64_t> again = timebank::client::ParseDuration(
      timebank::client::FormatMinutes(*minutes));
  if (!again.ok() || *again != *minutes) std::abort();
  return 0;
}
