#include "client/hours.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "absl/status/status.h"

namespace timebank::client {
namespace {

// Expects `text` to parse to exactly `minutes`.
void ExpectMinutes(std::string_view text, int64_t minutes) {
  absl::StatusOr<int64_t> parsed = ParseDuration(text);
  ASSERT_TRUE(parsed.ok()) << "\"" << text << "\": " << parsed.status();
  EXPECT_EQ(*parsed, minutes) << "\"" << text << "\"";
}

// Expects `text` to be refused with INVALID_ARGUMENT.
void ExpectRejected(std::string_view text) {
  absl::StatusOr<int64_t> parsed = ParseDuration(text);
  ASSERT_FALSE(parsed.ok()) << "\"" << text << "\" parsed as " << *parsed;
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << text;
}

TEST(ParseDuration, WholeHours) {
  ExpectMinutes("2", 120);
  ExpectMinutes("1", 60);
  ExpectMinutes("24", 1440);
  ExpectMinutes("007", 420);
}

TEST(ParseDuration, DecimalHoursAreExactMinutes) {
  ExpectMinutes("1.5", 90);
  ExpectMinutes("0.25", 15);
  ExpectMinutes("0.5", 30);
  ExpectMinutes("0.75", 45);
  ExpectMinutes("2.1", 126);
  ExpectMinutes("0.05", 3);
  ExpectMinutes("0.95", 57);
  ExpectMinutes("1.05", 63);
  ExpectMinutes(".5", 30);
  ExpectMinutes("12.25", 735);
}

TEST(ParseDuration, TrailingZerosInTheFractionChangeNothing) {
  ExpectMinutes("1.50", 90);
  ExpectMinutes("1.500000000", 90);
  ExpectMinutes("2.0", 120);
  ExpectMinutes("0.250", 15);
}

TEST(ParseDuration, RejectsFractionsThatAreNotWholeMinutes) {
  ExpectRejected("0.001");
  ExpectRejected("0.01");  // 0.6 minutes.
  ExpectRejected("0.11");  // 6.6 minutes.
  ExpectRejected("0.333");
  ExpectRejected("1.123");
  ExpectRejected("0.0001");
  ExpectRejected("0.125");  // 7.5 minutes.
}

TEST(ParseDuration, HoursAndMinutes) {
  ExpectMinutes("1h30m", 90);
  ExpectMinutes("1h 30m", 90);
  ExpectMinutes("1 h 30 m", 90);
  ExpectMinutes("2h", 120);
  ExpectMinutes("45m", 45);
  ExpectMinutes("90m", 90);
  ExpectMinutes("0h30m", 30);
  ExpectMinutes("1h0m", 60);
  ExpectMinutes("1h59m", 119);
  ExpectMinutes("1h30", 90);
}

TEST(ParseDuration, UnitWordsInAnyCase) {
  ExpectMinutes("1H30M", 90);
  ExpectMinutes("2 hours", 120);
  ExpectMinutes("1 hour 15 minutes", 75);
  ExpectMinutes("3hrs", 180);
  ExpectMinutes("1hr 5min", 65);
  ExpectMinutes("20 mins", 20);
  ExpectMinutes("1 minute", 1);
  ExpectMinutes("1.5h", 90);
  ExpectMinutes("0.25 hours", 15);
}

TEST(ParseDuration, IgnoresSurroundingWhitespace) {
  ExpectMinutes("  2 ", 120);
  ExpectMinutes("\t1h30m\n", 90);
  ExpectMinutes(" 45m\r\n", 45);
}

TEST(ParseDuration, RejectsEmptyAndBlank) {
  ExpectRejected("");
  ExpectRejected(" ");
  ExpectRejected("\t\n");
}

TEST(ParseDuration, RejectsZero) {
  ExpectRejected("0");
  ExpectRejected("0.0");
  ExpectRejected("0h");
  ExpectRejected("0m");
  ExpectRejected("0h0m");
  ExpectRejected("000");
}

TEST(ParseDuration, RejectsSigns) {
  ExpectRejected("-2");
  ExpectRejected("-1h");
  ExpectRejected("-0");
  ExpectRejected("+2");
  ExpectRejected("1h-30m");
  ExpectRejected("--2");
}

TEST(ParseDuration, RejectsGarbage) {
  for (const char* text :
       {"abc",      "h",      "m",   "1x",         "1 hx", "two",    "1,5",
        "1.5.2",    "1..5",   "5.",  ".",          "1.h",  "1e3",    "0x10",
        "1h30m10s", "1s",     "1 d", "1 day",      "1h h", "1h1h",   "1m1h",
        "30m 1h",   "1h30mm", "1 1", "1h 30m 5",   "1.5m", "1h1.5m", "1.5h30m",
        "1h60m",    "1h 99m", "h1",  "1h,30m",     "nan",  "inf",    "1_000",
        "1 000",    "½",      "１",  "1\xC2\xA0h", "2#",   "1h30m!"}) {
    ExpectRejected(text);
  }
}

TEST(ParseDuration, RejectsEmbeddedNulAndControlCharacters) {
  ExpectRejected(std::string_view("1\0", 2));
  ExpectRejected(
      std::string_view("1h\0"
                       "30m",
                       6));
  ExpectRejected("1\x01");
  ExpectRejected("\x1b[2J");
}

TEST(ParseDuration, AcceptsUpToTheLimit) {
  ExpectMinutes("1000000000m", kMaxDurationMinutes);
  ExpectMinutes("16666666h40m", kMaxDurationMinutes);
}

TEST(ParseDuration, RejectsAboveTheLimit) {
  ExpectRejected("1000000001m");
  ExpectRejected("16666667");
  ExpectRejected("16666666h41m");
}

TEST(ParseDuration, RejectsOverflow) {
  ExpectRejected("9223372036854775807m");  // INT64_MAX minutes.
  ExpectRejected("9223372036854775808m");  // One more.
  ExpectRejected("153722867280912930");    // INT64_MAX / 60 hours, roughly.
  ExpectRejected("18446744073709551616");  // 2^64 hours.
  ExpectRejected("99999999999999999999999999999999h");
  ExpectRejected("99999999999999999999.5");
  ExpectRejected("9999999999999999999h59m");
}

TEST(ParseDuration, ManyLeadingZerosAreFineWithinTheLengthLimit) {
  ExpectMinutes("0000000000000000000000000000001", 60);
  ExpectMinutes("00000000000000000000000000000045m", 45);
}

TEST(ParseDuration, RejectsOverlongText) {
  const std::string zeros(kMaxDurationTextLength, '0');
  ExpectRejected(zeros + "1");
  ExpectRejected(std::string(1000, '9'));
  ExpectRejected(std::string(100000, ' ') + "1");
  // Exactly at the limit is still read.
  ExpectMinutes(std::string(kMaxDurationTextLength - 1, '0') + "1", 60);
}

TEST(ParseDuration, ErrorNamesTheInputSafely) {
  absl::StatusOr<int64_t> parsed = ParseDuration("1x\x1b");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("duration"), std::string_view::npos);
  // The escape character is shown escaped, never raw.
  EXPECT_EQ(parsed.status().message().find('\x1b'), std::string_view::npos);
}

TEST(ParseDuration, EveryMinuteUpToADayRoundTripsThroughFormatMinutes) {
  for (int64_t minutes = 1; minutes <= 24 * 60; ++minutes) {
    ExpectMinutes(FormatMinutes(minutes), minutes);
  }
}

TEST(ParseDuration, EveryQuarterHourAsDecimalHours) {
  for (int64_t quarters = 1; quarters <= 400; ++quarters) {
    const int64_t whole = quarters / 4;
    const char* fraction[] = {"", ".25", ".5", ".75"};
    ExpectMinutes(std::to_string(whole) + fraction[quarters % 4],
                  quarters * 15);
  }
}

TEST(ParseDuration, EveryTwoDigitFraction) {
  for (int hundredths = 1; hundredths < 100; ++hundredths) {
    const std::string text = "0." + std::string(hundredths < 10 ? "0" : "") +
                             std::to_string(hundredths);
    absl::StatusOr<int64_t> parsed = ParseDuration(text);
    // 0.xy hours is xy * 0.6 minutes: whole only when xy is a multiple of 5.
    if (hundredths % 5 == 0) {
      ASSERT_TRUE(parsed.ok()) << text;
      EXPECT_EQ(*parsed, hundredths * 60 / 100) << text;
    } else {
      EXPECT_FALSE(parsed.ok()) << text;
    }
  }
}

// A cheap stand-in for the fuzzer: random strings over the characters the
// grammar cares about must never crash, and anything accepted must be in
// range and read back the same after formatting.
TEST(ParseDuration, RandomInputIsRejectedOrInRangeAndStable) {
  constexpr char kAlphabet[] = "0123456789.hHmMrsinuteo -+\t,x\x00\xff";
  std::mt19937_64 random(42);
  for (int i = 0; i < 200000; ++i) {
    std::string text(random() % 12, ' ');
    for (char& c : text) c = kAlphabet[random() % (sizeof(kAlphabet) - 1)];
    absl::StatusOr<int64_t> parsed = ParseDuration(text);
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
      continue;
    }
    ASSERT_GT(*parsed, 0) << text;
    ASSERT_LE(*parsed, kMaxDurationMinutes) << text;
    absl::StatusOr<int64_t> again = ParseDuration(FormatMinutes(*parsed));
    ASSERT_TRUE(again.ok()) << text;
    ASSERT_EQ(*again, *parsed) << text;
  }
}

TEST(FormatMinutes, Examples) {
  EXPECT_EQ(FormatMinutes(750), "12 h 30 m");
  EXPECT_EQ(FormatMinutes(540), "9 h");
  EXPECT_EQ(FormatMinutes(45), "45 m");
  EXPECT_EQ(FormatMinutes(-135), "-2 h 15 m");
  EXPECT_EQ(FormatMinutes(0), "0 h");
  EXPECT_EQ(FormatMinutes(1), "1 m");
  EXPECT_EQ(FormatMinutes(60), "1 h");
  EXPECT_EQ(FormatMinutes(61), "1 h 1 m");
  EXPECT_EQ(FormatMinutes(-45), "-45 m");
  EXPECT_EQ(FormatMinutes(-60), "-1 h");
}

TEST(FormatMinutes, Extremes) {
  EXPECT_EQ(FormatMinutes(std::numeric_limits<int64_t>::max()),
            "153722867280912930 h 7 m");
  EXPECT_EQ(FormatMinutes(std::numeric_limits<int64_t>::min()),
            "-153722867280912930 h 8 m");
}

TEST(FormatSignedMinutes, PutsAPlusOnPositiveAmountsOnly) {
  EXPECT_EQ(FormatSignedMinutes(210), "+3 h 30 m");
  EXPECT_EQ(FormatSignedMinutes(-120), "-2 h");
  EXPECT_EQ(FormatSignedMinutes(0), "0 h");
  EXPECT_EQ(FormatSignedMinutes(5), "+5 m");
}

}  // namespace
}  // namespace timebank::client
