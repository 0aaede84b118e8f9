// The Assessment service through the generated stubs of a running timebankd:
// reciprocity reports on a small timebank whose figures are worked out by
// hand below, the co-production assessment, reflections, the action plan and
// thresholds, every error status the API promises (code and the field the
// message names), and the auditor's view: aggregates only.
//
// The small timebank (BuildSmallTimebank). PERSON accounts kestrel, wren and
// osprey joined 2023-12-01, bittern too (and never exchanges), nightjar
// joined 2024-03-05; the ORGANISATION parish-hall joined 2023-12-01.
//
//   2024-02-10  kestrel -> wren       120 m  gardening   confirmed
//   2024-02-12  wren    -> kestrel     60 m  befriending confirmed
//   2024-02-20  osprey  -> wren        90 m  it-help     confirmed, REVERSED
//   2024-03-01  wren    -> osprey      30 m  gardening   confirmed
//   2024-03-10  nightjar-> kestrel     45 m  cooking     confirmed
//   2024-03-15  parish  -> kestrel     60 m  training    confirmed
//   2024-03-20  wren    -> osprey     200 m  gardening   PENDING (wren logged)
//
// Only the confirmed, unreversed exchanges count:
//   2024-02: 180 m in 2 exchanges; members 4 (nightjar not yet joined);
//            kestrel and wren both gave and received; osprey and bittern
//            inactive; pairs of members {kestrel,wren}, reciprocal;
//            balances at the month's end of the two who had exchanged
//            (osprey's only exchange was reversed): wren -60, kestrel +60.
//   2024-03: 135 m in 3; members 5; wren and nightjar only gave, kestrel and
//            osprey only received; pairs of members {wren,osprey},
//            {nightjar,kestrel}, none reciprocal ({parish,kestrel} is an
//            organisation's); organisations gave members 60 m; nightjar is
//            new and gave within 90 days; balances at the month's end of the
//            four who had exchanged: kestrel -45, wren -30, osprey -30,
//            nightjar +45 (bittern never exchanged).
//   total:   315 m in 5; active 4: kestrel and wren both ways, nightjar only
//            gave, osprey only received; 3 pairs of members, 1 reciprocal
//            ({osprey,wren} is one-way because the reversal undid the other
//            way); partners among members: kestrel 2, wren 2, osprey 1,
//            nightjar 1 (median 1), nobody has three.
//
// Four active members are fewer than the ten a figure needs by default, so
// NewSmallTimebank sets min_active_members to 1 for the tests of the
// figures. With the default thresholds, over February and March, the
// ledger suggests:
//   valuing work: participation 4/5 = 0.8 (stage 4), hours per active member
//     per month 5.25 h / 4 over the 51 days from the first exchange
//     (2024-02-10) = 0.78 (stage 1, stage 2 needs 1.0),
//     organisation share 60/315 = 0.19 (stage 4)          -> stage 1
//   reciprocity: both ways 2/4 = 0.5 (stage 3), only received 1/4 = 0.25
//     (stage 3), balances within 5 h 4/4 (stage 4)        -> stage 3
//   social networks: median partners 1 (stage 1, stage 2 needs 1.5), three
//     or more partners 0/4 (stage 1), reciprocal pairs 1/3 (stage 4)
//                                                         -> stage 1
//   people as assets: the ledger cannot show it           -> no stage
// The stage of every principle is people's: none until two perspectives
// have reflected.

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "tests/services/rpc_client.h"
#include "tests/services/shared_server_test.h"

namespace timebank::testing {
namespace {

using AssessmentStub = v1::Assessment::Stub;

constexpr char kFebruaryFirst[] = "2024-02-01";
constexpr char kMarchLast[] = "2024-03-31";

// Everything personal the small timebank holds: no auditor reply may carry
// any of it.
const std::vector<std::string>& PersonalDetails() {
  static const auto* const details = new std::vector<std::string>{
      // Account ids.
      "kestrel", "wren", "osprey", "nightjar", "bittern", "parish-hall",
      // Display names.
      "Kestrel Quill", "Wren Marsh", "Osprey Dunmore", "Nightjar Ellery",
      "Bittern Fawley", "Hollowbrook Parish Council",
      // Exchange descriptions.
      "Pruned the quince hedge", "Read the paper aloud together",
      "Set up the tablet for video calls", "Dug the potato bed",
      "Taught the pastry class", "First aid course place",
      "Planted the allotment onions",
      // Reflection evidence and authors.
      "Marjorie Pennyworth runs the Tuesday repair cafe", "Marjorie Pennyworth",
      "Thaddeus Crumb",
      "Thaddeus Crumb says the lunch club designs its own menu",
      // Action plan: who, how, notes.
      "day centre staff", "front room", "agreed to help"};
  return *details;
}

struct Person {
  const char* id;
  const char* name;
  const char* joined_on;
  v1::AccountKind kind = v1::ACCOUNT_KIND_PERSON;
};

// What BuildSmallTimebank made.
struct SmallTimebank {
  std::string id;
  uint64_t reversed_seq = 0;
  uint64_t pending_seq = 0;
};

v1::RecordExchangeRequest Exchange(const std::string& tb,
                                   const std::string& request_id,
                                   const std::string& giver,
                                   const std::string& receiver, int64_t minutes,
                                   const std::string& category,
                                   const std::string& description,
                                   const std::string& occurred_on) {
  v1::RecordExchangeRequest request =
      ExchangeRequest(tb, request_id, giver, receiver, minutes, occurred_on);
  request.set_category(category);
  request.set_description(description);
  return request;
}

// Creates `tb` with the accounts and exchanges of the file comment.
SmallTimebank BuildSmallTimebank(const Client& admin, const std::string& tb) {
  Must(admin.CreateTimebank(tb, "Hollowbrook Timebank"), "create " + tb);
  const Person people[] = {
      {"kestrel", "Kestrel Quill", "2023-12-01"},
      {"wren", "Wren Marsh", "2023-12-01"},
      {"osprey", "Osprey Dunmore", "2023-12-01"},
      {"bittern", "Bittern Fawley", "2023-12-01"},
      {"nightjar", "Nightjar Ellery", "2024-03-05"},
      {"parish-hall", "Hollowbrook Parish Council", "2023-12-01",
       v1::ACCOUNT_KIND_ORGANISATION},
  };
  for (const Person& person : people) {
    v1::OpenAccountRequest request;
    request.set_timebank_id(tb);
    request.set_account_id(person.id);
    request.set_display_name(person.name);
    request.set_kind(person.kind);
    request.set_joined_on(person.joined_on);
    Must(admin.Call(&v1::Ledger::Stub::OpenAccount, request),
         std::string("open ") + person.id);
  }
  const auto record = [&](v1::RecordExchangeRequest request) {
    return Must(admin.RecordExchange(request), "record " + request.request_id())
        .seq();
  };
  record(Exchange(tb, "e1", "kestrel", "wren", 120, "gardening",
                  "Pruned the quince hedge", "2024-02-10"));
  record(Exchange(tb, "e2", "wren", "kestrel", 60, "befriending",
                  "Read the paper aloud together", "2024-02-12"));
  SmallTimebank made{.id = tb};
  made.reversed_seq =
      record(Exchange(tb, "e3", "osprey", "wren", 90, "it-help",
                      "Set up the tablet for video calls", "2024-02-20"));
  Must(admin.ReverseExchange(tb, made.reversed_seq, "e3-undo", "entered twice"),
       "reverse e3");
  record(Exchange(tb, "e4", "wren", "osprey", 30, "gardening",
                  "Dug the potato bed", "2024-03-01"));
  record(Exchange(tb, "e5", "nightjar", "kestrel", 45, "cooking",
                  "Taught the pastry class", "2024-03-10"));
  record(Exchange(tb, "e6", "parish-hall", "kestrel", 60, "training",
                  "First aid course place", "2024-03-15"));
  const Client wren = admin.WithToken(
      Must(admin.CreateToken(v1::ROLE_MEMBER, {tb}, "wren", "wren-" + tb),
           "wren's token")
          .token());
  const v1::Exchange pending =
      Must(wren.RecordExchange(
               Exchange(tb, "e7", "wren", "osprey", 200, "gardening",
                        "Planted the allotment onions", "2024-03-20")),
           "wren logs e7");
  if (pending.status() != v1::EXCHANGE_STATUS_PENDING) {
    throw std::runtime_error("e7 should be PENDING");
  }
  made.pending_seq = pending.seq();
  return made;
}

v1::GetReciprocityReportRequest ReportRequest(
    const std::string& tb, const std::string& from, const std::string& to,
    v1::Granularity granularity = v1::GRANULARITY_MONTH) {
  v1::GetReciprocityReportRequest request;
  request.set_timebank_id(tb);
  request.set_from(from);
  request.set_to(to);
  request.set_granularity(granularity);
  return request;
}

v1::AssessPrinciplesRequest AssessRequest(
    const std::string& tb, const std::string& from = kFebruaryFirst,
    const std::string& to = kMarchLast) {
  v1::AssessPrinciplesRequest request;
  request.set_timebank_id(tb);
  request.set_from(from);
  request.set_to(to);
  return request;
}

v1::SubmitReflectionRequest ReflectionRequest(
    const std::string& tb, const std::string& request_id,
    v1::Principle principle, v1::Perspective perspective, int stage,
    const std::string& evidence, const std::string& reflected_on) {
  v1::SubmitReflectionRequest request;
  request.set_timebank_id(tb);
  request.set_request_id(request_id);
  request.set_principle(principle);
  request.set_perspective(perspective);
  request.set_stage(stage);
  request.set_evidence(evidence);
  request.set_reflected_on(reflected_on);
  return request;
}

v1::AddActionRequest ActionRequest(
    const std::string& tb, const std::string& request_id,
    const std::string& what, const std::string& due_on,
    v1::ActionStatus status = v1::ACTION_STATUS_UNSPECIFIED) {
  v1::AddActionRequest request;
  request.set_timebank_id(tb);
  request.set_request_id(request_id);
  request.set_principle(v1::PRINCIPLE_RECIPROCITY);
  request.set_who("the coordinators");
  request.set_what(what);
  request.set_due_on(due_on);
  request.set_status(status);
  return request;
}

v1::ThresholdSetting Setting(const std::string& metric, int stage,
                             std::optional<double> value) {
  v1::ThresholdSetting setting;
  setting.set_metric(metric);
  setting.set_stage(stage);
  if (value) setting.set_value(*value);
  return setting;
}

v1::SetThresholdsRequest SetRequest(
    const std::string& tb, const std::vector<v1::ThresholdSetting>& settings) {
  v1::SetThresholdsRequest request;
  request.set_timebank_id(tb);
  for (const v1::ThresholdSetting& s : settings) *request.add_thresholds() = s;
  return request;
}

const v1::PeriodFigures* PeriodLabelled(const v1::ReciprocityReport& report,
                                        const std::string& label) {
  for (const v1::PeriodFigures& period : report.periods()) {
    if (period.label() == label) return &period;
  }
  return nullptr;
}

std::vector<std::string> LabelsOf(const v1::ReciprocityReport& report) {
  std::vector<std::string> labels;
  for (const v1::PeriodFigures& p : report.periods())
    labels.push_back(p.label());
  return labels;
}

const v1::PrincipleAssessment& PrincipleOf(
    const v1::PrinciplesAssessment& assessment, v1::Principle principle) {
  for (const v1::PrincipleAssessment& p : assessment.principles()) {
    if (p.principle() == principle) return p;
  }
  throw std::runtime_error("principle missing: " +
                           v1::Principle_Name(principle));
}

const v1::Evidence* EvidenceFor(const v1::PrincipleAssessment& principle,
                                const std::string& metric) {
  for (const v1::Evidence& e : principle.evidence()) {
    if (e.metric() == metric) return &e;
  }
  return nullptr;
}

const v1::Threshold* ThresholdFor(const v1::Thresholds& thresholds,
                                  const std::string& metric, int stage) {
  for (const v1::Threshold& t : thresholds.thresholds()) {
    if (t.metric() == metric && t.stage() == stage) return &t;
  }
  return nullptr;
}

std::vector<uint64_t> ActionIdsOf(const v1::ListActionsResponse& page) {
  std::vector<uint64_t> ids;
  for (const v1::Action& a : page.actions()) ids.push_back(a.action_id());
  return ids;
}

std::vector<uint64_t> ReflectionIdsOf(const v1::ListReflectionsResponse& page) {
  std::vector<uint64_t> ids;
  for (const v1::Reflection& r : page.reflections()) {
    ids.push_back(r.reflection_id());
  }
  return ids;
}

class AssessmentApiTest : public SharedServerTest<AssessmentApiTest> {
 protected:
  // The small timebank, judged from one active member (see the file
  // comment); NewSmallTimebankAsIs keeps the default minimum of ten.
  SmallTimebank NewSmallTimebank() {
    SmallTimebank tb = NewSmallTimebankAsIs();
    Must(SetThresholds(tb.id, {Setting("min_active_members", 0, 1)}),
         "judge from one active member");
    return tb;
  }
  SmallTimebank NewSmallTimebankAsIs() {
    return BuildSmallTimebank(admin(), UniqueId("hollow"));
  }
  // A timebank with no accounts at all.
  std::string NewEmptyTimebank() {
    const std::string tb = UniqueId("empty");
    Must(admin().CreateTimebank(tb), "create " + tb);
    return tb;
  }
  Rpc<v1::ReciprocityReport> Report(const v1::GetReciprocityReportRequest& r) {
    return admin().Call(&AssessmentStub::GetReciprocityReport, r);
  }
  Rpc<v1::PrinciplesAssessment> Assess(const std::string& tb) {
    return admin().Call(&AssessmentStub::AssessPrinciples, AssessRequest(tb));
  }
  Rpc<v1::Thresholds> SetThresholds(
      const std::string& tb, const std::vector<v1::ThresholdSetting>& s) {
    return admin().Call(&AssessmentStub::SetThresholds, SetRequest(tb, s));
  }
  Rpc<v1::Reflection> Submit(const v1::SubmitReflectionRequest& request) {
    return admin().Call(&AssessmentStub::SubmitReflection, request);
  }
  Rpc<v1::ListReflectionsResponse> ListReflections(
      const v1::ListReflectionsRequest& request) {
    return admin().Call(&AssessmentStub::ListReflections, request);
  }
  Rpc<v1::Action> AddAction(const v1::AddActionRequest& request) {
    return admin().Call(&AssessmentStub::AddAction, request);
  }
  Rpc<v1::ListActionsResponse> ListActions(
      const v1::ListActionsRequest& request) {
    return admin().Call(&AssessmentStub::ListActions, request);
  }
  Rpc<v1::Action> UpdateAction(const v1::UpdateActionRequest& request) {
    return admin().Call(&AssessmentStub::UpdateAction, request);
  }
};

// ------------------------------------------------------------------ reports

TEST_F(AssessmentApiTest, ReportCountsOnlyConfirmedExchangesPerMonth) {
  const SmallTimebank tb = NewSmallTimebank();
  Rpc<v1::ReciprocityReport> report =
      Report(ReportRequest(tb.id, "2024-02-10", "2024-03-20"));
  ASSERT_RPC_OK(report);
  EXPECT_EQ(report->timebank_id(), tb.id);
  EXPECT_EQ(report->from_date(), kFebruaryFirst);  // Widened to whole months.
  EXPECT_EQ(report->to_date(), kMarchLast);
  EXPECT_EQ(report->granularity(), v1::GRANULARITY_MONTH);
  ASSERT_EQ(LabelsOf(*report),
            (std::vector<std::string>{"2024-02", "2024-03"}));

  const v1::PeriodFigures& feb = report->periods(0);
  EXPECT_EQ(feb.from_date(), kFebruaryFirst);
  EXPECT_EQ(feb.to_date(), "2024-02-29");
  EXPECT_EQ(feb.minutes_exchanged(), 180) << "the reversed 90 m must not count";
  EXPECT_EQ(feb.exchanges(), 2);
  EXPECT_EQ(feb.members(), 4);
  EXPECT_EQ(feb.organisations(), 1);
  EXPECT_EQ(feb.active_members(), 2);
  EXPECT_EQ(feb.members_gave_and_received(), 2);
  EXPECT_EQ(feb.members_only_gave(), 0);
  EXPECT_EQ(feb.members_only_received(), 0);
  EXPECT_EQ(feb.members_inactive(), 2);
  EXPECT_EQ(feb.distinct_pairs(), 1);
  EXPECT_EQ(feb.reciprocal_pairs(), 1);
  EXPECT_EQ(feb.new_members(), 0);
  EXPECT_EQ(feb.balances().members(), 2);
  EXPECT_EQ(feb.balances().p25_minutes(), -60);
  EXPECT_EQ(feb.balances().median_minutes(), -60);  // The 1st of 2.
  EXPECT_EQ(feb.balances().p75_minutes(), 60);
  EXPECT_DOUBLE_EQ(feb.balances().share_within_5h(), 1.0);
  ASSERT_EQ(feb.top_categories_size(), 2) << "it-help was reversed";
  EXPECT_EQ(feb.top_categories(0).category(), "gardening");
  EXPECT_EQ(feb.top_categories(0).minutes(), 120);
  EXPECT_EQ(feb.top_categories(1).category(), "befriending");

  const v1::PeriodFigures& mar = report->periods(1);
  EXPECT_EQ(mar.minutes_exchanged(), 135) << "the pending 200 m must not count";
  EXPECT_EQ(mar.exchanges(), 3);
  EXPECT_EQ(mar.members(), 5);
  EXPECT_EQ(mar.active_members(), 4);
  EXPECT_EQ(mar.members_gave_and_received(), 0);
  EXPECT_EQ(mar.members_only_gave(), 2);
  EXPECT_EQ(mar.members_only_received(), 2);
  EXPECT_EQ(mar.members_inactive(), 1);
  EXPECT_EQ(mar.distinct_pairs(), 2);
  EXPECT_EQ(mar.reciprocal_pairs(), 0);
  EXPECT_EQ(mar.minutes_among_members(), 75);
  EXPECT_EQ(mar.exchanges_among_members(), 2);
  EXPECT_EQ(mar.new_members(), 1);
  EXPECT_EQ(mar.new_members_gave_within_90_days(), 1);
  EXPECT_EQ(mar.organisation_to_member_minutes(), 60);
  EXPECT_EQ(mar.member_to_organisation_minutes(), 0);
  EXPECT_EQ(mar.balances().members(), 4);
  EXPECT_EQ(mar.balances().p25_minutes(), -45);  // -45, -30, -30, 45.
  EXPECT_EQ(mar.balances().median_minutes(), -30);
  EXPECT_EQ(mar.balances().p75_minutes(), -30);
  ASSERT_EQ(mar.top_categories_size(), 3);
  EXPECT_EQ(mar.top_categories(0).category(), "training");
  EXPECT_EQ(mar.top_categories(1).category(), "cooking");
  EXPECT_EQ(mar.top_categories(2).category(), "gardening");
  EXPECT_EQ(mar.top_categories(2).minutes(), 30);

  const v1::PeriodFigures& total = report->total();
  EXPECT_EQ(total.label(), "total");
  EXPECT_EQ(total.minutes_exchanged(), 315);
  EXPECT_EQ(total.exchanges(), 5);
  EXPECT_EQ(total.active_members(), 4);
  EXPECT_EQ(total.members_gave_and_received(), 2);
  EXPECT_EQ(total.members_only_gave(), 1);
  EXPECT_EQ(total.members_only_received(), 1);
  EXPECT_EQ(total.distinct_pairs(), 3) << "distinct over the range, not a sum";
  EXPECT_EQ(total.reciprocal_pairs(), 1)
      << "osprey->wren was reversed, so {osprey,wren} is one-way";
  EXPECT_EQ(total.members_with_three_plus_partners(), 0);
  EXPECT_EQ(total.median_partners(), 1);
  EXPECT_EQ(total.new_members(), 1);
  EXPECT_EQ(total.organisation_to_member_minutes(), 60);
}

TEST_F(AssessmentApiTest, ReportLimitsTopCategoriesWhenAsked) {
  const SmallTimebank tb = NewSmallTimebank();
  v1::GetReciprocityReportRequest request =
      ReportRequest(tb.id, kFebruaryFirst, kMarchLast);
  request.set_top_categories(1);
  Rpc<v1::ReciprocityReport> report = Report(request);
  ASSERT_RPC_OK(report);
  ASSERT_EQ(report->total().top_categories_size(), 1);
  EXPECT_EQ(report->total().top_categories(0).category(), "gardening");
  EXPECT_EQ(report->total().top_categories(0).minutes(), 150);
  EXPECT_EQ(report->total().top_categories(0).exchanges(), 2);
}

TEST_F(AssessmentApiTest, ReportHasOnePeriodPerMonthQuarterOrYear) {
  const SmallTimebank tb = NewSmallTimebank();
  const struct {
    v1::Granularity granularity;
    std::vector<std::string> labels;
  } cases[] = {
      {v1::GRANULARITY_UNSPECIFIED,
       {"2023-11", "2023-12", "2024-01", "2024-02", "2024-03"}},
      {v1::GRANULARITY_MONTH,
       {"2023-11", "2023-12", "2024-01", "2024-02", "2024-03"}},
      {v1::GRANULARITY_QUARTER, {"2023-Q4", "2024-Q1"}},
      {v1::GRANULARITY_YEAR, {"2023", "2024"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(v1::Granularity_Name(c.granularity));
    Rpc<v1::ReciprocityReport> report =
        Report(ReportRequest(tb.id, "2023-11-15", "2024-03-20", c.granularity));
    ASSERT_RPC_OK(report);
    EXPECT_EQ(LabelsOf(*report), c.labels);
    // The first and last periods are clipped to the (widened) range.
    EXPECT_EQ(report->periods(0).from_date(), "2023-11-01");
    EXPECT_EQ(report->periods(report->periods_size() - 1).to_date(),
              kMarchLast);
    // Periods are whole, so the activity of a quarter or year is the sum of
    // its months.
    int64_t minutes = 0;
    for (const v1::PeriodFigures& p : report->periods()) {
      minutes += p.minutes_exchanged();
    }
    EXPECT_EQ(minutes, 315);
    EXPECT_EQ(report->total().minutes_exchanged(), 315);
    EXPECT_EQ(report->total().distinct_pairs(), 3);
  }
  Rpc<v1::ReciprocityReport> quarters = Report(ReportRequest(
      tb.id, "2023-11-15", "2024-03-20", v1::GRANULARITY_QUARTER));
  ASSERT_RPC_OK(quarters);
  const v1::PeriodFigures* q4 = PeriodLabelled(*quarters, "2023-Q4");
  ASSERT_NE(q4, nullptr);
  EXPECT_EQ(q4->to_date(), "2023-12-31");
  EXPECT_EQ(q4->minutes_exchanged(), 0);
  EXPECT_EQ(q4->members(), 4) << "four PERSON accounts had joined by December";
  EXPECT_EQ(q4->members_inactive(), 4);
}

TEST_F(AssessmentApiTest, ReportRejectsBadInputNamingTheField) {
  const SmallTimebank tb = NewSmallTimebank();
  EXPECT_RPC_ERROR(Report(ReportRequest(tb.id, "2024-03-01", "2024-02-01")),
                   INVALID_ARGUMENT, "to");
  EXPECT_RPC_ERROR(Report(ReportRequest(tb.id, "2024-02-30", "2024-03-01")),
                   INVALID_ARGUMENT, "from");
  EXPECT_RPC_ERROR(Report(ReportRequest(tb.id, "", "2024-03-01")),
                   INVALID_ARGUMENT, "from");
  EXPECT_RPC_ERROR(Report(ReportRequest(tb.id, "2024-02-01", "01/03/2024")),
                   INVALID_ARGUMENT, "to");
  EXPECT_RPC_ERROR(Report(ReportRequest(tb.id, "2024-02-01", "2024-03-01",
                                        static_cast<v1::Granularity>(9))),
                   INVALID_ARGUMENT, "granularity");
  // 2000-01 to 2026-01 is 313 months, more than the 120 periods allowed.
  EXPECT_RPC_ERROR(Report(ReportRequest(tb.id, "2000-01-01", "2026-01-01")),
                   INVALID_ARGUMENT, "granularity");
  EXPECT_RPC_OK(Report(
      ReportRequest(tb.id, "2000-01-01", "2026-01-01", v1::GRANULARITY_YEAR)));
  for (int top : {-1, 51}) {
    v1::GetReciprocityReportRequest request =
        ReportRequest(tb.id, "2024-02-01", "2024-03-01");
    request.set_top_categories(top);
    EXPECT_RPC_ERROR(Report(request), INVALID_ARGUMENT, "top_categories")
        << top;
  }
  EXPECT_RPC_ERROR(
      Report(ReportRequest("no-such-tb", "2024-02-01", "2024-03-01")),
      NOT_FOUND, "timebank_id");
  EXPECT_RPC_ERROR(
      admin().Call(&AssessmentStub::AssessPrinciples,
                   AssessRequest(tb.id, "2024-03-01", "2024-02-01")),
      INVALID_ARGUMENT, "to");
  EXPECT_RPC_ERROR(admin().Call(&AssessmentStub::AssessPrinciples,
                                AssessRequest(tb.id, "2024-02-01", "soon")),
                   INVALID_ARGUMENT, "to");
}

// --------------------------------------------------------------- assessment

TEST_F(AssessmentApiTest, AssessPrinciplesGivesFourPrinciplesWithEvidence) {
  const SmallTimebank tb = NewSmallTimebank();
  Rpc<v1::PrinciplesAssessment> assessment = Assess(tb.id);
  ASSERT_RPC_OK(assessment);
  EXPECT_EQ(assessment->timebank_id(), tb.id);
  EXPECT_EQ(assessment->from_date(), kFebruaryFirst);
  EXPECT_EQ(assessment->to_date(), kMarchLast);
  ASSERT_EQ(assessment->principles_size(), 4);
  const v1::Principle in_order[] = {
      v1::PRINCIPLE_PEOPLE_AS_ASSETS, v1::PRINCIPLE_VALUING_WORK_DIFFERENTLY,
      v1::PRINCIPLE_RECIPROCITY, v1::PRINCIPLE_SOCIAL_NETWORKS};
  for (int i = 0; i < 4; ++i) {
    const v1::PrincipleAssessment& p = assessment->principles(i);
    SCOPED_TRACE(v1::Principle_Name(p.principle()));
    EXPECT_EQ(p.principle(), in_order[i]);
    EXPECT_FALSE(p.evidence().empty());
    EXPECT_FALSE(p.summary().empty());
    for (const v1::Evidence& e : p.evidence()) {
      EXPECT_FALSE(e.metric().empty());
      EXPECT_FALSE(e.unit().empty()) << e.metric();
      EXPECT_FALSE(e.sentence().empty()) << e.metric();
      EXPECT_NE(e.comparison(), v1::COMPARISON_UNSPECIFIED) << e.metric();
    }
  }

  // The ledger suggests; without reflections nothing is assessed.
  const struct {
    v1::Principle principle;
    int ledger_stage;
  } expected[] = {
      {v1::PRINCIPLE_VALUING_WORK_DIFFERENTLY, 1},
      {v1::PRINCIPLE_RECIPROCITY, 3},
      {v1::PRINCIPLE_SOCIAL_NETWORKS, 1},
  };
  for (const auto& e : expected) {
    const v1::PrincipleAssessment& p = PrincipleOf(*assessment, e.principle);
    SCOPED_TRACE(v1::Principle_Name(e.principle));
    EXPECT_EQ(p.basis(), v1::BASIS_NONE);
    EXPECT_EQ(p.stage(), 0);
    EXPECT_EQ(p.ledger_stage(), e.ledger_stage);
    EXPECT_EQ(p.stage_label(), "");
    EXPECT_EQ(p.rag(), v1::RAG_UNSPECIFIED);
    EXPECT_EQ(p.reflections().reflections(), 0);
    EXPECT_NE(p.summary().find("Not yet assessed: nobody has reflected on it "
                               "yet; the ledger suggests stage " +
                               std::to_string(e.ledger_stage)),
              std::string::npos)
        << p.summary();
  }

  const v1::PrincipleAssessment& work =
      PrincipleOf(*assessment, v1::PRINCIPLE_VALUING_WORK_DIFFERENTLY);
  const v1::Evidence* hours =
      EvidenceFor(work, "work.hours_per_active_member_per_month");
  ASSERT_NE(hours, nullptr);
  // Over the days the ledger covers: 2024-02-10 (the first exchange) to
  // 2024-03-31, 51 days.
  EXPECT_NEAR(hours->value(), 315.0 / 60 / 4 / (51 / (365.2425 / 12)), 1e-9);
  EXPECT_EQ(hours->unit(), "hours");
  EXPECT_DOUBLE_EQ(hours->threshold(), 1.0);
  EXPECT_EQ(hours->comparison(), v1::COMPARISON_AT_LEAST);
  EXPECT_FALSE(hours->met());
  EXPECT_EQ(hours->stage(), 1);
  const v1::Evidence* participation =
      EvidenceFor(work, "work.participation_share");
  ASSERT_NE(participation, nullptr);
  EXPECT_NEAR(participation->value(), 0.8, 1e-9);
  EXPECT_TRUE(participation->met());
  EXPECT_EQ(participation->stage(), 4);

  const v1::PrincipleAssessment& reciprocity =
      PrincipleOf(*assessment, v1::PRINCIPLE_RECIPROCITY);
  const v1::Evidence* both =
      EvidenceFor(reciprocity, "reciprocity.gave_and_received_share");
  ASSERT_NE(both, nullptr);
  EXPECT_NEAR(both->value(), 0.5, 1e-9);
  EXPECT_EQ(both->unit(), "share");
  EXPECT_EQ(both->stage(), 3);
  EXPECT_DOUBLE_EQ(both->threshold(), 0.6);  // What stage 4 would need.
  EXPECT_FALSE(both->met());
  EXPECT_NE(both->sentence().find("50%"), std::string::npos)
      << both->sentence();
  const v1::Evidence* only_received =
      EvidenceFor(reciprocity, "reciprocity.only_received_share");
  ASSERT_NE(only_received, nullptr);
  EXPECT_EQ(only_received->comparison(), v1::COMPARISON_AT_MOST);
  EXPECT_NEAR(only_received->value(), 0.25, 1e-9);

  const v1::PrincipleAssessment& networks =
      PrincipleOf(*assessment, v1::PRINCIPLE_SOCIAL_NETWORKS);
  const v1::Evidence* partners =
      EvidenceFor(networks, "networks.partners_per_active_member");
  ASSERT_NE(partners, nullptr);
  EXPECT_NEAR(partners->value(), 1.0, 1e-9);  // The median of 1, 1, 2, 2.
  EXPECT_EQ(partners->stage(), 1);
}

// Four active members: with the default minimum of ten, every figure is
// shown and says it is too few to judge.
TEST_F(AssessmentApiTest, TooFewActiveMembersSetNoLedgerStage) {
  const SmallTimebank tb = NewSmallTimebankAsIs();
  const v1::PrinciplesAssessment assessment = Must(Assess(tb.id), "assess");
  for (const v1::PrincipleAssessment& p : assessment.principles()) {
    SCOPED_TRACE(v1::Principle_Name(p.principle()));
    EXPECT_EQ(p.ledger_stage(), 0);
    for (const v1::Evidence& e : p.evidence()) {
      EXPECT_EQ(e.stage(), 0) << e.metric();
      EXPECT_NE(e.sentence().find("too few to judge, with 4 active members"),
                std::string::npos)
          << e.sentence();
    }
  }
  const v1::Evidence* both =
      EvidenceFor(PrincipleOf(assessment, v1::PRINCIPLE_RECIPROCITY),
                  "reciprocity.gave_and_received_share");
  ASSERT_NE(both, nullptr);
  EXPECT_NEAR(both->value(), 0.5, 1e-9) << "the figure is still shown";
  // The minimum is listed and settable like a threshold, and only as one.
  Rpc<v1::Thresholds> thresholds =
      SetThresholds(tb.id, {Setting("min_active_members", 0, 4)});
  ASSERT_RPC_OK(thresholds);
  const v1::Threshold* minimum =
      ThresholdFor(*thresholds, "min_active_members", 0);
  ASSERT_NE(minimum, nullptr);
  EXPECT_DOUBLE_EQ(minimum->value(), 4);
  EXPECT_DOUBLE_EQ(minimum->default_value(), 10);
  EXPECT_EQ(
      PrincipleOf(Must(Assess(tb.id), "assess"), v1::PRINCIPLE_RECIPROCITY)
          .ledger_stage(),
      3);
  EXPECT_RPC_ERROR(SetThresholds(tb.id, {Setting("min_active_members", 2, 4)}),
                   INVALID_ARGUMENT, "thresholds.stage");
  EXPECT_RPC_ERROR(
      SetThresholds(tb.id, {Setting("min_active_members", 0, 2.5)}),
      INVALID_ARGUMENT, "thresholds.value");
}

TEST_F(AssessmentApiTest, PeopleAsAssetsRestsOnReflectionsOnceThereAreSome) {
  const SmallTimebank tb = NewSmallTimebank();
  Rpc<v1::PrinciplesAssessment> before = Assess(tb.id);
  ASSERT_RPC_OK(before);
  const v1::PrincipleAssessment& unknown =
      PrincipleOf(*before, v1::PRINCIPLE_PEOPLE_AS_ASSETS);
  EXPECT_EQ(unknown.basis(), v1::BASIS_NONE);
  EXPECT_EQ(unknown.stage(), 0);
  EXPECT_EQ(unknown.ledger_stage(), 0);
  EXPECT_EQ(unknown.rag(), v1::RAG_UNSPECIFIED);
  // Its figure is shown as supporting evidence but never sets the stage.
  const v1::Evidence* newcomers =
      EvidenceFor(unknown, "assets.new_members_gave_within_90_days_share");
  ASSERT_NE(newcomers, nullptr);
  EXPECT_DOUBLE_EQ(newcomers->value(), 1.0);

  v1::SubmitReflectionRequest member = ReflectionRequest(
      tb.id, "r-member", v1::PRINCIPLE_PEOPLE_AS_ASSETS, v1::PERSPECTIVE_MEMBER,
      3, "Members chose the new lunch club menu", "2024-03-10");
  member.set_rag(v1::RAG_GREEN);
  ASSERT_RPC_OK(Submit(member));
  // Outside the assessed range: does not count.
  ASSERT_RPC_OK(Submit(ReflectionRequest(
      tb.id, "r-old", v1::PRINCIPLE_PEOPLE_AS_ASSETS, v1::PERSPECTIVE_STAFF, 1,
      "Nobody asked the members", "2023-06-01")));

  // One perspective is not yet an assessment.
  const v1::PrincipleAssessment one = PrincipleOf(
      Must(Assess(tb.id), "assess"), v1::PRINCIPLE_PEOPLE_AS_ASSETS);
  EXPECT_EQ(one.basis(), v1::BASIS_NONE);
  EXPECT_EQ(one.stage(), 0);
  EXPECT_EQ(one.reflections().reflections(), 1);
  EXPECT_NE(one.summary().find("at least two perspectives"), std::string::npos)
      << one.summary();

  v1::SubmitReflectionRequest staff = ReflectionRequest(
      tb.id, "r-staff", v1::PRINCIPLE_PEOPLE_AS_ASSETS, v1::PERSPECTIVE_STAFF,
      2, "Two members sit on the planning group", "2024-03-12");
  staff.set_rag(v1::RAG_AMBER);
  ASSERT_RPC_OK(Submit(staff));
  Rpc<v1::PrinciplesAssessment> after = Assess(tb.id);
  ASSERT_RPC_OK(after);
  const v1::PrincipleAssessment& assets =
      PrincipleOf(*after, v1::PRINCIPLE_PEOPLE_AS_ASSETS);
  EXPECT_EQ(assets.basis(), v1::BASIS_REFLECTIONS);
  // Members 3, staff 2: the median of the two is 2.5, rounded down.
  EXPECT_EQ(assets.stage(), 2);
  EXPECT_EQ(assets.stage_label(), "You've got the basics");
  // GREEN and AMBER: between the two, the more cautious.
  EXPECT_EQ(assets.rag(), v1::RAG_AMBER);
  EXPECT_EQ(assets.ledger_stage(), 0);
  EXPECT_EQ(assets.reflections().reflections(), 2);
  ASSERT_EQ(assets.reflections().perspectives_size(), 2);
  EXPECT_EQ(assets.reflections().perspectives(0).perspective(),
            v1::PERSPECTIVE_MEMBER);
}

// People lead: the stage of a principle is the median of each perspective's
// median, so three members agreeing do not outvote the staff; the ledger's
// suggestion is shown beside it, with a note where they are a stage apart.
TEST_F(AssessmentApiTest, PeopleLeadAndTheLargestGroupDoesNotOutvoteTheRest) {
  const SmallTimebank tb = NewSmallTimebank();
  int n = 0;
  for (const auto& [perspective, stage] :
       std::vector<std::pair<v1::Perspective, int>>{
           {v1::PERSPECTIVE_MEMBER, 4},
           {v1::PERSPECTIVE_MEMBER, 4},
           {v1::PERSPECTIVE_MEMBER, 4},
           {v1::PERSPECTIVE_STAFF, 1}}) {
    ASSERT_RPC_OK(Submit(ReflectionRequest(
        tb.id, "lead-" + std::to_string(++n), v1::PRINCIPLE_RECIPROCITY,
        perspective, stage, "what we see", "2024-03-01")));
  }
  const v1::PrincipleAssessment reciprocity =
      PrincipleOf(Must(Assess(tb.id), "assess"), v1::PRINCIPLE_RECIPROCITY);
  // Members 4, staff 1: the median of the two medians is 2.5, so 2; the
  // median of all four reflections would have been 4.
  EXPECT_EQ(reciprocity.basis(), v1::BASIS_REFLECTIONS);
  EXPECT_EQ(reciprocity.stage(), 2);
  EXPECT_EQ(reciprocity.rag(), v1::RAG_AMBER);  // No colours given: stage 2's.
  EXPECT_EQ(reciprocity.ledger_stage(), 3);
  EXPECT_DOUBLE_EQ(reciprocity.reflections().median_stage(), 4);
  EXPECT_NE(reciprocity.disagreement().find(
                "People's reflections put this at stage 2.0 but the ledger "
                "suggests stage 3: the ledger shows more than people feel"),
            std::string::npos)
      << reciprocity.disagreement();
  EXPECT_NE(reciprocity.disagreement().find("members see stage 4.0, staff "
                                            "stage 1.0"),
            std::string::npos)
      << reciprocity.disagreement();
  EXPECT_NE(reciprocity.summary().find(
                "Stage 2, You've got the basics, as people see it: the median "
                "of 2 perspectives (4 reflections); the ledger suggests stage "
                "3"),
            std::string::npos)
      << reciprocity.summary();
}

TEST_F(AssessmentApiTest, EmptyTimebankIsNotAssessedAndSaysWhy) {
  const std::string tb = NewEmptyTimebank();
  Rpc<v1::PrinciplesAssessment> assessment = Assess(tb);
  ASSERT_RPC_OK(assessment);
  ASSERT_EQ(assessment->principles_size(), 4);
  for (const v1::PrincipleAssessment& p : assessment->principles()) {
    SCOPED_TRACE(v1::Principle_Name(p.principle()));
    EXPECT_EQ(p.basis(), v1::BASIS_NONE);
    EXPECT_EQ(p.stage(), 0);
    EXPECT_EQ(p.rag(), v1::RAG_UNSPECIFIED);
    for (const v1::Evidence& e : p.evidence()) {
      EXPECT_NE(e.sentence().find("cannot show"), std::string::npos)
          << e.sentence();
    }
  }
  Rpc<v1::ReciprocityReport> report =
      Report(ReportRequest(tb, kFebruaryFirst, kMarchLast));
  ASSERT_RPC_OK(report);
  EXPECT_EQ(report->periods_size(), 2) << "periods with no activity included";
  EXPECT_EQ(report->total().members(), 0);
  EXPECT_EQ(report->total().balances().members(), 0);
}

// assessment.proto, PrincipleAssessment.stage_label: "empty for stage 0".
TEST_F(AssessmentApiTest, NotAssessedPrincipleHasNoStageLabel) {
  const std::string tb = NewEmptyTimebank();
  Rpc<v1::PrinciplesAssessment> assessment = Assess(tb);
  ASSERT_RPC_OK(assessment);
  for (const v1::PrincipleAssessment& p : assessment->principles()) {
    SCOPED_TRACE(v1::Principle_Name(p.principle()));
    ASSERT_EQ(p.basis(), v1::BASIS_NONE);
    EXPECT_EQ(p.stage_label(), "");
  }
}

// ------------------------------------------------------------- reflections

TEST_F(AssessmentApiTest, SubmitReflectionRetriesReturnTheOriginal) {
  const std::string tb = NewEmptyTimebank();
  v1::SubmitReflectionRequest request = ReflectionRequest(
      tb, "reflect-1", v1::PRINCIPLE_RECIPROCITY, v1::PERSPECTIVE_FAMILY, 2,
      "Mum now teaches knitting at the centre", "2024-03-02");
  request.set_author("the families group");
  request.set_rag(v1::RAG_AMBER);
  Rpc<v1::Reflection> first = Submit(request);
  ASSERT_RPC_OK(first);
  EXPECT_EQ(first->reflection_id(), 1u);
  EXPECT_EQ(first->timebank_id(), tb);
  EXPECT_EQ(first->principle(), v1::PRINCIPLE_RECIPROCITY);
  EXPECT_EQ(first->perspective(), v1::PERSPECTIVE_FAMILY);
  EXPECT_EQ(first->stage(), 2);
  EXPECT_EQ(first->rag(), v1::RAG_AMBER);
  EXPECT_EQ(first->evidence(), request.evidence());
  EXPECT_EQ(first->author(), "the families group");
  EXPECT_EQ(first->reflected_on(), "2024-03-02");
  EXPECT_EQ(first->request_id(), "reflect-1");
  EXPECT_GT(first->submitted_at_unix_us(), 0);
  EXPECT_FALSE(first->submitted_by().empty());

  Rpc<v1::Reflection> retry = Submit(request);
  ASSERT_RPC_OK(retry);
  EXPECT_EQ(retry->reflection_id(), first->reflection_id());
  EXPECT_EQ(retry->submitted_at_unix_us(), first->submitted_at_unix_us());

  v1::SubmitReflectionRequest changed = request;
  changed.set_stage(3);
  EXPECT_RPC_ERROR(Submit(changed), ALREADY_EXISTS, "request_id");

  v1::ListReflectionsRequest list;
  list.set_timebank_id(tb);
  Rpc<v1::ListReflectionsResponse> all = ListReflections(list);
  ASSERT_RPC_OK(all);
  EXPECT_EQ(ReflectionIdsOf(*all), std::vector<uint64_t>{1});

  // Empty reflected_on means today, and a new request id a new reflection.
  v1::SubmitReflectionRequest today = request;
  today.set_request_id("reflect-2");
  today.clear_reflected_on();
  Rpc<v1::Reflection> second = Submit(today);
  ASSERT_RPC_OK(second);
  EXPECT_EQ(second->reflection_id(), 2u);
  EXPECT_EQ(second->reflected_on().size(), 10u) << second->reflected_on();
}

TEST_F(AssessmentApiTest, SubmitReflectionRejectsBadInputAndRecordsNothing) {
  const std::string tb = NewEmptyTimebank();
  const auto valid = [&tb](const std::string& request_id) {
    return ReflectionRequest(tb, request_id, v1::PRINCIPLE_SOCIAL_NETWORKS,
                             v1::PERSPECTIVE_STAFF, 2, "Friday cafe is busy",
                             "2024-03-01");
  };
  v1::SubmitReflectionRequest request = valid("bad-stage-5");
  request.set_stage(5);
  EXPECT_RPC_ERROR(Submit(request), INVALID_ARGUMENT, "stage");
  request = valid("bad-stage-0");
  request.set_stage(0);
  EXPECT_RPC_ERROR(Submit(request), INVALID_ARGUMENT, "stage");
  request = valid("bad-principle");
  request.set_principle(v1::PRINCIPLE_UNSPECIFIED);
  EXPECT_RPC_ERROR(Submit(request), INVALID_ARGUMENT, "principle");
  request = valid("bad-perspective");
  request.set_perspective(static_cast<v1::Perspective>(7));
  EXPECT_RPC_ERROR(Submit(request), INVALID_ARGUMENT, "perspective");
  request = valid("bad-rag");
  request.set_rag(static_cast<v1::Rag>(4));
  EXPECT_RPC_ERROR(Submit(request), INVALID_ARGUMENT, "rag");
  request = valid("no-evidence");
  request.clear_evidence();
  EXPECT_RPC_ERROR(Submit(request), INVALID_ARGUMENT, "evidence");
  request = valid("long-evidence");
  request.set_evidence(std::string(4001, 'x'));
  EXPECT_RPC_ERROR(Submit(request), INVALID_ARGUMENT, "evidence");
  request = valid("bad-date");
  request.set_reflected_on("2024-02-30");
  EXPECT_RPC_ERROR(Submit(request), INVALID_ARGUMENT, "reflected_on");
  EXPECT_RPC_ERROR(Submit(valid("")), INVALID_ARGUMENT, "request_id");
  request = valid("elsewhere");
  request.set_timebank_id("no-such-tb");
  EXPECT_RPC_ERROR(Submit(request), NOT_FOUND, "timebank_id");

  v1::ListReflectionsRequest list;
  list.set_timebank_id(tb);
  Rpc<v1::ListReflectionsResponse> none = ListReflections(list);
  ASSERT_RPC_OK(none);
  EXPECT_EQ(none->reflections_size(), 0);
  // A failed request id is still free.
  EXPECT_RPC_OK(Submit(valid("bad-stage-5")));
}

TEST_F(AssessmentApiTest, ListReflectionsFiltersAndPages) {
  const std::string tb = NewEmptyTimebank();
  const struct {
    v1::Principle principle;
    v1::Perspective perspective;
    const char* on;
  } made[] = {
      {v1::PRINCIPLE_RECIPROCITY, v1::PERSPECTIVE_MEMBER, "2024-01-15"},  // 1
      {v1::PRINCIPLE_RECIPROCITY, v1::PERSPECTIVE_STAFF, "2024-02-15"},   // 2
      {v1::PRINCIPLE_SOCIAL_NETWORKS, v1::PERSPECTIVE_MEMBER,
       "2024-02-20"},                                                     // 3
      {v1::PRINCIPLE_RECIPROCITY, v1::PERSPECTIVE_MEMBER, "2024-03-15"},  // 4
      {v1::PRINCIPLE_PEOPLE_AS_ASSETS, v1::PERSPECTIVE_COUNCIL,
       "2024-03-20"},  // 5
  };
  int n = 0;
  for (const auto& m : made) {
    const std::string number = std::to_string(++n);
    ASSERT_RPC_OK(Submit(ReflectionRequest(tb, "list-" + number, m.principle,
                                           m.perspective, 2,
                                           "evidence " + number, m.on)));
  }
  const auto list = [&](v1::Principle principle, v1::Perspective perspective,
                        const std::string& from, const std::string& to) {
    v1::ListReflectionsRequest request;
    request.set_timebank_id(tb);
    request.set_principle(principle);
    request.set_perspective(perspective);
    request.set_from_date(from);
    request.set_to_date(to);
    return ReflectionIdsOf(Must(ListReflections(request), "list"));
  };
  using Ids = std::vector<uint64_t>;
  EXPECT_EQ(
      list(v1::PRINCIPLE_UNSPECIFIED, v1::PERSPECTIVE_UNSPECIFIED, "", ""),
      (Ids{1, 2, 3, 4, 5}));
  EXPECT_EQ(
      list(v1::PRINCIPLE_RECIPROCITY, v1::PERSPECTIVE_UNSPECIFIED, "", ""),
      (Ids{1, 2, 4}));
  EXPECT_EQ(list(v1::PRINCIPLE_RECIPROCITY, v1::PERSPECTIVE_MEMBER, "", ""),
            (Ids{1, 4}));
  EXPECT_EQ(list(v1::PRINCIPLE_UNSPECIFIED, v1::PERSPECTIVE_MEMBER, "", ""),
            (Ids{1, 3, 4}));
  EXPECT_EQ(list(v1::PRINCIPLE_UNSPECIFIED, v1::PERSPECTIVE_UNSPECIFIED,
                 "2024-02-15", "2024-03-15"),
            (Ids{2, 3, 4}))
      << "both ends inclusive";
  EXPECT_EQ(list(v1::PRINCIPLE_RECIPROCITY, v1::PERSPECTIVE_UNSPECIFIED,
                 "2024-02-01", ""),
            (Ids{2, 4}));

  // Pages of two, filtered, in submission order.
  v1::ListReflectionsRequest paged;
  paged.set_timebank_id(tb);
  paged.set_page_size(2);
  Ids seen;
  for (int pages = 0; pages < 10; ++pages) {
    const v1::ListReflectionsResponse page =
        Must(ListReflections(paged), "page");
    EXPECT_LE(page.reflections_size(), 2);
    for (uint64_t id : ReflectionIdsOf(page)) seen.push_back(id);
    if (page.next_page_token().empty()) break;
    paged.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(seen, (Ids{1, 2, 3, 4, 5}));

  v1::ListReflectionsRequest bad;
  bad.set_timebank_id(tb);
  bad.set_from_date("2024-13-01");
  EXPECT_RPC_ERROR(ListReflections(bad), INVALID_ARGUMENT, "from_date");
  bad = v1::ListReflectionsRequest();
  bad.set_timebank_id(tb);
  bad.set_page_size(1001);
  EXPECT_RPC_ERROR(ListReflections(bad), INVALID_ARGUMENT, "page_size");
  bad = v1::ListReflectionsRequest();
  bad.set_timebank_id(tb);
  bad.set_principle(static_cast<v1::Principle>(9));
  EXPECT_RPC_ERROR(ListReflections(bad), INVALID_ARGUMENT, "principle");
}

// ------------------------------------------------------------- action plan

TEST_F(AssessmentApiTest, AddActionRetriesReturnTheOriginalAndBadInputFails) {
  const std::string tb = NewEmptyTimebank();
  v1::AddActionRequest request = ActionRequest(
      tb, "act-1", "Pair every newcomer with a buddy", "2024-06-30");
  request.set_how("At the welcome coffee morning");
  Rpc<v1::Action> added = AddAction(request);
  ASSERT_RPC_OK(added);
  EXPECT_EQ(added->action_id(), 1u);
  EXPECT_EQ(added->timebank_id(), tb);
  EXPECT_EQ(added->principle(), v1::PRINCIPLE_RECIPROCITY);
  EXPECT_EQ(added->who(), "the coordinators");
  EXPECT_EQ(added->what(), "Pair every newcomer with a buddy");
  EXPECT_EQ(added->how(), "At the welcome coffee morning");
  EXPECT_EQ(added->due_on(), "2024-06-30");
  EXPECT_EQ(added->status(), v1::ACTION_STATUS_PLANNED)
      << "UNSPECIFIED means PLANNED";
  EXPECT_EQ(added->request_id(), "act-1");
  EXPECT_GT(added->created_at_unix_us(), 0);

  Rpc<v1::Action> retry = AddAction(request);
  ASSERT_RPC_OK(retry);
  EXPECT_EQ(retry->action_id(), 1u);
  v1::AddActionRequest changed = request;
  changed.set_what("Something else");
  EXPECT_RPC_ERROR(AddAction(changed), ALREADY_EXISTS, "request_id");

  v1::AddActionRequest bad = ActionRequest(tb, "bad-who", "x", "");
  bad.clear_who();
  EXPECT_RPC_ERROR(AddAction(bad), INVALID_ARGUMENT, "who");
  bad = ActionRequest(tb, "bad-what", "", "");
  EXPECT_RPC_ERROR(AddAction(bad), INVALID_ARGUMENT, "what");
  bad = ActionRequest(tb, "bad-due", "x", "next week");
  EXPECT_RPC_ERROR(AddAction(bad), INVALID_ARGUMENT, "due_on");
  bad = ActionRequest(tb, "bad-status", "x", "",
                      static_cast<v1::ActionStatus>(9));
  EXPECT_RPC_ERROR(AddAction(bad), INVALID_ARGUMENT, "status");
  bad = ActionRequest(tb, "bad-principle", "x", "");
  bad.set_principle(static_cast<v1::Principle>(5));
  EXPECT_RPC_ERROR(AddAction(bad), INVALID_ARGUMENT, "principle");

  v1::ListActionsRequest list;
  list.set_timebank_id(tb);
  EXPECT_EQ(ActionIdsOf(Must(ListActions(list), "list")),
            std::vector<uint64_t>{1});
}

// assessment.proto: ListActions returns actions "by `action_id` (the order
// they were added)", whatever their due dates, and pages keep that order.
TEST_F(AssessmentApiTest, ListActionsReturnsActionsInTheOrderTheyWereAdded) {
  const std::string tb = NewEmptyTimebank();
  ASSERT_RPC_OK(AddAction(ActionRequest(tb, "o-1", "June", "2024-06-01")));
  ASSERT_RPC_OK(AddAction(ActionRequest(tb, "o-2", "April", "2024-04-01")));
  ASSERT_RPC_OK(AddAction(ActionRequest(tb, "o-3", "Undated", "")));
  ASSERT_RPC_OK(AddAction(ActionRequest(tb, "o-4", "May", "2024-05-01")));
  ASSERT_RPC_OK(AddAction(ActionRequest(tb, "o-5", "April too", "2024-04-01")));
  v1::UpdateActionRequest update;
  update.set_timebank_id(tb);
  update.set_action_id(1);
  update.set_due_on("2024-01-01");  // A change does not move it.
  ASSERT_RPC_OK(UpdateAction(update));
  v1::ListActionsRequest request;
  request.set_timebank_id(tb);
  EXPECT_EQ(ActionIdsOf(Must(ListActions(request), "list")),
            (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  request.set_page_size(2);
  std::vector<uint64_t> seen;
  for (int pages = 0; pages < 10; ++pages) {
    const v1::ListActionsResponse page = Must(ListActions(request), "page");
    EXPECT_LE(page.actions_size(), 2);
    for (uint64_t id : ActionIdsOf(page)) seen.push_back(id);
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(seen, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
}

TEST_F(AssessmentApiTest, ListActionsFiltersByStatusAndPrincipleAndPages) {
  const std::string tb = NewEmptyTimebank();
  const std::string due = "2024-05-01";  // One date, so order is by id.
  ASSERT_RPC_OK(AddAction(ActionRequest(tb, "f-1", "a", due)));
  ASSERT_RPC_OK(
      AddAction(ActionRequest(tb, "f-2", "b", due, v1::ACTION_STATUS_DONE)));
  ASSERT_RPC_OK(AddAction(
      ActionRequest(tb, "f-3", "c", due, v1::ACTION_STATUS_IN_PROGRESS)));
  ASSERT_RPC_OK(
      AddAction(ActionRequest(tb, "f-4", "d", due, v1::ACTION_STATUS_DONE)));
  v1::AddActionRequest overall = ActionRequest(tb, "f-5", "e", due);
  overall.set_principle(v1::PRINCIPLE_UNSPECIFIED);
  ASSERT_RPC_OK(AddAction(overall));

  using Ids = std::vector<uint64_t>;
  v1::ListActionsRequest request;
  request.set_timebank_id(tb);
  request.add_statuses(v1::ACTION_STATUS_DONE);
  EXPECT_EQ(ActionIdsOf(Must(ListActions(request), "done")), (Ids{2, 4}));
  request.add_statuses(v1::ACTION_STATUS_PLANNED);
  EXPECT_EQ(ActionIdsOf(Must(ListActions(request), "done or planned")),
            (Ids{1, 2, 4, 5}));

  request = v1::ListActionsRequest();
  request.set_timebank_id(tb);
  request.set_principle(v1::PRINCIPLE_UNSPECIFIED);
  EXPECT_EQ(ActionIdsOf(Must(ListActions(request), "overall plan")), (Ids{5}));
  request.set_principle(v1::PRINCIPLE_RECIPROCITY);
  EXPECT_EQ(ActionIdsOf(Must(ListActions(request), "reciprocity")),
            (Ids{1, 2, 3, 4}));

  // Pages of one over the DONE and PLANNED actions.
  request = v1::ListActionsRequest();
  request.set_timebank_id(tb);
  request.add_statuses(v1::ACTION_STATUS_DONE);
  request.add_statuses(v1::ACTION_STATUS_PLANNED);
  request.set_page_size(1);
  Ids seen;
  int pages = 0;
  for (; pages < 10; ++pages) {
    const v1::ListActionsResponse page = Must(ListActions(request), "page");
    EXPECT_LE(page.actions_size(), 1);
    for (uint64_t id : ActionIdsOf(page)) seen.push_back(id);
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(seen, (Ids{1, 2, 4, 5}));
  EXPECT_EQ(pages, 3) << "four pages, the last without a token";

  request = v1::ListActionsRequest();
  request.set_timebank_id(tb);
  request.set_page_size(-1);
  EXPECT_RPC_ERROR(ListActions(request), INVALID_ARGUMENT, "page_size");
  request.set_page_size(0);
  request.set_page_token("not-a-token");
  EXPECT_RPC_ERROR(ListActions(request), INVALID_ARGUMENT, "page_token");
}

TEST_F(AssessmentApiTest, UpdateActionChangesOnlyTheFieldsThatAreSet) {
  const std::string tb = NewEmptyTimebank();
  v1::AddActionRequest add =
      ActionRequest(tb, "u-1", "Start a repair cafe", "2024-09-01");
  add.set_how("Borrow the church hall");
  const v1::Action added = Must(AddAction(add), "add");

  v1::UpdateActionRequest update;
  update.set_timebank_id(tb);
  update.set_action_id(added.action_id());
  update.set_status(v1::ACTION_STATUS_IN_PROGRESS);
  update.set_note("Hall booked for Saturdays");
  Rpc<v1::Action> updated = UpdateAction(update);
  ASSERT_RPC_OK(updated);
  EXPECT_EQ(updated->action_id(), added.action_id());
  EXPECT_EQ(updated->status(), v1::ACTION_STATUS_IN_PROGRESS);
  EXPECT_EQ(updated->note(), "Hall booked for Saturdays");
  EXPECT_EQ(updated->what(), "Start a repair cafe");
  EXPECT_EQ(updated->how(), "Borrow the church hall");
  EXPECT_EQ(updated->due_on(), "2024-09-01");
  EXPECT_EQ(updated->created_at_unix_us(), added.created_at_unix_us());
  EXPECT_GE(updated->updated_at_unix_us(), added.updated_at_unix_us());

  update = v1::UpdateActionRequest();
  update.set_timebank_id(tb);
  update.set_action_id(added.action_id());
  update.set_due_on("");  // Clears it.
  update.set_status(v1::ACTION_STATUS_DONE);
  Rpc<v1::Action> cleared = UpdateAction(update);
  ASSERT_RPC_OK(cleared);
  EXPECT_EQ(cleared->due_on(), "");
  EXPECT_EQ(cleared->note(), "Hall booked for Saturdays");

  v1::ListActionsRequest list;
  list.set_timebank_id(tb);
  const v1::ListActionsResponse listed = Must(ListActions(list), "list");
  ASSERT_EQ(listed.actions_size(), 1) << "an update is not a new action";
  EXPECT_EQ(listed.actions(0).status(), v1::ACTION_STATUS_DONE);

  update = v1::UpdateActionRequest();
  update.set_timebank_id(tb);
  update.set_action_id(999);
  update.set_note("nobody");
  EXPECT_RPC_ERROR(UpdateAction(update), NOT_FOUND, "action_id");
  update.set_action_id(0);
  EXPECT_RPC_ERROR(UpdateAction(update), NOT_FOUND, "action_id");
  update.set_action_id(added.action_id());
  update.set_status(v1::ACTION_STATUS_UNSPECIFIED);
  EXPECT_RPC_ERROR(UpdateAction(update), INVALID_ARGUMENT, "status");
  update.clear_status();
  update.set_who("");
  EXPECT_RPC_ERROR(UpdateAction(update), INVALID_ARGUMENT, "who");
  update.clear_who();
  update.set_due_on("2024-02-30");
  EXPECT_RPC_ERROR(UpdateAction(update), INVALID_ARGUMENT, "due_on");
  EXPECT_EQ(Must(ListActions(list), "list").actions(0).note(),
            "Hall booked for Saturdays")
      << "a failed update changes nothing";
}

// --------------------------------------------------------------- thresholds

TEST_F(AssessmentApiTest, GetThresholdsDescribesEveryMetricWithItsDefault) {
  const std::string tb = NewEmptyTimebank();
  Rpc<v1::Thresholds> thresholds =
      admin().Call(&AssessmentStub::GetThresholds, [&] {
        v1::GetThresholdsRequest r;
        r.set_timebank_id(tb);
        return r;
      }());
  ASSERT_RPC_OK(thresholds);
  EXPECT_EQ(thresholds->timebank_id(), tb);
  ASSERT_FALSE(thresholds->thresholds().empty());
  // Three stages a metric, then the minimum of active members.
  EXPECT_EQ(thresholds->thresholds_size() % 3, 1);
  const v1::Threshold& minimum =
      thresholds->thresholds(thresholds->thresholds_size() - 1);
  EXPECT_EQ(minimum.metric(), "min_active_members");
  EXPECT_EQ(minimum.stage(), 0);
  EXPECT_DOUBLE_EQ(minimum.value(), 10);
  EXPECT_EQ(minimum.unit(), "members");
  v1::Principle last = v1::PRINCIPLE_UNSPECIFIED;
  for (const v1::Threshold& t : thresholds->thresholds()) {
    if (&t == &minimum) continue;
    SCOPED_TRACE(t.metric() + " stage " + std::to_string(t.stage()));
    EXPECT_GE(t.principle(), last) << "grouped by principle in enum order";
    last = t.principle();
    EXPECT_DOUBLE_EQ(t.value(), t.default_value());
    EXPECT_GE(t.stage(), 2);
    EXPECT_LE(t.stage(), 4);
    EXPECT_FALSE(t.unit().empty());
    EXPECT_FALSE(t.description().empty());
    EXPECT_NE(t.comparison(), v1::COMPARISON_UNSPECIFIED);
  }
  const v1::Threshold* hours =
      ThresholdFor(*thresholds, "work.hours_per_active_member_per_month", 2);
  ASSERT_NE(hours, nullptr);
  EXPECT_DOUBLE_EQ(hours->default_value(), 1.0);
  EXPECT_RPC_ERROR(admin().Call(&AssessmentStub::GetThresholds,
                                [] {
                                  v1::GetThresholdsRequest r;
                                  r.set_timebank_id("no-such-tb");
                                  return r;
                                }()),
                   NOT_FOUND, "timebank_id");
}

TEST_F(AssessmentApiTest, SetThresholdsMovesTheStageAndUnsetRestoresIt) {
  const SmallTimebank tb = NewSmallTimebank();
  const std::string hours = "work.hours_per_active_member_per_month";
  ASSERT_EQ(PrincipleOf(Must(Assess(tb.id), "assess"),
                        v1::PRINCIPLE_VALUING_WORK_DIFFERENTLY)
                .ledger_stage(),
            1);

  // 0.78 hours per active member per month now reaches stage 2.
  Rpc<v1::Thresholds> set = SetThresholds(tb.id, {Setting(hours, 2, 0.5)});
  ASSERT_RPC_OK(set);
  const v1::Threshold* changed = ThresholdFor(*set, hours, 2);
  ASSERT_NE(changed, nullptr);
  EXPECT_DOUBLE_EQ(changed->value(), 0.5);
  EXPECT_DOUBLE_EQ(changed->default_value(), 1.0);
  const v1::Threshold* untouched = ThresholdFor(*set, hours, 3);
  ASSERT_NE(untouched, nullptr);
  EXPECT_DOUBLE_EQ(untouched->value(), untouched->default_value());

  const v1::PrinciplesAssessment raised = Must(Assess(tb.id), "assess");
  const v1::PrincipleAssessment& work =
      PrincipleOf(raised, v1::PRINCIPLE_VALUING_WORK_DIFFERENTLY);
  EXPECT_EQ(work.ledger_stage(), 2);
  const v1::Evidence* evidence = EvidenceFor(work, hours);
  ASSERT_NE(evidence, nullptr);
  EXPECT_EQ(evidence->stage(), 2);
  EXPECT_DOUBLE_EQ(evidence->threshold(), 2.0)
      << "stage 3 needs the default 2.0";
  // Other timebanks keep the defaults.
  const std::string other = NewSmallTimebank().id;
  EXPECT_EQ(PrincipleOf(Must(Assess(other), "assess other"),
                        v1::PRINCIPLE_VALUING_WORK_DIFFERENTLY)
                .ledger_stage(),
            1);

  Rpc<v1::Thresholds> restored =
      SetThresholds(tb.id, {Setting(hours, 2, std::nullopt)});
  ASSERT_RPC_OK(restored);
  EXPECT_DOUBLE_EQ(ThresholdFor(*restored, hours, 2)->value(), 1.0);
  EXPECT_EQ(PrincipleOf(Must(Assess(tb.id), "assess"),
                        v1::PRINCIPLE_VALUING_WORK_DIFFERENTLY)
                .ledger_stage(),
            1);
}

TEST_F(AssessmentApiTest, SetThresholdsRejectsBadSettingsAndChangesNothing) {
  const std::string tb = NewEmptyTimebank();
  const std::string both = "reciprocity.gave_and_received_share";
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_RPC_ERROR(SetThresholds(tb, {Setting(both, 5, 0.5)}), INVALID_ARGUMENT,
                   "thresholds.stage");
  EXPECT_RPC_ERROR(SetThresholds(tb, {Setting(both, 1, 0.5)}), INVALID_ARGUMENT,
                   "thresholds.stage");
  EXPECT_RPC_ERROR(SetThresholds(tb, {Setting(both, 2, 1.5)}), INVALID_ARGUMENT,
                   "thresholds.value")
      << "a share is at most 1";
  EXPECT_RPC_ERROR(SetThresholds(tb, {Setting(both, 2, -0.1)}),
                   INVALID_ARGUMENT, "thresholds.value");
  EXPECT_RPC_ERROR(SetThresholds(tb, {Setting(both, 2, nan)}), INVALID_ARGUMENT,
                   "thresholds.value");
  EXPECT_RPC_ERROR(SetThresholds(tb, {Setting(both, 2, 0.7)}), INVALID_ARGUMENT,
                   "thresholds.value")
      << "stage 2 above the default stage 3 (0.4)";
  EXPECT_RPC_ERROR(SetThresholds(tb, {Setting("no.such_metric", 2, 0.5)}),
                   INVALID_ARGUMENT, "thresholds.metric");
  // All together or not at all: the good change is not kept either.
  EXPECT_RPC_ERROR(SetThresholds(tb, {Setting(both, 2, 0.3),
                                      Setting("no.such_metric", 2, 0.5)}),
                   INVALID_ARGUMENT, "thresholds.metric");
  v1::GetThresholdsRequest get;
  get.set_timebank_id(tb);
  const v1::Thresholds now =
      Must(admin().Call(&AssessmentStub::GetThresholds, get), "get");
  for (const v1::Threshold& t : now.thresholds()) {
    EXPECT_DOUBLE_EQ(t.value(), t.default_value()) << t.metric();
  }
  EXPECT_RPC_ERROR(SetThresholds("no-such-tb", {Setting(both, 2, 0.3)}),
                   NOT_FOUND, "timebank_id");
}

// assessment.proto, ThresholdSetting.metric: "INVALID_ARGUMENT if unknown",
// whether the setting sets a value or restores the default.
TEST_F(AssessmentApiTest, SetThresholdsRejectsAnUnknownMetricEvenWithoutValue) {
  const std::string tb = NewEmptyTimebank();
  EXPECT_RPC_ERROR(
      SetThresholds(tb, {Setting("no.such_metric", 2, std::nullopt)}),
      INVALID_ARGUMENT, "thresholds.metric");
}

// ------------------------------------------------------------ auditor scope

// tb-a (a small timebank) and tb-b, with an AUDITOR and a MEMBER token for
// tb-a, reflections on tb-a that name people, and an action plan.
class AssessmentAuditorTest : public SharedServerTest<AssessmentAuditorTest> {
 protected:
  static void SetUpTestSuite() {
    SharedServerTest::SetUpTestSuite();
    if (!server_started()) return;
    try {
      const Client admin(server().NewChannel(), server().admin_token());
      BuildSmallTimebank(admin, kTimebank);
      BuildSmallTimebank(admin, kOtherTimebank);
      auditor_token_ = Must(admin.CreateToken(v1::ROLE_AUDITOR, {kTimebank}, "",
                                              "hollowbrook-council-auditor"),
                            "auditor token")
                           .token();
      member_token_ = Must(admin.CreateToken(v1::ROLE_MEMBER, {kTimebank},
                                             "kestrel", "kestrel-phone"),
                           "member token")
                          .token();
      v1::SubmitReflectionRequest reflection = ReflectionRequest(
          kTimebank, "aud-r1", v1::PRINCIPLE_PEOPLE_AS_ASSETS,
          v1::PERSPECTIVE_STAFF, 3,
          "Marjorie Pennyworth runs the Tuesday repair cafe", "2024-03-05");
      reflection.set_author("Marjorie Pennyworth");
      Must(admin.Call(&AssessmentStub::SubmitReflection, reflection), "r1");
      reflection = ReflectionRequest(
          kTimebank, "aud-r2", v1::PRINCIPLE_RECIPROCITY,
          v1::PERSPECTIVE_MEMBER, 1,
          "Thaddeus Crumb says the lunch club designs its own menu",
          "2024-03-06");
      reflection.set_author("Thaddeus Crumb");
      Must(admin.Call(&AssessmentStub::SubmitReflection, reflection), "r2");
      // An action's `what` is written for councils to read
      // (docs/assessment.md); who does it, how, the notes and who wrote it may
      // name people, and are not theirs to see.
      v1::AddActionRequest action =
          ActionRequest(kTimebank, "aud-a1", "Run a tablet class for newcomers",
                        "2024-06-01");
      action.set_who("Marjorie Pennyworth and the day centre staff");
      action.set_how("In Thaddeus Crumb's front room on Thursdays");
      const v1::Action added =
          Must(admin.Call(&AssessmentStub::AddAction, action), "a1");
      v1::UpdateActionRequest update;
      update.set_timebank_id(kTimebank);
      update.set_action_id(added.action_id());
      update.set_note("Marjorie Pennyworth has agreed to help");
      Must(admin.Call(&AssessmentStub::UpdateAction, update), "update a1");
    } catch (const std::exception& e) {
      world_error_ = e.what();
    }
  }

  void SetUp() override {
    SharedServerTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(world_error_.empty()) << world_error_;
  }

  Client Auditor() const { return admin().WithToken(auditor_token_); }
  Client Member() const { return admin().WithToken(member_token_); }

  static constexpr char kTimebank[] = "tb-a";
  static constexpr char kOtherTimebank[] = "tb-b";

 private:
  static inline std::string auditor_token_;
  static inline std::string member_token_;
  static inline std::string world_error_;
};

// The reply as protobuf text and as JSON, so a detail in any field, however
// encoded, is found.
std::string Readable(const google::protobuf::Message& reply) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(reply, &json, options)
           .ok()) {
    json = "(no JSON)";
  }
  return reply.DebugString() + "\n" + json;
}

TEST_F(AssessmentAuditorTest, AuditorGetsTheReportAndTheAssessment) {
  Rpc<v1::ReciprocityReport> report =
      Auditor().Call(&AssessmentStub::GetReciprocityReport,
                     ReportRequest(kTimebank, kFebruaryFirst, kMarchLast));
  ASSERT_RPC_OK(report);
  EXPECT_EQ(report->total().minutes_exchanged(), 315);
  Rpc<v1::PrinciplesAssessment> assessment = Auditor().Call(
      &AssessmentStub::AssessPrinciples, AssessRequest(kTimebank));
  ASSERT_RPC_OK(assessment);
  ASSERT_EQ(assessment->principles_size(), 4);
  // The reflections count, without saying whose they are.
  const v1::PrincipleAssessment& assets =
      PrincipleOf(*assessment, v1::PRINCIPLE_PEOPLE_AS_ASSETS);
  EXPECT_EQ(assets.reflections().reflections(), 1);
  EXPECT_EQ(assets.stage(), 0) << "one perspective: not yet assessed";
  EXPECT_RPC_OK(Auditor().Call(&AssessmentStub::GetThresholds, [] {
    v1::GetThresholdsRequest r;
    r.set_timebank_id(kTimebank);
    return r;
  }()));
}

TEST_F(AssessmentAuditorTest, AuditorSeesReflectionStagesButNotTheirWords) {
  v1::ListReflectionsRequest request;
  request.set_timebank_id(kTimebank);
  Rpc<v1::ListReflectionsResponse> listed =
      Auditor().Call(&AssessmentStub::ListReflections, request);
  ASSERT_RPC_OK(listed);
  ASSERT_GE(listed->reflections_size(), 2);
  EXPECT_EQ(listed->reflections(0).principle(), v1::PRINCIPLE_PEOPLE_AS_ASSETS);
  EXPECT_EQ(listed->reflections(0).perspective(), v1::PERSPECTIVE_STAFF);
  EXPECT_EQ(listed->reflections(0).stage(), 3);
  EXPECT_EQ(listed->reflections(1).stage(), 1);
  for (const v1::Reflection& r : listed->reflections()) {
    SCOPED_TRACE(r.reflection_id());
    EXPECT_EQ(r.evidence(), "");
    EXPECT_EQ(r.author(), "");
    EXPECT_EQ(r.submitted_by(), "");
    EXPECT_FALSE(r.reflected_on().empty());
  }
  // A coordinator sees them in full.
  Rpc<v1::ListReflectionsResponse> full =
      admin().Call(&AssessmentStub::ListReflections, request);
  ASSERT_RPC_OK(full);
  ASSERT_GE(full->reflections_size(), 2);
  EXPECT_EQ(full->reflections(0).author(), "Marjorie Pennyworth");
}

TEST_F(AssessmentAuditorTest, AuditorSeesWhatTheActionPlanDoesButNotWho) {
  v1::ListActionsRequest request;
  request.set_timebank_id(kTimebank);
  Rpc<v1::ListActionsResponse> listed =
      Auditor().Call(&AssessmentStub::ListActions, request);
  ASSERT_RPC_OK(listed);
  ASSERT_EQ(listed->actions_size(), 1);
  const v1::Action& action = listed->actions(0);
  EXPECT_EQ(action.what(), "Run a tablet class for newcomers");
  EXPECT_EQ(action.status(), v1::ACTION_STATUS_PLANNED);
  EXPECT_EQ(action.due_on(), "2024-06-01");
  EXPECT_EQ(action.who(), "");
  EXPECT_EQ(action.how(), "");
  EXPECT_EQ(action.note(), "");
  EXPECT_EQ(action.created_by(), "");
  EXPECT_EQ(action.request_id(), "");
  EXPECT_EQ(action.created_at_unix_us(), 0);
  EXPECT_EQ(action.updated_at_unix_us(), 0);
  // A coordinator sees all of it.
  Rpc<v1::ListActionsResponse> full =
      admin().Call(&AssessmentStub::ListActions, request);
  ASSERT_RPC_OK(full);
  ASSERT_EQ(full->actions_size(), 1);
  EXPECT_EQ(full->actions(0).who(),
            "Marjorie Pennyworth and the day centre staff");
  EXPECT_EQ(full->actions(0).note(), "Marjorie Pennyworth has agreed to help");
  EXPECT_FALSE(full->actions(0).created_by().empty());
  EXPECT_EQ(full->actions(0).request_id(), "aud-a1");
}

TEST_F(AssessmentAuditorTest, NothingAnAuditorCanReadNamesAPersonOrAnExchange) {
  const Client auditor = Auditor();
  std::vector<std::pair<std::string, std::string>> replies;
  const auto keep = [&replies](const std::string& what, const auto& rpc) {
    ASSERT_RPC_OK(rpc) << what;
    replies.emplace_back(what, Readable(rpc.reply));
  };
  for (v1::Granularity g :
       {v1::GRANULARITY_MONTH, v1::GRANULARITY_QUARTER, v1::GRANULARITY_YEAR}) {
    keep("GetReciprocityReport " + v1::Granularity_Name(g),
         auditor.Call(&AssessmentStub::GetReciprocityReport,
                      ReportRequest(kTimebank, "2023-01-01", "2024-12-31", g)));
  }
  keep("AssessPrinciples",
       auditor.Call(&AssessmentStub::AssessPrinciples,
                    AssessRequest(kTimebank, "2023-01-01", "2024-12-31")));
  v1::GetThresholdsRequest thresholds;
  thresholds.set_timebank_id(kTimebank);
  keep("GetThresholds",
       auditor.Call(&AssessmentStub::GetThresholds, thresholds));
  v1::ListReflectionsRequest reflections;
  reflections.set_timebank_id(kTimebank);
  keep("ListReflections",
       auditor.Call(&AssessmentStub::ListReflections, reflections));
  v1::ListActionsRequest actions;
  actions.set_timebank_id(kTimebank);
  keep("ListActions", auditor.Call(&AssessmentStub::ListActions, actions));
  keep("VerifyJournal", auditor.VerifyJournal(kTimebank));
  keep("GetTimebank", auditor.GetTimebank(kTimebank));
  keep("ListTimebanks", auditor.Call(&v1::Ledger::Stub::ListTimebanks,
                                     v1::ListTimebanksRequest()));
  ASSERT_FALSE(HasFailure());

  for (const auto& [what, text] : replies) {
    std::vector<std::string> leaked;
    for (const std::string& personal : PersonalDetails()) {
      if (text.find(personal) != std::string::npos) leaked.push_back(personal);
    }
    EXPECT_TRUE(leaked.empty()) << what << " shows an auditor "
                                << ::testing::PrintToString(leaked) << " in:\n"
                                << text.substr(0, 3000);
  }
}

TEST_F(AssessmentAuditorTest, AuditorOfOneTimebankIsDeniedAnother) {
  const Client auditor = Auditor();
  EXPECT_RPC_ERROR(
      auditor.Call(&AssessmentStub::GetReciprocityReport,
                   ReportRequest(kOtherTimebank, kFebruaryFirst, kMarchLast)),
      PERMISSION_DENIED, "timebank_id");
  EXPECT_RPC_ERROR(auditor.Call(&AssessmentStub::AssessPrinciples,
                                AssessRequest(kOtherTimebank)),
                   PERMISSION_DENIED, "timebank_id");
  v1::GetThresholdsRequest thresholds;
  thresholds.set_timebank_id(kOtherTimebank);
  EXPECT_RPC_ERROR(auditor.Call(&AssessmentStub::GetThresholds, thresholds),
                   PERMISSION_DENIED, "timebank_id");
  v1::ListReflectionsRequest reflections;
  reflections.set_timebank_id(kOtherTimebank);
  EXPECT_RPC_ERROR(auditor.Call(&AssessmentStub::ListReflections, reflections),
                   PERMISSION_DENIED, "timebank_id");
  v1::ListActionsRequest actions;
  actions.set_timebank_id(kOtherTimebank);
  EXPECT_RPC_ERROR(auditor.Call(&AssessmentStub::ListActions, actions),
                   PERMISSION_DENIED, "timebank_id");
  EXPECT_RPC_ERROR(auditor.VerifyJournal(kOtherTimebank), PERMISSION_DENIED,
                   "timebank_id");
  // An unknown timebank is denied too, so an auditor cannot probe for ids.
  EXPECT_RPC_CODE(
      auditor.Call(&AssessmentStub::GetReciprocityReport,
                   ReportRequest("tb-unknown", kFebruaryFirst, kMarchLast)),
      PERMISSION_DENIED);
  // Nor may an auditor change the plan or the thresholds.
  EXPECT_RPC_CODE(
      auditor.Call(&AssessmentStub::SetThresholds, SetRequest(kTimebank, {})),
      PERMISSION_DENIED);
  EXPECT_RPC_CODE(auditor.Call(&AssessmentStub::AddAction,
                               ActionRequest(kTimebank, "aud-x", "x", "")),
                  PERMISSION_DENIED);
}

TEST_F(AssessmentAuditorTest, MembersMayNotReadReportsOrAssessments) {
  const Client member = Member();
  EXPECT_RPC_CODE(
      member.Call(&AssessmentStub::GetReciprocityReport,
                  ReportRequest(kTimebank, kFebruaryFirst, kMarchLast)),
      PERMISSION_DENIED);
  EXPECT_RPC_CODE(
      member.Call(&AssessmentStub::AssessPrinciples, AssessRequest(kTimebank)),
      PERMISSION_DENIED);
  v1::ListReflectionsRequest reflections;
  reflections.set_timebank_id(kTimebank);
  EXPECT_RPC_CODE(member.Call(&AssessmentStub::ListReflections, reflections),
                  PERMISSION_DENIED);
  v1::ListActionsRequest actions;
  actions.set_timebank_id(kTimebank);
  EXPECT_RPC_CODE(member.Call(&AssessmentStub::ListActions, actions),
                  PERMISSION_DENIED);
  // A member may give their own view.
  EXPECT_RPC_OK(member.Call(
      &AssessmentStub::SubmitReflection,
      ReflectionRequest(kTimebank, "member-view", v1::PRINCIPLE_SOCIAL_NETWORKS,
                        v1::PERSPECTIVE_MEMBER, 3, "I know my street now",
                        "2024-03-08")));
}

}  // namespace
}  // namespace timebank::testing
