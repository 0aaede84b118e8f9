#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
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
  ConnectionOptions options = ResolveOptions(flags_.connection, ProcessEnv);
  options.deadline = std::chrono::seconds(flags_.timeout_seconds);
  absl::StatusOr<std::unique_ptr<Connection>> connection =
      Connection::Open(options);
  if (!connection.ok()) return connection.status();
  connection_ = *std::move(connection);
  return connection_.get();
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> Session::ConnectWithoutToken() {
  return OpenChannel(ResolveOptions(flags_.connection, ProcessEnv));
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

CLI::Option* AddTimebankOption(CLI::App* command, std::string* timebank_id) {
  return command
      ->add_option("--timebank,-t", *timebank_id, "Timebank id, e.g. riverside")
      ->required();
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
