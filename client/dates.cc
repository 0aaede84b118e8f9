#include "client/dates.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/string_view.h"

namespace timebank::client {
namespace {

// Reads exactly `width` digits starting at `pos`.
std::optional<int> Digits(std::string_view text, size_t pos, size_t width) {
  int value = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

std::optional<std::chrono::sys_days> ParseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-')
    return std::nullopt;
  const std::optional<int> year = Digits(text, 0, 4);
  const std::optional<int> month = Digits(text, 5, 2);
  const std::optional<int> day = Digits(text, 8, 2);
  if (!year || !month || !day || *year < kMinYear || *year > kMaxYear) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{
      std::chrono::year(*year),
      std::chrono::month(static_cast<unsigned>(*month)),
      std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  return std::chrono::sys_days(date);
}

std::string FormatDate(std::chrono::sys_days day) {
  const std::chrono::year_month_day date(day);
  return absl::StrFormat("%04d-%02u-%02u", static_cast<int>(date.year()),
                         static_cast<unsigned>(date.month()),
                         static_cast<unsigned>(date.day()));
}

std::chrono::sys_days TodayUtc() {
  return std::chrono::floor<std::chrono::days>(
      std::chrono::system_clock::now());
}

absl::Status CheckDateFlag(std::string_view flag, std::string_view text) {
  if (text.empty() || ParseDate(text).has_value()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(ToAbsl(flag), ": expected a date as YYYY-MM-DD, got \"",
                   absl::CHexEscape(ToAbsl(text)), "\""));
}

int64_t StartOfDayUs(std::chrono::sys_days day) {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             day.time_since_epoch())
      .count();
}

std::string FormatInstantUs(int64_t unix_us) {
  if (unix_us == 0) return "-";
  const std::chrono::sys_time<std::chrono::microseconds> instant{
      std::chrono::microseconds(unix_us)};
  const auto day = std::chrono::floor<std::chrono::days>(instant);
  const std::chrono::hh_mm_ss<std::chrono::seconds> time(
      std::chrono::floor<std::chrono::seconds>(instant - day));
  return absl::StrFormat("%s %02d:%02d:%02d UTC", FormatDate(day),
                         time.hours().count(), time.minutes().count(),
                         time.seconds().count());
}

}  // namespace timebank::client
