// The pieces every `timebank` subcommand shares: the session (global flags,
// the connection, the printer), the registry that remembers which command
// was chosen, and small helpers for calls and enum names. Each command area
// (timebank, account, exchange, ...) registers itself with one Add*Commands
// function.
//
// Thread safety: single-threaded, like the CLI; `journal watch` is the only
// command that starts a thread of its own, and it does not share a Session.

#ifndef TIMEBANK_CLIENT_COMMANDS_H_
#define TIMEBANK_CLIENT_COMMANDS_H_

#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/connection.h"
#include "client/output.h"
#include "client/settings.h"
#include "timebank/v1/access.grpc.pb.h"
#include "timebank/v1/admin.grpc.pb.h"
#include "timebank/v1/assessment.grpc.pb.h"
#include "timebank/v1/ledger.grpc.pb.h"

namespace timebank::client {

namespace v1 = ::timebank::v1;

// Flags that apply to every command.
struct GlobalFlags {
  ConnectionOptions connection;
  // What fills the connection flags left out; never null once Run starts.
  const Settings* settings = nullptr;
  int timeout_seconds = 30;
  bool json = false;
  bool csv = false;
};

// What a command runs with once the command line is parsed.
class Session {
 public:
  Session(const GlobalFlags& flags, std::ostream& out, std::ostream& err);

  // Opens the connection on first use, so that `--help` and argument
  // mistakes never need a token. The connection lives as long as the
  // session.
  absl::StatusOr<const Connection*> Connect();
  // A channel without a token, for the health check; and the deadline of
  // one call.
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ConnectWithoutToken();
  std::chrono::seconds call_timeout() const {
    return std::chrono::seconds(flags_.timeout_seconds);
  }

  Printer& printer() { return printer_; }
  std::ostream& out() { return out_; }
  // Progress notes and warnings go here, never mixed into JSON or CSV.
  std::ostream& err() { return err_; }

 private:
  const GlobalFlags& flags_;
  std::ostream& out_;
  std::ostream& err_;
  Printer printer_;
  std::unique_ptr<Connection> connection_;
};

using Action = std::function<absl::Status(Session&)>;

// Remembers the action of the command named on the command line, and hands
// every command the settings its options default to. Actions run after
// parsing is complete, so global flags given after the subcommand
// ("timebank balances --timebank x --json") are already in place.
class CommandRegistry {
 public:
  explicit CommandRegistry(const Settings& settings) : settings_(settings) {}

  void Bind(CLI::App* command, Action action);
  const Action& chosen() const { return chosen_; }
  const Settings& settings() const { return settings_; }

  // Adds the option every timebank-scoped command takes: required unless
  // TIMEBANK_TIMEBANK or the settings file names a default timebank.
  CLI::Option* AddTimebankOption(CLI::App* command,
                                 std::string* timebank_id) const;

 private:
  const Settings& settings_;
  Action chosen_;
};

void AddTimebankCommands(CLI::App& app, CommandRegistry& registry);
void AddAccountCommands(CLI::App& app, CommandRegistry& registry);
void AddExchangeCommands(CLI::App& app, CommandRegistry& registry);
void AddImportCommand(CLI::App& exchange, CommandRegistry& registry);
void AddBalanceCommands(CLI::App& app, CommandRegistry& registry);
void AddJournalCommands(CLI::App& app, CommandRegistry& registry);
void AddTokenCommands(CLI::App& app, CommandRegistry& registry);
void AddDemoCommand(CLI::App& app, CommandRegistry& registry);
// `journal export` and `journal import` (commands_archive.cc), added to the
// `journal` group.
void AddArchiveCommands(CLI::App& journal, CommandRegistry& registry);
// `admin backup`, `admin backups` and `health` (commands_admin.cc).
void AddAdminCommands(CLI::App& app, CommandRegistry& registry);
// `report` and `assess` (commands_report.cc).
void AddReportCommands(CLI::App& app, CommandRegistry& registry);
// `account import` (commands_account_import.cc), added to the `account`
// group.
void AddAccountImportCommand(CLI::App& account, CommandRegistry& registry);
// The account kinds people type, by name: person, organisation, pot.
const std::map<std::string, v1::AccountKind>& AccountKindsByName();
// The server refuses a second account of a name the timebank has; this adds
// how to go ahead when it really is another person of that name.
absl::Status WithDuplicateNameHint(absl::Status status);
// `statement` (commands_statement.cc).
void AddStatementCommand(CLI::App& app, CommandRegistry& registry);
// `reflect`, `reflections`, `action` and `thresholds` (commands_plan.cc).
void AddPlanCommands(CLI::App& app, CommandRegistry& registry);

// Makes one unary call with a fresh context (token and deadline).
template <typename Stub, typename Request, typename Reply>
absl::StatusOr<Reply> CallUnary(
    const Connection& connection, Stub& stub,
    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Reply*),
    const Request& request) {
  Reply reply;
  std::unique_ptr<grpc::ClientContext> context = connection.NewCallContext();
  absl::Status status =
      FromGrpc((stub.*method)(context.get(), request, &reply));
  if (!status.ok()) return status;
  return reply;
}

template <typename Request, typename Reply>
absl::StatusOr<Reply> CallLedger(
    const Connection& connection,
    grpc::Status (v1::Ledger::StubInterface::*method)(grpc::ClientContext*,
                                                      const Request&, Reply*),
    const Request& request) {
  return CallUnary(connection, connection.ledger(), method, request);
}

template <typename Request, typename Reply>
absl::StatusOr<Reply> CallAccess(
    const Connection& connection,
    grpc::Status (v1::Access::StubInterface::*method)(grpc::ClientContext*,
                                                      const Request&, Reply*),
    const Request& request) {
  return CallUnary(connection, connection.access(), method, request);
}

template <typename Request, typename Reply>
absl::StatusOr<Reply> CallAdmin(
    const Connection& connection,
    grpc::Status (v1::Admin::StubInterface::*method)(grpc::ClientContext*,
                                                     const Request&, Reply*),
    const Request& request) {
  return CallUnary(connection, connection.admin(), method, request);
}

template <typename Request, typename Reply>
absl::StatusOr<Reply> CallAssessment(
    const Connection& connection,
    grpc::Status (v1::Assessment::StubInterface::*method)(grpc::ClientContext*,
                                                          const Request&,
                                                          Reply*),
    const Request& request) {
  return CallUnary(connection, connection.assessment(), method, request);
}

// The connection's stub of a service, chosen by the stub type, so that the
// paging helper below serves every service.
inline v1::Ledger::StubInterface& StubOf(const Connection& connection,
                                         v1::Ledger::StubInterface*) {
  return connection.ledger();
}
inline v1::Assessment::StubInterface& StubOf(const Connection& connection,
                                             v1::Assessment::StubInterface*) {
  return connection.assessment();
}

// An argument people give either bare or as a flag: `timebank balance
// kathy` or `--account kathy`. Required; CLI11 would mark both forms
// REQUIRED in the help, which reads as if both were needed, so the help
// says it once, in the description.
// `more_names` adds other flags for it, e.g. ",--id".
template <typename T>
CLI::Option* AddArgumentOrFlag(CLI::App* command, const std::string& name,
                               T* target, const std::string& description,
                               const std::string& more_names = "") {
  CLI::Option* option =
      command->add_option(name + ",--" + name + more_names, *target,
                          description + "; required, bare or as --" + name);
  option->required();
  return option->option_text(option->get_type_name());
}

// How much of a paged list to fetch.
struct PageFlags {
  int page_size = 0;  // 0: the server's default.
  std::string page_token;
  bool all = false;  // Follow next_page_token to the end.
};

// Pages fetched with --all before giving up on a server that never ends.
inline constexpr size_t kMaxPages = 100'000;

void AddPageFlags(CLI::App* command, PageFlags* flags);

// Fetches one page, or with `all` every page from the given token on.
template <typename Stub, typename Request, typename Reply>
absl::StatusOr<std::vector<Reply>> FetchPages(
    const Connection& connection,
    grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Reply*),
    Request request, const PageFlags& flags) {
  request.set_page_size(flags.page_size);
  request.set_page_token(flags.page_token);
  Stub& stub = StubOf(connection, static_cast<Stub*>(nullptr));
  std::vector<Reply> pages;
  while (true) {
    absl::StatusOr<Reply> page = CallUnary(connection, stub, method, request);
    if (!page.ok()) return page.status();
    const std::string next = page->next_page_token();
    pages.push_back(*std::move(page));
    if (!flags.all || next.empty()) return pages;
    if (next == request.page_token() || pages.size() >= kMaxPages) {
      return absl::InternalError("the server's page tokens do not advance");
    }
    request.set_page_token(next);
  }
}

// Tells the user, on stderr, how to get the page after `pages` if there is
// one.
template <typename Reply>
void HintNextPage(Session& session, const std::vector<Reply>& pages) {
  if (pages.empty() || pages.back().next_page_token().empty()) return;
  session.err() << "More: add --page-token " << pages.back().next_page_token()
                << " for the next page, or --all for everything.\n";
}

// Items per RecordExchanges call: well inside the server's limit of 10000,
// and small enough that one failed call loses little.
inline constexpr size_t kBulkBatchSize = 1000;
// The most items one RecordExchanges call may carry.
inline constexpr size_t kMaxBulkItems = 10000;

// How RecordInBatches sends: `batch_size` items per call, each call with
// the request's all_or_nothing and validate_only flags.
struct BulkSend {
  size_t batch_size = kBulkBatchSize;
  bool all_or_nothing = false;
  bool validate_only = false;
};

// Records `items` with RecordExchanges, `send.batch_size` at a time, and
// returns one result per item in order. Fails when a whole call fails; the
// batches before it stay recorded, and sending the same items again is safe.
absl::StatusOr<std::vector<v1::RecordExchangeResult>> RecordInBatches(
    const Connection& connection, const std::string& timebank_id,
    const std::vector<v1::RecordExchangeItem>& items, BulkSend send = {});

// After a write failed with UNAVAILABLE or DEADLINE_EXCEEDED, tells the user
// on stderr how to retry it safely with the same request id.
void HintRetry(Session& session, const absl::Status& status,
               const std::string& request_id);

// Lower-case enum names without their type prefix, as people say them:
// "confirmed", "person", "community_pot", "coordinator".
std::string ExchangeStatusName(v1::ExchangeStatus status);
std::string AccountKindName(v1::AccountKind kind);
std::string AccountStatusName(v1::AccountStatus status);
std::string EntryKindName(v1::EntryKind kind);
std::string RoleName(v1::Role role);

// The account people mean by `given` on a command line: an account id, or a
// display name where exactly one account of the timebank has it (ignoring
// case and repeated spaces). Otherwise NOT_FOUND in words for people, naming
// `flag` and what was close ("no member 'Vera' in riverside; did you mean
// vera (Vera Collins)? See `timebank account list --query Vera`"), or
// INVALID_ARGUMENT listing the accounts when a name is shared. When the
// caller may not search accounts, `given` is returned for the server to
// judge.
absl::StatusOr<std::string> ResolveAccount(const Connection& connection,
                                           const std::string& timebank_id,
                                           const std::string& given,
                                           std::string_view flag);

// Checks a --hours style flag and returns the minutes, naming the flag in
// the error.
absl::StatusOr<int64_t> ParseDurationFlag(std::string_view flag,
                                          std::string_view text);

// Bytes (such as a SHA-256 hash) as lower-case hex.
std::string HexOf(std::string_view bytes);

}  // namespace timebank::client

#endif  // TIMEBANK_CLIENT_COMMANDS_H_
