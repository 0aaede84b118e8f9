// `timebank exchange record|confirm|reject|reverse|show|list`: the exchanges
// of time and their corrections. `exchange import` lives in
// commands_import.cc.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/commands.h"
#include "client/dates.h"
#include "client/hours.h"
#include "client/request_id.h"
#include "client/string_view.h"

namespace timebank::client {
namespace {

enum class Detail { kList, kFull };

Table ExchangeTable(Detail detail, bool with_change) {
  std::vector<Column> columns = {
      {.heading = "Seq", .csv_name = "seq", .align = Align::kRight},
      {.heading = "Date", .csv_name = "occurred_on"},
      {.heading = "Giver", .csv_name = "giver_id"},
      {.heading = "Receiver", .csv_name = "receiver_id"},
      {.heading = "Hours", .csv_name = "minutes", .align = Align::kRight},
      {.heading = "Category", .csv_name = "category"},
      {.heading = "Status", .csv_name = "status"},
      {.heading = "Description", .csv_name = "description", .max_width = 40}};
  if (detail == Detail::kFull) {
    const std::vector<Column> more = {
        {.heading = "Recorded", .csv_name = "recorded_at_unix_us"},
        {.heading = "Recorded by", .csv_name = "recorded_by"},
        {.heading = "Request id", .csv_name = "request_id"},
        {.heading = "Closed by seq", .csv_name = "closed_by_seq"},
        {.heading = "Hash", .csv_name = "hash_hex"}};
    columns.insert(columns.end(), more.begin(), more.end());
  }
  if (with_change) {
    columns.push_back({.heading = "Change",
                       .csv_name = "balance_change_minutes",
                       .align = Align::kRight});
  }
  return Table(std::move(columns));
}

// The effect on `account_id`'s balance: only confirmed exchanges count.
Cell ChangeCell(const v1::Exchange& exchange, const std::string& account_id) {
  if (exchange.status() != v1::EXCHANGE_STATUS_CONFIRMED) return Cell("", "0");
  const int64_t sign = exchange.giver_id() == account_id ? 1 : -1;
  return SignedMinutesCell(sign * exchange.minutes());
}

std::vector<Cell> ExchangeCells(const v1::Exchange& exchange, Detail detail) {
  std::vector<Cell> cells = {NumberCell(exchange.seq()),
                             exchange.occurred_on(),
                             exchange.giver_id(),
                             exchange.receiver_id(),
                             MinutesCell(exchange.minutes()),
                             exchange.category(),
                             ExchangeStatusName(exchange.status()),
                             exchange.description()};
  if (detail == Detail::kFull) {
    cells.push_back(Cell(FormatInstantUs(exchange.recorded_at_unix_us()),
                         absl::StrCat(exchange.recorded_at_unix_us())));
    cells.push_back(exchange.recorded_by());
    cells.push_back(exchange.request_id());
    cells.push_back(exchange.closed_by_seq() == 0
                        ? Cell("-", "0")
                        : NumberCell(exchange.closed_by_seq()));
    cells.push_back(HexOf(exchange.hash()));
  }
  return cells;
}

// "#12: kathy gave vera 2 h of gardening on 2026-11-20 (confirmed)".
std::string Sentence(const v1::Exchange& exchange) {
  return absl::StrCat("#", exchange.seq(), ": ", exchange.giver_id(), " gave ",
                      exchange.receiver_id(), " ",
                      FormatMinutes(exchange.minutes()), " of ",
                      exchange.category(), " on ", exchange.occurred_on(), " (",
                      ExchangeStatusName(exchange.status()), ")");
}

// Prints a written or fetched exchange: a sentence and its details for
// people, the exchange itself for programs.
absl::Status PrintExchange(Session& session, const v1::Exchange& exchange,
                           std::string_view verb) {
  Table table = ExchangeTable(Detail::kFull, false);
  table.AddRow(ExchangeCells(exchange, Detail::kFull));
  if (session.printer().is_table() && !verb.empty()) {
    session.out() << verb << " " << Sentence(exchange) << ".\n";
    return absl::OkStatus();
  }
  return session.printer().PrintOne(exchange, table);
}

// What the entry that last changed an exchange's status is called.
std::string_view ClosingEntryName(v1::ExchangeStatus status) {
  switch (status) {
    case v1::EXCHANGE_STATUS_CONFIRMED:
      return "confirmation";
    case v1::EXCHANGE_STATUS_REJECTED:
      return "rejection";
    case v1::EXCHANGE_STATUS_REVERSED:
      return "reversal";
    default:
      return "entry";
  }
}

// "Reversed by #14 on 2026-12-04 10:31 UTC by anne-coordinator: entered
// twice."
std::string ClosingSentence(const v1::Exchange& exchange) {
  std::string verb = ExchangeStatusName(exchange.status());
  if (!verb.empty()) verb[0] = absl::ascii_toupper(verb[0]);
  std::string line =
      absl::StrCat(verb, " by #", exchange.closed_by_seq(), " on ",
                   FormatInstantUs(exchange.closed_at_unix_us()));
  if (!exchange.closed_by().empty()) {
    absl::StrAppend(&line, " by ", exchange.closed_by());
  }
  if (!exchange.close_reason().empty()) {
    absl::StrAppend(&line, ": ", exchange.close_reason());
  }
  return line + ".";
}

struct RecordFlags {
  std::string timebank_id;
  // One giver and one receiver; or, for a group exchange (a litter pick:
  // twelve gave two hours each to the council), several on one side.
  std::vector<std::string> givers;
  std::vector<std::string> receivers;
  std::string hours;
  std::string category;
  std::string description;
  std::string on;
  std::string request_id;
};

absl::StatusOr<v1::RecordExchangeRequest> RecordRequestOf(
    const RecordFlags& flags) {
  absl::StatusOr<int64_t> minutes = ParseDurationFlag("--hours", flags.hours);
  if (!minutes.ok()) return minutes.status();
  if (absl::Status s = CheckDateFlag("--on", flags.on); !s.ok()) return s;
  v1::RecordExchangeRequest request;
  request.set_timebank_id(flags.timebank_id);
  request.set_request_id(flags.request_id.empty() ? RandomRequestId()
                                                  : flags.request_id);
  request.set_minutes(*minutes);
  request.set_category(flags.category);
  request.set_description(flags.description);
  request.set_occurred_on(flags.on.empty() ? FormatDate(TodayUtc()) : flags.on);
  return request;
}

// The accounts named on one side, resolved from names, each at most once.
absl::StatusOr<std::vector<std::string>> ResolveSide(
    const Connection& connection, const RecordFlags& flags,
    const std::vector<std::string>& given, std::string_view flag) {
  std::vector<std::string> ids;
  for (const std::string& one : given) {
    absl::StatusOr<std::string> id =
        ResolveAccount(connection, flags.timebank_id, one, flag);
    if (!id.ok()) return id.status();
    if (std::find(ids.begin(), ids.end(), *id) != ids.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(ToAbsl(flag), ": ", *id, " is named twice"));
    }
    ids.push_back(*std::move(id));
  }
  return ids;
}

// A group exchange: one giver to many receivers or many givers to one, in
// one commit or not at all (RecordExchanges with all_or_nothing), each pair
// its own journal entry. Its items' request ids are the command's id and
// the other party, so repeating the command with --request-id records
// nothing twice.
absl::Status RunGroupRecord(Session& session, const Connection& connection,
                            const v1::RecordExchangeRequest& shape,
                            const std::vector<std::string>& givers,
                            const std::vector<std::string>& receivers) {
  v1::RecordExchangesRequest request;
  request.set_timebank_id(shape.timebank_id());
  request.set_all_or_nothing(true);
  for (const std::string& giver : givers) {
    for (const std::string& receiver : receivers) {
      v1::RecordExchangeItem* item = request.add_items();
      item->set_request_id(absl::StrCat(shape.request_id(), ":",
                                        givers.size() > 1 ? giver : receiver));
      item->set_giver_id(giver);
      item->set_receiver_id(receiver);
      item->set_minutes(shape.minutes());
      item->set_category(shape.category());
      item->set_description(shape.description());
      item->set_occurred_on(shape.occurred_on());
    }
  }
  absl::StatusOr<v1::RecordExchangesResponse> reply = CallLedger(
      connection, &v1::Ledger::StubInterface::RecordExchanges, request);
  if (!reply.ok()) {
    HintRetry(session, reply.status(), shape.request_id());
    return reply.status();
  }
  std::vector<const google::protobuf::Message*> recorded;
  absl::Status first_error;
  for (const v1::RecordExchangeResult& result : reply->results()) {
    if (result.has_exchange()) {
      recorded.push_back(&result.exchange());
      continue;
    }
    const absl::Status error(
        static_cast<absl::StatusCode>(result.error().code()),
        result.error().message());
    // The items held back only because another failed say nothing new.
    if (error.code() == absl::StatusCode::kAborted) continue;
    session.err() << StatusLine(error) << "\n";
    if (first_error.ok()) first_error = error;
  }
  if (!first_error.ok()) {
    session.err() << "Nothing was recorded: a group exchange is recorded "
                     "whole or not at all.\n";
    return first_error;
  }
  if (!session.printer().is_table()) {
    Table table = ExchangeTable(Detail::kFull, false);
    for (const v1::RecordExchangeResult& result : reply->results()) {
      table.AddRow(ExchangeCells(result.exchange(), Detail::kFull));
    }
    return session.printer().PrintList(recorded, table, "");
  }
  session.out() << "Recorded " << reply->results_size()
                << " exchanges as one group:\n";
  for (const v1::RecordExchangeResult& result : reply->results()) {
    session.out() << "  " << Sentence(result.exchange())
                  << (result.already_recorded() ? ", already recorded" : "")
                  << "\n";
  }
  return absl::OkStatus();
}

absl::Status RunRecord(Session& session, const RecordFlags& flags) {
  if (flags.givers.size() > 1 && flags.receivers.size() > 1) {
    return absl::InvalidArgumentError(
        "--giver and --receiver: a group exchange has one giver and several "
        "receivers, or several givers and one receiver");
  }
  absl::StatusOr<v1::RecordExchangeRequest> request = RecordRequestOf(flags);
  if (!request.ok()) return request.status();
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  // "--giver 'Vera Collins'" means her account.
  absl::StatusOr<std::vector<std::string>> givers =
      ResolveSide(**connection, flags, flags.givers, "--giver");
  if (!givers.ok()) return givers.status();
  absl::StatusOr<std::vector<std::string>> receivers =
      ResolveSide(**connection, flags, flags.receivers, "--receiver");
  if (!receivers.ok()) return receivers.status();
  if (givers->size() > 1 || receivers->size() > 1) {
    return RunGroupRecord(session, **connection, *request, *givers, *receivers);
  }
  request->set_giver_id(givers->front());
  request->set_receiver_id(receivers->front());
  absl::StatusOr<v1::Exchange> exchange = CallLedger(
      **connection, &v1::Ledger::StubInterface::RecordExchange, *request);
  if (!exchange.ok()) {
    HintRetry(session, exchange.status(), request->request_id());
    return exchange.status();
  }
  return PrintExchange(session, *exchange, "Recorded");
}

// What confirm, reject and reverse share.
struct CloseFlags {
  std::string timebank_id;
  uint64_t seq = 0;
  std::string request_id;
  std::string reason;
};

// An exchange is confirmed, rejected or reversed at most once, so the
// request id can be derived from the action and seq: retrying the same
// command then returns the original result instead of failing.
std::string CloseRequestId(std::string_view action, const CloseFlags& flags) {
  if (!flags.request_id.empty()) return flags.request_id;
  return absl::StrCat("cli-", ToAbsl(action), "-", flags.seq);
}

enum class CloseAction { kConfirm, kReject, kReverse };

absl::StatusOr<v1::Exchange> Close(const Connection& connection,
                                   CloseAction action,
                                   const CloseFlags& flags) {
  switch (action) {
    case CloseAction::kConfirm: {
      v1::ConfirmExchangeRequest request;
      request.set_timebank_id(flags.timebank_id);
      request.set_seq(flags.seq);
      request.set_request_id(CloseRequestId("confirm", flags));
      return CallLedger(connection, &v1::Ledger::StubInterface::ConfirmExchange,
                        request);
    }
    case CloseAction::kReject: {
      v1::RejectExchangeRequest request;
      request.set_timebank_id(flags.timebank_id);
      request.set_seq(flags.seq);
      request.set_request_id(CloseRequestId("reject", flags));
      request.set_reason(flags.reason);
      return CallLedger(connection, &v1::Ledger::StubInterface::RejectExchange,
                        request);
    }
    case CloseAction::kReverse: {
      v1::ReverseExchangeRequest request;
      request.set_timebank_id(flags.timebank_id);
      request.set_seq(flags.seq);
      request.set_request_id(CloseRequestId("reverse", flags));
      request.set_reason(flags.reason);
      return CallLedger(connection, &v1::Ledger::StubInterface::ReverseExchange,
                        request);
    }
  }
  return absl::InternalError("unknown action");
}

absl::Status RunClose(Session& session, CloseAction action,
                      const CloseFlags& flags) {
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<v1::Exchange> exchange = Close(**connection, action, flags);
  if (!exchange.ok()) return exchange.status();
  const char* verb = action == CloseAction::kConfirm  ? "Confirmed"
                     : action == CloseAction::kReject ? "Rejected"
                                                      : "Reversed";
  return PrintExchange(session, *exchange, verb);
}

absl::Status RunShow(Session& session, const CloseFlags& flags) {
  v1::GetExchangeRequest request;
  request.set_timebank_id(flags.timebank_id);
  request.set_seq(flags.seq);
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<v1::Exchange> exchange = CallLedger(
      **connection, &v1::Ledger::StubInterface::GetExchange, request);
  if (!exchange.ok()) return exchange.status();
  if (!session.printer().is_table()) {
    return PrintExchange(session, *exchange, "");
  }
  // The seq of the entry that closed it finds the exchange: say so first.
  const bool by_closing_entry = exchange->seq() != flags.seq;
  if (by_closing_entry) {
    session.out() << "#" << flags.seq << " is the "
                  << ClosingEntryName(exchange->status()) << " of exchange #"
                  << exchange->seq() << ":\n";
  }
  if (absl::Status s = PrintExchange(session, *exchange, ""); !s.ok()) {
    return s;
  }
  if (exchange->closed_by_seq() != 0) {
    session.out() << ClosingSentence(*exchange) << "\n";
  }
  return absl::OkStatus();
}

struct ListFlags {
  std::string timebank_id;
  std::string account_id;
  std::string from;
  std::string to;
  bool oldest_first = false;
  PageFlags page;
};

absl::Status RunList(Session& session, const ListFlags& flags) {
  if (absl::Status s = CheckDateFlag("--from", flags.from); !s.ok()) return s;
  if (absl::Status s = CheckDateFlag("--to", flags.to); !s.ok()) return s;
  v1::ListExchangesRequest request;
  request.set_timebank_id(flags.timebank_id);
  request.set_account_id(flags.account_id);
  request.set_from_date(flags.from);
  request.set_to_date(flags.to);
  request.set_oldest_first(flags.oldest_first);
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<std::vector<v1::ListExchangesResponse>> pages =
      FetchPages(**connection, &v1::Ledger::StubInterface::ListExchanges,
                 request, flags.page);
  if (!pages.ok()) return pages.status();
  const bool statement = !flags.account_id.empty();
  Table table = ExchangeTable(Detail::kList, statement);
  std::vector<const google::protobuf::Message*> items;
  for (const v1::ListExchangesResponse& page : *pages) {
    for (const v1::Exchange& exchange : page.exchanges()) {
      std::vector<Cell> cells = ExchangeCells(exchange, Detail::kList);
      if (statement) cells.push_back(ChangeCell(exchange, flags.account_id));
      table.AddRow(std::move(cells));
      items.push_back(&exchange);
    }
  }
  if (absl::Status s =
          session.printer().PrintList(items, table, "No exchanges.");
      !s.ok()) {
    return s;
  }
  HintNextPage(session, *pages);
  return absl::OkStatus();
}

void AddRecord(CLI::App* parent, CommandRegistry& registry) {
  auto flags = std::make_shared<RecordFlags>();
  CLI::App* command = parent->add_subcommand(
      "record", "Record that the giver gave the receiver some hours of work");
  registry.AddTimebankOption(command, &flags->timebank_id);
  command
      ->add_option("--giver", flags->givers,
                   "Account that gave the work: its id or its holder's name; "
                   "repeat for a group that each gave the same")
      ->required()
      ->take_all();
  command
      ->add_option("--receiver", flags->receivers,
                   "Account that received it: its id or its holder's name; "
                   "repeat for a group that each received the same")
      ->required()
      ->take_all();
  command->add_option("--hours", flags->hours, "How long: 2, 1.5, 1h30m, 45m")
      ->required();
  command
      ->add_option("--category", flags->category,
                   "Kind of work, e.g. gardening")
      ->required();
  command->add_option("--description", flags->description, "What was done");
  command->add_option("--on", flags->on,
                      "Date of the work YYYY-MM-DD (default today, UTC)");
  command->add_option("--request-id", flags->request_id,
                      "Id that makes a retry safe (default: a new random id)");
  registry.Bind(command, [flags](Session& s) { return RunRecord(s, *flags); });
}

CLI::App* AddSeqCommand(CLI::App* parent, const CommandRegistry& registry,
                        std::string_view name, std::string_view help,
                        CloseFlags* flags) {
  CLI::App* command =
      parent->add_subcommand(std::string(name), std::string(help));
  registry.AddTimebankOption(command, &flags->timebank_id);
  AddArgumentOrFlag(command, "seq", &flags->seq,
                    "Sequence number of the exchange");
  return command;
}

void AddClose(CLI::App* parent, CommandRegistry& registry, CloseAction action) {
  auto flags = std::make_shared<CloseFlags>();
  CLI::App* command =
      action == CloseAction::kConfirm
          ? AddSeqCommand(parent, registry, "confirm",
                          "Confirm a pending exchange", flags.get())
      : action == CloseAction::kReject
          ? AddSeqCommand(parent, registry, "reject",
                          "Turn down a pending exchange", flags.get())
          : AddSeqCommand(parent, registry, "reverse",
                          "Undo a confirmed exchange with a reversal entry",
                          flags.get());
  command->add_option(
      "--request-id", flags->request_id,
      "Id that makes a retry safe (default: derived from the seq)");
  if (action == CloseAction::kReject) {
    command->add_option("--reason", flags->reason, "Why it is turned down");
  } else if (action == CloseAction::kReverse) {
    command
        ->add_option("--reason", flags->reason, "Why, e.g. \"entered twice\"")
        ->required();
  }
  registry.Bind(command, [flags, action](Session& s) {
    return RunClose(s, action, *flags);
  });
}

void AddList(CLI::App* parent, CommandRegistry& registry) {
  auto flags = std::make_shared<ListFlags>();
  CLI::App* command = parent->add_subcommand(
      "list",
      "List exchanges by the date of the work, newest first: one account's "
      "or the whole timebank's");
  registry.AddTimebankOption(command, &flags->timebank_id);
  command->add_option(
      "--account", flags->account_id,
      "Only this account's exchanges, with the change to its balance");
  command->add_option("--from", flags->from,
                      "From this date YYYY-MM-DD, inclusive");
  command->add_option("--to", flags->to, "To this date YYYY-MM-DD, inclusive");
  command->add_flag("--oldest-first", flags->oldest_first,
                    "Oldest first, as a statement reads");
  AddPageFlags(command, &flags->page);
  registry.Bind(command, [flags](Session& s) { return RunList(s, *flags); });
}

}  // namespace

void AddExchangeCommands(CLI::App& app, CommandRegistry& registry) {
  CLI::App* group = app.add_subcommand(
      "exchange", "Record, confirm, correct and list exchanges of time");
  group->require_subcommand(1);
  AddRecord(group, registry);
  AddImportCommand(*group, registry);
  AddClose(group, registry, CloseAction::kConfirm);
  AddClose(group, registry, CloseAction::kReject);
  AddClose(group, registry, CloseAction::kReverse);
  auto show = std::make_shared<CloseFlags>();
  CLI::App* show_command =
      AddSeqCommand(group, registry, "show",
                    "Show one exchange and where it stands", show.get());
  registry.Bind(show_command, [show](Session& s) { return RunShow(s, *show); });
  AddList(group, registry);
}

}  // namespace timebank::client
