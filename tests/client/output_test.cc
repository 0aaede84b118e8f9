#include "client/output.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "timebank/v1/ledger.pb.h"

namespace timebank::client {
namespace {

namespace v1 = ::timebank::v1;

Table SampleTable() {
  Table table({{.heading = "Account", .csv_name = "account_id"},
               {.heading = "Balance",
                .csv_name = "balance_minutes",
                .align = Align::kRight}});
  table.AddRow({"kathy", SignedMinutesCell(210)});
  table.AddRow({"vera", SignedMinutesCell(-210)});
  return table;
}

Table SampleTableHeadingsOnly() {
  return Table(
      std::vector<Column>{{.heading = "Account", .csv_name = "account_id"}});
}

TEST(Table, AlignsColumnsUnderHeadings) {
  EXPECT_EQ(SampleTable().RenderText(),
            "Account    Balance\n"
            "-------  ---------\n"
            "kathy    +3 h 30 m\n"
            "vera     -3 h 30 m\n");
}

TEST(Table, CsvCarriesWholeMinutesAndMachineHeadings) {
  EXPECT_EQ(SampleTable().RenderCsv(),
            "account_id,balance_minutes\n"
            "kathy,210\n"
            "vera,-210\n");
}

TEST(Table, CsvQuotesPerRfc4180) {
  Table table(std::vector<Column>{
      {.heading = "Description", .csv_name = "description"}});
  table.AddRow({"weeded, then \"mulched\"\nbeds"});
  EXPECT_EQ(table.RenderCsv(),
            "description\n\"weeded, then \"\"mulched\"\"\nbeds\"\n");
}

TEST(Table, MeasuresUtf8ByCharacter) {
  Table table({{.heading = "Name", .csv_name = "name"},
               {.heading = "X", .csv_name = "x"}});
  table.AddRow({"Zoë", "1"});
  table.AddRow({"Bob", "2"});
  EXPECT_EQ(table.RenderText(), "Name  X\n----  -\nZoë   1\nBob   2\n");
}

TEST(Table, CutsLongCellsInTextButNotInCsv) {
  Table table(
      std::vector<Column>{{.heading = "D", .csv_name = "d", .max_width = 5}});
  table.AddRow({"abcdefgh"});
  EXPECT_EQ(table.RenderText(), "D\n-----\nabcd\u2026\n");
  EXPECT_EQ(table.RenderCsv(), "d\nabcdefgh\n");
}

TEST(Table, NeutralisesControlCharacters) {
  Table table(std::vector<Column>{{.heading = "D", .csv_name = "d"}});
  table.AddRow({"a\x1b[2Jb\nc"});
  const std::string text = table.RenderText();
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_NE(text.find("a [2Jb c"), std::string::npos);
}

TEST(Table, PadsShortRowsAndDropsExtraCells) {
  Table table(
      {{.heading = "A", .csv_name = "a"}, {.heading = "B", .csv_name = "b"}});
  table.AddRow({"1"});
  table.AddRow({"1", "2", "3"});
  EXPECT_EQ(table.RenderCsv(), "a,b\n1,\n1,2\n");
}

TEST(Table, RendersOneRowAsARecord) {
  EXPECT_EQ(SampleTable().RenderRecord(0),
            "Account  kathy\nBalance  +3 h 30 m\n");
  EXPECT_EQ(SampleTable().RenderRecord(5), "");
}

TEST(MessageToJsonValue, KeepsProtoFieldNamesAndZeros) {
  v1::Exchange exchange;
  exchange.set_giver_id("kathy");
  exchange.set_minutes(90);
  exchange.set_status(v1::EXCHANGE_STATUS_CONFIRMED);
  absl::StatusOr<Json> value = MessageToJsonValue(exchange);
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ((*value)["giver_id"], "kathy");
  EXPECT_EQ((*value)["minutes"], "90");  // int64 is a string in proto3 JSON.
  EXPECT_EQ((*value)["status"], "EXCHANGE_STATUS_CONFIRMED");
  EXPECT_EQ((*value)["closed_by_seq"], "0");
}

TEST(Printer, ListsAreJsonArrays) {
  v1::ListTimebanksResponse reply;
  reply.add_timebanks()->set_timebank_id("a");
  reply.add_timebanks()->set_timebank_id("b");
  std::ostringstream out;
  Printer printer(OutputFormat::kJson, out);
  ASSERT_TRUE(printer
                  .PrintList(MessagePointers(reply.timebanks()),
                             Table(std::vector<Column>{}))
                  .ok());
  const nlohmann::json parsed = nlohmann::json::parse(out.str());
  ASSERT_TRUE(parsed.is_array());
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_EQ(parsed[1]["timebank_id"], "b");
}

TEST(Printer, EmptyListsSaySoInTables) {
  std::ostringstream out;
  Printer printer(OutputFormat::kTable, out);
  ASSERT_TRUE(
      printer.PrintList({}, SampleTableHeadingsOnly(), "No accounts.").ok());
  EXPECT_EQ(out.str(), "No accounts.\n");
}

TEST(Printer, EmptyListsInCsvStillHaveAHeader) {
  std::ostringstream out;
  Printer printer(OutputFormat::kCsv, out);
  ASSERT_TRUE(printer.PrintList({}, SampleTableHeadingsOnly()).ok());
  EXPECT_EQ(out.str(), "account_id\n");
}

TEST(ExitCodeFor, OneCodePerClassOfError) {
  EXPECT_EQ(ExitCodeFor(absl::StatusCode::kOk), 0);
  EXPECT_EQ(ExitCodeFor(absl::StatusCode::kInvalidArgument), 2);
  EXPECT_EQ(ExitCodeFor(absl::StatusCode::kNotFound), 3);
  EXPECT_EQ(ExitCodeFor(absl::StatusCode::kPermissionDenied), 4);
  EXPECT_EQ(ExitCodeFor(absl::StatusCode::kUnauthenticated), 4);
  EXPECT_EQ(ExitCodeFor(absl::StatusCode::kFailedPrecondition), 5);
  EXPECT_EQ(ExitCodeFor(absl::StatusCode::kAlreadyExists), 5);
  EXPECT_EQ(ExitCodeFor(absl::StatusCode::kUnavailable), 1);
  EXPECT_EQ(ExitCodeFor(absl::StatusCode::kDataLoss), 1);
}

TEST(ErrorLine, NamesTheCodeAndKeepsToOneLine) {
  EXPECT_EQ(ErrorLine(absl::NotFoundError("account_id: no such account")),
            "error: NOT_FOUND: account_id: no such account");
  EXPECT_EQ(ErrorLine(absl::InvalidArgumentError("a\nb")),
            "error: INVALID_ARGUMENT: a b");
}

}  // namespace
}  // namespace timebank::client
