// Calendar dates ("YYYY-MM-DD", UTC) and instants as the CLI shows them.
// Pure functions apart from TodayUtc, which reads the clock; thread-safe.

#ifndef TIMEBANK_CLIENT_DATES_H_
#define TIMEBANK_CLIENT_DATES_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace timebank::client {

// The years the ledger accepts; outside them a date is a typing mistake.
inline constexpr int kMinYear = 1900;
inline constexpr int kMaxYear = 2999;

// The day of exactly "YYYY-MM-DD" naming a real date between kMinYear and
// kMaxYear; nullopt for anything else.
std::optional<std::chrono::sys_days> ParseDate(std::string_view text);

// "YYYY-MM-DD" of a day.
std::string FormatDate(std::chrono::sys_days day);

// Today's date in UTC, the calendar the server uses.
std::chrono::sys_days TodayUtc();

// OK for an empty text or a valid date; otherwise INVALID_ARGUMENT naming
// `flag`, e.g. "--on: expected a date as YYYY-MM-DD, got ...".
absl::Status CheckDateFlag(std::string_view flag, std::string_view text);

// Microseconds since the epoch of midnight UTC starting `day`.
int64_t StartOfDayUs(std::chrono::sys_days day);

// "2026-11-20 14:03:05 UTC" for an instant in microseconds since the epoch;
// "-" for 0, which the API uses for "never" or "not set".
std::string FormatInstantUs(int64_t unix_us);

}  // namespace timebank::client

#endif  // TIMEBANK_CLIENT_DATES_H_
