// `timebank account open|show|list|update|erase`: member, organisation and
// community-pot accounts.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/commands.h"
#include "client/dates.h"
#include "client/hours.h"

namespace timebank::client {

const std::map<std::string, v1::AccountKind>& AccountKindsByName() {
  static const auto* const kinds = new std::map<std::string, v1::AccountKind>{
      {"person", v1::ACCOUNT_KIND_PERSON},
      {"organisation", v1::ACCOUNT_KIND_ORGANISATION},
      {"organization", v1::ACCOUNT_KIND_ORGANISATION},
      {"pot", v1::ACCOUNT_KIND_COMMUNITY_POT},
      {"community-pot", v1::ACCOUNT_KIND_COMMUNITY_POT},
      {"community_pot", v1::ACCOUNT_KIND_COMMUNITY_POT}};
  return *kinds;
}

// The server refuses a second account of a name the timebank has; say how
// to go ahead when it really is another person of that name.
absl::Status WithDuplicateNameHint(absl::Status status) {
  if (status.code() != absl::StatusCode::kAlreadyExists ||
      !absl::StartsWith(status.message(), "display_name:")) {
    return status;
  }
  return absl::Status(
      status.code(),
      absl::StrCat(status.message(),
                   ". If this is another person of that name, repeat the "
                   "command with --allow-duplicate-name."));
}

namespace {

const std::map<std::string, v1::AccountStatus>& StatusesByName() {
  static const auto* const statuses =
      new std::map<std::string, v1::AccountStatus>{
          {"active", v1::ACCOUNT_STATUS_ACTIVE},
          {"suspended", v1::ACCOUNT_STATUS_SUSPENDED},
          {"closed", v1::ACCOUNT_STATUS_CLOSED}};
  return *statuses;
}

template <typename Value>
std::vector<std::string> NamesOf(const std::map<std::string, Value>& by_name) {
  std::vector<std::string> names;
  for (const auto& [name, value] : by_name) names.push_back(name);
  return names;
}

// Columns shared by the list and the single-account view; `Detail::kFull`
// adds the totals and bookkeeping fields.
enum class Detail { kList, kFull };

Table AccountTable(Detail detail) {
  std::vector<Column> columns = {
      {.heading = "Id", .csv_name = "account_id"},
      {.heading = "Name", .csv_name = "display_name", .max_width = 32},
      {.heading = "Kind", .csv_name = "kind"},
      {.heading = "Status", .csv_name = "status"},
      {.heading = "Skills", .csv_name = "skills", .max_width = 40},
      {.heading = "Joined", .csv_name = "joined_on"},
      {.heading = "Balance",
       .csv_name = "balance_minutes",
       .align = Align::kRight}};
  if (detail == Detail::kFull) {
    const std::vector<Column> more = {
        {.heading = "Given", .csv_name = "minutes_given"},
        {.heading = "Received", .csv_name = "minutes_received"},
        {.heading = "Exchanges", .csv_name = "exchanges"},
        {.heading = "Partners", .csv_name = "partners"},
        {.heading = "External ref", .csv_name = "external_ref"},
        {.heading = "Erased", .csv_name = "erased"},
        {.heading = "Opened", .csv_name = "created_at_unix_us"}};
    columns.insert(columns.end(), more.begin(), more.end());
  }
  return Table(std::move(columns));
}

void AddAccountRow(const v1::Account& account, Table* table) {
  const v1::Balance& balance = account.balance();
  table->AddRow(
      {account.account_id(), account.display_name(),
       AccountKindName(account.kind()), AccountStatusName(account.status()),
       Cell(absl::StrJoin(account.skills(), ", "),
            absl::StrJoin(account.skills(), ";")),
       account.joined_on(), SignedMinutesCell(balance.balance_minutes()),
       MinutesCell(balance.minutes_given()),
       MinutesCell(balance.minutes_received()),
       Cell(absl::StrCat(balance.exchanges_given(), " given, ",
                         balance.exchanges_received(), " received"),
            absl::StrCat(balance.exchanges_given() +
                         balance.exchanges_received())),
       NumberCell(balance.partners()), account.external_ref(),
       YesNoCell(account.erased()),
       Cell(FormatInstantUs(account.created_at_unix_us()),
            absl::StrCat(account.created_at_unix_us()))});
}

absl::Status PrintAccount(Session& session, const v1::Account& account,
                          std::string_view headline) {
  Table table = AccountTable(Detail::kFull);
  AddAccountRow(account, &table);
  if (session.printer().is_table() && !headline.empty()) {
    session.out() << headline << "\n";
  }
  return session.printer().PrintOne(account, table);
}

struct OpenFlags {
  std::string timebank_id;
  std::string id;
  std::string name;
  std::string kind = "person";
  std::vector<std::string> skills;
  std::string external_ref;
  std::string joined;
  bool allow_duplicate_name = false;
};

absl::Status RunOpen(Session& session, const OpenFlags& flags) {
  if (absl::Status s = CheckDateFlag("--joined", flags.joined); !s.ok())
    return s;
  v1::OpenAccountRequest request;
  request.set_timebank_id(flags.timebank_id);
  request.set_account_id(flags.id);
  request.set_display_name(flags.name);
  request.set_kind(AccountKindsByName().at(flags.kind));
  for (const std::string& skill : flags.skills) request.add_skills(skill);
  request.set_external_ref(flags.external_ref);
  request.set_joined_on(flags.joined);
  request.set_allow_duplicate_name(flags.allow_duplicate_name);
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<v1::Account> account = CallLedger(
      **connection, &v1::Ledger::StubInterface::OpenAccount, request);
  if (!account.ok()) return WithDuplicateNameHint(account.status());
  return PrintAccount(session, *account,
                      absl::StrCat("Opened account ", account->account_id(),
                                   " in ", account->timebank_id(), "."));
}

// The timebank and account a command acts on.
struct AccountRef {
  std::string timebank_id;
  std::string account_id;
};

void AddAccountRef(CLI::App* command, const CommandRegistry& registry,
                   AccountRef* ref) {
  registry.AddTimebankOption(command, &ref->timebank_id);
  AddArgumentOrFlag(command, "account", &ref->account_id, "Account id",
                    ",--id");
}

absl::Status RunShow(Session& session, const AccountRef& ref) {
  v1::GetAccountRequest request;
  request.set_timebank_id(ref.timebank_id);
  request.set_account_id(ref.account_id);
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<v1::Account> account =
      CallLedger(**connection, &v1::Ledger::StubInterface::GetAccount, request);
  if (!account.ok()) return account.status();
  return PrintAccount(session, *account, "");
}

struct ListFlags {
  std::string timebank_id;
  std::string query;
  PageFlags page;
};

absl::Status RunList(Session& session, const ListFlags& flags) {
  v1::ListAccountsRequest request;
  request.set_timebank_id(flags.timebank_id);
  request.set_query(flags.query);
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<std::vector<v1::ListAccountsResponse>> pages =
      FetchPages(**connection, &v1::Ledger::StubInterface::ListAccounts,
                 request, flags.page);
  if (!pages.ok()) return pages.status();
  Table table = AccountTable(Detail::kList);
  std::vector<const google::protobuf::Message*> items;
  for (const v1::ListAccountsResponse& page : *pages) {
    for (const v1::Account& account : page.accounts()) {
      AddAccountRow(account, &table);
      items.push_back(&account);
    }
  }
  if (absl::Status s =
          session.printer().PrintList(items, table, "No accounts.");
      !s.ok()) {
    return s;
  }
  HintNextPage(session, *pages);
  return absl::OkStatus();
}

struct UpdateFlags {
  AccountRef ref;
  std::string name;
  std::string external_ref;
  bool clear_external_ref = false;
  std::string status;
  std::vector<std::string> skills;
  bool clear_skills = false;
  bool allow_duplicate_name = false;
};

absl::StatusOr<v1::UpdateAccountRequest> UpdateRequestOf(
    const UpdateFlags& flags) {
  v1::UpdateAccountRequest request;
  request.set_timebank_id(flags.ref.timebank_id);
  request.set_account_id(flags.ref.account_id);
  if (!flags.name.empty()) request.set_display_name(flags.name);
  request.set_allow_duplicate_name(flags.allow_duplicate_name);
  if (!flags.external_ref.empty()) request.set_external_ref(flags.external_ref);
  if (flags.clear_external_ref) request.set_external_ref("");
  if (!flags.status.empty())
    request.set_status(StatusesByName().at(flags.status));
  if (!flags.skills.empty() || flags.clear_skills) {
    request.set_replace_skills(true);
    for (const std::string& skill : flags.skills) request.add_skills(skill);
  }
  if (!request.has_display_name() && !request.has_external_ref() &&
      !request.has_status() && !request.replace_skills()) {
    return absl::InvalidArgumentError(
        "nothing to change: give --name, --external-ref, --clear-external-ref, "
        "--status, --skills or --clear-skills");
  }
  return request;
}

absl::Status RunUpdate(Session& session, const UpdateFlags& flags) {
  absl::StatusOr<v1::UpdateAccountRequest> request = UpdateRequestOf(flags);
  if (!request.ok()) return request.status();
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<v1::Account> account = CallLedger(
      **connection, &v1::Ledger::StubInterface::UpdateAccount, *request);
  if (!account.ok()) return WithDuplicateNameHint(account.status());
  return PrintAccount(
      session, *account,
      absl::StrCat("Updated account ", account->account_id(), "."));
}

struct EraseFlags {
  AccountRef ref;
  bool yes = false;
};

absl::Status RunErase(Session& session, const EraseFlags& flags) {
  // Erasure cannot be undone, so it is never the result of a stray command.
  if (!flags.yes) {
    return absl::InvalidArgumentError(
        "erasing personal details cannot be undone: add --yes to go ahead");
  }
  v1::EraseAccountRequest request;
  request.set_timebank_id(flags.ref.timebank_id);
  request.set_account_id(flags.ref.account_id);
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<v1::Account> account = CallLedger(
      **connection, &v1::Ledger::StubInterface::EraseAccount, request);
  if (!account.ok()) return account.status();
  return PrintAccount(
      session, *account,
      absl::StrCat("Erased the personal details of ", account->account_id(),
                   "; its exchanges and balance are unchanged."));
}

void AddOpen(CLI::App* parent, CommandRegistry& registry) {
  auto flags = std::make_shared<OpenFlags>();
  CLI::App* command = parent->add_subcommand("open", "Open an account");
  registry.AddTimebankOption(command, &flags->timebank_id);
  command->add_option("--id", flags->id, "Account id, e.g. kathy")->required();
  command->add_option("--name", flags->name, "Name shown to people")
      ->required();
  command->add_option("--kind", flags->kind, "person, organisation or pot")
      ->transform(
          CLI::IsMember(NamesOf(AccountKindsByName()), CLI::ignore_case))
      ->capture_default_str();
  command
      ->add_option("--skills", flags->skills,
                   "Skills offered, e.g. gardening,lifts")
      ->delimiter(',');
  command->add_option("--external-ref", flags->external_ref,
                      "Reference in another system");
  command->add_option("--joined", flags->joined,
                      "Joining date YYYY-MM-DD (default today)");
  command->add_flag("--allow-duplicate-name", flags->allow_duplicate_name,
                    "Open it although another account has this name");
  registry.Bind(command, [flags](Session& s) { return RunOpen(s, *flags); });
}

void AddUpdate(CLI::App* parent, CommandRegistry& registry) {
  auto flags = std::make_shared<UpdateFlags>();
  CLI::App* command = parent->add_subcommand(
      "update",
      "Change an account's name, status, skills or external reference");
  AddAccountRef(command, registry, &flags->ref);
  command->add_option("--name", flags->name, "New name shown to people");
  command->add_flag("--allow-duplicate-name", flags->allow_duplicate_name,
                    "Rename it although another account has this name");
  CLI::Option* ref = command->add_option("--external-ref", flags->external_ref,
                                         "New reference in another system");
  command
      ->add_flag("--clear-external-ref", flags->clear_external_ref,
                 "Remove the external reference")
      ->excludes(ref);
  command->add_option("--status", flags->status, "active, suspended or closed")
      ->transform(CLI::IsMember(NamesOf(StatusesByName()), CLI::ignore_case));
  CLI::Option* skills =
      command
          ->add_option("--skills", flags->skills,
                       "Replace the skills, e.g. gardening,lifts")
          ->delimiter(',');
  command->add_flag("--clear-skills", flags->clear_skills, "Remove every skill")
      ->excludes(skills);
  registry.Bind(command, [flags](Session& s) { return RunUpdate(s, *flags); });
}

void AddErase(CLI::App* parent, CommandRegistry& registry) {
  auto flags = std::make_shared<EraseFlags>();
  CLI::App* command = parent->add_subcommand(
      "erase", "Pseudonymise an account's personal details (cannot be undone)");
  AddAccountRef(command, registry, &flags->ref);
  command->add_flag("--yes", flags->yes, "Confirm that this cannot be undone");
  registry.Bind(command, [flags](Session& s) { return RunErase(s, *flags); });
}

}  // namespace

void AddAccountCommands(CLI::App& app, CommandRegistry& registry) {
  CLI::App* group =
      app.add_subcommand("account", "Open, show, list and change accounts");
  group->require_subcommand(1);
  AddOpen(group, registry);

  auto show = std::make_shared<AccountRef>();
  CLI::App* show_command =
      group->add_subcommand("show", "Show an account and its totals");
  AddAccountRef(show_command, registry, show.get());
  registry.Bind(show_command, [show](Session& s) { return RunShow(s, *show); });

  auto list = std::make_shared<ListFlags>();
  CLI::App* list_command =
      group->add_subcommand("list", "List a timebank's accounts");
  registry.AddTimebankOption(list_command, &list->timebank_id);
  list_command->add_option(
      "--query,-q", list->query,
      "Only accounts whose id or name contains this, e.g. vera");
  AddPageFlags(list_command, &list->page);
  registry.Bind(list_command, [list](Session& s) { return RunList(s, *list); });

  AddUpdate(group, registry);
  AddErase(group, registry);
  AddAccountImportCommand(*group, registry);
}

}  // namespace timebank::client
