// `timebank balance` (one account, in plain words) and `timebank balances`
// (every account of a timebank at one journal position, and their sum).

#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "client/commands.h"
#include "client/hours.h"
#include "client/string_view.h"

namespace timebank::client {
namespace {

struct BalanceFlags {
  std::string timebank_id;
  std::string account_id;
};

// The name people know the account by. Not every token may read account
// details (an auditor sees aggregates only), so the id stands in for it.
std::string DisplayNameOf(const Connection& connection,
                          const BalanceFlags& flags) {
  v1::GetAccountRequest request;
  request.set_timebank_id(flags.timebank_id);
  request.set_account_id(flags.account_id);
  absl::StatusOr<v1::Account> account =
      CallLedger(connection, &v1::Ledger::StubInterface::GetAccount, request);
  if (!account.ok() || account->display_name().empty()) return flags.account_id;
  return account->display_name();
}

// "Kathy: gave 12 h 30 m · received 9 h · balance +3 h 30 m".
std::string BalanceWords(std::string_view name, const v1::Balance& balance) {
  return absl::StrCat(
      ToAbsl(name), ": gave ", FormatMinutes(balance.minutes_given()),
      " \u00b7 received ", FormatMinutes(balance.minutes_received()),
      " \u00b7 balance ", FormatSignedMinutes(balance.balance_minutes()), "\n",
      "(", balance.exchanges_given(), " exchanges given, ",
      balance.exchanges_received(), " received, with ", balance.partners(),
      balance.partners() == 1 ? " partner)" : " partners)");
}

absl::Status RunBalance(Session& session, BalanceFlags flags) {
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<std::string> account = ResolveAccount(
      **connection, flags.timebank_id, flags.account_id, "--account");
  if (!account.ok()) return account.status();
  flags.account_id = *account;
  v1::GetBalanceRequest request;
  request.set_timebank_id(flags.timebank_id);
  request.set_account_id(flags.account_id);
  absl::StatusOr<v1::Balance> balance =
      CallLedger(**connection, &v1::Ledger::StubInterface::GetBalance, request);
  if (!balance.ok()) return balance.status();
  if (session.printer().is_table()) {
    session.out() << BalanceWords(DisplayNameOf(**connection, flags), *balance)
                  << "\n";
    return absl::OkStatus();
  }
  Table table({{.heading = "Account", .csv_name = "account_id"},
               {.heading = "Given", .csv_name = "minutes_given"},
               {.heading = "Received", .csv_name = "minutes_received"},
               {.heading = "Balance", .csv_name = "balance_minutes"},
               {.heading = "Given (n)", .csv_name = "exchanges_given"},
               {.heading = "Received (n)", .csv_name = "exchanges_received"},
               {.heading = "Partners", .csv_name = "partners"}});
  table.AddRow({balance->account_id(), MinutesCell(balance->minutes_given()),
                MinutesCell(balance->minutes_received()),
                SignedMinutesCell(balance->balance_minutes()),
                NumberCell(balance->exchanges_given()),
                NumberCell(balance->exchanges_received()),
                NumberCell(balance->partners())});
  return session.printer().PrintOne(*balance, table);
}

// The sum of every balance, which the ledger keeps at exactly zero. False on
// overflow, which only a damaged ledger could produce.
bool SumBalances(const v1::SnapshotBalancesResponse& snapshot, int64_t* sum) {
  *sum = 0;
  for (const v1::AccountBalance& row : snapshot.balances()) {
    if (__builtin_add_overflow(*sum, row.balance_minutes(), sum)) return false;
  }
  return true;
}

absl::Status RunBalances(Session& session, const std::string& timebank_id) {
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  v1::SnapshotBalancesRequest request;
  request.set_timebank_id(timebank_id);
  absl::StatusOr<v1::SnapshotBalancesResponse> snapshot = CallLedger(
      **connection, &v1::Ledger::StubInterface::SnapshotBalances, request);
  if (!snapshot.ok()) return snapshot.status();
  Table table({{.heading = "Account", .csv_name = "account_id"},
               {.heading = "Balance",
                .csv_name = "balance_minutes",
                .align = Align::kRight}});
  for (const v1::AccountBalance& row : snapshot->balances()) {
    table.AddRow({row.account_id(), SignedMinutesCell(row.balance_minutes())});
  }
  int64_t sum = 0;
  const bool summed = SumBalances(*snapshot, &sum);
  if (session.printer().format() == OutputFormat::kJson) {
    absl::StatusOr<Json> value = MessageToJsonValue(*snapshot);
    if (!value.ok()) return value.status();
    session.printer().PrintJson(*value);
  } else {
    session.printer().PrintTable(table);
  }
  if (session.printer().is_table()) {
    session.out() << "Sum of " << snapshot->balances_size() << " balances: "
                  << (summed ? FormatSignedMinutes(sum) : "overflow")
                  << " (as of seq " << snapshot->as_of_seq() << ")\n";
  }
  if (!summed || sum != 0) {
    return absl::DataLossError(
        "the balances do not sum to zero; run `timebank journal verify`");
  }
  return absl::OkStatus();
}

}  // namespace

void AddBalanceCommands(CLI::App& app, CommandRegistry& registry) {
  auto one = std::make_shared<BalanceFlags>();
  CLI::App* balance = app.add_subcommand(
      "balance", "What one account has given and received, in plain words");
  registry.AddTimebankOption(balance, &one->timebank_id);
  AddArgumentOrFlag(balance, "account", &one->account_id,
                    "Account id or its holder's name, e.g. kathy");
  registry.Bind(balance, [one](Session& s) { return RunBalance(s, *one); });

  auto timebank_id = std::make_shared<std::string>();
  CLI::App* balances = app.add_subcommand(
      "balances",
      "Every account's balance at one moment, and their sum (always 0)");
  registry.AddTimebankOption(balances, timebank_id.get());
  registry.Bind(balances, [timebank_id](Session& s) {
    return RunBalances(s, *timebank_id);
  });
}

}  // namespace timebank::client
