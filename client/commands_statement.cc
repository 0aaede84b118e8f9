// `timebank statement`: one account's statement over a period, to read,
// to open in a spreadsheet (--csv), or to print and hand over (--html,
// --pdf). See client/statement.h for what it holds.

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/commands.h"
#include "client/dates.h"
#include "client/statement.h"

namespace timebank::client {
namespace {

struct StatementFlags {
  std::string timebank_id;
  std::string account_id;
  std::string from;
  std::string to;
  std::string html_file;
  std::string pdf_file;
};

// Every exchange of the account up to `to`, oldest first.
absl::StatusOr<std::vector<v1::Exchange>> ExchangesUpTo(
    const Connection& connection, const StatementFlags& flags) {
  v1::ListExchangesRequest request;
  request.set_timebank_id(flags.timebank_id);
  request.set_account_id(flags.account_id);
  request.set_to_date(flags.to);
  request.set_oldest_first(true);
  absl::StatusOr<std::vector<v1::ListExchangesResponse>> pages =
      FetchPages(connection, &v1::Ledger::StubInterface::ListExchanges, request,
                 {.page_size = 1000, .all = true});
  if (!pages.ok()) return pages.status();
  std::vector<v1::Exchange> exchanges;
  for (const v1::ListExchangesResponse& page : *pages) {
    for (const v1::Exchange& exchange : page.exchanges()) {
      exchanges.push_back(exchange);
    }
  }
  return exchanges;
}

absl::Status WritePages(Session& session, const StatementFlags& flags,
                        const Statement& statement) {
  const std::string today = FormatDate(TodayUtc());
  const std::string html = RenderStatementHtml(statement, today);
  if (!flags.html_file.empty()) {
    if (absl::Status s = WriteFileAtomically("--html", flags.html_file, html);
        !s.ok()) {
      return s;
    }
    session.err() << "Wrote the statement to " << flags.html_file
                  << "; open it in a browser to print it.\n";
  }
  if (!flags.pdf_file.empty()) {
    // Chromium prints a page from a file; this one lives only for that.
    std::error_code error;
    const std::string page =
        (std::filesystem::temp_directory_path(error) /
         absl::StrCat("timebank-statement-", ::getpid(), ".html"))
            .string();
    absl::Status s = WriteFileAtomically("--pdf", page, html);
    if (s.ok()) s = PrintToPdf(page, flags.pdf_file);
    std::filesystem::remove(page, error);
    if (!s.ok()) return s;
    session.err() << "Wrote the statement to " << flags.pdf_file << ".\n";
  }
  return absl::OkStatus();
}

absl::Status RunStatement(Session& session, StatementFlags flags) {
  if (absl::Status s = CheckDateFlag("--from", flags.from); !s.ok()) return s;
  if (absl::Status s = CheckDateFlag("--to", flags.to); !s.ok()) return s;
  if (flags.to.empty()) flags.to = FormatDate(TodayUtc());
  if (!flags.from.empty() && flags.from > flags.to) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--to ", flags.to, ": must not be before --from ", flags.from));
  }
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<std::string> account = ResolveAccount(
      **connection, flags.timebank_id, flags.account_id, "--account");
  if (!account.ok()) return account.status();
  flags.account_id = *account;
  absl::StatusOr<std::vector<v1::Exchange>> exchanges =
      ExchangesUpTo(**connection, flags);
  if (!exchanges.ok()) return exchanges.status();
  v1::GetAccountRequest get;
  get.set_timebank_id(flags.timebank_id);
  get.set_account_id(flags.account_id);
  absl::StatusOr<v1::Account> holder =
      CallLedger(**connection, &v1::Ledger::StubInterface::GetAccount, get);
  absl::StatusOr<Statement> statement =
      BuildStatement(flags.timebank_id, flags.account_id,
                     holder.ok() ? holder->display_name() : "", flags.from,
                     flags.to, *exchanges);
  if (!statement.ok()) return statement.status();
  if (!flags.html_file.empty() || !flags.pdf_file.empty()) {
    return WritePages(session, flags, *statement);
  }
  switch (session.printer().format()) {
    case OutputFormat::kJson:
      session.printer().PrintJson(StatementJson(*statement));
      break;
    case OutputFormat::kCsv:
      session.printer().PrintTable(
          StatementTable(*statement, OutputFormat::kCsv));
      break;
    case OutputFormat::kTable:
      session.out() << StatementText(*statement);
      break;
  }
  return absl::OkStatus();
}

}  // namespace

void AddStatementCommand(CLI::App& app, CommandRegistry& registry) {
  auto flags = std::make_shared<StatementFlags>();
  CLI::App* command = app.add_subcommand(
      "statement",
      "One account's statement: opening balance, each exchange by date with "
      "a running balance, closing balance; to print with --html or --pdf");
  registry.AddTimebankOption(command, &flags->timebank_id);
  AddArgumentOrFlag(command, "account", &flags->account_id,
                    "Account id or its holder's name, e.g. kathy");
  command->add_option("--from", flags->from,
                      "First day, YYYY-MM-DD (default: the first exchange)");
  command->add_option("--to", flags->to,
                      "Last day, YYYY-MM-DD (default today)");
  command->add_option("--html", flags->html_file,
                      "Write a printable page to this file");
  command->add_option("--pdf", flags->pdf_file,
                      "Write a PDF to this file (needs Chromium)");
  registry.Bind(command,
                [flags](Session& s) { return RunStatement(s, *flags); });
}

}  // namespace timebank::client
