#include "client/dates.h"

#include <gtest/gtest.h>

namespace timebank::client {
namespace {

using std::chrono::sys_days;

TEST(ParseDate, ReadsRealDates) {
  ASSERT_TRUE(ParseDate("2026-11-20").has_value());
  EXPECT_EQ(FormatDate(*ParseDate("2026-11-20")), "2026-11-20");
  EXPECT_TRUE(ParseDate("2024-02-29").has_value());
  EXPECT_EQ(ParseDate("1970-01-01")->time_since_epoch().count(), 0);
}

TEST(ParseDate, RejectsAnythingElse) {
  for (const char* text :
       {"", "2026-1-20", "2026-11-31", "2025-02-29", "2026/11/20", "20261120",
        "2026-11-20 ", "1899-12-31", "3000-01-01", "2026-13-01", "2026-00-10",
        "2026-11-00", "abcd-ef-gh", "+026-11-20"}) {
    EXPECT_FALSE(ParseDate(text).has_value()) << text;
  }
}

TEST(CheckDateFlag, AcceptsEmptyAndValid) {
  EXPECT_TRUE(CheckDateFlag("--on", "").ok());
  EXPECT_TRUE(CheckDateFlag("--on", "2026-01-02").ok());
  absl::Status bad = CheckDateFlag("--on", "yesterday");
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("--on"), std::string_view::npos);
}

TEST(StartOfDayUs, IsMidnightUtc) {
  EXPECT_EQ(StartOfDayUs(*ParseDate("1970-01-02")), 86'400'000'000);
}

TEST(FormatInstantUs, ShowsUtcToTheSecond) {
  EXPECT_EQ(FormatInstantUs(0), "-");
  EXPECT_EQ(FormatInstantUs(86'400'000'000 + 3'723'000'999),
            "1970-01-02 01:02:03 UTC");
}

TEST(TodayUtc, IsARecentDate) {
  EXPECT_GT(TodayUtc(), *ParseDate("2024-01-01"));
}

}  // namespace
}  // namespace timebank::client
