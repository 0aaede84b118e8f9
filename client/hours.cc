#include "client/hours.h"

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "client/string_view.h"

namespace timebank::client {
namespace {

// Numbers are accumulated only up to here: anything larger is already far
// beyond kMaxDurationMinutes, and stopping early keeps uint64 from wrapping
// however many digits are typed.
constexpr uint64_t kSaturated = 1'000'000'000'000ULL;

// A number as typed: "12", "1.5", ".25". `fraction` holds the digits after
// the point, if any.
struct Number {
  uint64_t whole = 0;
  std::string_view fraction;
  bool has_point = false;
};

enum class Unit { kHours, kMinutes, kUnknown };

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f';
}

bool IsLetter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Reads the text left to right. Every method consumes only what it returns.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : rest_(text) {}

  bool AtEnd() const { return rest_.empty(); }

  void SkipSpaces() {
    while (!rest_.empty() && IsSpace(rest_.front())) rest_.remove_prefix(1);
  }

  // Reads digits, optionally with one decimal point. False when no digit
  // was found, or when a point is not followed by a digit ("5.", ".").
  bool ReadNumber(Number* number) {
    const size_t whole_digits = ReadDigits(&number->whole);
    if (!rest_.empty() && rest_.front() == '.') {
      rest_.remove_prefix(1);
      number->has_point = true;
      const std::string_view start = rest_;
      uint64_t ignored = 0;
      const size_t fraction_digits = ReadDigits(&ignored);
      number->fraction = start.substr(0, fraction_digits);
      return fraction_digits > 0;
    }
    return whole_digits > 0;
  }

  // Reads a run of letters and says which unit it names, if any.
  Unit ReadUnit() {
    size_t length = 0;
    while (length < rest_.size() && IsLetter(rest_[length])) ++length;
    const std::string word =
        absl::AsciiStrToLower(ToAbsl(rest_.substr(0, length)));
    rest_.remove_prefix(length);
    if (word == "h" || word == "hr" || word == "hrs" || word == "hour" ||
        word == "hours") {
      return Unit::kHours;
    }
    if (word == "m" || word == "min" || word == "mins" || word == "minute" ||
        word == "minutes") {
      return Unit::kMinutes;
    }
    return Unit::kUnknown;
  }

 private:
  size_t ReadDigits(uint64_t* value) {
    size_t count = 0;
    while (!rest_.empty() && IsDigit(rest_.front())) {
      if (*value < kSaturated) *value = *value * 10 + (rest_.front() - '0');
      rest_.remove_prefix(1);
      ++count;
    }
    return count;
  }

  std::string_view rest_;
};

absl::Status Invalid(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "duration \"", absl::CHexEscape(ToAbsl(text)), "\": ", ToAbsl(why)));
}

// Converts hours with an optional decimal fraction to minutes, exactly.
// Saturates at kSaturated, which the caller rejects as too large.
absl::StatusOr<uint64_t> HoursToMinutes(std::string_view text,
                                        const Number& hours) {
  std::string_view fraction = hours.fraction;
  // Trailing zeros change nothing ("1.50" is "1.5"); after removing them
  // only one or two digits can still be a whole number of minutes, since
  // 60 / 10^n is a whole number of minutes only for n <= 2 with a final 5.
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  if (fraction.size() > 2) {
    return Invalid(text, "is not a whole number of minutes");
  }
  uint64_t numerator = 0;
  uint64_t denominator = 1;
  for (char c : fraction) {
    numerator = numerator * 10 + static_cast<uint64_t>(c - '0');
    denominator *= 10;
  }
  if ((numerator * 60) % denominator != 0) {
    return Invalid(text, "is not a whole number of minutes");
  }
  if (hours.whole >= kSaturated / 60) return kSaturated;
  return hours.whole * 60 + numerator * 60 / denominator;
}

// Reads the optional "<n>m" that may follow "<n>h". `minutes` is set to 0
// when the text ends after the hours.
absl::StatusOr<uint64_t> ReadMinutesAfterHours(std::string_view text,
                                               Scanner& scanner) {
  scanner.SkipSpaces();
  if (scanner.AtEnd()) return 0;
  Number minutes;
  if (!scanner.ReadNumber(&minutes) || minutes.has_point) {
    return Invalid(text, "expected whole minutes after the hours, as in 1h30m");
  }
  scanner.SkipSpaces();
  // "1h30" reads as 1 h 30 m, the way it is often written.
  if (!scanner.AtEnd() && scanner.ReadUnit() != Unit::kMinutes) {
    return Invalid(text, "expected minutes (m) after the hours, as in 1h30m");
  }
  scanner.SkipSpaces();
  if (!scanner.AtEnd())
    return Invalid(text, "unexpected text after the minutes");
  if (minutes.whole >= 60) {
    return Invalid(text, "minutes after hours must be below 60");
  }
  return minutes.whole;
}

// Parses the trimmed, non-empty text into minutes, possibly zero or above
// the limit; the caller checks the range.
absl::StatusOr<uint64_t> ParseTrimmed(std::string_view text) {
  Scanner scanner(text);
  Number first;
  if (!scanner.ReadNumber(&first)) {
    return Invalid(text,
                   "expected hours such as 1.5 or a duration such as 1h30m");
  }
  scanner.SkipSpaces();
  if (scanner.AtEnd()) return HoursToMinutes(text, first);

  switch (scanner.ReadUnit()) {
    case Unit::kMinutes: {
      scanner.SkipSpaces();
      if (!scanner.AtEnd())
        return Invalid(text, "unexpected text after the minutes");
      if (first.has_point) return Invalid(text, "minutes must be whole");
      return first.whole;
    }
    case Unit::kHours: {
      absl::StatusOr<uint64_t> hours = HoursToMinutes(text, first);
      if (!hours.ok()) return hours.status();
      absl::StatusOr<uint64_t> minutes = ReadMinutesAfterHours(text, scanner);
      if (!minutes.ok()) return minutes.status();
      if (first.has_point && *minutes != 0) {
        return Invalid(text, "use either decimal hours or hours and minutes");
      }
      return *hours + *minutes;
    }
    case Unit::kUnknown:
      break;
  }
  return Invalid(text, "unknown unit; use h for hours and m for minutes");
}

}  // namespace

absl::StatusOr<int64_t> ParseDuration(std::string_view text) {
  if (text.size() > kMaxDurationTextLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "duration: longer than ", kMaxDurationTextLength, " characters"));
  }
  const std::string_view trimmed =
      ToStd(absl::StripAsciiWhitespace(ToAbsl(text)));
  if (trimmed.empty()) return absl::InvalidArgumentError("duration: is empty");
  if (trimmed.front() == '-') return Invalid(trimmed, "must be positive");
  absl::StatusOr<uint64_t> minutes = ParseTrimmed(trimmed);
  if (!minutes.ok()) return minutes.status();
  if (*minutes == 0) return Invalid(trimmed, "must be more than zero");
  if (*minutes > static_cast<uint64_t>(kMaxDurationMinutes)) {
    return Invalid(trimmed, "is too large");
  }
  return static_cast<int64_t>(*minutes);
}

std::string FormatMinutes(int64_t minutes) {
  // Negating INT64_MIN overflows, so work on the magnitude as unsigned.
  const uint64_t magnitude = minutes < 0 ? 0 - static_cast<uint64_t>(minutes)
                                         : static_cast<uint64_t>(minutes);
  const uint64_t hours = magnitude / 60;
  const uint64_t rest = magnitude % 60;
  const std::string_view sign = minutes < 0 ? "-" : "";
  if (hours == 0 && rest == 0) return "0 h";
  if (rest == 0) return absl::StrCat(ToAbsl(sign), hours, " h");
  if (hours == 0) return absl::StrCat(ToAbsl(sign), rest, " m");
  return absl::StrCat(ToAbsl(sign), hours, " h ", rest, " m");
}

std::string FormatSignedMinutes(int64_t minutes) {
  if (minutes > 0) return absl::StrCat("+", FormatMinutes(minutes));
  return FormatMinutes(minutes);
}

}  // namespace timebank::client
