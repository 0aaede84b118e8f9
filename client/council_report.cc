#include "client/council_report.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/assessment_text.h"
#include "client/dates.h"
#include "client/hours.h"
#include "client/string_view.h"

namespace timebank::client {
namespace {

namespace v1 = ::timebank::v1;

// Periods drawn one box each in the balance chart; beyond this only the
// whole range is drawn (the table still lists every period).
constexpr int kMaxBalanceRows = 24;
// Bars labelled on the hours chart's axis before labels are thinned out.
constexpr int kMaxBarLabels = 14;

// Colours chosen for contrast: every text colour on its background is at
// least 4.5:1 (WCAG AA), the RAG swatches included.
constexpr std::string_view kStyle = R"css(
:root { color-scheme: light; }
body { margin: 0; background: #ffffff; color: #1a1a1a;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue",
    Arial, sans-serif; line-height: 1.5; }
header, main, footer { max-width: 62rem; margin: 0 auto; padding: 0 1.25rem; }
header { padding-top: 1.5rem; padding-bottom: .75rem;
  border-bottom: 4px solid #1f4e79; }
h1 { font-size: 1.9rem; margin: 0 0 .25rem; color: #1f4e79; }
h2 { font-size: 1.4rem; margin: 2.2rem 0 .6rem; color: #1f4e79;
  border-bottom: 1px solid #b8c7d6; padding-bottom: .2rem; }
h3 { font-size: 1.2rem; margin: 1.8rem 0 .4rem; }
h4 { font-size: 1rem; margin: 1.1rem 0 .3rem; }
p { margin: .4rem 0; }
.lead { font-size: 1.05rem; }
.muted { color: #4a4a4a; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem;
  font-size: .9rem; }
caption { text-align: left; font-weight: 600; padding: .2rem 0 .35rem; }
th, td { border: 1px solid #b8c7d6; padding: .3rem .5rem; text-align: left;
  vertical-align: top; }
thead th { background: #e8eef5; }
tbody th { background: #f5f8fb; font-weight: 600; }
tr.total th, tr.total td { border-top: 2px solid #1f4e79; font-weight: 700; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
table.figures { font-size: .85rem; }
table.figures th, table.figures td { padding: .25rem .4rem; }
table.figures tbody th { white-space: nowrap; }
table.key { width: auto; min-width: 60%; }
.scroll { overflow-x: auto; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas,
  monospace; font-size: .85em; overflow-wrap: break-word; }
.nowrap { white-space: nowrap; }
table.compact { width: auto; min-width: 50%; }
.rag { display: inline-block; min-width: 4.5em; text-align: center;
  padding: .05rem .5rem; border: 2px solid #1a1a1a; border-radius: .25rem;
  font-weight: 700; letter-spacing: .04em; }
.rag-red { background: #b3261e; color: #ffffff; }
.rag-amber { background: #f2b705; color: #1a1a1a; }
.rag-green { background: #1e6b34; color: #ffffff; }
.rag-none { background: #e6e6e6; color: #1a1a1a; }
.verdict { font-size: 1.05rem; }
.principle { border: 1px solid #b8c7d6; border-radius: .4rem;
  padding: .2rem 1rem .6rem; margin: 1rem 0; }
.principle h3 { margin-top: .8rem; }
.disagreement { border-left: 5px solid #f2b705; background: #fff6d6;
  padding: .4rem .75rem; }
figure { margin: 1rem 0; }
figure svg { width: 100%; height: auto; max-width: 760px; display: block; }
figcaption { font-size: .9rem; color: #4a4a4a; }
footer { margin-top: 2.5rem; padding-top: .75rem; padding-bottom: 2rem;
  border-top: 1px solid #b8c7d6; font-size: .85rem; color: #4a4a4a; }
@media print { h2 { break-after: avoid; } .principle, figure, table
  { break-inside: avoid; } }
)css";

std::string E(std::string_view text) { return HtmlEscape(text); }

// A metric name that may break after its dots and underscores, never inside
// a word: "reciprocity.gave_and_received_share".
std::string MetricHtml(std::string_view metric) {
  std::string out;
  for (char c : E(metric)) {
    out += c;
    if (c == '.' || c == '_') out += "<wbr>";
  }
  return out;
}

// A coordinate or length in an SVG attribute.
std::string Px(double value) { return absl::StrFormat("%.1f", value); }

std::string HoursText(int64_t minutes) { return FormatMinutes(minutes); }

std::string RagClass(v1::Rag rag) {
  switch (rag) {
    case v1::RAG_RED:
      return "rag rag-red";
    case v1::RAG_AMBER:
      return "rag rag-amber";
    case v1::RAG_GREEN:
      return "rag rag-green";
    default:
      return "rag rag-none";
  }
}

// The swatch always carries its word: colour is never the only signal.
std::string RagSwatch(v1::Rag rag) {
  return absl::StrCat("<span class=\"", RagClass(rag), "\">", E(RagWord(rag)),
                      "</span>");
}

std::string StageText(const v1::PrincipleAssessment& p) {
  if (p.stage() < 1 || p.stage() > 4) return "Not yet assessed";
  const std::string label = p.stage_label().empty()
                                ? std::string(StageLabelOf(p.stage()))
                                : p.stage_label();
  return absl::StrCat("Stage ", p.stage(), " of 4: ", label);
}

// A period's label, saying so when its figures cover only part of it.
std::string PeriodName(const v1::PeriodFigures& p) {
  return p.partial() ? absl::StrCat(p.label(), " (partial: ", p.days_covered(),
                                    " days)")
                     : p.label();
}

std::string BasisText(v1::Basis basis) {
  switch (basis) {
    case v1::BASIS_LEDGER:
      return "the ledger (figures compared with this timebank's thresholds)";
    case v1::BASIS_REFLECTIONS:
      return "what people say: each perspective's median stage, then the "
             "median of the perspectives";
    default:
      return "nothing yet: a stage needs reflections from at least two "
             "perspectives";
  }
}

// A step of 1, 2 or 5 times a power of ten giving about `ticks` ticks.
double NiceStep(double range, int ticks) {
  if (!(range > 0)) return 1;
  const double raw = range / ticks;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / magnitude;
  const double nice = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10;
  return nice * magnitude;
}

std::string HoursTick(double hours) {
  return hours == std::floor(hours) ? absl::StrFormat("%.0f h", hours)
                                    : absl::StrFormat("%.1f h", hours);
}

void AppendHead(std::string* out, const v1::ReciprocityReport& report) {
  absl::StrAppend(out,
                  "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n"
                  "<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, "
                  "initial-scale=1\">\n<title>Co-production report: ",
                  E(report.timebank_id()), ", ", E(report.from_date()), " to ",
                  E(report.to_date()), "</title>\n<style>", ToAbsl(kStyle),
                  "</style>\n</head>\n<body>\n");
}

void AppendHeader(std::string* out, const v1::ReciprocityReport& report) {
  absl::StrAppend(
      out, "<header>\n<h1>Co-production report: ", E(report.timebank_id()),
      "</h1>\n<p class=\"lead\">Give and get in timebank <strong>",
      E(report.timebank_id()), "</strong> from ", E(report.from_date()), " to ",
      E(report.to_date()), ", by ", E(GranularityName(report.granularity())),
      ", read against the four principles of co-production.</p>\n"
      "<p class=\"muted\">Aggregates only: no names, account ids or "
      "descriptions of exchanges. Generated ",
      E(FormatInstantUs(report.generated_at_unix_us())), ".</p>\n</header>\n");
}

void AppendKeyFigures(std::string* out, const v1::PeriodFigures& t) {
  const auto row = [out](std::string_view name, const std::string& value) {
    absl::StrAppend(out, "<tr><th scope=\"row\">", E(name),
                    "</th><td class=\"num\">", E(value), "</td></tr>\n");
  };
  absl::StrAppend(out,
                  "<table class=\"key\">\n<caption>Key figures for the whole "
                  "range</caption>"
                  "\n<thead><tr><th scope=\"col\">Figure</th>"
                  "<th scope=\"col\" class=\"num\">Value</th></tr></thead>\n"
                  "<tbody>\n");
  row("Hours exchanged", HoursText(t.minutes_exchanged()));
  row("Exchanges", absl::StrCat(t.exchanges()));
  row("Members (at the end of the range)", absl::StrCat(t.members()));
  row("Active members", absl::StrCat(t.active_members()));
  row("Members who both gave and received",
      absl::StrCat(t.members_gave_and_received()));
  row("Members who only gave", absl::StrCat(t.members_only_gave()));
  row("Members who only received", absl::StrCat(t.members_only_received()));
  row("Members with a balance within \u00b15 h",
      FormatShare(t.balances().share_within_5h()));
  row("Pairs who exchanged", absl::StrCat(t.distinct_pairs()));
  row("Pairs who helped each other both ways",
      absl::StrCat(t.reciprocal_pairs()));
  row("New members", absl::StrCat(t.new_members()));
  row("New members who gave within 90 days",
      absl::StrCat(t.new_members_gave_within_90_days()));
  row("Hours organisations gave members",
      HoursText(t.organisation_to_member_minutes()));
  absl::StrAppend(out, "</tbody>\n</table>\n");
}

void AppendPrincipleOverview(std::string* out,
                             const v1::PrinciplesAssessment& assessment) {
  absl::StrAppend(
      out,
      "<table>\n<caption>The four principles at a glance</caption>\n"
      "<thead><tr><th scope=\"col\">Principle</th><th scope=\"col\">Stage"
      "</th><th scope=\"col\">Colour</th><th scope=\"col\">Based on</th>"
      "</tr></thead>\n<tbody>\n");
  for (const v1::PrincipleAssessment& p : assessment.principles()) {
    absl::StrAppend(out, "<tr><th scope=\"row\"><a href=\"#principle-",
                    E(PrincipleFlagName(p.principle())), "\">",
                    E(PrincipleTitle(p.principle())), "</a></th><td>",
                    E(StageText(p)), "</td><td>", RagSwatch(p.rag()),
                    "</td><td>", E(BasisName(p.basis())), "</td></tr>\n");
  }
  absl::StrAppend(out, "</tbody>\n</table>\n");
}

void AppendSummary(std::string* out, const v1::ReciprocityReport& report,
                   const v1::PrinciplesAssessment& assessment) {
  absl::StrAppend(out,
                  "<section aria-labelledby=\"summary\">\n"
                  "<h2 id=\"summary\">At a glance</h2>\n");
  AppendPrincipleOverview(out, assessment);
  AppendKeyFigures(out, report.total());
  absl::StrAppend(out, "</section>\n");
}

// A bar per period, hours on the y axis.
// What the hours chart shows, in words, for screen readers.
std::string HoursDesc(const v1::ReciprocityReport& report) {
  std::string desc = absl::StrCat("Bar chart of hours exchanged per ",
                                  GranularityName(report.granularity()), ". ");
  for (const v1::PeriodFigures& p : report.periods()) {
    absl::StrAppend(&desc, p.label(), ": ", HoursText(p.minutes_exchanged()),
                    ". ");
  }
  absl::StrAppend(
      &desc, "Total: ", HoursText(report.total().minutes_exchanged()), ".");
  return desc;
}

void AppendHoursChart(std::string* out, const v1::ReciprocityReport& report) {
  const int n = report.periods_size();
  if (n == 0) {
    absl::StrAppend(out, "<p>The range holds no periods.</p>\n");
    return;
  }
  constexpr double kWidth = 760, kHeight = 280, kLeft = 64, kRight = 12,
                   kTop = 20, kBottom = 44;
  const double plot_w = kWidth - kLeft - kRight;
  const double plot_h = kHeight - kTop - kBottom;
  int64_t max_minutes = 0;
  for (const v1::PeriodFigures& p : report.periods())
    max_minutes = std::max(max_minutes, p.minutes_exchanged());
  const double max_hours = std::max(1.0, max_minutes / 60.0);
  const double step = NiceStep(max_hours, 5);
  const double top_hours = std::ceil(max_hours / step) * step;
  const std::string unit = GranularityName(report.granularity());
  absl::StrAppend(
      out, "<figure>\n<svg viewBox=\"0 0 ", Px(kWidth), " ", Px(kHeight),
      "\" role=\"img\" aria-labelledby=\"hours-title hours-desc\">\n"
      "<title id=\"hours-title\">Hours exchanged per ",
      E(unit), "</title>\n<desc id=\"hours-desc\">", E(HoursDesc(report)),
      "</desc>\n");
  const int ticks = static_cast<int>(std::lround(top_hours / step));
  for (int tick = 0; tick <= ticks; ++tick) {
    const double h = tick * step;
    const double y = kTop + plot_h - h / top_hours * plot_h;
    absl::StrAppend(out, "<line x1=\"", Px(kLeft), "\" y1=\"", Px(y),
                    "\" x2=\"", Px(kWidth - kRight), "\" y2=\"", Px(y),
                    "\" stroke=\"#c9d3dd\" stroke-width=\"1\"/>\n<text x=\"",
                    Px(kLeft - 6), "\" y=\"", Px(y + 4),
                    "\" font-size=\"12\" text-anchor=\"end\" fill=\"#333333\">",
                    E(HoursTick(h)), "</text>\n");
  }
  const double slot = plot_w / n;
  const double bar = std::max(1.0, slot * 0.7);
  const int label_every = (n + kMaxBarLabels - 1) / kMaxBarLabels;
  for (int i = 0; i < n; ++i) {
    const v1::PeriodFigures& p = report.periods(i);
    const double hours = p.minutes_exchanged() / 60.0;
    const double h = hours / top_hours * plot_h;
    const double x = kLeft + i * slot + (slot - bar) / 2;
    const double y = kTop + plot_h - h;
    absl::StrAppend(out, "<rect x=\"", Px(x), "\" y=\"", Px(y), "\" width=\"",
                    Px(bar), "\" height=\"", Px(h),
                    "\" fill=\"#1f4e79\"><title>", E(PeriodName(p)), ": ",
                    E(HoursText(p.minutes_exchanged())), "</title></rect>\n");
    if (slot >= 34) {
      absl::StrAppend(out, "<text x=\"", Px(x + bar / 2), "\" y=\"", Px(y - 4),
                      "\" font-size=\"11\" text-anchor=\"middle\" "
                      "fill=\"#1a1a1a\">",
                      absl::StrFormat("%.0f", std::round(hours)), "</text>\n");
    }
    if (i % label_every == 0) {
      absl::StrAppend(out, "<text x=\"", Px(x + bar / 2), "\" y=\"",
                      Px(kTop + plot_h + 16),
                      "\" font-size=\"11\" text-anchor=\"middle\" "
                      "fill=\"#333333\">",
                      E(p.label()), "</text>\n");
    }
  }
  absl::StrAppend(out, "<line x1=\"", Px(kLeft), "\" y1=\"", Px(kTop + plot_h),
                  "\" x2=\"", Px(kWidth - kRight), "\" y2=\"",
                  Px(kTop + plot_h),
                  "\" stroke=\"#1a1a1a\" stroke-width=\"1\"/>\n</svg>\n"
                  "<figcaption>Hours of work exchanged in each ",
                  E(unit),
                  " (confirmed exchanges, by the day the work was "
                  "done). The numbers above the bars are whole hours; the "
                  "table below gives them exactly.</figcaption>\n</figure>\n");
}

void AppendActivityTable(std::string* out,
                         const v1::ReciprocityReport& report) {
  absl::StrAppend(
      out,
      "<div class=\"scroll\">\n<table class=\"figures\">\n<caption>Activity "
      "per period"
      "</caption>\n<thead><tr><th scope=\"col\">Period</th>"
      "<th scope=\"col\" class=\"num\">Hours exchanged</th>"
      "<th scope=\"col\" class=\"num\">Exchanges</th>"
      "<th scope=\"col\" class=\"num\">Members</th>"
      "<th scope=\"col\" class=\"num\">Active</th>"
      "<th scope=\"col\" class=\"num\">Gave and received</th>"
      "<th scope=\"col\" class=\"num\">Only gave</th>"
      "<th scope=\"col\" class=\"num\">Only received</th>"
      "<th scope=\"col\" class=\"num\">Inactive</th>"
      "<th scope=\"col\" class=\"num\">Organisations gave members</th>"
      "</tr></thead>\n<tbody>\n");
  const auto row = [out](const v1::PeriodFigures& p, bool total) {
    absl::StrAppend(
        out, total ? "<tr class=\"total\">" : "<tr>", "<th scope=\"row\">",
        E(total ? "Whole range" : PeriodName(p)), "</th><td class=\"num\">",
        E(HoursText(p.minutes_exchanged())), "</td><td class=\"num\">",
        p.exchanges(), "</td><td class=\"num\">", p.members(),
        "</td><td class=\"num\">", p.active_members(),
        "</td><td class=\"num\">", p.members_gave_and_received(),
        "</td><td class=\"num\">", p.members_only_gave(),
        "</td><td class=\"num\">", p.members_only_received(),
        "</td><td class=\"num\">", p.members_inactive(),
        "</td><td class=\"num\">",
        E(HoursText(p.organisation_to_member_minutes())), "</td></tr>\n");
  };
  for (const v1::PeriodFigures& p : report.periods()) row(p, false);
  row(report.total(), true);
  absl::StrAppend(out, "</tbody>\n</table>\n</div>\n");
}

void AppendHoursSection(std::string* out, const v1::ReciprocityReport& report) {
  absl::StrAppend(out,
                  "<section aria-labelledby=\"hours\">\n"
                  "<h2 id=\"hours\">Hours exchanged</h2>\n");
  AppendHoursChart(out, report);
  AppendActivityTable(out, report);
  absl::StrAppend(out, "</section>\n");
}

// The x axis of the balance chart: minutes from `low` to `high`.
struct BalanceAxis {
  double low = -300, high = 300;
  double step = 300;  // Between ticks, in minutes.
  double left = 0, width = 0;
  double X(double minutes) const {
    return left + (minutes - low) / (high - low) * width;
  }
};

BalanceAxis AxisFor(const std::vector<const v1::PeriodFigures*>& rows,
                    double left, double width) {
  double low = -300, high = 300;  // Always show the ±5 h band whole.
  for (const v1::PeriodFigures* p : rows) {
    if (p->balances().members() == 0) continue;
    low = std::min<double>(low, p->balances().p25_minutes());
    high = std::max<double>(high, p->balances().p75_minutes());
  }
  const double step = NiceStep((high - low) / 60.0, 6) * 60.0;
  return {.low = std::floor(low * 1.1 / step) * step,
          .high = std::ceil(high * 1.1 / step) * step,
          .step = step,
          .left = left,
          .width = width};
}

void AppendBalanceRow(std::string* out, const BalanceAxis& axis,
                      const v1::PeriodFigures& p, std::string_view label,
                      double y, double row_h) {
  absl::StrAppend(out, "<text x=\"", Px(axis.left - 8), "\" y=\"",
                  Px(y + row_h / 2 + 4),
                  "\" font-size=\"12\" text-anchor=\"end\" fill=\"#1a1a1a\">",
                  E(label), "</text>\n");
  const v1::BalanceDistribution& b = p.balances();
  const double right = axis.left + axis.width + 8;
  if (b.members() == 0) {
    absl::StrAppend(out, "<text x=\"", Px(right), "\" y=\"",
                    Px(y + row_h / 2 + 4),
                    "\" font-size=\"12\" fill=\"#333333\">no members</text>\n");
    return;
  }
  const double x25 = axis.X(b.p25_minutes());
  const double x75 = axis.X(b.p75_minutes());
  const double xm = axis.X(b.median_minutes());
  absl::StrAppend(
      out, "<rect x=\"", Px(x25), "\" y=\"", Px(y + 4), "\" width=\"",
      Px(std::max(1.0, x75 - x25)), "\" height=\"", Px(row_h - 8),
      "\" fill=\"#8fb8de\" stroke=\"#1f4e79\" stroke-width=\"1.5\"><title>",
      E(label), ": middle half of balances from ",
      E(FormatSignedMinutes(b.p25_minutes())), " to ",
      E(FormatSignedMinutes(b.p75_minutes())), ", median ",
      E(FormatSignedMinutes(b.median_minutes())),
      "</title></rect>\n<line x1=\"", Px(xm), "\" y1=\"", Px(y + 2), "\" x2=\"",
      Px(xm), "\" y2=\"", Px(y + row_h - 2),
      "\" stroke=\"#1a1a1a\" stroke-width=\"3\"/>\n<text x=\"", Px(right),
      "\" y=\"", Px(y + row_h / 2 + 4), "\" font-size=\"12\" fill=\"#1a1a1a\">",
      E(FormatShare(b.share_within_5h())), " within \u00b15 h</text>\n");
}

std::string BalanceDesc(const std::vector<const v1::PeriodFigures*>& rows,
                        const std::vector<std::string>& labels) {
  std::string desc =
      "For each period, the middle half of members' balances (25th to 75th "
      "percentile) as a box, the median as a line, and the share of members "
      "within 5 hours of zero. ";
  for (size_t i = 0; i < rows.size(); ++i) {
    const v1::BalanceDistribution& b = rows[i]->balances();
    if (b.members() == 0) {
      absl::StrAppend(&desc, labels[i], ": no members. ");
      continue;
    }
    absl::StrAppend(&desc, labels[i], ": ",
                    FormatSignedMinutes(b.p25_minutes()), " to ",
                    FormatSignedMinutes(b.p75_minutes()), ", median ",
                    FormatSignedMinutes(b.median_minutes()), ", ",
                    FormatShare(b.share_within_5h()), " within 5 hours. ");
  }
  return desc;
}

void AppendBalanceChart(std::string* out, const v1::ReciprocityReport& report) {
  std::vector<const v1::PeriodFigures*> rows;
  std::vector<std::string> labels;
  if (report.periods_size() <= kMaxBalanceRows) {
    for (const v1::PeriodFigures& p : report.periods()) {
      rows.push_back(&p);
      labels.push_back(p.label());
    }
  }
  rows.push_back(&report.total());
  labels.push_back("Whole range");
  constexpr double kWidth = 760, kLeft = 96, kRight = 136, kTop = 28,
                   kRowH = 24, kBottom = 34;
  const BalanceAxis axis = AxisFor(rows, kLeft, kWidth - kLeft - kRight);
  const double height = kTop + kRowH * rows.size() + kBottom;
  const double bottom = kTop + kRowH * rows.size();
  absl::StrAppend(
      out, "<figure>\n<svg viewBox=\"0 0 ", Px(kWidth), " ", Px(height),
      "\" role=\"img\" aria-labelledby=\"balance-title balance-desc\">\n"
      "<title id=\"balance-title\">How members' give-and-get balances are "
      "spread</title>\n<desc id=\"balance-desc\">",
      E(BalanceDesc(rows, labels)), "</desc>\n<rect x=\"", Px(axis.X(-300)),
      "\" y=\"", Px(kTop - 6), "\" width=\"", Px(axis.X(300) - axis.X(-300)),
      "\" height=\"", Px(bottom - kTop + 6),
      "\" fill=\"#e2f0e5\"/>\n<text x=\"", Px(axis.X(0)), "\" y=\"",
      Px(kTop - 10),
      "\" font-size=\"11\" text-anchor=\"middle\" fill=\"#1e5b2e\">"
      "\u00b15 h of zero</text>\n");
  const int ticks =
      static_cast<int>(std::lround((axis.high - axis.low) / axis.step));
  for (int tick = 0; tick <= ticks; ++tick) {
    const int64_t m = std::llround(axis.low + tick * axis.step);
    const double x = axis.X(static_cast<double>(m));
    absl::StrAppend(out, "<line x1=\"", Px(x), "\" y1=\"", Px(kTop - 6),
                    "\" x2=\"", Px(x), "\" y2=\"", Px(bottom), "\" stroke=\"",
                    m == 0 ? "#1a1a1a" : "#c9d3dd",
                    "\" stroke-width=\"1\"/>\n<text x=\"", Px(x), "\" y=\"",
                    Px(bottom + 16),
                    "\" font-size=\"11\" text-anchor=\"middle\" "
                    "fill=\"#333333\">",
                    E(FormatSignedMinutes(m)), "</text>\n");
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    AppendBalanceRow(out, axis, *rows[i], labels[i], kTop + kRowH * i, kRowH);
  }
  absl::StrAppend(
      out,
      "</svg>\n<figcaption>Balances at the end of each period: above zero a "
      "member has given more than they received, below zero received more. "
      "Boxes run from the 25th to the 75th percentile, the dark line is the "
      "median, and the green band is within 5 hours of zero either way."
      "</figcaption>\n</figure>\n");
}

void AppendConnectionsTable(std::string* out,
                            const v1::ReciprocityReport& report) {
  absl::StrAppend(
      out,
      "<div class=\"scroll\">\n<table class=\"figures\">\n<caption>Balances "
      "and connections per "
      "period</caption>\n<thead><tr><th scope=\"col\">Period</th>"
      "<th scope=\"col\" class=\"num\">25th percentile</th>"
      "<th scope=\"col\" class=\"num\">Median balance</th>"
      "<th scope=\"col\" class=\"num\">75th percentile</th>"
      "<th scope=\"col\" class=\"num\">Within \u00b15 h</th>"
      "<th scope=\"col\" class=\"num\">Pairs</th>"
      "<th scope=\"col\" class=\"num\">Reciprocal pairs</th>"
      "<th scope=\"col\" class=\"num\">3+ partners</th>"
      "<th scope=\"col\" class=\"num\">New members</th>"
      "<th scope=\"col\" class=\"num\">New who gave \u2264 90 days</th>"
      "</tr></thead>\n<tbody>\n");
  const auto row = [out](const v1::PeriodFigures& p, bool total) {
    const v1::BalanceDistribution& b = p.balances();
    absl::StrAppend(
        out, total ? "<tr class=\"total\">" : "<tr>", "<th scope=\"row\">",
        E(total ? "Whole range" : PeriodName(p)), "</th><td class=\"num\">",
        E(FormatSignedMinutes(b.p25_minutes())), "</td><td class=\"num\">",
        E(FormatSignedMinutes(b.median_minutes())), "</td><td class=\"num\">",
        E(FormatSignedMinutes(b.p75_minutes())), "</td><td class=\"num\">",
        E(FormatShare(b.share_within_5h())), "</td><td class=\"num\">",
        p.distinct_pairs(), "</td><td class=\"num\">", p.reciprocal_pairs(),
        "</td><td class=\"num\">", p.members_with_three_plus_partners(),
        "</td><td class=\"num\">", p.new_members(), "</td><td class=\"num\">",
        p.new_members_gave_within_90_days(), "</td></tr>\n");
  };
  for (const v1::PeriodFigures& p : report.periods()) row(p, false);
  row(report.total(), true);
  absl::StrAppend(out, "</tbody>\n</table>\n</div>\n");
}

void AppendBalanceSection(std::string* out,
                          const v1::ReciprocityReport& report) {
  absl::StrAppend(out,
                  "<section aria-labelledby=\"balances\">\n"
                  "<h2 id=\"balances\">Give and get: balances and "
                  "connections</h2>\n");
  AppendBalanceChart(out, report);
  AppendConnectionsTable(out, report);
  absl::StrAppend(out, "</section>\n");
}

void AppendCategories(std::string* out, const v1::ReciprocityReport& report) {
  const v1::PeriodFigures& total = report.total();
  absl::StrAppend(out,
                  "<section aria-labelledby=\"categories\">\n"
                  "<h2 id=\"categories\">Kinds of work</h2>\n");
  if (total.top_categories().empty()) {
    absl::StrAppend(out,
                    "<p>No work was recorded in the range.</p>\n"
                    "</section>\n");
    return;
  }
  absl::StrAppend(
      out,
      "<table>\n<caption>The categories with the most hours over the whole "
      "range</caption>\n<thead><tr><th scope=\"col\">Category</th>"
      "<th scope=\"col\" class=\"num\">Hours</th>"
      "<th scope=\"col\" class=\"num\">Exchanges</th>"
      "<th scope=\"col\" class=\"num\">Share of all hours</th></tr></thead>\n"
      "<tbody>\n");
  for (const v1::CategoryFigures& c : total.top_categories()) {
    const double share =
        total.minutes_exchanged() > 0
            ? static_cast<double>(c.minutes()) / total.minutes_exchanged()
            : 0;
    absl::StrAppend(out, "<tr><th scope=\"row\">", E(c.category()),
                    "</th><td class=\"num\">", E(HoursText(c.minutes())),
                    "</td><td class=\"num\">", c.exchanges(),
                    "</td><td class=\"num\">", E(FormatShare(share)),
                    "</td></tr>\n");
  }
  absl::StrAppend(out, "</tbody>\n</table>\n</section>\n");
}

void AppendEvidence(std::string* out, const v1::PrincipleAssessment& p) {
  if (p.evidence().empty()) {
    absl::StrAppend(out, "<p>No ledger figures bear on this principle.</p>\n");
    return;
  }
  // People as assets: the figures inform, but the ledger cannot set the
  // stage, so say so rather than let a "yes" read as the verdict.
  const bool supporting_only = p.ledger_stage() == 0;
  absl::StrAppend(
      out, "<table>\n<caption>Evidence from the ledger",
      supporting_only ? " (supporting only: it does not set this stage)" : "",
      "</caption>\n<thead><tr>"
      "<th scope=\"col\">Metric</th>"
      "<th scope=\"col\" class=\"num\">Value</th>"
      "<th scope=\"col\" class=\"num\">Threshold</th>"
      "<th scope=\"col\">Met</th>"
      "<th scope=\"col\" class=\"num\">Stage</th>"
      "<th scope=\"col\">What it shows</th></tr></thead>\n<tbody>\n");
  for (const v1::Evidence& e : p.evidence()) {
    const bool shown = e.stage() > 0;
    absl::StrAppend(
        out, "<tr><th scope=\"row\"><code>", MetricHtml(e.metric()),
        "</code></th><td class=\"num\">",
        E(shown ? FormatMetricValue(e.unit(), e.value()) : "not shown"),
        "</td><td class=\"num\">",
        E(shown ? FormatThreshold(e.comparison(), e.unit(), e.threshold())
                : "\u2014"),
        "</td><td>", shown ? (e.met() ? "yes" : "no") : "\u2014",
        "</td><td class=\"num\">",
        shown ? absl::StrCat(e.stage()) : std::string("\u2014"), "</td><td>",
        E(e.sentence()), "</td></tr>\n");
  }
  absl::StrAppend(out, "</tbody>\n</table>\n");
}

void AppendReflections(std::string* out, const v1::PrincipleAssessment& p) {
  const v1::ReflectionSummary& r = p.reflections();
  absl::StrAppend(out, "<h4>What people say</h4>\n");
  if (r.reflections() == 0) {
    absl::StrAppend(out,
                    "<p>No reflections on this principle in the range.</p>\n");
  } else {
    absl::StrAppend(
        out, "<table class=\"compact\">\n<caption>", r.reflections(),
        r.reflections() == 1 ? " reflection" : " reflections",
        ", median stage ", E(FormatStage(r.median_stage())),
        "</caption>\n<thead><tr><th scope=\"col\">Perspective</th>"
        "<th scope=\"col\" class=\"num\">Reflections</th>"
        "<th scope=\"col\" class=\"num\">Median stage</th>"
        "<th scope=\"col\" class=\"num\">Lowest</th>"
        "<th scope=\"col\" class=\"num\">Highest</th></tr></thead>\n"
        "<tbody>\n");
    for (const v1::PerspectiveSummary& s : r.perspectives()) {
      absl::StrAppend(
          out, "<tr><th scope=\"row\">", E(PerspectiveName(s.perspective())),
          "</th><td class=\"num\">", s.reflections(), "</td><td class=\"num\">",
          E(FormatStage(s.median_stage())), "</td><td class=\"num\">",
          s.lowest_stage(), "</td><td class=\"num\">", s.highest_stage(),
          "</td></tr>\n");
    }
    absl::StrAppend(out, "</tbody>\n</table>\n");
  }
  if (!p.disagreement().empty()) {
    absl::StrAppend(out,
                    "<p class=\"disagreement\"><strong>Views differ:</strong> ",
                    E(p.disagreement()), "</p>\n");
  } else if (r.reflections() > 0) {
    absl::StrAppend(out,
                    "<p>The ledger and the perspectives agree within a "
                    "stage.</p>\n");
  }
}

void AppendPrinciple(std::string* out, const v1::PrincipleAssessment& p) {
  const std::string id =
      absl::StrCat("principle-", PrincipleFlagName(p.principle()));
  absl::StrAppend(
      out, "<article class=\"principle\" aria-labelledby=\"", E(id), "\">\n",
      "<h3 id=\"", E(id), "\">", E(PrincipleTitle(p.principle())), "</h3>\n",
      "<p class=\"verdict\">", RagSwatch(p.rag()), " <strong>", E(StageText(p)),
      "</strong></p>\n<p>Based on ", E(BasisText(p.basis())), ".",
      p.ledger_stage() > 0
          ? absl::StrCat(" The ledger's figures suggest stage ",
                         p.ledger_stage(), ", shown below as evidence.")
          : std::string(),
      "</p>\n");
  if (!p.summary().empty()) {
    absl::StrAppend(out, "<p class=\"muted\">", E(p.summary()), "</p>\n");
  }
  AppendEvidence(out, p);
  AppendReflections(out, p);
  absl::StrAppend(out, "</article>\n");
}

void AppendPrinciples(std::string* out,
                      const v1::PrinciplesAssessment& assessment) {
  absl::StrAppend(
      out,
      "<section aria-labelledby=\"principles\">\n"
      "<h2 id=\"principles\">The four principles of co-production</h2>\n"
      "<p>Each principle is placed at one of four stages of the "
      "self-reflection tool: 1 \u201cYou really haven't got this\u201d "
      "(RED), 2 \u201cYou've got the basics\u201d and 3 \u201cYou're getting "
      "there\u201d (AMBER), 4 \u201cYou're doing REALLY well\u201d (GREEN). "
      "Where the ledger can show a principle, a place is as far along as its "
      "weakest figure; where it cannot, the stage is the median of people's "
      "reflections. Assessed from ",
      E(assessment.from_date()), " to ", E(assessment.to_date()), ".</p>\n");
  if (assessment.principles().empty()) {
    absl::StrAppend(out, "<p>No assessment was made.</p>\n");
  }
  for (const v1::PrincipleAssessment& p : assessment.principles()) {
    AppendPrinciple(out, p);
  }
  absl::StrAppend(out, "</section>\n");
}

void AppendActions(std::string* out, const v1::ListActionsResponse& actions) {
  absl::StrAppend(out,
                  "<section aria-labelledby=\"plan\">\n"
                  "<h2 id=\"plan\">Action plan</h2>\n");
  if (actions.actions().empty()) {
    absl::StrAppend(out,
                    "<p>No actions have been agreed yet.</p>\n"
                    "</section>\n");
    return;
  }
  // By due date, undated last, then by id: the order the plan is read in.
  std::vector<const v1::Action*> sorted;
  for (const v1::Action& a : actions.actions()) sorted.push_back(&a);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const v1::Action* a, const v1::Action* b) {
                     if (a->due_on().empty() != b->due_on().empty())
                       return b->due_on().empty();
                     if (a->due_on() != b->due_on())
                       return a->due_on() < b->due_on();
                     return a->action_id() < b->action_id();
                   });
  // Every action has a `who`; the server leaves it (with how and the notes)
  // out for an AUDITOR token, and then those columns would be empty.
  const bool detailed =
      std::any_of(sorted.begin(), sorted.end(),
                  [](const v1::Action* a) { return !a->who().empty(); });
  absl::StrAppend(
      out, "<div class=\"scroll\">\n<table>\n<caption>",
      detailed ? "Who will do what, how and by when"
               : "What will be done, by when",
      "</caption>\n<thead><tr><th scope=\"col\">What</th>",
      detailed ? "<th scope=\"col\">Who</th><th scope=\"col\">How</th>" : "",
      "<th scope=\"col\">Due</th><th scope=\"col\">Status</th>"
      "<th scope=\"col\">Principle</th>",
      detailed ? "<th scope=\"col\">Progress note</th>" : "",
      "</tr></thead>\n<tbody>\n");
  for (const v1::Action* a : sorted) {
    absl::StrAppend(out, "<tr><th scope=\"row\">", E(a->what()), "</th>");
    if (detailed) {
      absl::StrAppend(out, "<td>", E(a->who()), "</td><td>", E(a->how()),
                      "</td>");
    }
    absl::StrAppend(out, "<td class=\"num\">",
                    E(a->due_on().empty() ? "not set" : a->due_on()),
                    "</td><td class=\"nowrap\">",
                    E(ActionStatusName(a->status())), "</td><td>",
                    E(PrincipleTitle(a->principle())), "</td>");
    if (detailed) absl::StrAppend(out, "<td>", E(a->note()), "</td>");
    absl::StrAppend(out, "</tr>\n");
  }
  absl::StrAppend(out, "</tbody>\n</table>\n</div>\n</section>\n");
}

void AppendDefinitions(std::string* out) {
  absl::StrAppend(
      out,
      "<section aria-labelledby=\"about\">\n<h2 id=\"about\">About these "
      "figures</h2>\n<ul>\n"
      "<li>An hour given is an hour earned, whatever the work. Only confirmed "
      "exchanges count, in the period of the day the work was done; pending, "
      "rejected and reversed exchanges never do.</li>\n"
      "<li>Members are people's accounts that had joined by the end of a "
      "period. Organisations and the community pot count towards hours and "
      "pairs, not towards members.</li>\n"
      "<li>A balance is what a member has given minus what they have "
      "received, over all time up to the end of the period. Percentiles are "
      "by nearest rank.</li>\n"
      "<li>A new member joined in the period; they gave within 90 days when "
      "they gave work no more than 90 days after joining.</li>\n"
      "<li>Ranges are widened to whole calendar months. Figures for the "
      "whole range count members and pairs once, so they are not the sum of "
      "the periods.</li>\n"
      "</ul>\n</section>\n");
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default: {
        const auto byte = static_cast<unsigned char>(c);
        const bool control =
            (byte < 0x20 && c != '\n' && c != '\t') || byte == 0x7F;
        out += control ? ' ' : c;
      }
    }
  }
  return out;
}

std::string RenderCouncilReport(const v1::ReciprocityReport& report,
                                const v1::PrinciplesAssessment& assessment,
                                const v1::ListActionsResponse& actions) {
  std::string out;
  AppendHead(&out, report);
  AppendHeader(&out, report);
  absl::StrAppend(&out, "<main>\n");
  AppendSummary(&out, report, assessment);
  AppendHoursSection(&out, report);
  AppendBalanceSection(&out, report);
  AppendCategories(&out, report);
  AppendPrinciples(&out, assessment);
  AppendActions(&out, actions);
  AppendDefinitions(&out);
  absl::StrAppend(&out,
                  "</main>\n<footer>\n<p>Made with the <code>timebank</code> "
                  "command-line tool from the timebank's own ledger. The "
                  "stages and colours follow the co-production "
                  "self-reflection tool (Inclusion North, 2011), built on "
                  "Edgar Cahn's four principles.</p>\n</footer>\n"
                  "</body>\n</html>\n");
  return out;
}

}  // namespace timebank::client
