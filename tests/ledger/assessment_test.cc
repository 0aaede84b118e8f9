// The co-production assessment: stage boundaries, the weakest-metric rule,
// principles the ledger cannot show, reflections beside the evidence, and
// per-timebank thresholds.

#include "ledger/assessment.h"

#include <gtest/gtest.h>

#include "ledger/civil_date.h"
#include "ledger/ledger.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/test_util/status_assertions.h"
#include "tests/test_util/temp_dir.h"

namespace timebank::ledger_test {
namespace {

using ledger::AssessPrinciples;
using ledger::Basis;
using ledger::Evidence;
using ledger::PeriodFigures;
using ledger::Perspective;
using ledger::Principle;
using ledger::PrincipleAssessment;
using ledger::Rag;
using ledger::ReciprocityReport;
using ledger::Reflection;

// A report whose total has 10 members, all active, over one month, with
// figures that reach stage 4 on every reciprocity and network metric unless
// a test changes them.
ReciprocityReport StrongReport() {
  ReciprocityReport report;
  PeriodFigures& t = report.total;
  t.from_day = *ledger::ParseDate("2026-05-01");
  t.to_day = *ledger::ParseDate("2026-05-31");
  t.days_covered = 31;
  t.members = 10;
  t.active_members = 10;
  t.members_gave_and_received = 7;  // 70% >= 60%
  t.members_only_gave = 2;
  t.members_only_received = 1;  // 10% <= 20%
  t.balances.members = 10;
  t.balances.share_within_5h = 0.8;        // >= 70%
  t.distinct_pairs = 20;                   // 4 partners each
  t.median_partners = 4;                   // >= 4
  t.reciprocal_pairs = 8;                  // 40% >= 30%
  t.members_with_three_plus_partners = 6;  // 60% >= 50%
  t.minutes_exchanged = 10 * 5 * 60;       // 5 h per active member
  t.organisations = 1;
  t.organisation_to_member_minutes = 300;  // 10% >= 5%
  return report;
}

// By value: callers often pass the temporary result of AssessPrinciples.
PrincipleAssessment Find(const std::vector<PrincipleAssessment>& all,
                         Principle principle) {
  for (const PrincipleAssessment& a : all) {
    if (a.principle == principle) return a;
  }
  ADD_FAILURE() << "principle missing";
  return {};
}

Evidence EvidenceFor(const PrincipleAssessment& a, const std::string& metric) {
  for (const Evidence& e : a.evidence) {
    if (e.metric == metric) return e;
  }
  ADD_FAILURE() << "no evidence " << metric;
  return {};
}

Reflection Reflected(Principle principle, Perspective perspective, int stage) {
  return Reflection{
      .principle = principle, .perspective = perspective, .stage = stage};
}

// The ledger alone never awards a stage: a strong ledger suggests stage 4,
// and the principle waits for people.
TEST(Assessment, StrongLedgerSuggestsStageFourButPeopleSetTheStage) {
  const auto all = AssessPrinciples(StrongReport(), {}, {});
  ASSERT_EQ(all.size(), 4u);
  for (Principle p : {Principle::kReciprocity, Principle::kSocialNetworks,
                      Principle::kValuingWorkDifferently}) {
    const PrincipleAssessment a = Find(all, p);
    EXPECT_EQ(a.ledger_stage, 4) << ledger::PrincipleName(p);
    EXPECT_EQ(a.stage, 0);
    EXPECT_EQ(a.rag, Rag::kNone);
    EXPECT_EQ(a.basis, Basis::kNone);
    EXPECT_NE(a.summary.find("Not yet assessed"), std::string::npos)
        << a.summary;
    for (const Evidence& e : a.evidence) EXPECT_TRUE(e.met) << e.metric;
  }
}

// Each perspective's median, then the median of perspectives, rounded down;
// the colour by the same rule over the colours people gave.
TEST(Assessment, PeopleGiveTheStageAndTheColour) {
  std::vector<Reflection> reflections = {
      Reflected(Principle::kSocialNetworks, Perspective::kMember, 4),
      Reflected(Principle::kSocialNetworks, Perspective::kMember, 4),
      Reflected(Principle::kSocialNetworks, Perspective::kMember, 3),
      Reflected(Principle::kSocialNetworks, Perspective::kFamily, 3),
      Reflected(Principle::kSocialNetworks, Perspective::kCouncil, 2)};
  reflections[0].rag = Rag::kGreen;
  reflections[3].rag = Rag::kRed;
  reflections[4].rag = Rag::kRed;
  const PrincipleAssessment a =
      Find(AssessPrinciples(StrongReport(), reflections, {}),
           Principle::kSocialNetworks);
  // Medians: members 4, families 3, council 2; their median is 3.
  EXPECT_EQ(a.basis, Basis::kReflections);
  EXPECT_EQ(a.stage, 3);
  // Colours: members GREEN, families RED, council RED: RED, though stage 3
  // alone would be AMBER.
  EXPECT_EQ(a.rag, Rag::kRed);
  EXPECT_EQ(a.ledger_stage, 4);
  EXPECT_NE(a.disagreement.find("the ledger shows more than people feel"),
            std::string::npos)
      << a.disagreement;
}

TEST(Assessment, StageBoundariesAreInclusive) {
  // reciprocity.gave_and_received_share thresholds: 0.2, 0.4, 0.6.
  const struct {
    int64_t gave_and_received;
    int stage;
  } cases[] = {{1, 1}, {2, 2}, {3, 2}, {4, 3}, {5, 3}, {6, 4}, {10, 4}};
  for (const auto& c : cases) {
    ReciprocityReport report = StrongReport();
    report.total.members_gave_and_received = c.gave_and_received;
    const PrincipleAssessment a =
        Find(AssessPrinciples(report, {}, {}), Principle::kReciprocity);
    const Evidence e = EvidenceFor(a, "reciprocity.gave_and_received_share");
    EXPECT_EQ(e.stage, c.stage) << c.gave_and_received << " of 10";
    EXPECT_EQ(a.ledger_stage, c.stage);
  }
}

TEST(Assessment, AtMostMetricsFallWithTheValue) {
  // reciprocity.only_received_share thresholds: 0.6, 0.4, 0.2 (at most).
  ReciprocityReport report = StrongReport();
  report.total.members_only_received = 4;  // 40%: stage 3 exactly.
  const Evidence e = EvidenceFor(
      Find(AssessPrinciples(report, {}, {}), Principle::kReciprocity),
      "reciprocity.only_received_share");
  EXPECT_EQ(e.stage, 3);
  EXPECT_FALSE(e.met);
  EXPECT_DOUBLE_EQ(e.threshold, 0.2);  // What stage 4 needs.
  EXPECT_NE(e.sentence.find("40%"), std::string::npos) << e.sentence;
  EXPECT_NE(e.sentence.find("at most 20%"), std::string::npos) << e.sentence;
}

TEST(Assessment, PrincipleIsAsFarAlongAsItsWeakestMetric) {
  ReciprocityReport report = StrongReport();
  report.total.reciprocal_pairs = 1;  // 5%: stage 2 on one network metric.
  const PrincipleAssessment a =
      Find(AssessPrinciples(report, {}, {}), Principle::kSocialNetworks);
  EXPECT_EQ(a.ledger_stage, 2);
}

TEST(Assessment, StageOneIsRedWhenPeopleGiveNoColour) {
  const PrincipleAssessment a =
      Find(AssessPrinciples(
               StrongReport(),
               {Reflected(Principle::kReciprocity, Perspective::kMember, 1),
                Reflected(Principle::kReciprocity, Perspective::kStaff, 1)},
               {}),
           Principle::kReciprocity);
  EXPECT_EQ(a.stage, 1);
  EXPECT_EQ(a.rag, Rag::kRed);
}

TEST(Assessment, PeopleAsAssetsRestsOnReflectionsNotTheLedger) {
  const auto without = AssessPrinciples(StrongReport(), {}, {});
  const PrincipleAssessment none = Find(without, Principle::kPeopleAsAssets);
  EXPECT_EQ(none.basis, Basis::kNone);
  EXPECT_EQ(none.stage, 0);
  EXPECT_EQ(none.rag, Rag::kNone);
  EXPECT_EQ(none.ledger_stage, 0);

  const auto with = AssessPrinciples(
      StrongReport(),
      {Reflected(Principle::kPeopleAsAssets, Perspective::kMember, 2),
       Reflected(Principle::kPeopleAsAssets, Perspective::kStaff, 3),
       Reflected(Principle::kPeopleAsAssets, Perspective::kFamily, 2)},
      {});
  const PrincipleAssessment a = Find(with, Principle::kPeopleAsAssets);
  EXPECT_EQ(a.basis, Basis::kReflections);
  EXPECT_EQ(a.stage, 2);  // Median of 2, 2, 3.
  EXPECT_EQ(a.reflections, 3);
  EXPECT_EQ(a.perspectives.size(), 3u);
}

TEST(Assessment, EvenNumberOfReflectionsDoesNotRoundUp) {
  const auto all = AssessPrinciples(
      StrongReport(),
      {Reflected(Principle::kPeopleAsAssets, Perspective::kMember, 2),
       Reflected(Principle::kPeopleAsAssets, Perspective::kStaff, 3)},
      {});
  EXPECT_EQ(Find(all, Principle::kPeopleAsAssets).stage, 2);
}

TEST(Assessment, DisagreementBetweenLedgerAndReflectionsIsSaid) {
  ReciprocityReport report = StrongReport();
  report.total.members_gave_and_received = 2;  // Ledger: stage 2.
  const auto all = AssessPrinciples(
      report,
      {Reflected(Principle::kReciprocity, Perspective::kStaff, 4),
       Reflected(Principle::kReciprocity, Perspective::kStaff, 4)},
      {});
  const PrincipleAssessment a = Find(all, Principle::kReciprocity);
  EXPECT_EQ(a.stage, 0);  // One perspective does not yet set a stage ...
  EXPECT_EQ(a.ledger_stage, 2);
  // ... but what people said so far is set beside the ledger.
  EXPECT_NE(a.disagreement.find("people see more than the ledger records"),
            std::string::npos)
      << a.disagreement;

  const auto agreeing = AssessPrinciples(
      report, {Reflected(Principle::kReciprocity, Perspective::kMember, 2)},
      {});
  EXPECT_EQ(Find(agreeing, Principle::kReciprocity).disagreement, "");
}

// The proto's rule: a whole stage or more apart is a disagreement, half a
// stage is not.
TEST(Assessment, DisagreementIsAWholeStageOrMore) {
  ReciprocityReport report = StrongReport();
  report.total.members_gave_and_received = 4;  // Ledger: stage 3.
  const auto half = AssessPrinciples(
      report,
      {Reflected(Principle::kReciprocity, Perspective::kMember, 3),
       Reflected(Principle::kReciprocity, Perspective::kMember, 4)},
      {});
  EXPECT_EQ(Find(half, Principle::kReciprocity).disagreement, "");
  const auto whole = AssessPrinciples(
      report, {Reflected(Principle::kReciprocity, Perspective::kMember, 4)},
      {});
  EXPECT_NE(Find(whole, Principle::kReciprocity).disagreement, "");
}

// Two members both giving and receiving would be "100% reciprocity": below
// the minimum of active members every figure is shown and decides nothing.
TEST(Assessment, FewerActiveMembersThanTheMinimumSetNoStage) {
  ReciprocityReport report = StrongReport();
  report.total.members = 9;
  report.total.active_members = 9;
  report.total.members_only_gave = 1;
  for (const PrincipleAssessment& a : AssessPrinciples(report, {}, {})) {
    SCOPED_TRACE(ledger::PrincipleName(a.principle));
    EXPECT_EQ(a.ledger_stage, 0);
    EXPECT_EQ(a.stage, 0);
    EXPECT_EQ(a.basis, Basis::kNone);
    for (const Evidence& e : a.evidence) {
      EXPECT_EQ(e.stage, 0) << e.metric;
      EXPECT_FALSE(e.met) << e.metric;
      if (e.metric == "reciprocity.gave_and_received_share") {
        EXPECT_NE(e.sentence.find("78% of active members both gave and "
                                  "received: too few to judge, with 9 active "
                                  "members in the range; a figure sets a "
                                  "stage from 10."),
                  std::string::npos)
            << e.sentence;
      }
    }
  }
  // Reflections still give the principle a stage.
  const PrincipleAssessment reflected =
      Find(AssessPrinciples(
               report,
               {Reflected(Principle::kReciprocity, Perspective::kMember, 3),
                Reflected(Principle::kReciprocity, Perspective::kStaff, 3)},
               {}),
           Principle::kReciprocity);
  EXPECT_EQ(reflected.basis, Basis::kReflections);
  EXPECT_EQ(reflected.stage, 3);

  // A timebank may set its own minimum.
  const ledger::ThresholdOverrides five{{ledger::kMinActiveMembers, 5}};
  ASSERT_OK(ledger::CheckOverrides(five));
  EXPECT_EQ(Find(AssessPrinciples(report, {}, five), Principle::kReciprocity)
                .ledger_stage,
            4);
}

TEST(Assessment, TheMinimumOfActiveMembersIsAWholeNumberFromOne) {
  for (double bad : {0.0, -3.0, 2.5, 1001.0}) {
    EXPECT_STATUS(ledger::CheckOverrides({{ledger::kMinActiveMembers, bad}}),
                  absl::StatusCode::kInvalidArgument, "thresholds.value:")
        << bad;
  }
  EXPECT_OK(ledger::CheckOverrides({{ledger::kMinActiveMembers, 1}}));
  EXPECT_TRUE(ledger::IsThresholdName(ledger::kMinActiveMembers));
  EXPECT_EQ(ledger::MinActiveMembers({}), ledger::kMinActiveMembersDefault);
}

// An unfinished month is not a drop: hours per member per month are over
// the days the figures cover.
TEST(Assessment, HoursPerMonthAreOverTheDaysCovered) {
  ReciprocityReport report = StrongReport();  // 5 h each over 31 days.
  report.total.days_covered = 15;
  const Evidence hours = EvidenceFor(Find(AssessPrinciples(report, {}, {}),
                                          Principle::kValuingWorkDifferently),
                                     "work.hours_per_active_member_per_month");
  EXPECT_NEAR(hours.value, 5.0 / (15 / (365.2425 / 12)), 1e-9);
  report.total.days_covered = 0;
  EXPECT_EQ(EvidenceFor(Find(AssessPrinciples(report, {}, {}),
                             Principle::kValuingWorkDifferently),
                        "work.hours_per_active_member_per_month")
                .stage,
            0);
}

TEST(Assessment, DisagreementBetweenPerspectivesIsSaid) {
  const auto all = AssessPrinciples(
      StrongReport(),
      {Reflected(Principle::kSocialNetworks, Perspective::kMember, 4),
       Reflected(Principle::kSocialNetworks, Perspective::kCouncil, 2)},
      {});
  const std::string note = Find(all, Principle::kSocialNetworks).disagreement;
  EXPECT_NE(note.find("members see stage 4.0"), std::string::npos) << note;
  EXPECT_NE(note.find("the council stage 2.0"), std::string::npos) << note;
}

TEST(Assessment, NoActivityMeansTheLedgerCannotShowAnything) {
  ReciprocityReport report;
  report.total.from_day = *ledger::ParseDate("2026-05-01");
  report.total.to_day = *ledger::ParseDate("2026-05-31");
  const auto all = AssessPrinciples(report, {}, {});
  for (const PrincipleAssessment& a : all) {
    EXPECT_EQ(a.basis, Basis::kNone) << ledger::PrincipleName(a.principle);
    EXPECT_EQ(a.stage, 0);
    for (const Evidence& e : a.evidence) {
      EXPECT_EQ(e.stage, 0);
      EXPECT_EQ(e.sentence.rfind("The ledger cannot show this", 0), 0u)
          << e.sentence;
    }
  }
}

TEST(Assessment, OrganisationMetricIsLeftOutWithoutOrganisations) {
  ReciprocityReport report = StrongReport();
  report.total.organisations = 0;
  report.total.organisation_to_member_minutes = 0;
  const PrincipleAssessment a = Find(AssessPrinciples(report, {}, {}),
                                     Principle::kValuingWorkDifferently);
  EXPECT_EQ(EvidenceFor(a, "work.organisation_recognition_share").stage, 0);
  EXPECT_EQ(a.ledger_stage, 4);  // The other work metrics decide.
}

TEST(Assessment, OverridesMoveTheBoundary) {
  ReciprocityReport report = StrongReport();
  report.total.members_gave_and_received = 5;  // 50%: stage 3 by default.
  EXPECT_EQ(Find(AssessPrinciples(report, {}, {}), Principle::kReciprocity)
                .ledger_stage,
            3);
  const ledger::ThresholdOverrides lower{
      {"reciprocity.gave_and_received_share.stage4", 0.5}};
  EXPECT_OK(ledger::CheckOverrides(lower));
  EXPECT_EQ(Find(AssessPrinciples(report, {}, lower), Principle::kReciprocity)
                .ledger_stage,
            4);
}

TEST(Assessment, BadOverridesAreRefusedWithTheField) {
  EXPECT_STATUS(ledger::CheckOverrides({{"reciprocity.nonsense.stage2", 0.1}}),
                absl::StatusCode::kInvalidArgument, "thresholds.metric:");
  EXPECT_STATUS(ledger::CheckOverrides(
                    {{"reciprocity.gave_and_received_share.stage2", 1.5}}),
                absl::StatusCode::kInvalidArgument, "thresholds.value:");
  // Stage 3 below stage 2 would make the stages overlap.
  EXPECT_STATUS(ledger::CheckOverrides(
                    {{"reciprocity.gave_and_received_share.stage3", 0.1}}),
                absl::StatusCode::kInvalidArgument, "thresholds.value:");
}

TEST(Assessment, EveryMetricHasReasoningAndOrderedDefaults) {
  for (const ledger::MetricDefinition& d : ledger::DefaultThresholds()) {
    EXPECT_FALSE(d.reasoning.empty()) << d.metric;
  }
  EXPECT_OK(ledger::CheckOverrides({}));
}

// Through the Ledger: reflections and actions are stored, listed, retried.
class PlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(ledger_, Ledger::Open(TestOptions(dir_.path())));
    ASSERT_OK(ledger_->CreateTimebank("tb", "Timebank", {}));
  }
  ::timebank::testing::TempDir dir_;
  std::unique_ptr<Ledger> ledger_;
};

TEST_F(PlanTest, ReflectionsAreStoredAndRetriedByRequestId) {
  const ledger::ReflectionInput input{.request_id = "ref-1",
                                      .principle = Principle::kReciprocity,
                                      .perspective = Perspective::kFamily,
                                      .stage = 3,
                                      .rag = Rag::kAmber,
                                      .evidence = "Pete buddies a newcomer",
                                      .reflected_on = "2026-06-01"};
  ASSERT_OK_AND_ASSIGN(Reflection first,
                       ledger_->SubmitReflection("tb", Coordinator(), input));
  EXPECT_EQ(first.id, 1u);
  ASSERT_OK_AND_ASSIGN(Reflection again,
                       ledger_->SubmitReflection("tb", Coordinator(), input));
  EXPECT_EQ(again.id, 1u);
  ledger::ReflectionInput changed = input;
  changed.stage = 4;
  EXPECT_STATUS(ledger_->SubmitReflection("tb", Coordinator(), changed),
                absl::StatusCode::kAlreadyExists, "request_id:");
  changed.request_id = "ref-2";
  changed.stage = 5;
  EXPECT_STATUS(ledger_->SubmitReflection("tb", Coordinator(), changed),
                absl::StatusCode::kInvalidArgument, "stage:");
  ASSERT_OK_AND_ASSIGN(auto page, ledger_->ListReflections("tb", {}, {}));
  ASSERT_EQ(page.items.size(), 1u);
  EXPECT_EQ(page.items[0].evidence, "Pete buddies a newcomer");
  EXPECT_EQ(page.items[0].rag, Rag::kAmber);
}

TEST_F(PlanTest, AssessmentCountsReflectionsInTheRangeOnly) {
  for (const auto& [id, day] :
       {std::pair{"in", "2026-05-10"}, std::pair{"out", "2026-03-10"}}) {
    ASSERT_OK(
        ledger_->SubmitReflection("tb", Coordinator(),
                                  {.request_id = id,
                                   .principle = Principle::kPeopleAsAssets,
                                   .perspective = Perspective::kStaff,
                                   .stage = 3,
                                   .evidence = "Sarah joined the board",
                                   .reflected_on = day}));
  }
  ASSERT_OK_AND_ASSIGN(
      ledger::AssessmentResult result,
      ledger_->AssessPrinciples("tb", "2026-05-01", "2026-05-31"));
  const PrincipleAssessment a =
      Find(result.principles, Principle::kPeopleAsAssets);
  EXPECT_EQ(a.reflections, 1);
  EXPECT_EQ(a.reflections_median_stage, 3);
  EXPECT_EQ(a.stage, 0);  // One perspective: not yet assessed.
}

TEST_F(PlanTest, ActionsKeepEveryVersionAndListTheLatest) {
  ASSERT_OK_AND_ASSIGN(
      ledger::Action added,
      ledger_->AddAction("tb", Coordinator(),
                         {.request_id = "act-1",
                          .principle = Principle::kReciprocity,
                          .who = "Coordinator",
                          .what = "Offer every newcomer a buddy",
                          .due_on = "2026-09-01"}));
  EXPECT_EQ(added.id, 1u);
  EXPECT_EQ(added.status, ledger::ActionStatus::kPlanned);
  ASSERT_OK_AND_ASSIGN(
      ledger::Action updated,
      ledger_->UpdateAction("tb", Coordinator(),
                            {.action_id = 1,
                             .status = ledger::ActionStatus::kInProgress,
                             .note = "Three buddies so far"}));
  EXPECT_EQ(updated.status, ledger::ActionStatus::kInProgress);
  EXPECT_EQ(updated.what, "Offer every newcomer a buddy");
  ASSERT_OK_AND_ASSIGN(auto actions, ledger_->ListActions("tb", {}, {}));
  ASSERT_EQ(actions.items.size(), 1u);
  EXPECT_EQ(actions.items[0].note, "Three buddies so far");
  EXPECT_STATUS(ledger_->UpdateAction("tb", Coordinator(), {.action_id = 9}),
                absl::StatusCode::kNotFound, "action_id:");
  EXPECT_STATUS(
      ledger_->AddAction("tb", Coordinator(),
                         {.request_id = "act-2", .who = "", .what = "x"}),
      absl::StatusCode::kInvalidArgument, "who:");
}

// The ids of a listing's actions.
std::vector<uint64_t> IdsOf(const ledger::PageOf<ledger::Action>& page) {
  std::vector<uint64_t> ids;
  for (const ledger::Action& action : page.items) ids.push_back(action.id);
  return ids;
}

TEST_F(PlanTest, ListActionsFiltersByPrincipleOverallPlanAndStatus) {
  using ledger::ActionStatus;
  const std::optional<Principle> kOverall;
  const std::vector<std::pair<std::optional<Principle>, ActionStatus>> plan = {
      {Principle::kReciprocity, ActionStatus::kPlanned},
      {kOverall, ActionStatus::kDone},
      {Principle::kReciprocity, ActionStatus::kDone},
      {Principle::kSocialNetworks, ActionStatus::kDropped}};
  for (size_t i = 0; i < plan.size(); ++i) {
    ASSERT_OK(ledger_->AddAction("tb", Coordinator(),
                                 {.request_id = "act-" + std::to_string(i),
                                  .principle = plan[i].first,
                                  .who = "Coordinator",
                                  .what = "Step " + std::to_string(i),
                                  .status = plan[i].second}));
  }
  using Ids = std::vector<uint64_t>;
  ASSERT_OK_AND_ASSIGN(auto all, ledger_->ListActions("tb", {}, {}));
  EXPECT_EQ(IdsOf(all), (Ids{1, 2, 3, 4}));
  ASSERT_OK_AND_ASSIGN(
      auto reciprocity,
      ledger_->ListActions("tb", {.principle = Principle::kReciprocity}, {}));
  EXPECT_EQ(IdsOf(reciprocity), (Ids{1, 3}));
  // A principle that is set but empty is the overall plan, not "any".
  ASSERT_OK_AND_ASSIGN(auto overall,
                       ledger_->ListActions("tb", {.principle = kOverall}, {}));
  EXPECT_EQ(IdsOf(overall), (Ids{2}));
  ASSERT_OK_AND_ASSIGN(
      auto done_or_dropped,
      ledger_->ListActions(
          "tb", {.statuses = {ActionStatus::kDone, ActionStatus::kDropped}},
          {}));
  EXPECT_EQ(IdsOf(done_or_dropped), (Ids{2, 3, 4}));
  ASSERT_OK_AND_ASSIGN(
      auto reciprocity_done,
      ledger_->ListActions("tb",
                           {.principle = Principle::kReciprocity,
                            .statuses = {ActionStatus::kDone}},
                           {}));
  EXPECT_EQ(IdsOf(reciprocity_done), (Ids{3}));
}

TEST_F(PlanTest, ListActionsPagesInIdOrderAfterTheToken) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(ledger_->AddAction("tb", Coordinator(),
                                 {.request_id = "act-" + std::to_string(i),
                                  .who = "Coordinator",
                                  .what = "Step " + std::to_string(i)}));
  }
  using Ids = std::vector<uint64_t>;
  ASSERT_OK_AND_ASSIGN(auto first,
                       ledger_->ListActions("tb", {}, {.page_size = 2}));
  EXPECT_EQ(IdsOf(first), (Ids{1, 2}));
  EXPECT_EQ(first.next_page_token, "2");
  ASSERT_OK_AND_ASSIGN(
      auto second,
      ledger_->ListActions("tb", {}, {.page_size = 2, .page_token = "2"}));
  EXPECT_EQ(IdsOf(second), (Ids{3, 4}));
  ASSERT_OK_AND_ASSIGN(
      auto last,
      ledger_->ListActions("tb", {}, {.page_size = 2, .page_token = "4"}));
  EXPECT_EQ(IdsOf(last), (Ids{5}));
  EXPECT_EQ(last.next_page_token, "");
  // A full last page has no token either: nothing follows it.
  ASSERT_OK_AND_ASSIGN(
      auto exact,
      ledger_->ListActions("tb", {}, {.page_size = 1, .page_token = "4"}));
  EXPECT_EQ(IdsOf(exact), (Ids{5}));
  EXPECT_EQ(exact.next_page_token, "");
}

TEST_F(PlanTest, ListActionsRefusesWhatNoActionCouldMatch) {
  EXPECT_STATUS(
      ledger_->ListActions("tb", {.principle = static_cast<Principle>(5)}, {}),
      absl::StatusCode::kInvalidArgument,
      "principle: must be UNSPECIFIED (the overall plan), ");
  EXPECT_STATUS(
      ledger_->ListActions(
          "tb", {.statuses = {static_cast<ledger::ActionStatus>(0)}}, {}),
      absl::StatusCode::kInvalidArgument, "statuses:");
  EXPECT_STATUS(ledger_->ListActions("tb", {}, {.page_size = -1}),
                absl::StatusCode::kInvalidArgument, "page_size:");
  EXPECT_STATUS(ledger_->ListActions("tb", {}, {.page_token = "x"}),
                absl::StatusCode::kInvalidArgument, "page_token:");
  EXPECT_STATUS(ledger_->ListActions("nope", {}, {}),
                absl::StatusCode::kNotFound, "timebank_id:");
}

TEST_F(PlanTest, ThresholdsPersistAndResetToDefault) {
  ASSERT_OK(ledger_->SetThresholds(
      "tb", {{"networks.reciprocal_pair_share.stage4", 0.25}}));
  ASSERT_OK_AND_ASSIGN(auto overrides, ledger_->GetThresholds("tb"));
  EXPECT_DOUBLE_EQ(overrides.at("networks.reciprocal_pair_share.stage4"), 0.25);
  ASSERT_OK(ledger_->SetThresholds(
      "tb", {{"networks.reciprocal_pair_share.stage4", std::nullopt}}));
  ASSERT_OK_AND_ASSIGN(overrides, ledger_->GetThresholds("tb"));
  EXPECT_TRUE(overrides.empty());
  EXPECT_STATUS(ledger_->SetThresholds("tb", {{"bogus.stage2", 1}}),
                absl::StatusCode::kInvalidArgument, "thresholds.metric:");
}

}  // namespace
}  // namespace timebank::ledger_test
