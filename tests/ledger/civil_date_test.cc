#include "ledger/civil_date.h"

#include <gtest/gtest.h>

#include <limits>

namespace timebank::ledger {
namespace {

TEST(CivilDate, ParsesAndFormatsRoundTrip) {
  for (const char* text :
       {"1970-01-01", "2000-02-29", "2026-11-22", "1900-01-01", "2999-12-31"}) {
    std::optional<int32_t> days = ParseDate(text);
    ASSERT_TRUE(days.has_value()) << text;
    EXPECT_EQ(FormatDate(*days), text);
  }
  EXPECT_EQ(ParseDate("1970-01-01"), 0);
  EXPECT_EQ(ParseDate("1970-01-02"), 1);
  EXPECT_EQ(ParseDate("1969-12-31"), -1);
}

TEST(CivilDate, RejectsImpossibleDates) {
  for (const char* text :
       {"2023-02-29", "1900-02-29", "2026-13-01", "2026-00-10", "2026-04-31",
        "2026-1-01", "26-01-01", "2026/01/01", "2026-01-01T", "", "1899-12-31",
        "3000-01-01", "２０２６-01-01"}) {
    EXPECT_FALSE(ParseDate(text).has_value()) << text;
  }
}

TEST(CivilDate, DayOfInstantFloorsBeforeEpoch) {
  EXPECT_EQ(DayOfInstantUs(0), 0);
  EXPECT_EQ(DayOfInstantUs(-1), -1);
  EXPECT_EQ(DayOfInstantUs(int64_t{86400} * 1000000 - 1), 0);
  EXPECT_EQ(DayOfInstantUs(int64_t{86400} * 1000000), 1);
}

TEST(CivilDate, MonthOfIsYearTimesHundredPlusMonth) {
  EXPECT_EQ(MonthOf(*ParseDate("2026-11-30")), 202611);
  EXPECT_EQ(MonthOf(*ParseDate("2026-12-01")), 202612);
  EXPECT_EQ(MonthOf(*ParseDate("2027-01-01")), 202701);
}

TEST(CivilDate, EveryAcceptedDayFollowsTheDayBefore) {
  const int32_t first = *ParseDate("1900-01-01");
  const int32_t last = *ParseDate("2999-12-31");
  for (int32_t days = first; days <= last; ++days) {
    int year = 0, month = 0, day = 0;
    CivilFromDays(days, &year, &month, &day);
    ASSERT_EQ(DaysFromCivil(year, month, day), days) << FormatDate(days);
    ASSERT_EQ(ParseDate(FormatDate(days)), days) << FormatDate(days);
  }
  EXPECT_EQ(last - first + 1, 1100 * 365 + 267);  // 267 leap days.
}

TEST(CivilDate, EveryInt32DayConvertsWithoutOverflow) {
  // A damaged entry can hold any int32 day; formatting it must stay defined
  // (the UndefinedBehaviorSanitizer build checks the arithmetic).
  EXPECT_EQ(FormatDate(std::numeric_limits<int32_t>::max()), "5881580-07-11");
  EXPECT_EQ(FormatDate(std::numeric_limits<int32_t>::max() - 1),
            "5881580-07-10");
  EXPECT_EQ(FormatDate(std::numeric_limits<int32_t>::min()), "-5877641-06-23");
  EXPECT_EQ(FormatDate(std::numeric_limits<int32_t>::min() + 1),
            "-5877641-06-24");
}

}  // namespace
}  // namespace timebank::ledger
