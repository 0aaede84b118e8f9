// `timebank reflect` and `reflections` (people's own view of each
// principle), `timebank action add|list|update` (the action plan: who, what,
// how, when) and `timebank thresholds show|set` (what the assessment compares
// the ledger's figures with).

#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "client/assessment_text.h"
#include "client/commands.h"
#include "client/dates.h"
#include "client/request_id.h"
#include "client/string_view.h"

namespace timebank::client {
namespace {

// The one threshold that is no metric's: the fewest active members for
// which a figure sets a stage (Threshold.stage 0 in the proto).
constexpr char kMinActiveMembers[] = "min_active_members";

// ---- reflections ----------------------------------------------------------

struct ReflectFlags {
  std::string timebank_id;
  std::string principle;
  std::string perspective;
  int stage = 0;
  std::string rag;
  std::string evidence;
  std::string author;
  std::string on;
  std::string request_id;
};

Table ReflectionTable() {
  return Table(
      {{.heading = "Id", .csv_name = "reflection_id", .align = Align::kRight},
       {.heading = "Date", .csv_name = "reflected_on"},
       {.heading = "Principle", .csv_name = "principle"},
       {.heading = "Perspective", .csv_name = "perspective"},
       {.heading = "Stage", .csv_name = "stage", .align = Align::kRight},
       {.heading = "RAG", .csv_name = "rag"},
       {.heading = "Author", .csv_name = "author", .max_width = 24},
       {.heading = "Evidence", .csv_name = "evidence", .max_width = 60}});
}

std::vector<Cell> ReflectionCells(const v1::Reflection& r) {
  const std::string rag =
      r.rag() == v1::RAG_UNSPECIFIED ? "" : RagWord(r.rag());
  return {NumberCell(r.reflection_id()),
          r.reflected_on(),
          PrincipleFlagName(r.principle()),
          PerspectiveName(r.perspective()),
          NumberCell(int64_t{r.stage()}),
          Cell(rag, absl::AsciiStrToLower(rag)),
          r.author(),
          r.evidence()};
}

absl::StatusOr<v1::SubmitReflectionRequest> ReflectRequestOf(
    const ReflectFlags& flags) {
  v1::SubmitReflectionRequest request;
  absl::StatusOr<v1::Principle> principle =
      ParsePrinciple("--principle", flags.principle, false);
  if (!principle.ok()) return principle.status();
  absl::StatusOr<v1::Perspective> perspective =
      ParsePerspective("--perspective", flags.perspective);
  if (!perspective.ok()) return perspective.status();
  if (!flags.rag.empty()) {
    absl::StatusOr<v1::Rag> rag = ParseRag("--rag", flags.rag);
    if (!rag.ok()) return rag.status();
    request.set_rag(*rag);
  }
  if (absl::Status s = CheckDateFlag("--on", flags.on); !s.ok()) return s;
  request.set_timebank_id(flags.timebank_id);
  request.set_request_id(flags.request_id.empty() ? RandomRequestId()
                                                  : flags.request_id);
  request.set_principle(*principle);
  request.set_perspective(*perspective);
  request.set_stage(flags.stage);
  request.set_evidence(flags.evidence);
  request.set_author(flags.author);
  request.set_reflected_on(flags.on);
  return request;
}

absl::Status RunReflect(Session& session, const ReflectFlags& flags) {
  absl::StatusOr<v1::SubmitReflectionRequest> request = ReflectRequestOf(flags);
  if (!request.ok()) return request.status();
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<v1::Reflection> reflection = CallAssessment(
      **connection, &v1::Assessment::StubInterface::SubmitReflection, *request);
  if (!reflection.ok()) {
    HintRetry(session, reflection.status(), request->request_id());
    return reflection.status();
  }
  if (session.printer().is_table()) {
    session.out() << "Recorded reflection #" << reflection->reflection_id()
                  << ": the " << PerspectiveName(reflection->perspective())
                  << " view of " << PrincipleTitle(reflection->principle())
                  << ", stage " << reflection->stage() << " ("
                  << StageLabelOf(reflection->stage()) << ")"
                  << (reflection->rag() == v1::RAG_UNSPECIFIED
                          ? ""
                          : ", " + RagWord(reflection->rag()))
                  << ", dated " << reflection->reflected_on() << ".\n";
    return absl::OkStatus();
  }
  Table table = ReflectionTable();
  table.AddRow(ReflectionCells(*reflection));
  return session.printer().PrintOne(*reflection, table);
}

struct ReflectionsFlags {
  std::string timebank_id;
  std::string principle;
  std::string perspective;
  std::string from;
  std::string to;
  PageFlags page;
};

absl::Status RunReflections(Session& session, const ReflectionsFlags& flags) {
  v1::ListReflectionsRequest request;
  request.set_timebank_id(flags.timebank_id);
  if (!flags.principle.empty()) {
    absl::StatusOr<v1::Principle> principle =
        ParsePrinciple("--principle", flags.principle, false);
    if (!principle.ok()) return principle.status();
    request.set_principle(*principle);
  }
  if (!flags.perspective.empty()) {
    absl::StatusOr<v1::Perspective> perspective =
        ParsePerspective("--perspective", flags.perspective);
    if (!perspective.ok()) return perspective.status();
    request.set_perspective(*perspective);
  }
  if (absl::Status s = CheckDateFlag("--from", flags.from); !s.ok()) return s;
  if (absl::Status s = CheckDateFlag("--to", flags.to); !s.ok()) return s;
  request.set_from_date(flags.from);
  request.set_to_date(flags.to);
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<std::vector<v1::ListReflectionsResponse>> pages =
      FetchPages(**connection, &v1::Assessment::StubInterface::ListReflections,
                 request, flags.page);
  if (!pages.ok()) return pages.status();
  Table table = ReflectionTable();
  std::vector<const google::protobuf::Message*> items;
  for (const v1::ListReflectionsResponse& page : *pages) {
    for (const v1::Reflection& reflection : page.reflections()) {
      table.AddRow(ReflectionCells(reflection));
      items.push_back(&reflection);
    }
  }
  if (absl::Status s =
          session.printer().PrintList(items, table, "No reflections.");
      !s.ok()) {
    return s;
  }
  HintNextPage(session, *pages);
  return absl::OkStatus();
}

void AddReflectionCommands(CLI::App& app, CommandRegistry& registry) {
  auto reflect = std::make_shared<ReflectFlags>();
  CLI::App* command = app.add_subcommand(
      "reflect",
      "Record someone's own view of a principle: stage 1-4 and evidence");
  registry.AddTimebankOption(command, &reflect->timebank_id);
  command
      ->add_option("--principle", reflect->principle,
                   "people-as-assets, valuing-work, reciprocity or "
                   "social-networks")
      ->required();
  command
      ->add_option("--perspective", reflect->perspective,
                   "Whose view: member, family, staff or council")
      ->required();
  command
      ->add_option("--stage", reflect->stage,
                   "1 really haven't got this, 2 got the basics, 3 getting "
                   "there, 4 doing REALLY well")
      ->required()
      ->check(CLI::Range(1, 4));
  command->add_option("--rag", reflect->rag,
                      "Their own colour: red, amber or green");
  command
      ->add_option("--evidence", reflect->evidence,
                   "What people are doing or saying that shows the stage")
      ->required();
  command->add_option("--author", reflect->author,
                      "Who is reflecting, e.g. \"day centre staff\"");
  command->add_option("--on", reflect->on,
                      "Date of the reflection YYYY-MM-DD (default today, UTC)");
  command->add_option("--request-id", reflect->request_id,
                      "Id that makes a retry safe (default: a new random id)");
  registry.Bind(command,
                [reflect](Session& s) { return RunReflect(s, *reflect); });

  auto list = std::make_shared<ReflectionsFlags>();
  CLI::App* list_command =
      app.add_subcommand("reflections", "List the reflections people made");
  registry.AddTimebankOption(list_command, &list->timebank_id);
  list_command->add_option("--principle", list->principle,
                           "Only this principle");
  list_command->add_option("--perspective", list->perspective,
                           "Only this perspective");
  list_command->add_option("--from", list->from,
                           "Dated on or after YYYY-MM-DD");
  list_command->add_option("--to", list->to, "Dated on or before YYYY-MM-DD");
  AddPageFlags(list_command, &list->page);
  registry.Bind(list_command,
                [list](Session& s) { return RunReflections(s, *list); });
}

// ---- the action plan ------------------------------------------------------

Table ActionTable() {
  return Table(
      {{.heading = "Id", .csv_name = "action_id", .align = Align::kRight},
       {.heading = "Due", .csv_name = "due_on"},
       {.heading = "Status", .csv_name = "status"},
       {.heading = "Principle", .csv_name = "principle"},
       {.heading = "Who", .csv_name = "who", .max_width = 28},
       {.heading = "What", .csv_name = "what", .max_width = 44},
       {.heading = "How", .csv_name = "how", .max_width = 32},
       {.heading = "Note", .csv_name = "note", .max_width = 32}});
}

std::vector<Cell> ActionCells(const v1::Action& a) {
  return {NumberCell(a.action_id()),
          a.due_on(),
          ActionStatusName(a.status()),
          PrincipleFlagName(a.principle()),
          a.who(),
          a.what(),
          a.how(),
          a.note()};
}

// "#3 The toddler group and its host: open the lounge ... (due 2026-12-01,
// planned)".
std::string ActionSentence(const v1::Action& a) {
  return absl::StrCat(
      "#", a.action_id(), " ", PrintableText(a.who()), ": ",
      PrintableText(a.what()), " (",
      a.due_on().empty() ? "no due date" : absl::StrCat("due ", a.due_on()),
      ", ", ActionStatusName(a.status()), ")");
}

absl::Status PrintAction(Session& session, const v1::Action& action,
                         std::string_view verb) {
  if (session.printer().is_table()) {
    session.out() << verb << " action " << ActionSentence(action) << ".\n";
    if (!action.note().empty()) {
      session.out() << "Note: " << PrintableText(action.note()) << "\n";
    }
    return absl::OkStatus();
  }
  Table table = ActionTable();
  table.AddRow(ActionCells(action));
  return session.printer().PrintOne(action, table);
}

struct ActionAddFlags {
  std::string timebank_id;
  std::string principle;
  std::string who;
  std::string what;
  std::string how;
  std::string due;
  std::string status;
  std::string request_id;
};

absl::Status RunActionAdd(Session& session, const ActionAddFlags& flags) {
  v1::AddActionRequest request;
  request.set_timebank_id(flags.timebank_id);
  if (!flags.principle.empty()) {
    absl::StatusOr<v1::Principle> principle =
        ParsePrinciple("--principle", flags.principle, true);
    if (!principle.ok()) return principle.status();
    request.set_principle(*principle);
  }
  if (!flags.status.empty()) {
    absl::StatusOr<v1::ActionStatus> status =
        ParseActionStatus("--status", flags.status);
    if (!status.ok()) return status.status();
    request.set_status(*status);
  }
  if (absl::Status s = CheckDateFlag("--due", flags.due); !s.ok()) return s;
  request.set_request_id(flags.request_id.empty() ? RandomRequestId()
                                                  : flags.request_id);
  request.set_who(flags.who);
  request.set_what(flags.what);
  request.set_how(flags.how);
  request.set_due_on(flags.due);
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<v1::Action> action = CallAssessment(
      **connection, &v1::Assessment::StubInterface::AddAction, request);
  if (!action.ok()) {
    HintRetry(session, action.status(), request.request_id());
    return action.status();
  }
  return PrintAction(session, *action, "Added");
}

struct ActionListFlags {
  std::string timebank_id;
  std::string principle;
  std::vector<std::string> statuses;
  PageFlags page;
};

absl::Status RunActionList(Session& session, const ActionListFlags& flags) {
  v1::ListActionsRequest request;
  request.set_timebank_id(flags.timebank_id);
  if (!flags.principle.empty()) {
    absl::StatusOr<v1::Principle> principle =
        ParsePrinciple("--principle", flags.principle, true);
    if (!principle.ok()) return principle.status();
    request.set_principle(*principle);
  }
  for (const std::string& text : flags.statuses) {
    absl::StatusOr<v1::ActionStatus> status =
        ParseActionStatus("--status", text);
    if (!status.ok()) return status.status();
    request.add_statuses(*status);
  }
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<std::vector<v1::ListActionsResponse>> pages =
      FetchPages(**connection, &v1::Assessment::StubInterface::ListActions,
                 request, flags.page);
  if (!pages.ok()) return pages.status();
  Table table = ActionTable();
  std::vector<const google::protobuf::Message*> items;
  for (const v1::ListActionsResponse& page : *pages) {
    for (const v1::Action& action : page.actions()) {
      table.AddRow(ActionCells(action));
      items.push_back(&action);
    }
  }
  if (absl::Status s = session.printer().PrintList(items, table, "No actions.");
      !s.ok()) {
    return s;
  }
  HintNextPage(session, *pages);
  return absl::OkStatus();
}

// Options of `action update`; a field is sent only when its option was given
// (an empty --how or --due clears it).
struct ActionUpdateFlags {
  std::string timebank_id;
  uint64_t action_id = 0;
  std::string status, note, who, what, how, due;
  CLI::Option* status_option = nullptr;
  CLI::Option* note_option = nullptr;
  CLI::Option* who_option = nullptr;
  CLI::Option* what_option = nullptr;
  CLI::Option* how_option = nullptr;
  CLI::Option* due_option = nullptr;
};

absl::StatusOr<v1::UpdateActionRequest> UpdateRequestOf(
    const ActionUpdateFlags& flags) {
  v1::UpdateActionRequest request;
  request.set_timebank_id(flags.timebank_id);
  request.set_action_id(flags.action_id);
  if (flags.status_option->count() > 0) {
    absl::StatusOr<v1::ActionStatus> status =
        ParseActionStatus("--status", flags.status);
    if (!status.ok()) return status.status();
    request.set_status(*status);
  }
  if (flags.due_option->count() > 0) {
    if (absl::Status s = CheckDateFlag("--due", flags.due); !s.ok()) return s;
    request.set_due_on(flags.due);
  }
  if (flags.note_option->count() > 0) request.set_note(flags.note);
  if (flags.who_option->count() > 0) request.set_who(flags.who);
  if (flags.what_option->count() > 0) request.set_what(flags.what);
  if (flags.how_option->count() > 0) request.set_how(flags.how);
  if (!request.has_status() && !request.has_due_on() && !request.has_note() &&
      !request.has_who() && !request.has_what() && !request.has_how()) {
    return absl::InvalidArgumentError(
        "nothing to change: give --status, --note, --who, --what, --how or "
        "--due");
  }
  return request;
}

absl::Status RunActionUpdate(Session& session, const ActionUpdateFlags& flags) {
  absl::StatusOr<v1::UpdateActionRequest> request = UpdateRequestOf(flags);
  if (!request.ok()) return request.status();
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<v1::Action> action = CallAssessment(
      **connection, &v1::Assessment::StubInterface::UpdateAction, *request);
  if (!action.ok()) return action.status();
  return PrintAction(session, *action, "Updated");
}

void AddActionAdd(CLI::App* group, CommandRegistry& registry) {
  auto flags = std::make_shared<ActionAddFlags>();
  CLI::App* command = group->add_subcommand(
      "add", "Add a step: who will do what, how, by when");
  registry.AddTimebankOption(command, &flags->timebank_id);
  command->add_option("--principle", flags->principle,
                      "The principle it works on (default: overall plan)");
  command->add_option("--who", flags->who, "Who will do it")->required();
  command->add_option("--what", flags->what, "What will be done")->required();
  command->add_option("--how", flags->how, "How it will be done");
  command->add_option("--due", flags->due, "Due date YYYY-MM-DD");
  command->add_option("--status", flags->status,
                      "planned (default), in-progress, done or dropped");
  command->add_option("--request-id", flags->request_id,
                      "Id that makes a retry safe (default: a new random id)");
  registry.Bind(command,
                [flags](Session& s) { return RunActionAdd(s, *flags); });
}

void AddActionList(CLI::App* group, CommandRegistry& registry) {
  auto flags = std::make_shared<ActionListFlags>();
  CLI::App* command =
      group->add_subcommand("list", "List the action plan, by due date");
  registry.AddTimebankOption(command, &flags->timebank_id);
  command->add_option("--principle", flags->principle,
                      "Only this principle, or overall");
  command->add_option("--status", flags->statuses,
                      "Only this status (repeat for several)");
  AddPageFlags(command, &flags->page);
  registry.Bind(command,
                [flags](Session& s) { return RunActionList(s, *flags); });
}

void AddActionUpdate(CLI::App* group, CommandRegistry& registry) {
  auto flags = std::make_shared<ActionUpdateFlags>();
  CLI::App* command = group->add_subcommand(
      "update", "Change an action: its status, a progress note, who, what...");
  registry.AddTimebankOption(command, &flags->timebank_id);
  AddArgumentOrFlag(command, "id", &flags->action_id, "The action's id");
  flags->status_option = command->add_option(
      "--status", flags->status, "planned, in-progress, done or dropped");
  flags->note_option = command->add_option(
      "--note", flags->note, "Progress note (replaces the previous one)");
  flags->who_option = command->add_option("--who", flags->who, "New who");
  flags->what_option = command->add_option("--what", flags->what, "New what");
  flags->how_option = command->add_option("--how", flags->how, "New how");
  flags->due_option = command->add_option(
      "--due", flags->due, "New due date YYYY-MM-DD; \"\" clears it");
  registry.Bind(command,
                [flags](Session& s) { return RunActionUpdate(s, *flags); });
}

// ---- thresholds -------------------------------------------------------------

// One metric's three thresholds, gathered from the per-stage rows.
struct MetricThresholds {
  const v1::Threshold* stage[3] = {nullptr, nullptr, nullptr};
};

std::string ThresholdCellText(const v1::Threshold* t) {
  if (t == nullptr) return "";
  std::string text = FormatMetricValue(t->unit(), t->value());
  if (t->value() != t->default_value()) {
    absl::StrAppend(&text, " (default ",
                    FormatMetricValue(t->unit(), t->default_value()), ")");
  }
  return text;
}

// People read one line per metric with its three stages; programs get one
// row per threshold.
absl::Status PrintThresholds(Session& session, const v1::Thresholds& thresholds,
                             const std::string& only_metric) {
  std::vector<const v1::Threshold*> rows;
  for (const v1::Threshold& t : thresholds.thresholds()) {
    if (only_metric.empty() || t.metric() == only_metric) rows.push_back(&t);
  }
  if (session.printer().format() == OutputFormat::kJson) {
    absl::StatusOr<Json> value = MessageToJsonValue(thresholds);
    if (!value.ok()) return value.status();
    session.printer().PrintJson(*value);
    return absl::OkStatus();
  }
  if (session.printer().format() == OutputFormat::kCsv) {
    Table table({{.heading = "", .csv_name = "metric"},
                 {.heading = "", .csv_name = "principle"},
                 {.heading = "", .csv_name = "stage"},
                 {.heading = "", .csv_name = "value"},
                 {.heading = "", .csv_name = "default_value"},
                 {.heading = "", .csv_name = "comparison"},
                 {.heading = "", .csv_name = "unit"},
                 {.heading = "", .csv_name = "description"}});
    for (const v1::Threshold* t : rows) {
      table.AddRow(
          {t->metric(), PrincipleFlagName(t->principle()),
           NumberCell(int64_t{t->stage()}), absl::StrCat(t->value()),
           absl::StrCat(t->default_value()),
           t->comparison() == v1::COMPARISON_AT_MOST ? "at_most" : "at_least",
           t->unit(), t->description()});
    }
    session.printer().PrintTable(table);
    return absl::OkStatus();
  }
  std::vector<std::string> order;
  std::map<std::string, MetricThresholds> metrics;
  const v1::Threshold* minimum = nullptr;
  for (const v1::Threshold* t : rows) {
    if (t->metric() == kMinActiveMembers) {
      minimum = t;
      continue;
    }
    if (!metrics.contains(t->metric())) order.push_back(t->metric());
    if (t->stage() >= 2 && t->stage() <= 4)
      metrics[t->metric()].stage[t->stage() - 2] = t;
  }
  Table table(
      {{.heading = "Metric", .csv_name = "metric"},
       {.heading = "Principle", .csv_name = "principle"},
       {.heading = "Met when", .csv_name = "comparison"},
       {.heading = "Stage 2", .csv_name = "stage2", .align = Align::kRight},
       {.heading = "Stage 3", .csv_name = "stage3", .align = Align::kRight},
       {.heading = "Stage 4", .csv_name = "stage4", .align = Align::kRight}});
  for (const std::string& metric : order) {
    const MetricThresholds& m = metrics[metric];
    const v1::Threshold* any = m.stage[0]   ? m.stage[0]
                               : m.stage[1] ? m.stage[1]
                                            : m.stage[2];
    if (any == nullptr) continue;
    table.AddRow(
        {metric, PrincipleFlagName(any->principle()),
         any->comparison() == v1::COMPARISON_AT_MOST ? "at most" : "at least",
         ThresholdCellText(m.stage[0]), ThresholdCellText(m.stage[1]),
         ThresholdCellText(m.stage[2])});
  }
  if (table.size() == 0 && minimum == nullptr) {
    session.out() << "No thresholds.\n";
    return absl::OkStatus();
  }
  if (table.size() > 0) {
    session.printer().PrintTable(table);
    session.out() << "Shares are 0 to 1 (shown as %). `--json` or `--csv` "
                     "adds what each metric means and why its defaults sit "
                     "where they do.\n";
  }
  if (minimum != nullptr) {
    // A count of people, so a whole number.
    const auto members = [](double value) {
      return static_cast<int64_t>(std::llround(value));
    };
    session.out() << "With fewer than " << members(minimum->value())
                  << " active members in the range";
    if (minimum->value() != minimum->default_value()) {
      session.out() << " (default " << members(minimum->default_value()) << ")";
    }
    session.out() << ", no figure sets a stage: \"too few to judge\" ("
                  << kMinActiveMembers << ").\n";
  }
  return absl::OkStatus();
}

absl::Status RunThresholdsShow(Session& session,
                               const std::string& timebank_id) {
  v1::GetThresholdsRequest request;
  request.set_timebank_id(timebank_id);
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<v1::Thresholds> thresholds = CallAssessment(
      **connection, &v1::Assessment::StubInterface::GetThresholds, request);
  if (!thresholds.ok()) return thresholds.status();
  return PrintThresholds(session, *thresholds, "");
}

struct ThresholdSetFlags {
  std::string timebank_id;
  std::string metric;
  int stage = 0;
  std::string value;
  bool restore_default = false;
};

// "0.45", or "45%" for a share.
absl::StatusOr<double> ParseThresholdValue(const std::string& text) {
  absl::string_view digits = absl::StripAsciiWhitespace(text);
  const bool percent = absl::ConsumeSuffix(&digits, "%");
  double value = 0;
  if (!absl::SimpleAtod(digits, &value) || !std::isfinite(value)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--value: expected a number such as 0.45 or 45%, got \"",
                     text.substr(0, 64), "\""));
  }
  return percent ? value / 100 : value;
}

absl::Status RunThresholdsSet(Session& session,
                              const ThresholdSetFlags& flags) {
  v1::SetThresholdsRequest request;
  request.set_timebank_id(flags.timebank_id);
  v1::ThresholdSetting* setting = request.add_thresholds();
  setting->set_metric(flags.metric);
  setting->set_stage(flags.stage);
  if (!flags.restore_default) {
    absl::StatusOr<double> value = ParseThresholdValue(flags.value);
    if (!value.ok()) return value.status();
    setting->set_value(*value);
  }
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<v1::Thresholds> thresholds = CallAssessment(
      **connection, &v1::Assessment::StubInterface::SetThresholds, request);
  if (!thresholds.ok()) return thresholds.status();
  return PrintThresholds(session, *thresholds, flags.metric);
}

void AddThresholdCommands(CLI::App& app, CommandRegistry& registry) {
  CLI::App* group = app.add_subcommand(
      "thresholds", "The thresholds the assessment compares figures with");
  group->require_subcommand(1);
  auto timebank_id = std::make_shared<std::string>();
  CLI::App* show = group->add_subcommand(
      "show", "Every metric's thresholds for stages 2, 3 and 4");
  registry.AddTimebankOption(show, timebank_id.get());
  registry.Bind(show, [timebank_id](Session& s) {
    return RunThresholdsShow(s, *timebank_id);
  });

  auto flags = std::make_shared<ThresholdSetFlags>();
  CLI::App* set = group->add_subcommand(
      "set", "Set one metric's threshold for a stage, or restore its default");
  registry.AddTimebankOption(set, &flags->timebank_id);
  AddArgumentOrFlag(set, "metric", &flags->metric,
                    "Metric, e.g. reciprocity.gave_and_received_share");
  set->add_option("--stage", flags->stage,
                  "Which threshold: stage 2, 3 or 4 (none for " +
                      std::string(kMinActiveMembers) + ")")
      ->check(CLI::Range(2, 4));
  CLI::Option* value = set->add_option(
      "--value", flags->value, "New threshold, e.g. 0.45 or 45% for a share");
  CLI::Option* restore = set->add_flag("--default", flags->restore_default,
                                       "Restore the documented default");
  value->excludes(restore);
  restore->excludes(value);
  registry.Bind(set, [flags](Session& s) {
    if (flags->value.empty() && !flags->restore_default) {
      return absl::InvalidArgumentError("give --value V or --default");
    }
    const bool minimum = flags->metric == kMinActiveMembers;
    if (minimum != (flags->stage == 0)) {
      return absl::InvalidArgumentError(
          minimum ? absl::StrCat("--stage: ", kMinActiveMembers,
                                 " has no stages; leave --stage out")
                  : std::string("--stage: give 2, 3 or 4"));
    }
    return RunThresholdsSet(s, *flags);
  });
}

}  // namespace

void AddPlanCommands(CLI::App& app, CommandRegistry& registry) {
  AddReflectionCommands(app, registry);
  CLI::App* action =
      app.add_subcommand("action", "The action plan: who, what, how, when");
  action->require_subcommand(1);
  AddActionAdd(action, registry);
  AddActionList(action, registry);
  AddActionUpdate(action, registry);
  AddThresholdCommands(app, registry);
}

}  // namespace timebank::client
