#include "client/statement.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace timebank::client {
namespace {

v1::Exchange Made(uint64_t seq, const std::string& giver,
                  const std::string& receiver, int64_t minutes,
                  const std::string& on,
                  v1::ExchangeStatus status = v1::EXCHANGE_STATUS_CONFIRMED) {
  v1::Exchange exchange;
  exchange.set_seq(seq);
  exchange.set_giver_id(giver);
  exchange.set_receiver_id(receiver);
  exchange.set_giver_name("Name of " + giver);
  exchange.set_receiver_name("Name of " + receiver);
  exchange.set_minutes(minutes);
  exchange.set_occurred_on(on);
  exchange.set_category("gardening");
  exchange.set_status(status);
  return exchange;
}

TEST(Statement, OpensWithWhatCameBeforeAndCountsOnlyConfirmedWork) {
  const std::vector<v1::Exchange> exchanges = {
      Made(4, "ann", "bob", 60, "2025-12-30"),
      Made(9, "bob", "ann", 30, "2025-12-31", v1::EXCHANGE_STATUS_REJECTED),
      Made(2, "bob", "ann", 90, "2026-01-02"),
      Made(3, "ann", "cat", 45, "2026-01-02"),
      Made(5, "ann", "cat", 600, "2026-01-03", v1::EXCHANGE_STATUS_REVERSED),
      Made(6, "cat", "ann", 20, "2026-01-04", v1::EXCHANGE_STATUS_PENDING),
      Made(7, "cat", "ann", 25, "2025-11-04", v1::EXCHANGE_STATUS_PENDING)};
  // The last one is out of date order.
  EXPECT_EQ(
      BuildStatement("tb", "ann", "Ann", "2026-01-01", "2026-01-31", exchanges)
          .status()
          .code(),
      absl::StatusCode::kInternal);
  std::vector<v1::Exchange> ordered(exchanges.begin(), exchanges.end() - 1);
  absl::StatusOr<Statement> statement =
      BuildStatement("tb", "ann", "Ann", "2026-01-01", "2026-01-31", ordered);
  ASSERT_TRUE(statement.ok()) << statement.status();
  EXPECT_EQ(statement->opening_balance, 60);
  ASSERT_EQ(statement->lines.size(), 2u);
  EXPECT_EQ(statement->lines[0].seq, 2u);
  EXPECT_FALSE(statement->lines[0].gave);
  EXPECT_EQ(statement->lines[0].other_name, "Name of bob");
  EXPECT_EQ(statement->lines[0].balance_after, -30);
  EXPECT_EQ(statement->lines[1].seq, 3u);
  EXPECT_EQ(statement->lines[1].balance_after, 15);
  EXPECT_EQ(statement->closing_balance, 15);
  EXPECT_EQ(statement->minutes_given, 45);
  EXPECT_EQ(statement->minutes_received, 90);
  EXPECT_EQ(statement->pending_exchanges, 1);
  EXPECT_EQ(statement->pending_minutes, 20);
  const std::string text = StatementText(*statement);
  EXPECT_NE(text.find("Balance +15 m: gave 15 m more than received."),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("1 exchange (20 m) waiting for confirmation"),
            std::string::npos)
      << text;

  // Without --from the statement starts at the first exchange.
  statement = BuildStatement("tb", "ann", "", "", "2026-01-31", ordered);
  ASSERT_TRUE(statement.ok());
  EXPECT_EQ(statement->display_name, "ann");
  EXPECT_EQ(statement->opening_balance, 0);
  EXPECT_EQ(statement->lines.size(), 3u);
  EXPECT_NE(StatementText(*statement).find("every exchange up to 31 Jan 2026"),
            std::string::npos);
}

TEST(Statement, RefusesExchangesOfAnotherAccountOrAfterItsEnd) {
  EXPECT_EQ(BuildStatement("tb", "ann", "", "", "2026-01-31",
                           {Made(1, "bob", "cat", 5, "2026-01-01")})
                .status()
                .code(),
            absl::StatusCode::kInternal);
  EXPECT_EQ(BuildStatement("tb", "ann", "", "", "2026-01-31",
                           {Made(1, "ann", "cat", 5, "2026-02-01")})
                .status()
                .code(),
            absl::StatusCode::kInternal);
}

TEST(Statement, CsvCarriesHoursAndMinutesInColumnsOfTheirOwn) {
  absl::StatusOr<Statement> statement =
      BuildStatement("tb", "ann", "Ann", "2026-01-01", "2026-01-31",
                     {Made(1, "bob", "ann", 150, "2026-01-05"),
                      Made(2, "ann", "bob", 65, "2026-01-06")});
  ASSERT_TRUE(statement.ok());
  EXPECT_EQ(StatementTable(*statement, OutputFormat::kCsv).RenderCsv(),
            "date,seq,direction,with,with_account_id,category,description,"
            "hours,minutes,balance\n"
            "2026-01-01,,opening balance,,,,,,,0:00\n"
            "2026-01-05,1,received from,Name of bob,bob,gardening,,2,30,-2:30\n"
            "2026-01-06,2,gave to,Name of bob,bob,gardening,,1,5,-1:25\n"
            "2026-01-31,,closing balance,,,,,,,-1:25\n");
  const std::string table =
      StatementTable(*statement, OutputFormat::kTable).RenderText();
  EXPECT_NE(table.find("5 Jan 2026"), std::string::npos) << table;
  EXPECT_NE(table.find("2 h 30 m"), std::string::npos) << table;
  EXPECT_NE(table.find("-1 h 25 m"), std::string::npos) << table;
}

TEST(Statement, HtmlIsSelfContainedAndEscapesEveryValue) {
  v1::Exchange odd = Made(1, "bob", "ann", 30, "2026-01-05");
  odd.set_giver_name("<b>Bob</b> & \"co\"");
  odd.set_description("<script>alert(1)</script>");
  absl::StatusOr<Statement> statement =
      BuildStatement("tb", "ann", "Ann <A>", "2026-01-01", "2026-01-31", {odd});
  ASSERT_TRUE(statement.ok());
  const std::string html = RenderStatementHtml(*statement, "2026-02-01");
  EXPECT_EQ(html.find("<script"), std::string::npos) << html;
  EXPECT_EQ(html.find("<b>Bob"), std::string::npos) << html;
  EXPECT_NE(html.find("&lt;b&gt;Bob&lt;/b&gt; &amp; &quot;co&quot;"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<h1>Statement for Ann &lt;A&gt;</h1>"),
            std::string::npos);
  EXPECT_NE(html.find("Made on 1 Feb 2026."), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos) << "nothing fetched";
}

TEST(Statement, PeopleDatesReadAsDayMonthYear) {
  EXPECT_EQ(PeopleDate("2026-12-03"), "3 Dec 2026");
  EXPECT_EQ(PeopleDate("2024-02-29"), "29 Feb 2024");
  EXPECT_EQ(PeopleDate(""), "");
  EXPECT_EQ(PeopleDate("soon"), "soon");
}

TEST(Statement, PdfNeedsABrowserAndSaysSo) {
  const absl::Status status =
      PrintToPdf("/nonexistent.html", "/tmp/never.pdf", "no-such-browser-x");
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("--pdf"), std::string::npos) << status;
}

}  // namespace
}  // namespace timebank::client
