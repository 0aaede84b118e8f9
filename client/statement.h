// A member's statement, to print or hand over: their name, the period, the
// opening balance, each confirmed exchange by the date the work was done
// with the other member's name and a running balance, and the closing
// balance. Built from the account's exchanges oldest first
// (ListExchanges with oldest_first); shown as a table, CSV, JSON or a
// self-contained printable HTML page (and a PDF of it, made by Chromium).
//
// Only CONFIRMED exchanges count, as in every balance: exchanges waiting
// for confirmation are counted apart and shown as such; rejected and
// reversed ones change nothing and are left out.
//
// Pure functions apart from PrintToPdf, which runs Chromium; thread-safe.

#ifndef TIMEBANK_CLIENT_STATEMENT_H_
#define TIMEBANK_CLIENT_STATEMENT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/output.h"
#include "timebank/v1/ledger.pb.h"

namespace timebank::client {

struct StatementLine {
  std::string date;  // YYYY-MM-DD, the day of the work.
  uint64_t seq = 0;
  bool gave = false;  // The account gave the work (its balance goes up).
  std::string other_id;
  std::string other_name;  // The other party's display name, or their id.
  std::string category;
  std::string description;
  int64_t minutes = 0;        // Always positive.
  int64_t balance_after = 0;  // Running balance after this line.
};

struct Statement {
  std::string timebank_id;
  std::string account_id;
  std::string display_name;  // The account id when the name is unknown.
  std::string from;          // YYYY-MM-DD; empty: from the first exchange.
  std::string to;            // YYYY-MM-DD.
  int64_t opening_balance = 0;
  int64_t closing_balance = 0;
  int64_t minutes_given = 0;  // Within the period.
  int64_t minutes_received = 0;
  std::vector<StatementLine> lines;
  int64_t pending_exchanges = 0;  // Within the period, not yet counted.
  int64_t pending_minutes = 0;
};

// The statement of `account_id` over [from, to] from `exchanges`: every
// exchange of the account dated up to `to`, oldest first. INTERNAL when they
// are not in date order or do not involve the account, which only a
// misbehaving server could cause.
absl::StatusOr<Statement> BuildStatement(
    const std::string& timebank_id, const std::string& account_id,
    const std::string& display_name, const std::string& from,
    const std::string& to, const std::vector<v1::Exchange>& exchanges);

// "3 Dec 2026" for "2026-12-03"; other text is returned as it is.
std::string PeopleDate(std::string_view iso_date);

// The lines as rows between an opening and a closing row. In a table
// amounts read "2 h 30 m" and dates "3 Dec 2026"; in CSV (kCsv) each amount
// is two clear columns, hours and minutes ("2", "30"), the running balance
// is signed hours and minutes ("+3:30"), dates are YYYY-MM-DD, and the other
// party's account id has a column of its own, so the file reads on its own
// in a spreadsheet.
Table StatementTable(const Statement& statement, OutputFormat format);

// The statement for a terminal: a heading, the table and the totals.
std::string StatementText(const Statement& statement);

// The statement as one object: the figures in whole minutes and every line.
Json StatementJson(const Statement& statement);

// A self-contained HTML page (inline CSS, no scripts, nothing fetched),
// laid out for A4 paper; every value from the server is escaped.
// `generated_on` is the YYYY-MM-DD the statement was made.
std::string RenderStatementHtml(const Statement& statement,
                                std::string_view generated_on);

// Prints the HTML page `html_path` to the PDF `pdf_path` with headless
// Chromium (`chromium` on the PATH, or `browser`). FAILED_PRECONDITION
// naming --pdf when Chromium cannot be found or fails.
absl::Status PrintToPdf(const std::string& html_path,
                        const std::string& pdf_path,
                        const std::string& browser = "");

}  // namespace timebank::client

#endif  // TIMEBANK_CLIENT_STATEMENT_H_
