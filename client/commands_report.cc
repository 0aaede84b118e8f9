// `timebank report` (give-and-get figures per period, or with --html the
// council report as one self-contained page) and `timebank assess` (the
// four co-production principles with their evidence).

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/assessment_text.h"
#include "client/commands.h"
#include "client/council_report.h"
#include "client/dates.h"
#include "client/hours.h"

namespace timebank::client {
namespace {

struct ReportFlags {
  std::string timebank_id;
  std::string from;
  std::string to;
  std::string by = "month";
  int top = 0;  // 0: the server's default (5).
  std::string html_file;
};

absl::Status CheckRange(const std::string& from, const std::string& to) {
  if (absl::Status s = CheckDateFlag("--from", from); !s.ok()) return s;
  if (absl::Status s = CheckDateFlag("--to", to); !s.ok()) return s;
  if (to < from) {
    return absl::InvalidArgumentError("--to: must not be before --from");
  }
  return absl::OkStatus();
}

// The people-facing table: one row per period and the total.
Table PeriodTable() {
  const auto n = [](std::string heading, std::string csv) {
    return Column{.heading = std::move(heading),
                  .csv_name = std::move(csv),
                  .align = Align::kRight};
  };
  return Table({{.heading = "Period", .csv_name = "label"},
                n("Hours", "minutes_exchanged"),
                n("Exch.", "exchanges"),
                n("Members", "members"),
                n("Active", "active_members"),
                n("Gave+got", "members_gave_and_received"),
                n("Only gave", "members_only_gave"),
                n("Only got", "members_only_received"),
                n("Inactive", "members_inactive"),
                n("Median bal.", "median_balance_minutes"),
                n("\u00b15 h", "share_within_5h"),
                n("Pairs", "distinct_pairs"),
                n("Recip.", "reciprocal_pairs"),
                n("3+ partners", "members_with_three_plus_partners"),
                n("New", "new_members"),
                n("New gave \u226490 d", "new_members_gave_within_90_days"),
                n("Org\u2192member", "organisation_to_member_minutes")});
}

std::vector<Cell> PeriodCells(const v1::PeriodFigures& p) {
  // A partial period is marked where people read it first.
  return {p.partial() ? p.label() + " *" : p.label(),
          MinutesCell(p.minutes_exchanged()),
          NumberCell(p.exchanges()),
          NumberCell(p.members()),
          NumberCell(p.active_members()),
          NumberCell(p.members_gave_and_received()),
          NumberCell(p.members_only_gave()),
          NumberCell(p.members_only_received()),
          NumberCell(p.members_inactive()),
          SignedMinutesCell(p.balances().median_minutes()),
          Cell(FormatShare(p.balances().share_within_5h()),
               absl::StrCat(p.balances().share_within_5h())),
          NumberCell(p.distinct_pairs()),
          NumberCell(p.reciprocal_pairs()),
          NumberCell(p.members_with_three_plus_partners()),
          NumberCell(p.new_members()),
          NumberCell(p.new_members_gave_within_90_days()),
          MinutesCell(p.organisation_to_member_minutes())};
}

// CSV carries every figure of a period, amounts in whole minutes.
Table PeriodCsvTable() {
  std::vector<Column> columns;
  for (const char* name : {"label",
                           "from_date",
                           "to_date",
                           "partial",
                           "days_covered",
                           "minutes_exchanged",
                           "minutes_among_members",
                           "exchanges",
                           "members",
                           "organisations",
                           "active_members",
                           "members_gave_and_received",
                           "members_only_gave",
                           "members_only_received",
                           "members_inactive",
                           "balance_members",
                           "p25_balance_minutes",
                           "median_balance_minutes",
                           "p75_balance_minutes",
                           "share_within_5h",
                           "distinct_pairs",
                           "reciprocal_pairs",
                           "members_with_three_plus_partners",
                           "new_members",
                           "median_partners",
                           "new_members",
                           "new_members_90_days_over",
                           "new_members_gave_within_90_days",
                           "organisation_to_member_minutes",
                           "member_to_organisation_minutes",
                           "pot_to_member_minutes",
                           "member_to_pot_minutes",
                           "top_categories"}) {
    columns.push_back({.heading = name, .csv_name = name});
  }
  return Table(std::move(columns));
}

std::vector<Cell> PeriodCsvCells(const v1::PeriodFigures& p) {
  std::vector<std::string> categories;
  for (const v1::CategoryFigures& c : p.top_categories()) {
    categories.push_back(
        absl::StrCat(c.category(), ":", c.minutes(), ":", c.exchanges()));
  }
  const v1::BalanceDistribution& b = p.balances();
  return {p.label(),
          p.from_date(),
          p.to_date(),
          Cell(p.partial() ? "true" : "false"),
          NumberCell(int64_t{p.days_covered()}),
          NumberCell(p.minutes_exchanged()),
          NumberCell(p.minutes_among_members()),
          NumberCell(p.exchanges()),
          NumberCell(p.members()),
          NumberCell(p.organisations()),
          NumberCell(p.active_members()),
          NumberCell(p.members_gave_and_received()),
          NumberCell(p.members_only_gave()),
          NumberCell(p.members_only_received()),
          NumberCell(p.members_inactive()),
          NumberCell(b.members()),
          NumberCell(b.p25_minutes()),
          NumberCell(b.median_minutes()),
          NumberCell(b.p75_minutes()),
          Cell(absl::StrCat(b.share_within_5h())),
          NumberCell(p.distinct_pairs()),
          NumberCell(p.reciprocal_pairs()),
          NumberCell(p.members_with_three_plus_partners()),
          NumberCell(p.median_partners()),
          NumberCell(p.new_members()),
          NumberCell(p.new_members_90_days_over()),
          NumberCell(p.new_members_gave_within_90_days()),
          NumberCell(p.organisation_to_member_minutes()),
          NumberCell(p.member_to_organisation_minutes()),
          NumberCell(p.pot_to_member_minutes()),
          NumberCell(p.member_to_pot_minutes()),
          Cell(absl::StrJoin(categories, ";"))};
}

void PrintCategories(Session& session, const v1::PeriodFigures& total) {
  session.out() << "\nTop categories, " << total.from_date() << " to "
                << total.to_date() << ":\n";
  if (total.top_categories().empty()) {
    session.out() << "(none)\n";
    return;
  }
  Table table(
      {{.heading = "Category", .csv_name = "category"},
       {.heading = "Hours", .csv_name = "minutes", .align = Align::kRight},
       {.heading = "Exchanges",
        .csv_name = "exchanges",
        .align = Align::kRight},
       {.heading = "Share", .csv_name = "share", .align = Align::kRight}});
  for (const v1::CategoryFigures& c : total.top_categories()) {
    const double share =
        total.minutes_exchanged() > 0
            ? static_cast<double>(c.minutes()) /
                  static_cast<double>(total.minutes_exchanged())
            : 0;
    table.AddRow({c.category(), MinutesCell(c.minutes()),
                  NumberCell(c.exchanges()), FormatShare(share)});
  }
  session.printer().PrintTable(table);
}

absl::Status PrintReport(Session& session,
                         const v1::ReciprocityReport& report) {
  switch (session.printer().format()) {
    case OutputFormat::kJson: {
      absl::StatusOr<Json> value = MessageToJsonValue(report);
      if (!value.ok()) return value.status();
      session.printer().PrintJson(*value);
      return absl::OkStatus();
    }
    case OutputFormat::kCsv: {
      Table table = PeriodCsvTable();
      for (const v1::PeriodFigures& p : report.periods())
        table.AddRow(PeriodCsvCells(p));
      table.AddRow(PeriodCsvCells(report.total()));
      session.printer().PrintTable(table);
      return absl::OkStatus();
    }
    case OutputFormat::kTable:
      break;
  }
  session.out() << report.timebank_id() << ", " << report.from_date() << " to "
                << report.to_date() << ", by "
                << GranularityName(report.granularity()) << ":\n";
  Table table = PeriodTable();
  for (const v1::PeriodFigures& p : report.periods())
    table.AddRow(PeriodCells(p));
  table.AddRow(PeriodCells(report.total()));
  session.printer().PrintTable(table);
  const auto& periods = report.periods();
  if (report.total().partial() ||
      std::any_of(periods.begin(), periods.end(),
                  [](const v1::PeriodFigures& p) { return p.partial(); })) {
    session.out() << "* partial: the period had not ended on "
                  << report.computed_on()
                  << ", or began before the first exchange; its figures "
                     "cover only part of it.\n";
  }
  PrintCategories(session, report.total());
  return absl::OkStatus();
}

// Every page of the action plan, merged into one reply.
absl::StatusOr<v1::ListActionsResponse> WholePlan(
    const Connection& connection, const std::string& timebank_id) {
  v1::ListActionsRequest request;
  request.set_timebank_id(timebank_id);
  absl::StatusOr<std::vector<v1::ListActionsResponse>> pages =
      FetchPages(connection, &v1::Assessment::StubInterface::ListActions,
                 request, PageFlags{.page_size = 1000, .all = true});
  if (!pages.ok()) return pages.status();
  v1::ListActionsResponse plan;
  for (const v1::ListActionsResponse& page : *pages) {
    for (const v1::Action& action : page.actions())
      *plan.add_actions() = action;
  }
  return plan;
}

absl::Status WriteCouncilReport(Session& session, const Connection& connection,
                                const ReportFlags& flags,
                                const v1::ReciprocityReport& report) {
  v1::AssessPrinciplesRequest assess;
  assess.set_timebank_id(flags.timebank_id);
  assess.set_from(flags.from);
  assess.set_to(flags.to);
  absl::StatusOr<v1::PrinciplesAssessment> assessment = CallAssessment(
      connection, &v1::Assessment::StubInterface::AssessPrinciples, assess);
  if (!assessment.ok()) return assessment.status();
  absl::StatusOr<v1::ListActionsResponse> plan =
      WholePlan(connection, flags.timebank_id);
  if (!plan.ok()) return plan.status();
  const std::string html = RenderCouncilReport(report, *assessment, *plan);
  if (flags.html_file == "-") {
    session.out() << html;
    return absl::OkStatus();
  }
  if (absl::Status s = WriteFileAtomically("--html", flags.html_file, html);
      !s.ok()) {
    return s;
  }
  if (session.printer().format() == OutputFormat::kJson) {
    session.printer().PrintJson({{"html_file", flags.html_file},
                                 {"bytes", html.size()},
                                 {"timebank_id", report.timebank_id()},
                                 {"from_date", report.from_date()},
                                 {"to_date", report.to_date()}});
  } else {
    session.out() << "Wrote the council report for " << report.timebank_id()
                  << " (" << report.from_date() << " to " << report.to_date()
                  << ") to " << flags.html_file << " (" << html.size()
                  << " bytes).\n";
  }
  return absl::OkStatus();
}

absl::Status RunReport(Session& session, const ReportFlags& flags) {
  if (absl::Status s = CheckRange(flags.from, flags.to); !s.ok()) return s;
  absl::StatusOr<v1::Granularity> granularity =
      ParseGranularity("--by", flags.by);
  if (!granularity.ok()) return granularity.status();
  v1::GetReciprocityReportRequest request;
  request.set_timebank_id(flags.timebank_id);
  request.set_from(flags.from);
  request.set_to(flags.to);
  request.set_granularity(*granularity);
  request.set_top_categories(flags.top);
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<v1::ReciprocityReport> report = CallAssessment(
      **connection, &v1::Assessment::StubInterface::GetReciprocityReport,
      request);
  if (!report.ok()) return report.status();
  if (!flags.html_file.empty()) {
    return WriteCouncilReport(session, **connection, flags, *report);
  }
  return PrintReport(session, *report);
}

struct AssessFlags {
  std::string timebank_id;
  std::string from;
  std::string to;
};

// "member: stage 3", or "staff: 2 reflections, median 2.5 (stages 2-3)".
std::string PerspectiveWords(const v1::PerspectiveSummary& s) {
  const std::string name = PerspectiveName(s.perspective());
  if (s.reflections() == 1) {
    return absl::StrCat(name, ": stage ", FormatStage(s.median_stage()));
  }
  std::string out =
      absl::StrCat(name, ": ", s.reflections(), " reflections, median ",
                   FormatStage(s.median_stage()));
  if (s.lowest_stage() != s.highest_stage()) {
    absl::StrAppend(&out, " (stages ", s.lowest_stage(), "\u2013",
                    s.highest_stage(), ")");
  }
  return out;
}

void PrintPrinciple(std::ostream& out, const v1::PrincipleAssessment& p) {
  out << PrincipleTitle(p.principle()) << ": ";
  if (p.stage() >= 1 && p.stage() <= 4) {
    out << "stage " << p.stage() << ", "
        << PrintableText(p.stage_label().empty() ? StageLabelOf(p.stage())
                                                 : p.stage_label());
  } else {
    out << "not yet assessed";
  }
  out << " \u00b7 " << RagWord(p.rag())
      << " \u00b7 basis: " << BasisName(p.basis());
  if (p.ledger_stage() > 0) {
    out << " \u00b7 the ledger suggests stage " << p.ledger_stage();
  }
  out << "\n";
  if (!p.summary().empty()) out << "  " << PrintableText(p.summary()) << "\n";
  if (!p.evidence().empty()) out << "  Evidence:\n";
  for (const v1::Evidence& e : p.evidence()) {
    out << "    - " << PrintableText(e.sentence()) << "\n";
  }
  const v1::ReflectionSummary& r = p.reflections();
  if (r.reflections() == 0) {
    out << "  Reflections: none in the range\n";
  } else {
    std::vector<std::string> views;
    for (const v1::PerspectiveSummary& s : r.perspectives())
      views.push_back(PerspectiveWords(s));
    out << "  Reflections: " << r.reflections() << ", median stage "
        << FormatStage(r.median_stage()) << " \u2014 "
        << absl::StrJoin(views, "; ") << "\n";
  }
  if (!p.disagreement().empty()) {
    out << "  Disagreement: " << PrintableText(p.disagreement()) << "\n";
  }
}

// CSV: one row per piece of evidence, with its principle's verdict.
void PrintAssessmentCsv(Session& session,
                        const v1::PrinciplesAssessment& assessment) {
  std::vector<Column> columns;
  for (const char* name :
       {"principle", "stage", "stage_label", "rag", "basis", "ledger_stage",
        "reflections", "reflections_median_stage", "metric", "value", "unit",
        "threshold", "comparison", "met", "metric_stage", "sentence",
        "disagreement"}) {
    columns.push_back({.heading = name, .csv_name = name});
  }
  Table table(std::move(columns));
  for (const v1::PrincipleAssessment& p : assessment.principles()) {
    for (const v1::Evidence& e : p.evidence()) {
      const bool shown = e.stage() > 0;
      table.AddRow(
          {std::string(PrincipleFlagName(p.principle())),
           NumberCell(int64_t{p.stage()}), p.stage_label(),
           absl::AsciiStrToLower(RagWord(p.rag())),
           std::string(BasisName(p.basis())),
           NumberCell(int64_t{p.ledger_stage()}),
           NumberCell(int64_t{p.reflections().reflections()}),
           absl::StrCat(p.reflections().median_stage()), e.metric(),
           shown ? absl::StrCat(e.value()) : std::string(), e.unit(),
           shown ? absl::StrCat(e.threshold()) : std::string(),
           e.comparison() == v1::COMPARISON_AT_MOST ? "at_most" : "at_least",
           shown ? (e.met() ? "true" : "false") : "",
           NumberCell(int64_t{e.stage()}), e.sentence(), p.disagreement()});
    }
  }
  session.printer().PrintTable(table);
}

absl::Status RunAssess(Session& session, const AssessFlags& flags) {
  if (absl::Status s = CheckRange(flags.from, flags.to); !s.ok()) return s;
  v1::AssessPrinciplesRequest request;
  request.set_timebank_id(flags.timebank_id);
  request.set_from(flags.from);
  request.set_to(flags.to);
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<v1::PrinciplesAssessment> assessment = CallAssessment(
      **connection, &v1::Assessment::StubInterface::AssessPrinciples, request);
  if (!assessment.ok()) return assessment.status();
  switch (session.printer().format()) {
    case OutputFormat::kJson: {
      absl::StatusOr<Json> value = MessageToJsonValue(*assessment);
      if (!value.ok()) return value.status();
      session.printer().PrintJson(*value);
      return absl::OkStatus();
    }
    case OutputFormat::kCsv:
      PrintAssessmentCsv(session, *assessment);
      return absl::OkStatus();
    case OutputFormat::kTable:
      break;
  }
  session.out() << "Co-production assessment of " << assessment->timebank_id()
                << ", " << assessment->from_date() << " to "
                << assessment->to_date() << "\n";
  for (const v1::PrincipleAssessment& p : assessment->principles()) {
    session.out() << "\n";
    PrintPrinciple(session.out(), p);
  }
  return absl::OkStatus();
}

void AddRangeOptions(CLI::App* command, std::string* from, std::string* to) {
  command
      ->add_option("--from", *from,
                   "First day YYYY-MM-DD (widened to the "
                   "first of its month)")
      ->required();
  command
      ->add_option("--to", *to,
                   "Last day YYYY-MM-DD (widened to the end "
                   "of its month)")
      ->required();
}

}  // namespace

void AddReportCommands(CLI::App& app, CommandRegistry& registry) {
  auto report = std::make_shared<ReportFlags>();
  CLI::App* report_command = app.add_subcommand(
      "report",
      "Give-and-get figures per month, quarter or year; --html writes the "
      "council report");
  registry.AddTimebankOption(report_command, &report->timebank_id);
  AddRangeOptions(report_command, &report->from, &report->to);
  report_command
      ->add_option("--by", report->by, "Period length: month, quarter or year")
      ->capture_default_str();
  report_command
      ->add_option("--top", report->top,
                   "Categories to list (1 to 50; default 5)")
      ->check(CLI::Range(1, 50));
  report_command->add_option(
      "--html", report->html_file,
      "Write the council report (one self-contained HTML page) to this file, "
      "or - for stdout; needs an admin, coordinator or auditor token");
  registry.Bind(report_command,
                [report](Session& s) { return RunReport(s, *report); });

  auto assess = std::make_shared<AssessFlags>();
  CLI::App* assess_command = app.add_subcommand(
      "assess",
      "The four co-production principles: stage, RAG colour and evidence");
  registry.AddTimebankOption(assess_command, &assess->timebank_id);
  AddRangeOptions(assess_command, &assess->from, &assess->to);
  registry.Bind(assess_command,
                [assess](Session& s) { return RunAssess(s, *assess); });
}

}  // namespace timebank::client
