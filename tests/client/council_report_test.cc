#include "client/council_report.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "client/assessment_text.h"
#include "client/hours.h"
#include "client/output.h"

namespace timebank::client {
namespace {

namespace v1 = ::timebank::v1;

constexpr char kHostile[] = "<script>alert(1)</script>";
constexpr char kHostileEscaped[] = "&lt;script&gt;alert(1)&lt;/script&gt;";

// ---- a minimal well-formedness checker --------------------------------------
//
// Enough of XML for the elements the report uses: every element is closed,
// in order; void elements (meta) and self-closed SVG elements ("/>") need no
// closing tag; attribute values are quoted; text and attribute values hold
// no raw "<" or ">" and every "&" starts a character reference. The body of
// <style> is raw text and must not contain "<". Returns "" when the text
// passes, else what is wrong and where.

bool IsVoid(std::string_view name) {
  static const std::set<std::string_view> kVoid = {
      "meta", "link", "br", "hr", "img", "input", "col", "wbr"};
  return kVoid.contains(name);
}

// The length of the character reference at text[i] ("&amp;"), 0 if none.
size_t ReferenceLength(std::string_view text, size_t i) {
  for (std::string_view name : {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"}) {
    if (text.substr(i, name.size()) == name) return name.size();
  }
  return 0;
}

std::string CheckText(std::string_view text, size_t offset) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '<' || text[i] == '>') {
      return "raw '" + std::string(1, text[i]) + "' in text at " +
             std::to_string(offset + i);
    }
    if (text[i] == '&' && ReferenceLength(text, i) == 0) {
      return "bare '&' at " + std::to_string(offset + i);
    }
  }
  return "";
}

// Checks the attributes of a start tag, `inside` being what lies between
// the name and the closing ">" or "/>".
std::string CheckAttributes(std::string_view inside, size_t offset) {
  size_t i = 0;
  while (i < inside.size()) {
    if (std::isspace(static_cast<unsigned char>(inside[i]))) {
      ++i;
      continue;
    }
    const size_t name_start = i;
    while (i < inside.size() &&
           (std::isalnum(static_cast<unsigned char>(inside[i])) ||
            inside[i] == '-' || inside[i] == ':')) {
      ++i;
    }
    if (i == name_start) {
      return "bad attribute at " + std::to_string(offset + i);
    }
    if (i < inside.size() && inside[i] == '=') {
      if (i + 1 >= inside.size() || inside[i + 1] != '"') {
        return "unquoted attribute at " + std::to_string(offset + i);
      }
      const size_t close = inside.find('"', i + 2);
      if (close == std::string_view::npos) {
        return "unterminated attribute at " + std::to_string(offset + i);
      }
      std::string error =
          CheckText(inside.substr(i + 2, close - i - 2), offset + i + 2);
      if (!error.empty()) return error;
      i = close + 1;
    }
  }
  return "";
}

std::string CheckWellFormed(std::string_view html) {
  std::vector<std::string> open;
  size_t i = 0;
  while (i < html.size()) {
    const size_t lt = html.find('<', i);
    const size_t text_end = lt == std::string_view::npos ? html.size() : lt;
    if (std::string error = CheckText(html.substr(i, text_end - i), i);
        !error.empty()) {
      return error;
    }
    if (lt == std::string_view::npos) break;
    if (html.substr(lt, 9) == "<!DOCTYPE") {
      i = html.find('>', lt) + 1;
      continue;
    }
    const bool closing = lt + 1 < html.size() && html[lt + 1] == '/';
    size_t name_end = lt + (closing ? 2 : 1);
    while (name_end < html.size() &&
           (std::isalnum(static_cast<unsigned char>(html[name_end])) ||
            html[name_end] == '-')) {
      ++name_end;
    }
    const std::string name(
        html.substr(lt + (closing ? 2 : 1), name_end - lt - (closing ? 2 : 1)));
    if (name.empty()) return "empty tag name at " + std::to_string(lt);
    // Attribute values hold no '>', which CheckAttributes verifies.
    const size_t gt = html.find('>', name_end);
    if (gt == std::string_view::npos) return "unterminated tag " + name;
    if (closing) {
      if (open.empty() || open.back() != name) {
        return "</" + name + "> at " + std::to_string(lt) + " closes <" +
               (open.empty() ? std::string("nothing") : open.back()) + ">";
      }
      open.pop_back();
      i = gt + 1;
      continue;
    }
    const bool self_closed = html[gt - 1] == '/';
    std::string_view inside =
        html.substr(name_end, gt - name_end - (self_closed ? 1 : 0));
    if (std::string error = CheckAttributes(inside, name_end); !error.empty()) {
      return error;
    }
    i = gt + 1;
    if (self_closed || IsVoid(name)) continue;
    if (name == "style") {
      const size_t end = html.find("</style>", i);
      if (end == std::string_view::npos) return "unterminated <style>";
      if (html.substr(i, end - i).find('<') != std::string_view::npos) {
        return "'<' inside <style>";
      }
      i = end + 8;
      continue;
    }
    open.push_back(name);
  }
  if (!open.empty()) return "<" + open.back() + "> is never closed";
  return "";
}

TEST(WellFormedChecker, AcceptsNestedAndVoidElements) {
  EXPECT_EQ(CheckWellFormed("<!DOCTYPE html><html lang=\"en\"><head><meta "
                            "charset=\"utf-8\"><style>p { color: red; }"
                            "</style></head><body><p>a &amp; b</p><svg><rect "
                            "x=\"1\"/></svg></body></html>"),
            "");
}

TEST(WellFormedChecker, RejectsWhatABrokenPageWouldHold) {
  EXPECT_NE(CheckWellFormed("<p><b>x</p></b>"), "");    // Misnested.
  EXPECT_NE(CheckWellFormed("<section><p>x</p>"), "");  // Never closed.
  EXPECT_NE(CheckWellFormed("<p>a < b</p>"), "");       // Raw '<'.
  EXPECT_NE(CheckWellFormed("<p>fish & chips</p>"), "");
  EXPECT_NE(CheckWellFormed("<p class=x>y</p>"), "");  // Unquoted.
  EXPECT_NE(CheckWellFormed("<p title=\"a<b\">y</p>"), "");
}

// ---- inputs, built by hand --------------------------------------------------

v1::PeriodFigures Period(std::string label, int64_t minutes, int64_t scale) {
  v1::PeriodFigures p;
  p.set_label(std::move(label));
  p.set_from_date("2026-01-01");
  p.set_to_date("2026-03-31");
  p.set_minutes_exchanged(minutes);
  p.set_exchanges(scale * 7);
  p.set_members(40);
  p.set_organisations(1);
  p.set_active_members(scale * 5);
  p.set_members_gave_and_received(scale * 3);
  p.set_members_only_gave(scale);
  p.set_members_only_received(scale);
  p.set_members_inactive(40 - scale * 5);
  p.mutable_balances()->set_members(40);
  p.mutable_balances()->set_p25_minutes(-210 * scale);
  p.mutable_balances()->set_median_minutes(30 * scale);
  p.mutable_balances()->set_p75_minutes(250 * scale);
  p.mutable_balances()->set_share_within_5h(0.55);
  p.set_distinct_pairs(scale * 9);
  p.set_reciprocal_pairs(scale * 2);
  p.set_members_with_three_plus_partners(scale * 2);
  p.set_new_members(2);
  p.set_new_members_gave_within_90_days(1);
  p.set_organisation_to_member_minutes(scale * 120);
  p.set_member_to_organisation_minutes(30);
  return p;
}

v1::ReciprocityReport Report() {
  v1::ReciprocityReport report;
  report.set_timebank_id("riverside");
  report.set_from_date("2025-10-01");
  report.set_to_date("2026-09-30");
  report.set_granularity(v1::GRANULARITY_QUARTER);
  report.set_generated_at_unix_us(1'790'000'000'000'000);
  *report.add_periods() = Period("2025-Q4", 3000, 2);
  *report.add_periods() = Period("2026-Q1", 4530, 3);
  *report.add_periods() = Period(kHostile, 0, 1);  // Hostile, and empty.
  *report.mutable_total() = Period("total", 7530, 6);
  report.mutable_total()->set_from_date("2025-10-01");
  report.mutable_total()->set_to_date("2026-09-30");
  for (const auto& [name, minutes] :
       {std::pair{"gardening", 1800}, std::pair{kHostile, 930}}) {
    v1::CategoryFigures* c = report.mutable_total()->add_top_categories();
    c->set_category(name);
    c->set_minutes(minutes);
    c->set_exchanges(minutes / 60);
  }
  return report;
}

v1::Evidence Evidence(std::string metric, double value, std::string unit,
                      double threshold, int stage, std::string sentence) {
  v1::Evidence e;
  e.set_metric(std::move(metric));
  e.set_value(value);
  e.set_unit(std::move(unit));
  e.set_threshold(threshold);
  e.set_comparison(v1::COMPARISON_AT_LEAST);
  e.set_met(stage == 4);
  e.set_stage(stage);
  e.set_sentence(std::move(sentence));
  return e;
}

v1::PrinciplesAssessment Assessment() {
  v1::PrinciplesAssessment a;
  a.set_timebank_id("riverside");
  a.set_from_date("2025-10-01");
  a.set_to_date("2026-09-30");
  v1::PrincipleAssessment* assets = a.add_principles();
  assets->set_principle(v1::PRINCIPLE_PEOPLE_AS_ASSETS);
  assets->set_stage(0);
  assets->set_stage_label("");  // As the server sends stage 0.
  assets->set_rag(v1::RAG_UNSPECIFIED);
  assets->set_basis(v1::BASIS_NONE);
  *assets->add_evidence() =
      Evidence("assets.new_members_gave_within_90_days_share", 0, "share", 0, 0,
               "The ledger cannot show this: no new members joined.");
  v1::PrincipleAssessment* work = a.add_principles();
  work->set_principle(v1::PRINCIPLE_VALUING_WORK_DIFFERENTLY);
  work->set_stage(4);
  work->set_stage_label("You're doing REALLY well");
  work->set_rag(v1::RAG_GREEN);
  work->set_basis(v1::BASIS_REFLECTIONS);
  work->set_ledger_stage(4);
  *work->add_evidence() =
      Evidence("work.hours_per_active_member_per_month", 4.26, "hours", 4, 4,
               "4.3 hours recorded per active member per month: stage 4.");
  v1::PrincipleAssessment* reciprocity = a.add_principles();
  reciprocity->set_principle(v1::PRINCIPLE_RECIPROCITY);
  reciprocity->set_stage(3);
  reciprocity->set_stage_label("You're getting there");
  reciprocity->set_rag(v1::RAG_AMBER);
  reciprocity->set_basis(v1::BASIS_REFLECTIONS);
  reciprocity->set_ledger_stage(3);
  *reciprocity->add_evidence() = Evidence(
      "reciprocity.gave_and_received_share", 0.583, "share", 0.6, 3,
      std::string("58% of active members both gave and received ") + kHostile);
  v1::ReflectionSummary* said = reciprocity->mutable_reflections();
  said->set_reflections(3);
  said->set_median_stage(3);
  for (const auto& [perspective, stage] :
       {std::pair{v1::PERSPECTIVE_MEMBER, 4},
        std::pair{v1::PERSPECTIVE_COUNCIL, 2}}) {
    v1::PerspectiveSummary* s = said->add_perspectives();
    s->set_perspective(perspective);
    s->set_reflections(1);
    s->set_lowest_stage(stage);
    s->set_highest_stage(stage);
    s->set_median_stage(stage);
  }
  reciprocity->set_disagreement(std::string("members see stage 4.0, ") +
                                "the council stage 2.0 " + kHostile);
  v1::PrincipleAssessment* networks = a.add_principles();
  networks->set_principle(v1::PRINCIPLE_SOCIAL_NETWORKS);
  networks->set_stage(1);
  networks->set_stage_label("You really haven't got this");
  networks->set_rag(v1::RAG_RED);
  networks->set_basis(v1::BASIS_REFLECTIONS);
  networks->set_ledger_stage(1);
  *networks->add_evidence() =
      Evidence("networks.partners_per_active_member", 1.25, "partners", 1.5, 1,
               "1.2 different exchange partners per active member: stage 1.");
  return a;
}

v1::ListActionsResponse Actions() {
  v1::ListActionsResponse plan;
  v1::Action* buddy = plan.add_actions();
  buddy->set_action_id(1);
  buddy->set_principle(v1::PRINCIPLE_RECIPROCITY);
  buddy->set_who("Pete & the coordinators");
  buddy->set_what("Offer every new member a buddy");
  buddy->set_how("Match from the skills list");
  buddy->set_due_on("2026-12-20");
  buddy->set_status(v1::ACTION_STATUS_IN_PROGRESS);
  v1::Action* hostile = plan.add_actions();
  hostile->set_action_id(2);
  hostile->set_who(kHostile);
  hostile->set_what("Open the lounge on \"Thursdays\" & Fridays");
  hostile->set_status(v1::ACTION_STATUS_PLANNED);
  return plan;
}

std::string Render() {
  return RenderCouncilReport(Report(), Assessment(), Actions());
}

// The part of the page about one principle.
std::string ArticleOf(const std::string& html, v1::Principle principle) {
  const size_t start =
      html.find("id=\"principle-" + PrincipleFlagName(principle) + "\">");
  if (start == std::string::npos) return "";
  return html.substr(start, html.find("</article>", start) - start);
}

// ---- the report
// ---------------------------------------------------------------

TEST(CouncilReport, IsWellFormed) { EXPECT_EQ(CheckWellFormed(Render()), ""); }

TEST(CouncilReport, EmptyRepliesStillMakeAWellFormedPage) {
  const std::string html =
      RenderCouncilReport(v1::ReciprocityReport(), v1::PrinciplesAssessment(),
                          v1::ListActionsResponse());
  EXPECT_EQ(CheckWellFormed(html), "");
  EXPECT_NE(html.find("No actions have been agreed yet."), std::string::npos);
}

TEST(CouncilReport, EscapesHostileText) {
  const std::string html = Render();
  EXPECT_NE(html.find(kHostileEscaped), std::string::npos);
  EXPECT_EQ(html.find(kHostile), std::string::npos);
  EXPECT_NE(html.find("Pete &amp; the coordinators"), std::string::npos);
  EXPECT_NE(html.find("on &quot;Thursdays&quot; &amp; Fridays"),
            std::string::npos);
}

TEST(CouncilReport, RunsAndFetchesNothing) {
  const std::string html = Render();
  for (const char* forbidden :
       {"http://", "https://", "<script", "<link", "<img", "<iframe", "url(",
        "@import", "src=", "onload", "onclick", "javascript:"}) {
    EXPECT_EQ(html.find(forbidden), std::string::npos) << forbidden;
  }
}

TEST(CouncilReport, IsAccessible) {
  const std::string html = Render();
  EXPECT_NE(html.find("<html lang=\"en-GB\">"), std::string::npos);
  EXPECT_NE(html.find("<title>Co-production report: riverside"),
            std::string::npos);
  EXPECT_NE(html.find("<h1>"), std::string::npos);
  // Every header cell says what it heads; every table has a caption.
  size_t th = 0, scoped = 0;
  for (size_t at = html.find("<th"); at != std::string::npos;
       at = html.find("<th", at + 1)) {
    if (html.compare(at, 4, "<th ") != 0 && html.compare(at, 4, "<th>") != 0)
      continue;  // <thead>
    ++th;
    if (html.compare(at, 11, "<th scope=\"") == 0) ++scoped;
  }
  EXPECT_GT(th, 0u);
  EXPECT_EQ(th, scoped);
  size_t tables = 0, captions = 0;
  for (size_t at = html.find("<table"); at != std::string::npos;
       at = html.find("<table", at + 1)) {
    ++tables;
    const size_t end = html.find('>', at);
    if (html.compare(end, 11, ">\n<caption>") == 0) ++captions;
  }
  EXPECT_GE(tables, 8u);
  EXPECT_EQ(tables, captions);
  // Each chart names and describes itself.
  size_t charts = 0;
  for (size_t at = html.find("<svg "); at != std::string::npos;
       at = html.find("<svg ", at + 1)) {
    ++charts;
    const std::string svg = html.substr(at, html.find("</svg>", at) - at);
    EXPECT_NE(svg.find("role=\"img\""), std::string::npos);
    EXPECT_NE(svg.find("<title id="), std::string::npos);
    EXPECT_NE(svg.find("<desc id="), std::string::npos);
  }
  EXPECT_EQ(charts, 2u);
}

TEST(CouncilReport, CarriesTheFiguresOfTheJson) {
  const v1::ReciprocityReport report = Report();
  const v1::PrinciplesAssessment assessment = Assessment();
  const std::string html = Render();
  absl::StatusOr<Json> report_json = MessageToJsonValue(report);
  absl::StatusOr<Json> assessment_json = MessageToJsonValue(assessment);
  ASSERT_TRUE(report_json.ok());
  ASSERT_TRUE(assessment_json.ok());

  // proto3 JSON carries int64 as a string.
  const int64_t total_minutes = std::stoll(
      (*report_json)["total"]["minutes_exchanged"].get<std::string>());
  EXPECT_NE(html.find(FormatMinutes(total_minutes)), std::string::npos)
      << FormatMinutes(total_minutes);
  EXPECT_NE(html.find("125 h 30 m"), std::string::npos);
  for (const Json& period : (*report_json)["periods"]) {
    EXPECT_NE(html.find(HtmlEscape(period["label"].get<std::string>())),
              std::string::npos);
  }
  const Json& balances = (*report_json)["total"]["balances"];
  EXPECT_NE(html.find(FormatSignedMinutes(
                std::stoll(balances["median_minutes"].get<std::string>()))),
            std::string::npos);
  EXPECT_NE(html.find(FormatShare(balances["share_within_5h"].get<double>())),
            std::string::npos);

  for (const Json& p : (*assessment_json)["principles"]) {
    v1::Principle principle = v1::PRINCIPLE_UNSPECIFIED;
    ASSERT_TRUE(
        v1::Principle_Parse(p["principle"].get<std::string>(), &principle));
    const std::string article = ArticleOf(html, principle);
    ASSERT_FALSE(article.empty()) << PrincipleFlagName(principle);
    const std::string label = p["stage_label"].get<std::string>();
    EXPECT_NE(article.find(HtmlEscape(label)), std::string::npos) << label;
    std::string rag = p["rag"].get<std::string>();  // "RAG_AMBER"
    rag = rag == "RAG_UNSPECIFIED" ? "NOT SCORED" : rag.substr(4);
    EXPECT_NE(article.find(">" + rag + "</span>"), std::string::npos) << rag;
    std::string words = article;  // Without the line-break hints.
    for (size_t at = words.find("<wbr>"); at != std::string::npos;
         at = words.find("<wbr>", at)) {
      words.erase(at, 5);
    }
    for (const Json& e : p["evidence"]) {
      EXPECT_NE(words.find(e["metric"].get<std::string>()), std::string::npos);
      const std::string sentence = HtmlEscape(e["sentence"].get<std::string>());
      EXPECT_NE(article.find(sentence), std::string::npos) << sentence;
      if (e["stage"].get<int>() == 0) continue;  // The ledger cannot show it.
      const std::string value = FormatMetricValue(e["unit"].get<std::string>(),
                                                  e["value"].get<double>());
      EXPECT_NE(article.find(">" + HtmlEscape(value) + "<"), std::string::npos)
          << value;
    }
  }
  // The values as formatted, spelled out once so a formatting change shows.
  EXPECT_NE(ArticleOf(html, v1::PRINCIPLE_RECIPROCITY).find(">58%<"),
            std::string::npos);
  EXPECT_NE(ArticleOf(html, v1::PRINCIPLE_VALUING_WORK_DIFFERENTLY)
                .find(">4.3 hours<"),
            std::string::npos);
  EXPECT_NE(ArticleOf(html, v1::PRINCIPLE_SOCIAL_NETWORKS).find(">RED</span>"),
            std::string::npos);
}

TEST(CouncilReport, ShowsReflectionsDisagreementAndThePlan) {
  const std::string html = Render();
  const std::string reciprocity = ArticleOf(html, v1::PRINCIPLE_RECIPROCITY);
  EXPECT_NE(reciprocity.find("3 reflections, median stage 3"),
            std::string::npos);
  EXPECT_NE(reciprocity.find(">member</th>"), std::string::npos);
  EXPECT_NE(reciprocity.find(">council</th>"), std::string::npos);
  EXPECT_NE(reciprocity.find("members see stage 4.0, the council stage 2.0"),
            std::string::npos);
  EXPECT_NE(
      ArticleOf(html, v1::PRINCIPLE_PEOPLE_AS_ASSETS).find("Not yet assessed"),
      std::string::npos);
  // The plan, by due date with undated actions last.
  const size_t plan = html.find("id=\"plan\"");
  ASSERT_NE(plan, std::string::npos);
  const size_t buddy = html.find("Offer every new member a buddy", plan);
  const size_t lounge = html.find("Open the lounge", plan);
  ASSERT_NE(buddy, std::string::npos);
  ASSERT_NE(lounge, std::string::npos);
  EXPECT_LT(buddy, lounge);
  EXPECT_NE(html.find("in-progress", plan), std::string::npos);
  EXPECT_NE(html.find("2026-12-20", plan), std::string::npos);
  EXPECT_NE(html.find("Match from the skills list", plan), std::string::npos);
}

// An AUDITOR token gets each action without who, how and notes; the plan
// then shows what, due date, status and principle, with no empty columns.
TEST(CouncilReport, AnAuditorsPlanHasNoEmptyWhoHowOrNoteColumns) {
  v1::ListActionsResponse plan = Actions();
  for (v1::Action& action : *plan.mutable_actions()) {
    action.clear_who();
    action.clear_how();
    action.clear_note();
  }
  const std::string html = RenderCouncilReport(Report(), Assessment(), plan);
  EXPECT_EQ(CheckWellFormed(html), "");
  const size_t start = html.find("id=\"plan\"");
  ASSERT_NE(start, std::string::npos);
  const std::string section =
      html.substr(start, html.find("</section>", start) - start);
  EXPECT_NE(section.find("Offer every new member a buddy"), std::string::npos);
  EXPECT_NE(section.find("2026-12-20"), std::string::npos);
  EXPECT_EQ(section.find(">Who</th>"), std::string::npos) << section;
  EXPECT_EQ(section.find(">How</th>"), std::string::npos) << section;
  EXPECT_EQ(section.find("Progress note"), std::string::npos) << section;
  // With who present, the columns are there.
  EXPECT_NE(Render().find(">Who</th>"), std::string::npos);
}

TEST(HtmlEscape, EscapesMarkupQuotesAndControlCharacters) {
  EXPECT_EQ(HtmlEscape("a<b>&\"c\"'d'"),
            "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;");
  EXPECT_EQ(HtmlEscape(std::string("x\x01y\x7fz\n")), "x y z\n");
  EXPECT_EQ(HtmlEscape("caf\xc3\xa9"), "caf\xc3\xa9");
}

}  // namespace
}  // namespace timebank::client
