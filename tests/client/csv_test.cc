#include "client/csv.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace timebank::client {
namespace {

using Fields = std::vector<std::string>;

TEST(CsvField, LeavesPlainFieldsAlone) {
  EXPECT_EQ(CsvField("kathy"), "kathy");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("two words"), "two words");
}

TEST(CsvField, QuotesCommasQuotesAndLineBreaks) {
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvField("cr\r"), "\"cr\r\"");
  EXPECT_EQ(CsvField("\""), "\"\"\"\"");
}

TEST(CsvLine, JoinsQuotedFields) {
  EXPECT_EQ(CsvLine({"a", "b,c", ""}), "a,\"b,c\",");
  EXPECT_EQ(CsvLine({}), "");
}

TEST(ParseCsv, ReadsRecordsWithTheirLines) {
  absl::StatusOr<std::vector<CsvRecord>> records =
      ParseCsv("giver,receiver,hours\nkathy,vera,2\r\n\nvera,kathy,1h30m");
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 3u);
  EXPECT_EQ((*records)[0].fields, (Fields{"giver", "receiver", "hours"}));
  EXPECT_EQ((*records)[1].fields, (Fields{"kathy", "vera", "2"}));
  EXPECT_EQ((*records)[2].line, 4);
  EXPECT_EQ((*records)[2].fields, (Fields{"vera", "kathy", "1h30m"}));
}

TEST(ParseCsv, QuotedFieldsHoldCommasQuotesAndLineBreaks) {
  absl::StatusOr<std::vector<CsvRecord>> records =
      ParseCsv("\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\nnext,\"\",x\n");
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 2u);
  EXPECT_EQ((*records)[0].fields, (Fields{"a,b", "say \"hi\"", "two\nlines"}));
  EXPECT_EQ((*records)[1].line, 3);
  EXPECT_EQ((*records)[1].fields, (Fields{"next", "", "x"}));
}

TEST(ParseCsv, RoundTripsWhatCsvLineWrites) {
  const Fields fields = {"plain",       "com,ma", "quo\"te",
                         "line\nbreak", "",       "crlf\r\n"};
  absl::StatusOr<std::vector<CsvRecord>> records =
      ParseCsv(CsvLine(fields) + "\n");
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].fields, fields);
}

TEST(ParseCsv, KeepsEmptyTrailingFields) {
  absl::StatusOr<std::vector<CsvRecord>> records = ParseCsv("a,b,\n");
  ASSERT_TRUE(records.ok());
  EXPECT_EQ((*records)[0].fields, (Fields{"a", "b", ""}));
}

TEST(ParseCsv, SkipsAByteOrderMark) {
  absl::StatusOr<std::vector<CsvRecord>> records =
      ParseCsv("\xEF\xBB\xBFgiver,receiver\n");
  ASSERT_TRUE(records.ok());
  EXPECT_EQ((*records)[0].fields, (Fields{"giver", "receiver"}));
}

TEST(ParseCsv, EmptyTextHasNoRecords) {
  absl::StatusOr<std::vector<CsvRecord>> records = ParseCsv("");
  ASSERT_TRUE(records.ok());
  EXPECT_TRUE(records->empty());
}

TEST(ParseCsv, RejectsAnUnclosedQuoteNamingItsLine) {
  absl::StatusOr<std::vector<CsvRecord>> records =
      ParseCsv("a,b\nc,\"open\nmore");
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(records.status().message().find("line 2"), std::string_view::npos);
}

TEST(ParseCsv, RejectsTextAfterAClosingQuote) {
  EXPECT_FALSE(ParseCsv("\"a\"b,c\n").ok());
}

TEST(ParseCsv, RejectsAQuoteInsideAnUnquotedField) {
  EXPECT_FALSE(ParseCsv("a\"b,c\n").ok());
}

TEST(ParseCsv, RejectsTooManyFields) {
  std::string line(kMaxCsvFields, ',');  // kMaxCsvFields + 1 fields.
  EXPECT_FALSE(ParseCsv(line).ok());
  EXPECT_TRUE(ParseCsv(std::string(kMaxCsvFields - 1, ',')).ok());
}

TEST(ParseCsv, RejectsOverlongFields) {
  EXPECT_FALSE(ParseCsv(std::string(kMaxCsvFieldBytes + 1, 'x')).ok());
  EXPECT_FALSE(
      ParseCsv("\"" + std::string(kMaxCsvFieldBytes + 1, 'x') + "\"").ok());
  EXPECT_TRUE(ParseCsv(std::string(kMaxCsvFieldBytes, 'x')).ok());
}

TEST(ReadCsvFile, ReadsAFileAndNamesItInErrors) {
  char pattern[] = "/tmp/timebank_csv_test_XXXXXX";
  const int fd = mkstemp(pattern);
  ASSERT_GE(fd, 0);
  close(fd);
  const std::string path = pattern;
  // More than one read chunk, so the chunked reading is exercised.
  std::string text = "giver,receiver\n";
  for (int i = 0; i < 10000; ++i) text += "kathy,vera\n";
  std::ofstream(path, std::ios::binary) << text;
  absl::StatusOr<std::vector<CsvRecord>> records = ReadCsvFile(path);
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_EQ(records->size(), 10001u);
  EXPECT_EQ(records->back().line, 10001);

  std::ofstream(path, std::ios::binary) << "\"open";
  absl::StatusOr<std::vector<CsvRecord>> bad = ReadCsvFile(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(path), std::string_view::npos);
  std::remove(path.c_str());
  EXPECT_EQ(ReadCsvFile(path).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace timebank::client
