#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "client/commands.h"
#include "client/hours.h"
#include "client/string_view.h"

namespace timebank::client {
namespace {

OutputFormat FormatOf(const GlobalFlags& flags) {
  if (flags.json) return OutputFormat::kJson;
  if (flags.csv) return OutputFormat::kCsv;
  return OutputFormat::kTable;
}

// "EXCHANGE_STATUS_CONFIRMED" with prefix "EXCHANGE_STATUS_" -> "confirmed".
std::string ShortName(const std::string& full, std::string_view prefix) {
  std::string_view name = full;
  if (name.substr(0, prefix.size()) == prefix)
    name.remove_prefix(prefix.size());
  if (name.empty()) return "?";
  return absl::AsciiStrToLower(ToAbsl(name));
}

}  // namespace

Session::Session(const GlobalFlags& flags, std::ostream& out, std::ostream& err)
    : flags_(flags), out_(out), err_(err), printer_(FormatOf(flags), out) {}

absl::StatusOr<const Connection*> Session::Connect() {
  if (connection_ != nullptr) return connection_.get();
  ConnectionOptions options =
      ResolveOptions(flags_.connection, flags_.settings->AsLookup());
  options.deadline = std::chrono::seconds(flags_.timeout_seconds);
  absl::StatusOr<std::unique_ptr<Connection>> connection =
      Connection::Open(options);
  if (!connection.ok()) return connection.status();
  connection_ = *std::move(connection);
  return connection_.get();
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> Session::ConnectWithoutToken() {
  return OpenChannel(
      ResolveOptions(flags_.connection, flags_.settings->AsLookup()));
}

void CommandRegistry::Bind(CLI::App* command, Action action) {
  command->callback([this, action = std::move(action)] { chosen_ = action; });
}

void HintRetry(Session& session, const absl::Status& status,
               const std::string& request_id) {
  // A write may have been applied even when its reply was lost; the request
  // id is what makes trying again safe.
  if (status.code() == absl::StatusCode::kUnavailable ||
      status.code() == absl::StatusCode::kDeadlineExceeded) {
    session.err() << "The write may or may not have been applied; repeat the "
                     "command with --request-id "
                  << request_id << " to retry safely.\n";
  }
}

std::string ExchangeStatusName(v1::ExchangeStatus status) {
  return ShortName(v1::ExchangeStatus_Name(status), "EXCHANGE_STATUS_");
}

std::string AccountKindName(v1::AccountKind kind) {
  return ShortName(v1::AccountKind_Name(kind), "ACCOUNT_KIND_");
}

std::string AccountStatusName(v1::AccountStatus status) {
  return ShortName(v1::AccountStatus_Name(status), "ACCOUNT_STATUS_");
}

std::string EntryKindName(v1::EntryKind kind) {
  return ShortName(v1::EntryKind_Name(kind), "ENTRY_KIND_");
}

std::string RoleName(v1::Role role) {
  return ShortName(v1::Role_Name(role), "ROLE_");
}

CLI::Option* CommandRegistry::AddTimebankOption(
    CLI::App* command, std::string* timebank_id) const {
  const std::optional<std::string> default_id = settings_.Get(kTimebankEnv);
  if (!default_id) {
    return command
        ->add_option("--timebank,-t", *timebank_id,
                     "Timebank id, e.g. riverside (or set $TIMEBANK_TIMEBANK)")
        ->required();
  }
  // Set before parsing, so that a --timebank on the command line wins.
  *timebank_id = *default_id;
  return command->add_option(
      "--timebank,-t", *timebank_id,
      absl::StrCat("Timebank id (default ", *default_id, ", from ",
                   settings_.SourceOf(kTimebankEnv), ")"));
}

void AddPageFlags(CLI::App* command, PageFlags* flags) {
  command
      ->add_option("--page-size", flags->page_size,
                   "Items per page (1 to 1000)")
      ->check(CLI::Range(1, 1000));
  command->add_option("--page-token", flags->page_token,
                      "Continue from a page token printed by an earlier call");
  command->add_flag("--all", flags->all, "Fetch every page");
}

namespace {

// A name as people compare names: ASCII in lower case, runs of white space
// as one space, none at the ends.
std::string FoldedName(std::string_view name) {
  std::string folded;
  for (absl::string_view word : absl::StrSplit(
           ToAbsl(name), absl::ByAnyChar(" \t\n\v\f\r"), absl::SkipEmpty())) {
    if (!folded.empty()) folded += ' ';
    absl::StrAppend(&folded, absl::AsciiStrToLower(word));
  }
  return folded;
}

// Accounts close to what was typed, in the search's order.
constexpr int kAccountCandidates = 20;
constexpr size_t kCandidatesShown = 3;

}  // namespace

absl::StatusOr<std::string> ResolveAccount(const Connection& connection,
                                           const std::string& timebank_id,
                                           const std::string& given,
                                           std::string_view flag) {
  v1::ListAccountsRequest request;
  request.set_timebank_id(timebank_id);
  const std::string folded = FoldedName(given);
  // The server matches text as it is; ask with the spaces people typed
  // twice made single.
  request.set_query(folded);
  request.set_page_size(kAccountCandidates);
  absl::StatusOr<v1::ListAccountsResponse> found =
      CallLedger(connection, &v1::Ledger::StubInterface::ListAccounts, request);
  // A token that may not search (or a search that failed) leaves the id to
  // the server, which names the field if it is wrong.
  if (!found.ok()) return given;
  std::vector<const v1::Account*> same_name;
  for (const v1::Account& account : found->accounts()) {
    if (account.account_id() == given) return given;
    if (FoldedName(account.display_name()) == folded ||
        absl::AsciiStrToLower(account.account_id()) == folded) {
      same_name.push_back(&account);
    }
  }
  auto describe = [](const v1::Account& account) {
    return absl::StrCat(account.account_id(), " (", account.display_name(),
                        ")");
  };
  if (same_name.size() == 1) return same_name.front()->account_id();
  if (same_name.size() > 1) {
    std::vector<std::string> ids;
    for (const v1::Account* account : same_name) {
      ids.push_back(describe(*account));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(flag), ": '", given, "' is the name of ",
                     same_name.size(), " accounts: ", absl::StrJoin(ids, ", "),
                     "; give the id of the one you mean"));
  }
  std::string message =
      absl::StrCat(ToAbsl(flag), ": no member '", given, "' in ", timebank_id);
  if (found->accounts().empty()) {
    absl::StrAppend(&message, ". See `timebank account list -t ", timebank_id,
                    "`");
    return absl::NotFoundError(message);
  }
  std::vector<std::string> close;
  for (const v1::Account& account : found->accounts()) {
    if (close.size() == kCandidatesShown) break;
    close.push_back(describe(account));
  }
  absl::StrAppend(&message, "; did you mean ", absl::StrJoin(close, " or "),
                  "? See `timebank account list -t ", timebank_id, " --query ",
                  given, "`");
  return absl::NotFoundError(message);
}

absl::StatusOr<int64_t> ParseDurationFlag(std::string_view flag,
                                          std::string_view text) {
  absl::StatusOr<int64_t> minutes = ParseDuration(text);
  if (!minutes.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(flag), ": ", minutes.status().message()));
  }
  return minutes;
}

std::string HexOf(std::string_view bytes) {
  return absl::BytesToHexString(ToAbsl(bytes));
}

}  // namespace timebank::client
