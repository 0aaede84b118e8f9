#include "ledger/civil_date.h"

#include <chrono>
#include <cstdio>

namespace timebank::ledger {
namespace {

namespace chrono = std::chrono;

// The Gregorian calendar repeats every 400 years, which are exactly 146097
// days. std::chrono::year holds only -32767..32767, so a date is taken as
// its 400-year era plus a date in the era that starts at kEraBaseYear: exact
// for every int32 day count, even one read from a damaged entry.
constexpr int kEraYears = 400;
constexpr int64_t kEraDays = 146'097;
constexpr int kEraBaseYear = 2000;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - (a % b < 0 ? 1 : 0); }

bool ReadDigits(std::string_view text, size_t pos, size_t count, int* out) {
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  *out = value;
  return true;
}

}  // namespace

int32_t DaysFromCivil(int year, int month, int day) {
  const int64_t era = FloorDiv(year - kEraBaseYear, kEraYears);
  const chrono::year_month_day in_era{
      chrono::year(static_cast<int>(year - era * kEraYears)),
      chrono::month(static_cast<unsigned>(month)),
      chrono::day(static_cast<unsigned>(day))};
  return static_cast<int32_t>(
      chrono::sys_days(in_era).time_since_epoch().count() + era * kEraDays);
}

void CivilFromDays(int32_t days, int* year, int* month, int* day) {
  constexpr chrono::sys_days kEraBase =
      chrono::year(kEraBaseYear) / chrono::January / 1;
  const int64_t era =
      FloorDiv(int64_t{days} - kEraBase.time_since_epoch().count(), kEraDays);
  const chrono::year_month_day in_era{
      chrono::sys_days(chrono::days(days - era * kEraDays))};
  *year = static_cast<int>(in_era.year()) + static_cast<int>(era * kEraYears);
  *month = static_cast<int>(static_cast<unsigned>(in_era.month()));
  *day = static_cast<int>(static_cast<unsigned>(in_era.day()));
}

std::optional<int32_t> ParseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-')
    return std::nullopt;
  int year = 0, month = 0, day = 0;
  if (!ReadDigits(text, 0, 4, &year) || !ReadDigits(text, 5, 2, &month) ||
      !ReadDigits(text, 8, 2, &day)) {
    return std::nullopt;
  }
  const chrono::year_month_day date{chrono::year(year),
                                    chrono::month(static_cast<unsigned>(month)),
                                    chrono::day(static_cast<unsigned>(day))};
  if (year < kMinYear || year > kMaxYear || !date.ok()) return std::nullopt;
  return static_cast<int32_t>(
      chrono::sys_days(date).time_since_epoch().count());
}

std::string FormatDate(int32_t days) {
  int year = 0, month = 0, day = 0;
  CivilFromDays(days, &year, &month, &day);
  char text[32];  // Room for any int, so the compiler can prove no truncation.
  std::snprintf(text, sizeof text, "%04d-%02d-%02d", year, month, day);
  return text;
}

int32_t DayOfInstantUs(int64_t instant_us) {
  const chrono::sys_time<chrono::microseconds> instant{
      chrono::microseconds(instant_us)};
  return static_cast<int32_t>(
      chrono::floor<chrono::days>(instant).time_since_epoch().count());
}

YearMonth MonthOf(int32_t days) {
  int year = 0, month = 0, day = 0;
  CivilFromDays(days, &year, &month, &day);
  return year * 100 + month;
}

}  // namespace timebank::ledger
