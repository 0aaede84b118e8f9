// The reciprocity report on small ledgers whose every figure is worked out
// by hand in the comments, and on a random ledger checked against a brute
// force recomputation from the journal.

#include "ledger/report.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "ledger/civil_date.h"
#include "ledger/ledger.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/test_util/status_assertions.h"
#include "tests/test_util/temp_dir.h"

namespace timebank::ledger_test {
namespace {

using ledger::AccountKind;
using ledger::Granularity;
using ledger::OpenAccountInput;
using ledger::PeriodFigures;
using ledger::ReciprocityReport;
using ::timebank::testing::TempDir;

constexpr char kTb[] = "riverside";

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(ledger_, Ledger::Open(TestOptions(dir_.path())));
    ASSERT_OK(ledger_->CreateTimebank(kTb, "Riverside", {}));
  }

  void Open(const std::string& id, const std::string& joined_on,
            AccountKind kind = AccountKind::kPerson) {
    ASSERT_OK(ledger_->OpenAccount(
        kTb, OpenAccountInput{.account_id = id,
                              .kind = kind,
                              .display_name = "Name of " + id,
                              .joined_on = joined_on}));
  }

  ledger::Seq Record(const std::string& giver, const std::string& receiver,
                     int64_t minutes, const std::string& day,
                     const std::string& category) {
    absl::StatusOr<ledger::Exchange> exchange =
        ledger_->RecordExchange(kTb, Coordinator(),
                                Gave("r" + std::to_string(++requests_), giver,
                                     receiver, minutes, day, category));
    EXPECT_OK(exchange);
    return exchange.ok() ? exchange->record.seq : 0;
  }

  // The ledger of the worked example:
  //   m0..m9 PERSON joined 2026-01-01; m10 PERSON joined 2026-05-20;
  //   council ORGANISATION, pot COMMUNITY_POT.
  //   May:  m0->m1 60 gardening (05-03)    m1->m0 30 befriending (05-10)
  //         m2->m3 120 gardening (05-31, the last day of the month)
  //         m3->m2 60 shopping (05-15)     m4->m5 400 it help (05-20)
  //         council->m5 60 training (05-22)
  //         m6->m7 45 gardening (05-21), then REVERSED: never counts
  //         m8->m9 30 lifts (05-23) logged by m8: PENDING, never counts
  //         m9->m8 20 lifts (05-24) logged by m9, REJECTED by m8
  //   June: m0->m5 30 gardening (06-01)   m10->m0 15 reading (06-02)
  void BuildWorkedExample() {
    for (int i = 0; i < 10; ++i) Open("m" + std::to_string(i), "2026-01-01");
    Open("m10", "2026-05-20");
    Open("council", "2026-01-01", AccountKind::kOrganisation);
    Open("pot", "2026-01-01", AccountKind::kCommunityPot);
    Record("m0", "m1", 60, "2026-05-03", "gardening");
    Record("m1", "m0", 30, "2026-05-10", "befriending");
    Record("m2", "m3", 120, "2026-05-31", "gardening");
    Record("m3", "m2", 60, "2026-05-15", "shopping");
    Record("m4", "m5", 400, "2026-05-20", "it help");
    Record("council", "m5", 60, "2026-05-22", "training");
    const ledger::Seq reversed =
        Record("m6", "m7", 45, "2026-05-21", "gardening");
    ASSERT_OK(ledger_->ReverseExchange(kTb, Coordinator(), reversed, "rev-1",
                                       "logged twice"));
    ASSERT_OK(ledger_->RecordExchange(
        kTb, Member("m8"), Gave("p1", "m8", "m9", 30, "2026-05-23", "lifts")));
    ASSERT_OK_AND_ASSIGN(ledger::Exchange rejected,
                         ledger_->RecordExchange(kTb, Member("m9"),
                                                 Gave("p2", "m9", "m8", 20,
                                                      "2026-05-24", "lifts")));
    ASSERT_OK(ledger_->RejectExchange(kTb, Member("m8"), rejected.record.seq,
                                      "rej-1", "did not happen"));
    Record("m0", "m5", 30, "2026-06-01", "gardening");
    Record("m10", "m0", 15, "2026-06-02", "reading");
  }

  absl::StatusOr<ReciprocityReport> Report(const std::string& from,
                                           const std::string& to,
                                           Granularity granularity) {
    return ledger_->GetReciprocityReport(kTb, from, to, granularity, 5);
  }

  TempDir dir_;
  std::unique_ptr<Ledger> ledger_;
  int requests_ = 0;
};

TEST_F(ReportTest, MonthFiguresMatchTheWorkedExample) {
  BuildWorkedExample();
  ASSERT_OK_AND_ASSIGN(ReciprocityReport report,
                       Report("2026-05-01", "2026-06-30", Granularity::kMonth));
  ASSERT_EQ(report.periods.size(), 2u);
  const PeriodFigures& may = report.periods[0];
  EXPECT_EQ(may.label, "2026-05");
  EXPECT_EQ(ledger::FormatDate(may.from_day), "2026-05-01");
  EXPECT_EQ(ledger::FormatDate(may.to_day), "2026-05-31");
  // 60 + 30 + 120 + 60 + 400 + 60; the reversed, pending and rejected
  // exchanges never count.
  EXPECT_EQ(may.minutes_exchanged, 730);
  EXPECT_EQ(may.exchanges, 6);
  EXPECT_EQ(may.members, 11);  // m0..m10; not the council or the pot.
  EXPECT_EQ(may.organisations, 1);
  EXPECT_EQ(may.members_gave_and_received, 4);  // m0, m1, m2, m3
  EXPECT_EQ(may.members_only_gave, 1);          // m4
  EXPECT_EQ(may.members_only_received, 1);      // m5
  EXPECT_EQ(may.active_members, 6);
  EXPECT_EQ(may.members_inactive, 5);  // m6..m10
  // Pairs of members: m0-m1, m2-m3 (both reciprocal), m4-m5; council-m5
  // is an organisation's, not a pair of members.
  EXPECT_EQ(may.distinct_pairs, 3);
  EXPECT_EQ(may.reciprocal_pairs, 2);
  EXPECT_EQ(may.members_with_three_plus_partners, 0);
  EXPECT_EQ(may.median_partners, 1);          // Each of m0..m5 has one.
  EXPECT_EQ(may.minutes_among_members, 670);  // 730 less the council's 60.
  EXPECT_EQ(may.exchanges_among_members, 5);
  EXPECT_EQ(may.organisation_to_member_minutes, 60);
  EXPECT_EQ(may.member_to_organisation_minutes, 0);
  EXPECT_EQ(may.pot_to_member_minutes, 0);
  // m10 joined 05-20 and gave on 06-02, but on the clock's 06-15 their 90
  // days are not over: not yet judged.
  EXPECT_EQ(may.new_members, 1);
  EXPECT_EQ(may.new_members_90_days_over, 0);
  EXPECT_EQ(may.new_members_gave_within_90_days, 0);
  // Balances at 31 May of the six members who had exchanged (m6 and m7's
  // only exchange was reversed, m8 and m9's never counted, m10 first gave
  // in June): -460 (m5), -60 (m3), -30 (m1), 30 (m0), 60 (m2), 400 (m4).
  // Nearest rank of 6: p25 is the 2nd, median the 3rd, p75 the 5th.
  EXPECT_EQ(may.balances.members, 6);
  EXPECT_EQ(may.balances.p25_minutes, -60);
  EXPECT_EQ(may.balances.median_minutes, -30);
  EXPECT_EQ(may.balances.p75_minutes, 60);
  EXPECT_DOUBLE_EQ(may.balances.share_within_5h, 4.0 / 6.0);
  ASSERT_EQ(may.top_categories.size(), 5u);
  EXPECT_EQ(may.top_categories[0].category, "it help");
  EXPECT_EQ(may.top_categories[0].minutes, 400);
  EXPECT_EQ(may.top_categories[1].category, "gardening");
  EXPECT_EQ(may.top_categories[1].minutes, 180);
  EXPECT_EQ(may.top_categories[2].category, "shopping");  // 60, before
  EXPECT_EQ(may.top_categories[3].category, "training");  // 60 by name.
  EXPECT_EQ(may.top_categories[4].category, "befriending");

  const PeriodFigures& june = report.periods[1];
  EXPECT_EQ(june.label, "2026-06");
  EXPECT_EQ(june.minutes_exchanged, 45);
  EXPECT_EQ(june.exchanges, 2);
  EXPECT_EQ(june.members_gave_and_received, 1);  // m0
  EXPECT_EQ(june.members_only_gave, 1);          // m10
  EXPECT_EQ(june.members_only_received, 1);      // m5
  EXPECT_EQ(june.members_inactive, 8);
  EXPECT_EQ(june.distinct_pairs, 2);
  EXPECT_EQ(june.reciprocal_pairs, 0);
  EXPECT_EQ(june.new_members, 0);
}

TEST_F(ReportTest, TotalCoversTheWholeRange) {
  BuildWorkedExample();
  ASSERT_OK_AND_ASSIGN(ReciprocityReport report,
                       Report("2026-05-01", "2026-06-30", Granularity::kMonth));
  const PeriodFigures& total = report.total;
  EXPECT_EQ(total.label, "total");
  EXPECT_EQ(total.minutes_exchanged, 775);
  EXPECT_EQ(total.exchanges, 8);
  EXPECT_EQ(total.members_gave_and_received, 4);
  EXPECT_EQ(total.members_only_gave, 2);      // m4, m10
  EXPECT_EQ(total.members_only_received, 1);  // m5
  EXPECT_EQ(total.members_inactive, 4);       // m6..m9
  // Pairs of members: m0-m1, m2-m3, m4-m5, m0-m5, m10-m0.
  EXPECT_EQ(total.distinct_pairs, 5);
  EXPECT_EQ(total.reciprocal_pairs, 2);
  // m0 (m1, m5, m10); m5 has m4 and m0, the council is no partner.
  EXPECT_EQ(total.members_with_three_plus_partners, 1);
  // Partners of the 7 active members: 1 x5 (m1..m4, m10), 2 (m5), 3 (m0);
  // the 4th of 7 is 1.
  EXPECT_EQ(total.median_partners, 1);
  EXPECT_EQ(total.minutes_among_members, 715);  // 775 less the council's.
  // Balances at 30 June of the 7 who had exchanged: -490 (m5), -60, -30,
  // 15 (m10), 45 (m0), 60, 400. Of 7: p25 the 2nd, median the 4th, p75 the
  // 6th.
  EXPECT_EQ(total.balances.members, 7);
  EXPECT_EQ(total.balances.p25_minutes, -60);
  EXPECT_EQ(total.balances.median_minutes, 15);
  EXPECT_EQ(total.balances.p75_minutes, 60);
  EXPECT_DOUBLE_EQ(total.balances.share_within_5h, 5.0 / 7.0);
}

TEST_F(ReportTest, QuarterAndYearAddUpTheSameMonths) {
  BuildWorkedExample();
  ASSERT_OK_AND_ASSIGN(
      ReciprocityReport quarters,
      Report("2026-01-01", "2026-12-31", Granularity::kQuarter));
  ASSERT_EQ(quarters.periods.size(), 4u);
  EXPECT_EQ(quarters.periods[1].label, "2026-Q2");
  EXPECT_EQ(quarters.periods[1].minutes_exchanged, 775);
  EXPECT_EQ(quarters.periods[0].minutes_exchanged, 0);
  EXPECT_EQ(quarters.periods[2].minutes_exchanged, 0);
  ASSERT_OK_AND_ASSIGN(ReciprocityReport year,
                       Report("2026-01-01", "2026-12-31", Granularity::kYear));
  ASSERT_EQ(year.periods.size(), 1u);
  EXPECT_EQ(year.periods[0].label, "2026");
  EXPECT_EQ(year.periods[0].minutes_exchanged, 775);
  EXPECT_EQ(year.total.minutes_exchanged, 775);
}

TEST_F(ReportTest, AnExchangeOnTheLastDayOfAPeriodCountsOnce) {
  BuildWorkedExample();
  // m2->m3 120 is dated 2026-05-31: in May, not in June, and once in the
  // total.
  ASSERT_OK_AND_ASSIGN(ReciprocityReport report,
                       Report("2026-05-31", "2026-06-01", Granularity::kMonth));
  int64_t sum = 0;
  for (const PeriodFigures& period : report.periods)
    sum += period.minutes_exchanged;
  EXPECT_EQ(sum, report.total.minutes_exchanged);
  EXPECT_EQ(report.periods[0].minutes_exchanged, 730);
}

TEST_F(ReportTest, RangeIsWidenedToWholeMonths) {
  BuildWorkedExample();
  ASSERT_OK_AND_ASSIGN(ReciprocityReport report,
                       Report("2026-05-15", "2026-05-16", Granularity::kMonth));
  EXPECT_EQ(ledger::FormatDate(report.from_day), "2026-05-01");
  EXPECT_EQ(ledger::FormatDate(report.to_day), "2026-05-31");
  EXPECT_EQ(report.total.minutes_exchanged, 730);
}

TEST_F(ReportTest, ReversalTakesAnExchangeOutOfEveryFigure) {
  BuildWorkedExample();
  ASSERT_OK_AND_ASSIGN(ReciprocityReport before,
                       Report("2026-06-01", "2026-06-30", Granularity::kMonth));
  // Reverse m10->m0 (seq of the last record): June loses it entirely.
  ASSERT_OK_AND_ASSIGN(auto journal, WholeJournal(*ledger_, kTb));
  ASSERT_OK(ledger_->ReverseExchange(kTb, Coordinator(), journal.back().seq,
                                     "rev-2", "mistake"));
  ASSERT_OK_AND_ASSIGN(ReciprocityReport after,
                       Report("2026-06-01", "2026-06-30", Granularity::kMonth));
  EXPECT_EQ(after.total.minutes_exchanged, before.total.minutes_exchanged - 15);
  EXPECT_EQ(after.total.exchanges, before.total.exchanges - 1);
  EXPECT_EQ(after.total.distinct_pairs, before.total.distinct_pairs - 1);
  // m10 no longer gave, and m0 (who had received from m10) now only gave.
  EXPECT_EQ(before.total.members_gave_and_received, 1);
  EXPECT_EQ(after.total.members_gave_and_received, 0);
  EXPECT_EQ(after.total.members_only_gave, 1);
}

TEST_F(ReportTest, DateIsTheDayTheWorkWasDoneNotTheServerInstant) {
  // The server clock says 2026-06-15T12:00Z; a member ahead of UTC logs work
  // done "tomorrow" (06-16): it is accepted and counts on 06-16, while a day
  // further is refused.
  Open("a", "2026-01-01");
  Open("b", "2026-01-01");
  ASSERT_OK(ledger_->RecordExchange(kTb, Coordinator(),
                                    Gave("t1", "a", "b", 60, "2026-06-16")));
  EXPECT_FALSE(ledger_
                   ->RecordExchange(kTb, Coordinator(),
                                    Gave("t2", "a", "b", 60, "2026-06-17"))
                   .ok());
  ASSERT_OK_AND_ASSIGN(ReciprocityReport report,
                       Report("2026-06-01", "2026-06-30", Granularity::kMonth));
  EXPECT_EQ(report.total.minutes_exchanged, 60);
}

// A timebank moving its paper history in opens its accounts today and
// records last year's exchanges with their real dates: whoever gave or
// received in a month was a member in it, from their first exchange on.
TEST_F(ReportTest, MembersCountFromTheirFirstExchangeWhenHistoryIsOlder) {
  // The test clock's today is 2026-06-15.
  for (const char* id : {"ann", "bob", "cat", "dan"}) Open(id, "2026-06-01");
  Record("ann", "bob", 60, "2025-03-05", "gardening");
  Record("bob", "cat", 30, "2025-03-20", "lifts");
  Record("cat", "ann", 45, "2025-05-02", "shopping");
  ASSERT_OK_AND_ASSIGN(ReciprocityReport report,
                       Report("2025-03-01", "2025-05-31", Granularity::kMonth));
  ASSERT_EQ(report.periods.size(), 3u);
  const PeriodFigures& march = report.periods[0];
  EXPECT_EQ(march.members, 3);  // ann, bob, cat; dan has not yet joined.
  EXPECT_EQ(march.active_members, 3);
  EXPECT_EQ(march.members_gave_and_received, 1);  // bob
  EXPECT_EQ(march.members_only_gave, 1);          // ann
  EXPECT_EQ(march.members_only_received, 1);      // cat
  EXPECT_EQ(march.members_inactive, 0);
  // All three are new in March; ann gave on her first day, bob 15 days
  // after his, cat 43 days after hers (05-02, within 90 of 03-20).
  EXPECT_EQ(march.new_members, 3);
  EXPECT_EQ(march.new_members_gave_within_90_days, 3);
  EXPECT_EQ(march.balances.members, 3);
  const PeriodFigures& april = report.periods[1];
  EXPECT_EQ(april.members, 3);  // Still members, though nobody exchanged.
  EXPECT_EQ(april.active_members, 0);
  EXPECT_EQ(april.members_inactive, 3);
  EXPECT_EQ(april.new_members, 0);
  EXPECT_EQ(report.periods[2].active_members, 2);  // cat, ann
  EXPECT_EQ(report.total.members, 3);
  EXPECT_EQ(report.total.active_members, 3);
}

// Members who never exchanged have a balance of zero from doing nothing:
// they are not "within 5 hours of zero", and an 80%-dormant timebank does
// not look balanced.
TEST_F(ReportTest, BalancesAreOverMembersWhoHaveExchanged) {
  for (int i = 0; i < 10; ++i) Open("d" + std::to_string(i), "2026-01-01");
  Record("d0", "d1", 600, "2026-03-10", "it help");
  ASSERT_OK_AND_ASSIGN(ReciprocityReport report,
                       Report("2026-03-01", "2026-03-31", Granularity::kMonth));
  EXPECT_EQ(report.total.members, 10);
  EXPECT_EQ(report.total.balances.members, 2);  // d0 +600, d1 -600.
  EXPECT_DOUBLE_EQ(report.total.balances.share_within_5h, 0.0);
  EXPECT_EQ(report.total.balances.median_minutes, -600);  // 1st of 2.
}

// A hub around the community pot and an organisation is no social network:
// pairs and partners are among members; the pot's and organisations' hours
// are figures of their own.
TEST_F(ReportTest, OrganisationsAndThePotAreNotPartners) {
  for (const char* id : {"ann", "bob", "cat", "dan"}) Open(id, "2026-01-01");
  Open("pot", "2026-01-01", AccountKind::kCommunityPot);
  Open("council", "2026-01-01", AccountKind::kOrganisation);
  Record("pot", "ann", 60, "2026-03-02", "lifts");
  Record("bob", "pot", 30, "2026-03-03", "lifts");
  Record("pot", "cat", 60, "2026-03-04", "lifts");
  Record("dan", "pot", 30, "2026-03-05", "lifts");
  Record("council", "ann", 30, "2026-03-06", "training");
  ASSERT_OK_AND_ASSIGN(ReciprocityReport report,
                       Report("2026-03-01", "2026-03-31", Granularity::kMonth));
  const PeriodFigures& march = report.total;
  EXPECT_EQ(march.minutes_exchanged, 210);  // Every confirmed minute.
  EXPECT_EQ(march.minutes_among_members, 0);
  EXPECT_EQ(march.exchanges_among_members, 0);
  EXPECT_EQ(march.active_members, 4);
  EXPECT_EQ(march.distinct_pairs, 0);
  EXPECT_EQ(march.reciprocal_pairs, 0);
  EXPECT_EQ(march.median_partners, 0);
  EXPECT_EQ(march.members_with_three_plus_partners, 0);
  EXPECT_EQ(march.pot_to_member_minutes, 120);
  EXPECT_EQ(march.member_to_pot_minutes, 60);
  EXPECT_EQ(march.organisation_to_member_minutes, 30);
  EXPECT_EQ(march.member_to_organisation_minutes, 0);

  Record("ann", "bob", 15, "2026-03-07", "reading");
  ASSERT_OK_AND_ASSIGN(report,
                       Report("2026-03-01", "2026-03-31", Granularity::kMonth));
  EXPECT_EQ(report.total.distinct_pairs, 1);
  EXPECT_EQ(report.total.minutes_among_members, 15);
  // Partners of the four active members: 0, 0, 1, 1; the 2nd of 4 is 0.
  EXPECT_EQ(report.total.median_partners, 0);
}

// The test clock's today is 2026-06-15. Months before the first exchange
// and months not over are partial, and say how many days they cover.
TEST_F(ReportTest, UnfinishedPeriodsArePartialAndSayWhatTheyCover) {
  Open("ann", "2026-03-10");
  Open("bob", "2026-03-10");
  Open("cat", "2026-05-01");
  Record("ann", "bob", 60, "2026-03-10", "gardening");
  Record("cat", "ann", 30, "2026-05-05", "lifts");
  Record("bob", "ann", 60, "2026-06-10", "lifts");
  ASSERT_OK_AND_ASSIGN(ReciprocityReport report,
                       Report("2026-02-01", "2026-07-31", Granularity::kMonth));
  EXPECT_EQ(ledger::FormatDate(report.today), "2026-06-15");
  const struct {
    const char* label;
    bool partial;
    int32_t days;
  } expected[] = {{"2026-02", true, 0},   {"2026-03", true, 22},
                  {"2026-04", false, 30}, {"2026-05", false, 31},
                  {"2026-06", true, 15},  {"2026-07", true, 0}};
  ASSERT_EQ(report.periods.size(), std::size(expected));
  for (size_t i = 0; i < report.periods.size(); ++i) {
    SCOPED_TRACE(expected[i].label);
    EXPECT_EQ(report.periods[i].label, expected[i].label);
    EXPECT_EQ(report.periods[i].partial, expected[i].partial);
    EXPECT_EQ(report.periods[i].days_covered, expected[i].days);
  }
  EXPECT_TRUE(report.total.partial);
  EXPECT_EQ(report.total.days_covered, 22 + 30 + 31 + 15);
  // ann and bob joined on 03-10; their 90 days ended 06-08. ann gave that
  // day, bob not until 06-10 (day 92). cat's 90 days from 05-01 are not
  // over: not judged yet.
  EXPECT_EQ(report.total.new_members, 3);
  EXPECT_EQ(report.total.new_members_90_days_over, 2);
  EXPECT_EQ(report.total.new_members_gave_within_90_days, 1);
}

TEST_F(ReportTest, TimebankWithNoActivityReportsZeros) {
  Open("solo", "2026-01-01");
  ASSERT_OK_AND_ASSIGN(ReciprocityReport report,
                       Report("2026-01-01", "2026-03-31", Granularity::kMonth));
  ASSERT_EQ(report.periods.size(), 3u);
  EXPECT_EQ(report.total.minutes_exchanged, 0);
  EXPECT_EQ(report.total.members, 1);
  EXPECT_EQ(report.total.active_members, 0);
  EXPECT_EQ(report.total.members_inactive, 1);
  EXPECT_EQ(report.total.balances.members, 0);  // Nobody has exchanged.
  EXPECT_EQ(report.total.balances.median_minutes, 0);
  EXPECT_DOUBLE_EQ(report.total.balances.share_within_5h, 0.0);
  EXPECT_TRUE(report.total.top_categories.empty());
}

TEST_F(ReportTest, EmptyTimebankHasNoMembersAndNoDivisionByZero) {
  ASSERT_OK_AND_ASSIGN(ReciprocityReport report,
                       Report("2026-01-01", "2026-01-31", Granularity::kMonth));
  EXPECT_EQ(report.total.members, 0);
  EXPECT_EQ(report.total.balances.members, 0);
  EXPECT_DOUBLE_EQ(report.total.balances.share_within_5h, 0.0);
}

TEST_F(ReportTest, BadRangesNameTheField) {
  EXPECT_STATUS(Report("2026-02-30", "2026-03-01", Granularity::kMonth),
                absl::StatusCode::kInvalidArgument, "from:");
  EXPECT_STATUS(Report("2026-03-01", "yesterday", Granularity::kMonth),
                absl::StatusCode::kInvalidArgument, "to:");
  EXPECT_STATUS(Report("2026-03-01", "2026-02-01", Granularity::kMonth),
                absl::StatusCode::kInvalidArgument, "to:");
  EXPECT_STATUS(Report("1990-01-01", "2026-01-01", Granularity::kMonth),
                absl::StatusCode::kInvalidArgument, "granularity:");
  EXPECT_STATUS(
      ledger_->GetReciprocityReport("nowhere", "2026-01-01", "2026-01-31",
                                    Granularity::kMonth, 5),
      absl::StatusCode::kNotFound, "timebank_id:");
}

// Brute force: the same figures straight from the journal, with none of the
// report's code.
struct Expected {
  int64_t minutes = 0, exchanges = 0, gave_and_received = 0, only_gave = 0,
          only_received = 0, pairs = 0, reciprocal = 0;
};

Expected BruteForce(const std::vector<ledger::JournalEntry>& journal,
                    int32_t from, int32_t to) {
  std::map<ledger::Seq, const ledger::JournalEntry*> counted;
  for (const ledger::JournalEntry& e : journal) {
    using ledger::EntryKind;
    if (e.kind == EntryKind::kRecord &&
        e.initial_status == ledger::ExchangeStatus::kConfirmed) {
      counted[e.seq] = &e;
    } else if (e.kind == EntryKind::kConfirm) {
      for (const auto& r : journal) {
        if (r.seq == e.target_seq) counted[r.seq] = &r;
      }
    } else if (e.kind == EntryKind::kReverse) {
      counted.erase(e.target_seq);
    }
  }
  Expected x;
  std::map<std::string, std::pair<bool, bool>> activity;
  std::map<std::pair<std::string, std::string>, std::pair<bool, bool>> pairs;
  for (const auto& [seq, e] : counted) {
    if (e->occurred_on < from || e->occurred_on > to) continue;
    x.minutes += e->minutes;
    ++x.exchanges;
    activity[e->giver_id].first = true;
    activity[e->receiver_id].second = true;
    const bool low = e->giver_id < e->receiver_id;
    auto& pair = pairs[low ? std::pair{e->giver_id, e->receiver_id}
                           : std::pair{e->receiver_id, e->giver_id}];
    (low ? pair.first : pair.second) = true;
  }
  for (const auto& [id, a] : activity) {
    if (a.first && a.second)
      ++x.gave_and_received;
    else if (a.first)
      ++x.only_gave;
    else
      ++x.only_received;
  }
  x.pairs = static_cast<int64_t>(pairs.size());
  for (const auto& [key, p] : pairs) x.reciprocal += p.first && p.second;
  return x;
}

TEST_F(ReportTest, RandomLedgerMatchesBruteForceFromTheJournal) {
  const unsigned seed = 20261122;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random(seed);
  const int kAccounts = 12;
  for (int i = 0; i < kAccounts; ++i)
    Open("p" + std::to_string(i), "2025-01-01");
  std::vector<ledger::RecordExchangeInput> batch;
  for (int i = 0; i < 400; ++i) {
    const int giver = static_cast<int>(random() % kAccounts);
    const int receiver =
        (giver + 1 + static_cast<int>(random() % (kAccounts - 1))) % kAccounts;
    const int32_t day =
        *ledger::ParseDate("2025-01-01") + static_cast<int32_t>(random() % 500);
    batch.push_back(Gave("b" + std::to_string(i), "p" + std::to_string(giver),
                         "p" + std::to_string(receiver), 15 + random() % 300,
                         ledger::FormatDate(day),
                         random() % 2 ? "gardening" : "lifts"));
  }
  ASSERT_OK_AND_ASSIGN(auto results,
                       ledger_->RecordExchanges(kTb, Coordinator(), batch));
  for (const auto& result : results) ASSERT_OK(result);
  // Reverse every seventh exchange.
  for (size_t i = 0; i < results.size(); i += 7) {
    ASSERT_OK(ledger_->ReverseExchange(kTb, Coordinator(),
                                       results[i]->record.seq,
                                       "rv" + std::to_string(i), ""));
  }
  ASSERT_OK_AND_ASSIGN(auto journal, WholeJournal(*ledger_, kTb));
  ASSERT_OK_AND_ASSIGN(
      ReciprocityReport report,
      Report("2025-01-01", "2026-05-31", Granularity::kQuarter));
  for (const PeriodFigures& period : report.periods) {
    SCOPED_TRACE(period.label);
    const Expected x = BruteForce(journal, period.from_day, period.to_day);
    EXPECT_EQ(period.minutes_exchanged, x.minutes);
    EXPECT_EQ(period.exchanges, x.exchanges);
    EXPECT_EQ(period.members_gave_and_received, x.gave_and_received);
    EXPECT_EQ(period.members_only_gave, x.only_gave);
    EXPECT_EQ(period.members_only_received, x.only_received);
    EXPECT_EQ(period.distinct_pairs, x.pairs);
    EXPECT_EQ(period.reciprocal_pairs, x.reciprocal);
  }
  const Expected all = BruteForce(journal, report.from_day, report.to_day);
  EXPECT_EQ(report.total.minutes_exchanged, all.minutes);
  EXPECT_EQ(report.total.distinct_pairs, all.pairs);
}

// Every figure of two reports, field by field.
void ExpectSameFigures(const PeriodFigures& a, const PeriodFigures& b) {
  SCOPED_TRACE(a.label);
  EXPECT_EQ(a.label, b.label);
  EXPECT_EQ(a.minutes_exchanged, b.minutes_exchanged);
  EXPECT_EQ(a.exchanges, b.exchanges);
  EXPECT_EQ(a.members, b.members);
  EXPECT_EQ(a.organisations, b.organisations);
  EXPECT_EQ(a.members_gave_and_received, b.members_gave_and_received);
  EXPECT_EQ(a.members_only_gave, b.members_only_gave);
  EXPECT_EQ(a.members_only_received, b.members_only_received);
  EXPECT_EQ(a.members_inactive, b.members_inactive);
  EXPECT_EQ(a.balances.median_minutes, b.balances.median_minutes);
  EXPECT_EQ(a.balances.p25_minutes, b.balances.p25_minutes);
  EXPECT_EQ(a.balances.p75_minutes, b.balances.p75_minutes);
  EXPECT_EQ(a.balances.share_within_5h, b.balances.share_within_5h);
  EXPECT_EQ(a.distinct_pairs, b.distinct_pairs);
  EXPECT_EQ(a.reciprocal_pairs, b.reciprocal_pairs);
  EXPECT_EQ(a.members_with_three_plus_partners,
            b.members_with_three_plus_partners);
  EXPECT_EQ(a.new_members, b.new_members);
  EXPECT_EQ(a.new_members_gave_within_90_days,
            b.new_members_gave_within_90_days);
  EXPECT_EQ(a.organisation_to_member_minutes, b.organisation_to_member_minutes);
  EXPECT_EQ(a.member_to_organisation_minutes, b.member_to_organisation_minutes);
  EXPECT_EQ(a.median_partners, b.median_partners);
  EXPECT_EQ(a.minutes_among_members, b.minutes_among_members);
  EXPECT_EQ(a.exchanges_among_members, b.exchanges_among_members);
  EXPECT_EQ(a.pot_to_member_minutes, b.pot_to_member_minutes);
  EXPECT_EQ(a.member_to_pot_minutes, b.member_to_pot_minutes);
  EXPECT_EQ(a.balances.members, b.balances.members);
  ASSERT_EQ(a.top_categories.size(), b.top_categories.size());
  for (size_t i = 0; i < a.top_categories.size(); ++i) {
    EXPECT_EQ(a.top_categories[i].category, b.top_categories[i].category);
    EXPECT_EQ(a.top_categories[i].minutes, b.top_categories[i].minutes);
  }
}

void ExpectSameReport(const ReciprocityReport& a, const ReciprocityReport& b) {
  ASSERT_EQ(a.periods.size(), b.periods.size());
  for (size_t i = 0; i < a.periods.size(); ++i) {
    ExpectSameFigures(a.periods[i], b.periods[i]);
  }
  ExpectSameFigures(a.total, b.total);
}

// The figures are built from the journal on the first report and then kept
// current by each commit; after any mix of writes they must equal figures
// built afresh from the journal (here: by reopening the ledger).
TEST_F(ReportTest, FiguresKeptCurrentByCommitsEqualAFreshReplay) {
  std::mt19937 random(1122);
  constexpr int kAccounts = 10;
  for (int i = 0; i < kAccounts; ++i) {
    Open("p" + std::to_string(i), i < 6 ? "2025-01-01" : "2025-06-10");
  }
  Open("council", "2025-01-01", AccountKind::kOrganisation);
  const auto random_exchange = [&](const std::string& request_id) {
    const int giver = static_cast<int>(random() % (kAccounts + 1));
    const int receiver =
        (giver + 1 + static_cast<int>(random() % kAccounts)) % (kAccounts + 1);
    const auto name = [&](int i) {
      return i == kAccounts ? std::string("council") : "p" + std::to_string(i);
    };
    const int32_t day =
        *ledger::ParseDate("2025-06-10") + static_cast<int32_t>(random() % 300);
    return Gave(request_id, name(giver), name(receiver), 15 + random() % 200,
                ledger::FormatDate(day), random() % 3 ? "gardening" : "lifts");
  };
  const auto report = [&] {
    absl::StatusOr<ReciprocityReport> r =
        Report("2025-01-01", "2026-06-30", Granularity::kMonth);
    EXPECT_OK(r);
    return r.ok() ? *r : ReciprocityReport{};
  };
  for (int i = 0; i < 50; ++i) Record("p0", "p1", 30, "2025-06-12", "lifts");
  report();  // Builds the figures.
  std::vector<ledger::Seq> confirmed;
  for (int i = 0; i < 300; ++i) {
    const std::string id = "w" + std::to_string(i);
    switch (random() % 4) {
      case 0: {  // A member logs it; the other party confirms or rejects.
        ledger::RecordExchangeInput input = random_exchange(id);
        if (input.giver_id == "council" || input.receiver_id == "council")
          break;
        ASSERT_OK_AND_ASSIGN(
            ledger::Exchange pending,
            ledger_->RecordExchange(kTb, Member(input.giver_id), input));
        if (random() % 2) {
          ASSERT_OK(ledger_->ConfirmExchange(kTb, Member(input.receiver_id),
                                             pending.record.seq, id + "c"));
          confirmed.push_back(pending.record.seq);
        } else {
          ASSERT_OK(ledger_->RejectExchange(kTb, Member(input.receiver_id),
                                            pending.record.seq, id + "r",
                                            "no"));
        }
        break;
      }
      case 1:  // A coordinator reverses a confirmed exchange.
        if (!confirmed.empty()) {
          const size_t pick = random() % confirmed.size();
          ASSERT_OK(ledger_->ReverseExchange(
              kTb, Coordinator(), confirmed[pick], id, "correction"));
          confirmed.erase(confirmed.begin() + static_cast<ptrdiff_t>(pick));
        }
        break;
      default: {
        ASSERT_OK_AND_ASSIGN(
            ledger::Exchange exchange,
            ledger_->RecordExchange(kTb, Coordinator(), random_exchange(id)));
        confirmed.push_back(exchange.record.seq);
      }
    }
    if (i % 50 == 0) report();
  }
  const ReciprocityReport kept = report();
  ledger_.reset();
  ASSERT_OK_AND_ASSIGN(ledger_, Ledger::Open(TestOptions(dir_.path())));
  const ReciprocityReport replayed = report();
  EXPECT_GT(replayed.total.exchanges, 100);
  EXPECT_GT(replayed.total.new_members_gave_within_90_days, 0);
  ExpectSameReport(kept, replayed);
}

// Reports built while writers commit: the first report of a timebank
// replays its journal up to a point and takes every later commit from the
// writer, with nothing counted twice or missed.
TEST_F(ReportTest, FiguresBuiltDuringWritesMissAndDoubleNothing) {
  for (int i = 0; i < 8; ++i) Open("p" + std::to_string(i), "2025-01-01");
  const auto exchange = [](const std::string& prefix, int i) {
    return Gave(prefix + std::to_string(i), "p" + std::to_string(i % 8),
                "p" + std::to_string((i + 1 + i % 7) % 8), 10 + i % 50,
                "2025-0" + std::to_string(1 + i % 9) + "-15", "lifts");
  };
  // A journal long enough that replaying it takes a while...
  constexpr int kBatches = 20, kBatchSize = 1000;
  for (int batch = 0; batch < kBatches; ++batch) {
    std::vector<ledger::RecordExchangeInput> inputs;
    for (int i = 0; i < kBatchSize; ++i) {
      inputs.push_back(exchange("b", batch * kBatchSize + i));
    }
    ASSERT_OK(ledger_->RecordExchanges(kTb, Coordinator(), inputs));
  }
  // ...while a writer keeps committing until the build is over, however
  // long a loaded machine makes it.
  std::atomic<int> written{0};
  std::atomic<bool> building{true};
  std::thread writer([&] {
    for (int i = 0; building || i < 20; ++i) {
      EXPECT_OK(ledger_->RecordExchange(kTb, Coordinator(), exchange("c", i)));
      ++written;
    }
  });
  while (written < 20) std::this_thread::yield();
  const int before = written;
  const absl::Status built =
      Report("2025-01-01", "2025-12-31", Granularity::kQuarter).status();
  const int after = written;
  building = false;
  writer.join();
  ASSERT_OK(built);
  EXPECT_GT(after, before) << "the build did not overlap the writes";
  ASSERT_OK_AND_ASSIGN(
      ReciprocityReport live,
      Report("2025-01-01", "2025-12-31", Granularity::kQuarter));
  EXPECT_EQ(live.total.exchanges, kBatches * kBatchSize + written);
  ledger_.reset();
  ASSERT_OK_AND_ASSIGN(ledger_, Ledger::Open(TestOptions(dir_.path())));
  ASSERT_OK_AND_ASSIGN(
      ReciprocityReport replayed,
      Report("2025-01-01", "2025-12-31", Granularity::kQuarter));
  ExpectSameReport(live, replayed);
}

// With warm_report_figures the figures are built in the background at
// open; reports then equal those of figures built on first use, and
// closing while the build runs neither hangs nor crashes.
TEST_F(ReportTest, FiguresWarmedAtOpenEqualFiguresBuiltOnFirstUse) {
  BuildWorkedExample();
  ASSERT_OK_AND_ASSIGN(ReciprocityReport lazy,
                       Report("2026-01-01", "2026-06-30", Granularity::kMonth));
  ledger::LedgerOptions options = TestOptions(dir_.path());
  options.warm_report_figures = true;
  ledger_.reset();
  ASSERT_OK_AND_ASSIGN(ledger_, Ledger::Open(options));
  ASSERT_OK_AND_ASSIGN(ReciprocityReport warmed,
                       Report("2026-01-01", "2026-06-30", Granularity::kMonth));
  ExpectSameReport(lazy, warmed);
  for (int i = 0; i < 5; ++i) {
    ledger_.reset();
    ASSERT_OK_AND_ASSIGN(ledger_, Ledger::Open(options));
  }
}

}  // namespace
}  // namespace timebank::ledger_test
