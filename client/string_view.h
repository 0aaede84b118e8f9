// Conversions between std::string_view and absl::string_view. Debian's
// abseil is built without C++17 aliasing, so absl::string_view is its own
// type and absl functions (StrCat, CHexEscape, StripAsciiWhitespace) neither
// take nor return std::string_view. Pure inline functions; thread-safe.

#ifndef TIMEBANK_CLIENT_STRING_VIEW_H_
#define TIMEBANK_CLIENT_STRING_VIEW_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace timebank::client {

inline absl::string_view ToAbsl(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

inline std::string_view ToStd(absl::string_view text) {
  return std::string_view(text.data(), text.size());
}

}  // namespace timebank::client

#endif  // TIMEBANK_CLIENT_STRING_VIEW_H_
