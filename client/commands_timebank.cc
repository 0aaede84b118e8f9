// `timebank timebank create|show|list|settings`: the timebanks themselves and
// their rules.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/commands.h"
#include "client/dates.h"
#include "client/hours.h"
#include "client/string_view.h"

namespace timebank::client {
namespace {

// Flags that set rules; empty or false means "leave as it is".
struct SettingsFlags {
  std::string floor_hours;
  bool no_floor = false;
  std::string max_hours;
  bool members_may_log = false;
  bool no_member_logging = false;
};

// "20", "-20", "20h" and "0" all describe how far into "get" a member may
// go; the floor itself is never positive.
absl::StatusOr<int64_t> ParseFloorFlag(std::string_view text) {
  std::string_view hours = ToStd(absl::StripAsciiWhitespace(ToAbsl(text)));
  if (!hours.empty() && hours.front() == '-') hours.remove_prefix(1);
  if (hours == "0") return 0;
  absl::StatusOr<int64_t> minutes = ParseDurationFlag("--floor-hours", hours);
  if (!minutes.ok()) return minutes.status();
  return -*minutes;
}

absl::Status ApplySettingsFlags(const SettingsFlags& flags,
                                v1::TimebankSettings* settings) {
  if (flags.members_may_log) settings->set_members_may_log(true);
  if (flags.no_member_logging) settings->set_members_may_log(false);
  if (flags.no_floor) {
    settings->set_has_balance_floor(false);
    settings->set_balance_floor_minutes(0);
  }
  if (!flags.floor_hours.empty()) {
    absl::StatusOr<int64_t> floor = ParseFloorFlag(flags.floor_hours);
    if (!floor.ok()) return floor.status();
    settings->set_has_balance_floor(true);
    settings->set_balance_floor_minutes(*floor);
  }
  if (!flags.max_hours.empty()) {
    absl::StatusOr<int64_t> max =
        ParseDurationFlag("--max-hours", flags.max_hours);
    if (!max.ok()) return max.status();
    settings->set_max_exchange_minutes(*max);
  }
  return absl::OkStatus();
}

void AddSettingsFlags(CLI::App* command, SettingsFlags* flags) {
  CLI::Option* floor = command->add_option(
      "--floor-hours", flags->floor_hours,
      "How far into 'get' a member may go, e.g. 20 for a floor of -20 h");
  command->add_flag("--no-floor", flags->no_floor, "No balance floor")
      ->excludes(floor);
  command->add_option("--max-hours", flags->max_hours,
                      "Largest single exchange, e.g. 24 or 8h (default 24 h)");
  CLI::Option* may_log = command->add_flag(
      "--members-may-log", flags->members_may_log,
      "Members may log exchanges themselves (pending until confirmed)");
  command
      ->add_flag("--no-member-logging", flags->no_member_logging,
                 "Only coordinators record exchanges")
      ->excludes(may_log);
}

// The chain head is 64 hex digits: shown for one timebank, not in lists.
enum class ChainHead { kHide, kShow };

Table TimebankTable(ChainHead chain_head) {
  std::vector<Column> columns = {
      {.heading = "Id", .csv_name = "timebank_id"},
      {.heading = "Name", .csv_name = "name"},
      {.heading = "Members log", .csv_name = "members_may_log"},
      {.heading = "Floor",
       .csv_name = "balance_floor_minutes",
       .align = Align::kRight},
      {.heading = "Largest exchange",
       .csv_name = "max_exchange_minutes",
       .align = Align::kRight},
      {.heading = "Entries", .csv_name = "last_seq", .align = Align::kRight},
      {.heading = "Created", .csv_name = "created_at_unix_us"}};
  if (chain_head == ChainHead::kShow) {
    columns.push_back({.heading = "Chain head", .csv_name = "last_hash_hex"});
  }
  return Table(std::move(columns));
}

void AddTimebankRow(const v1::Timebank& timebank, Table* table) {
  const v1::TimebankSettings& settings = timebank.settings();
  const Cell floor = settings.has_balance_floor()
                         ? SignedMinutesCell(settings.balance_floor_minutes())
                         : Cell("none", "");
  // A list table has no chain-head column; AddRow drops the extra cell.
  table->AddRow({timebank.timebank_id(), timebank.name(),
                 YesNoCell(settings.members_may_log()), floor,
                 MinutesCell(settings.max_exchange_minutes()),
                 NumberCell(timebank.last_seq()),
                 Cell(FormatInstantUs(timebank.created_at_unix_us()),
                      absl::StrCat(timebank.created_at_unix_us())),
                 HexOf(timebank.last_hash())});
}

absl::Status PrintTimebank(Session& session, const v1::Timebank& timebank,
                           std::string_view headline) {
  Table table = TimebankTable(ChainHead::kShow);
  AddTimebankRow(timebank, &table);
  if (session.printer().is_table() && !headline.empty()) {
    session.out() << headline << "\n";
  }
  return session.printer().PrintOne(timebank, table);
}

struct CreateFlags {
  std::string id;
  std::string name;
  SettingsFlags settings;
};

absl::Status RunCreate(Session& session, const CreateFlags& flags) {
  v1::CreateTimebankRequest request;
  request.set_timebank_id(flags.id);
  request.set_name(flags.name);
  // Settings replace the defaults as a whole, so start from the defaults.
  v1::TimebankSettings* settings = request.mutable_settings();
  settings->set_members_may_log(true);
  if (absl::Status s = ApplySettingsFlags(flags.settings, settings); !s.ok())
    return s;
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<v1::Timebank> timebank = CallLedger(
      **connection, &v1::Ledger::StubInterface::CreateTimebank, request);
  if (!timebank.ok()) return timebank.status();
  return PrintTimebank(
      session, *timebank,
      absl::StrCat("Created timebank ", timebank->timebank_id(), "."));
}

absl::StatusOr<v1::Timebank> GetTimebank(const Connection& connection,
                                         const std::string& id) {
  v1::GetTimebankRequest request;
  request.set_timebank_id(id);
  return CallLedger(connection, &v1::Ledger::StubInterface::GetTimebank,
                    request);
}

absl::Status RunShow(Session& session, const std::string& id) {
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<v1::Timebank> timebank = GetTimebank(**connection, id);
  if (!timebank.ok()) return timebank.status();
  return PrintTimebank(session, *timebank, "");
}

absl::Status RunList(Session& session) {
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<v1::ListTimebanksResponse> reply =
      CallLedger(**connection, &v1::Ledger::StubInterface::ListTimebanks,
                 v1::ListTimebanksRequest());
  if (!reply.ok()) return reply.status();
  Table table = TimebankTable(ChainHead::kHide);
  for (const v1::Timebank& timebank : reply->timebanks()) {
    AddTimebankRow(timebank, &table);
  }
  return session.printer().PrintList(MessagePointers(reply->timebanks()), table,
                                     "No timebanks.");
}

struct SettingsCommandFlags {
  std::string id;
  SettingsFlags settings;
};

// UpdateTimebank replaces the settings as a whole, so the current ones are
// read first and only the flags given are changed.
absl::Status RunSettings(Session& session, const SettingsCommandFlags& flags) {
  const SettingsFlags& given = flags.settings;
  if (given.floor_hours.empty() && !given.no_floor && given.max_hours.empty() &&
      !given.members_may_log && !given.no_member_logging) {
    return absl::InvalidArgumentError(
        "nothing to change: give --floor-hours, --no-floor, --max-hours, "
        "--members-may-log or --no-member-logging");
  }
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<v1::Timebank> current = GetTimebank(**connection, flags.id);
  if (!current.ok()) return current.status();
  v1::UpdateTimebankRequest request;
  request.set_timebank_id(flags.id);
  *request.mutable_settings() = current->settings();
  if (absl::Status s =
          ApplySettingsFlags(flags.settings, request.mutable_settings());
      !s.ok()) {
    return s;
  }
  absl::StatusOr<v1::Timebank> updated = CallLedger(
      **connection, &v1::Ledger::StubInterface::UpdateTimebank, request);
  if (!updated.ok()) return updated.status();
  return PrintTimebank(
      session, *updated,
      absl::StrCat("Updated the rules of ", updated->timebank_id(), "."));
}

void AddCreate(CLI::App* parent, CommandRegistry& registry) {
  auto flags = std::make_shared<CreateFlags>();
  CLI::App* command =
      parent->add_subcommand("create", "Create a timebank (admin)");
  command->add_option("--id", flags->id, "Slug of [a-z0-9-], e.g. riverside")
      ->required();
  command
      ->add_option("--name", flags->name, "Name, e.g. \"Riverside Timebank\"")
      ->required();
  AddSettingsFlags(command, &flags->settings);
  registry.Bind(command, [flags](Session& s) { return RunCreate(s, *flags); });
}

void AddShow(CLI::App* parent, CommandRegistry& registry) {
  auto id = std::make_shared<std::string>();
  CLI::App* command =
      parent->add_subcommand("show", "Show a timebank and its rules");
  AddArgumentOrFlag(command, "id", id.get(), "Timebank id");
  registry.Bind(command, [id](Session& s) { return RunShow(s, *id); });
}

void AddSettings(CLI::App* parent, CommandRegistry& registry) {
  auto flags = std::make_shared<SettingsCommandFlags>();
  CLI::App* command = parent->add_subcommand(
      "settings",
      "Change a timebank's rules; rules not named stay as they are");
  AddArgumentOrFlag(command, "id", &flags->id, "Timebank id");
  AddSettingsFlags(command, &flags->settings);
  registry.Bind(command,
                [flags](Session& s) { return RunSettings(s, *flags); });
}

}  // namespace

void AddTimebankCommands(CLI::App& app, CommandRegistry& registry) {
  CLI::App* group =
      app.add_subcommand("timebank", "Create, list and configure timebanks");
  group->require_subcommand(1);
  AddCreate(group, registry);
  AddShow(group, registry);
  CLI::App* list =
      group->add_subcommand("list", "List the timebanks you may see");
  registry.Bind(list, [](Session& s) { return RunList(s); });
  AddSettings(group, registry);
}

}  // namespace timebank::client
