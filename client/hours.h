// Durations of work as people type and read them, converted exactly to and
// from the ledger's whole minutes. Pure functions; thread-safe.
//
// The ledger never uses floating point for amounts, so neither does this
// parser: "1.5" is read as 1 hour and 5 tenths of an hour, each converted
// with integer arithmetic, and a fraction that is not a whole number of
// minutes ("0.001") is an error rather than something rounded.

#ifndef TIMEBANK_CLIENT_HOURS_H_
#define TIMEBANK_CLIENT_HOURS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace timebank::client {

// The largest duration ParseDuration accepts: about 1900 years. Anything
// larger is a typing mistake, and keeping far below INT64_MAX means a sum of
// a few parsed durations cannot overflow.
inline constexpr int64_t kMaxDurationMinutes = 1'000'000'000;

// Longest text ParseDuration looks at; longer input is rejected unread.
inline constexpr size_t kMaxDurationTextLength = 64;

// Parses a positive duration and returns it in whole minutes.
//
// Accepted forms (ASCII whitespace around the whole text is ignored):
//   - decimal hours: "2", "1.5", "0.25", ".5" (at most two significant
//     decimals, since only those can be whole minutes: "0.05" is 3 minutes);
//   - units: "1h30m", "1h 30m", "1 h 30 m", "2h", "45m", "90m", "1.5h", with
//     h / hr / hrs / hour / hours and m / min / mins / minute / minutes in
//     any case. Hours come before minutes, each at most once; when both are
//     given the minutes must be below 60.
// The output of FormatMinutes for a positive amount parses back to it.
//
// Returns INVALID_ARGUMENT for empty text, zero, a sign ("-2", "+2"),
// unknown units, fractions that are not whole minutes, anything above
// kMaxDurationMinutes (which covers int64 overflow) and any other text.
absl::StatusOr<int64_t> ParseDuration(std::string_view text);

// Formats minutes for people: "12 h 30 m", "9 h", "45 m", "-2 h 15 m", and
// "0 h" for zero. Defined for every int64 value, INT64_MIN included.
std::string FormatMinutes(int64_t minutes);

// As FormatMinutes, with a "+" in front of positive amounts: how a balance
// reads ("+3 h 30 m", "-2 h", "0 h").
std::string FormatSignedMinutes(int64_t minutes);

}  // namespace timebank::client

#endif  // TIMEBANK_CLIENT_HOURS_H_
