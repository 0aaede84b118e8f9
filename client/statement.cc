#include "client/statement.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "client/council_report.h"
#include "client/dates.h"
#include "client/hours.h"
#include "client/string_view.h"

extern char** environ;  // NOLINT: POSIX declares it nowhere else.

namespace timebank::client {
namespace {

constexpr std::array<std::string_view, 12> kMonths = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun",
    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// "+3:30", "-0:45", "0:00": signed hours and minutes for a spreadsheet.
std::string SignedHoursMinutes(int64_t minutes) {
  const uint64_t size = minutes < 0 ? 0 - static_cast<uint64_t>(minutes)
                                    : static_cast<uint64_t>(minutes);
  const uint64_t rest = size % 60;
  return absl::StrCat(minutes > 0 ? "+" : (minutes < 0 ? "-" : ""), size / 60,
                      rest < 10 ? ":0" : ":", rest);
}

std::string PeriodWords(const Statement& statement) {
  if (statement.from.empty()) {
    return absl::StrCat("every exchange up to ", PeopleDate(statement.to));
  }
  return absl::StrCat(PeopleDate(statement.from), " to ",
                      PeopleDate(statement.to));
}

// "You have given 2 h more than you received" in the third person.
std::string BalanceSentence(int64_t balance) {
  if (balance == 0) return "Given and received are level.";
  return absl::StrCat("Balance ", FormatSignedMinutes(balance), ": ",
                      balance > 0 ? "gave " : "received ",
                      FormatMinutes(balance > 0 ? balance : -balance),
                      " more than ", balance > 0 ? "received." : "gave.");
}

std::string PendingSentence(const Statement& statement) {
  if (statement.pending_exchanges == 0) return "";
  return absl::StrCat(
      statement.pending_exchanges,
      statement.pending_exchanges == 1 ? " exchange" : " exchanges", " (",
      FormatMinutes(statement.pending_minutes),
      ") waiting for confirmation, not counted yet.");
}

constexpr std::string_view kStyle = R"css(
@page { size: A4; margin: 18mm 16mm; }
:root { color-scheme: light; }
body { font-family: "Atkinson Hyperlegible", "Noto Sans", "DejaVu Sans",
  Arial, sans-serif; color: #1a1a1a; background: #ffffff; margin: 0 auto;
  max-width: 52rem; padding: 1rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin: 0 0 .2rem; }
.period { font-size: 1.05rem; margin: 0 0 1rem; }
.balances { display: flex; gap: 2rem; flex-wrap: wrap; margin: 1rem 0; }
.balances div { border: 1px solid #b8c7d6; border-radius: .4rem;
  padding: .4rem .9rem; }
.balances strong { display: block; font-size: 1.25rem; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { border-bottom: 1px solid #c9d3dd; padding: .35rem .5rem;
  text-align: left; vertical-align: top; }
th { background: #eef3f8; }
td.amount, th.amount { text-align: right; white-space: nowrap; }
.date { white-space: nowrap; }
.note { font-size: .9rem; color: #4a4a4a; }
footer { margin-top: 2rem; border-top: 1px solid #b8c7d6; padding-top: .5rem;
  font-size: .85rem; color: #4a4a4a; }
@media print { body { padding: 0; } tr { break-inside: avoid; } }
)css";

}  // namespace

std::string PeopleDate(std::string_view iso_date) {
  const std::optional<std::chrono::sys_days> day = ParseDate(iso_date);
  if (!day) return std::string(iso_date);
  const std::chrono::year_month_day date(*day);
  return absl::StrCat(static_cast<unsigned>(date.day()), " ",
                      ToAbsl(kMonths[static_cast<unsigned>(date.month()) - 1]),
                      " ", static_cast<int>(date.year()));
}

absl::StatusOr<Statement> BuildStatement(
    const std::string& timebank_id, const std::string& account_id,
    const std::string& display_name, const std::string& from,
    const std::string& to, const std::vector<v1::Exchange>& exchanges) {
  Statement statement{
      .timebank_id = timebank_id,
      .account_id = account_id,
      .display_name = display_name.empty() ? account_id : display_name,
      .from = from,
      .to = to};
  int64_t balance = 0;
  std::string last_day;
  uint64_t last_seq = 0;
  for (const v1::Exchange& exchange : exchanges) {
    const bool gave = exchange.giver_id() == account_id;
    if (!gave && exchange.receiver_id() != account_id) {
      return absl::InternalError(absl::StrCat("the server listed exchange #",
                                              exchange.seq(),
                                              " of another account"));
    }
    const std::string& day = exchange.occurred_on();
    if (day < last_day || (day == last_day && exchange.seq() < last_seq) ||
        (!to.empty() && day > to)) {
      return absl::InternalError(
          "the server listed the exchanges out of date order");
    }
    last_day = day;
    last_seq = exchange.seq();
    const bool in_period = from.empty() || day >= from;
    if (exchange.status() == v1::EXCHANGE_STATUS_PENDING) {
      if (in_period) {
        ++statement.pending_exchanges;
        statement.pending_minutes += exchange.minutes();
      }
      continue;
    }
    if (exchange.status() != v1::EXCHANGE_STATUS_CONFIRMED) continue;
    const int64_t change = gave ? exchange.minutes() : -exchange.minutes();
    balance += change;
    if (!in_period) {
      statement.opening_balance = balance;
      continue;
    }
    (gave ? statement.minutes_given : statement.minutes_received) +=
        exchange.minutes();
    const std::string& other_name =
        gave ? exchange.receiver_name() : exchange.giver_name();
    const std::string& other_id =
        gave ? exchange.receiver_id() : exchange.giver_id();
    statement.lines.push_back(
        StatementLine{.date = day,
                      .seq = exchange.seq(),
                      .gave = gave,
                      .other_id = other_id,
                      .other_name = other_name.empty() ? other_id : other_name,
                      .category = exchange.category(),
                      .description = exchange.description(),
                      .minutes = exchange.minutes(),
                      .balance_after = balance});
  }
  statement.closing_balance = balance;
  return statement;
}

Table StatementTable(const Statement& statement, OutputFormat format) {
  const bool csv = format == OutputFormat::kCsv;
  std::vector<Column> columns = {
      {.heading = "Date", .csv_name = "date"},
      {.heading = "#", .csv_name = "seq", .align = Align::kRight},
      {.heading = "", .csv_name = "direction"},
      {.heading = "With", .csv_name = "with", .max_width = 28}};
  if (csv) columns.push_back({.csv_name = "with_account_id"});
  columns.push_back(
      {.heading = "Kind of work", .csv_name = "category", .max_width = 20});
  columns.push_back(
      {.heading = "What was done", .csv_name = "description", .max_width = 32});
  columns.push_back(
      {.heading = "Hours", .csv_name = "hours", .align = Align::kRight});
  if (csv) columns.push_back({.csv_name = "minutes"});
  columns.push_back(
      {.heading = "Balance", .csv_name = "balance", .align = Align::kRight});
  Table table(std::move(columns));
  // A row in column order; `with_id` and the minutes part only in CSV.
  const auto add = [&](Cell date, Cell seq, Cell direction, Cell with,
                       Cell with_id, Cell category, Cell description,
                       int64_t minutes, int64_t balance) {
    std::vector<Cell> cells = {std::move(date), std::move(seq),
                               std::move(direction), std::move(with)};
    if (csv) cells.push_back(std::move(with_id));
    cells.push_back(std::move(category));
    cells.push_back(std::move(description));
    if (minutes == 0) {
      cells.push_back("");
      if (csv) cells.push_back("");
    } else if (csv) {
      cells.push_back(absl::StrCat(minutes / 60));
      cells.push_back(absl::StrCat(minutes % 60));
    } else {
      cells.push_back(FormatMinutes(minutes));
    }
    cells.push_back(csv ? SignedHoursMinutes(balance)
                        : FormatSignedMinutes(balance));
    table.AddRow(std::move(cells));
  };
  const auto date_cell = [&](const std::string& iso) {
    return csv ? Cell(iso) : Cell(PeopleDate(iso));
  };
  add(date_cell(statement.from), "", "opening balance", "", "", "", "", 0,
      statement.opening_balance);
  for (const StatementLine& line : statement.lines) {
    add(date_cell(line.date), NumberCell(line.seq),
        line.gave ? "gave to" : "received from", line.other_name, line.other_id,
        line.category, line.description, line.minutes, line.balance_after);
  }
  add(date_cell(statement.to), "", "closing balance", "", "", "", "", 0,
      statement.closing_balance);
  return table;
}

std::string StatementText(const Statement& statement) {
  std::string text = absl::StrCat(
      "Statement for ", PrintableText(statement.display_name), " (",
      PrintableText(statement.account_id), ") in ",
      PrintableText(statement.timebank_id), ": ", PeriodWords(statement),
      "\n\n", StatementTable(statement, OutputFormat::kTable).RenderText(),
      "\n", "Gave ", FormatMinutes(statement.minutes_given), ", received ",
      FormatMinutes(statement.minutes_received), " in the period. ",
      BalanceSentence(statement.closing_balance), "\n");
  if (std::string pending = PendingSentence(statement); !pending.empty()) {
    absl::StrAppend(&text, pending, "\n");
  }
  return text;
}

Json StatementJson(const Statement& statement) {
  Json lines = Json::array();
  for (const StatementLine& line : statement.lines) {
    lines.push_back({{"date", line.date},
                     {"seq", line.seq},
                     {"direction", line.gave ? "gave" : "received"},
                     {"with_account_id", line.other_id},
                     {"with", line.other_name},
                     {"category", line.category},
                     {"description", line.description},
                     {"minutes", line.minutes},
                     {"balance_after_minutes", line.balance_after}});
  }
  return Json{{"timebank_id", statement.timebank_id},
              {"account_id", statement.account_id},
              {"display_name", statement.display_name},
              {"from", statement.from},
              {"to", statement.to},
              {"opening_balance_minutes", statement.opening_balance},
              {"minutes_given", statement.minutes_given},
              {"minutes_received", statement.minutes_received},
              {"closing_balance_minutes", statement.closing_balance},
              {"pending_exchanges", statement.pending_exchanges},
              {"pending_minutes", statement.pending_minutes},
              {"lines", std::move(lines)}};
}

std::string RenderStatementHtml(const Statement& statement,
                                std::string_view generated_on) {
  const auto e = [](std::string_view text) { return HtmlEscape(text); };
  std::string html = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, "
      "initial-scale=1\">\n<title>Statement for ",
      e(statement.display_name), "</title>\n<style>", ToAbsl(kStyle),
      "</style>\n</head>\n<body>\n<main>\n<h1>Statement for ",
      e(statement.display_name), "</h1>\n<p class=\"period\">",
      e(PeriodWords(statement)), " &middot; account <code>",
      e(statement.account_id), "</code> of ", e(statement.timebank_id),
      "</p>\n<p><strong>", e(BalanceSentence(statement.closing_balance)),
      "</strong></p>\n<div class=\"balances\">\n<div>Opening balance<strong>",
      e(FormatSignedMinutes(statement.opening_balance)),
      "</strong></div>\n<div>Gave<strong>",
      e(FormatMinutes(statement.minutes_given)),
      "</strong></div>\n<div>Received<strong>",
      e(FormatMinutes(statement.minutes_received)),
      "</strong></div>\n<div>Closing balance<strong>",
      e(FormatSignedMinutes(statement.closing_balance)),
      "</strong></div>\n</div>\n");
  if (statement.lines.empty()) {
    absl::StrAppend(&html, "<p>No confirmed exchanges in this period.</p>\n");
  } else {
    absl::StrAppend(
        &html,
        "<table>\n<caption class=\"note\">Each confirmed exchange by the date "
        "the work was done, with the balance after it.</caption>\n<thead><tr>"
        "<th scope=\"col\">Date</th><th scope=\"col\">With</th>"
        "<th scope=\"col\">Kind of work</th><th scope=\"col\">What was "
        "done</th><th scope=\"col\" class=\"amount\">Gave</th>"
        "<th scope=\"col\" class=\"amount\">Received</th>"
        "<th scope=\"col\" class=\"amount\">Balance</th></tr></thead>\n"
        "<tbody>\n");
    for (const StatementLine& line : statement.lines) {
      const std::string amount = e(FormatMinutes(line.minutes));
      absl::StrAppend(
          &html, "<tr><td class=\"date\">", e(PeopleDate(line.date)),
          "</td><td>", e(line.other_name), "</td><td>", e(line.category),
          "</td><td>", e(line.description), "</td><td class=\"amount\">",
          line.gave ? amount : "", "</td><td class=\"amount\">",
          line.gave ? "" : amount, "</td><td class=\"amount\">",
          e(FormatSignedMinutes(line.balance_after)), "</td></tr>\n");
    }
    absl::StrAppend(&html, "</tbody>\n</table>\n");
  }
  if (std::string pending = PendingSentence(statement); !pending.empty()) {
    absl::StrAppend(&html, "<p class=\"note\">", e(pending), "</p>\n");
  }
  absl::StrAppend(
      &html,
      "</main>\n<footer>An hour of anyone's work is worth the same. Balance = "
      "hours given &minus; hours received, over confirmed exchanges only. "
      "Made on ",
      e(PeopleDate(generated_on)), ".</footer>\n</body>\n</html>\n");
  return html;
}

absl::Status PrintToPdf(const std::string& html_path,
                        const std::string& pdf_path,
                        const std::string& browser) {
  const std::string program = browser.empty() ? "chromium" : browser;
  std::error_code error;
  const std::filesystem::path profile =
      std::filesystem::temp_directory_path(error) /
      absl::StrCat("timebank-pdf-", ::getpid());
  std::vector<std::string> args = {
      program,
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-pdf-header-footer",
      absl::StrCat("--user-data-dir=", profile.string()),
      absl::StrCat("--print-to-pdf=", pdf_path),
      absl::StrCat("file://", std::filesystem::absolute(html_path).string())};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // Chromium's chatter is not the user's business.
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null",
                                   O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null",
                                   O_WRONLY, 0);
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, program.c_str(), &actions, nullptr,
                                   argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--pdf: a PDF needs Chromium (", program, ": ", std::strerror(spawned),
        "); install chromium, or use --html and print the page"));
  }
  int wait_status = 0;
  while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  std::filesystem::remove_all(profile, error);
  if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0 ||
      !std::filesystem::exists(pdf_path, error)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--pdf ", pdf_path, ": Chromium could not print the statement"));
  }
  return absl::OkStatus();
}

}  // namespace timebank::client
