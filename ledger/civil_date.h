// Calendar dates in the proleptic Gregorian calendar, as days since
// 1970-01-01, and their YYYY-MM-DD text form. Pure functions; thread-safe.

#ifndef TIMEBANK_LEDGER_CIVIL_DATE_H_
#define TIMEBANK_LEDGER_CIVIL_DATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ledger/types.h"

namespace timebank::ledger {

// Earliest and latest dates the ledger accepts: old paper records can be
// imported, but a year outside this range is a typing mistake.
inline constexpr int kMinYear = 1900;
inline constexpr int kMaxYear = 2999;

// Days since 1970-01-01 of a valid date, or nullopt for anything that is not
// exactly YYYY-MM-DD naming a real day between kMinYear and kMaxYear.
std::optional<int32_t> ParseDate(std::string_view text);

std::string FormatDate(int32_t days);

int32_t DaysFromCivil(int year, int month, int day);
void CivilFromDays(int32_t days, int* year, int* month, int* day);

// The UTC calendar day of an instant in microseconds since the epoch.
int32_t DayOfInstantUs(int64_t instant_us);

// YYYYMM of a day, e.g. 202611.
YearMonth MonthOf(int32_t days);

}  // namespace timebank::ledger

#endif  // TIMEBANK_LEDGER_CIVIL_DATE_H_
