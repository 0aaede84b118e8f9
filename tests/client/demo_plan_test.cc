#include "client/demo_plan.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "client/dates.h"

namespace timebank::client {
namespace {

DemoOptions Options() {
  return DemoOptions{.anchor = *ParseDate("2026-11-20")};
}

TEST(DemoPlan, IsDeterministic) {
  const DemoPlan a = MakeDemoPlan(Options());
  const DemoPlan b = MakeDemoPlan(Options());
  ASSERT_EQ(a.exchanges.size(), b.exchanges.size());
  for (size_t i = 0; i < a.exchanges.size(); ++i) {
    EXPECT_EQ(a.exchanges[i].request_id, b.exchanges[i].request_id);
    EXPECT_EQ(a.exchanges[i].giver_id, b.exchanges[i].giver_id);
    EXPECT_EQ(a.exchanges[i].minutes, b.exchanges[i].minutes);
    EXPECT_EQ(a.exchanges[i].occurred_on, b.exchanges[i].occurred_on);
  }
}

TEST(DemoPlan, HasTheAccountsOfASmallTimebank) {
  const DemoPlan plan = MakeDemoPlan(Options());
  std::map<DemoKind, int> kinds;
  std::set<std::string> ids;
  for (const DemoAccount& account : plan.accounts) {
    ++kinds[account.kind];
    EXPECT_TRUE(ids.insert(account.id).second) << account.id;
    EXPECT_TRUE(ParseDate(account.joined_on).has_value()) << account.joined_on;
  }
  EXPECT_EQ(kinds[DemoKind::kPerson], 40);
  EXPECT_EQ(kinds[DemoKind::kOrganisation], 1);
  EXPECT_EQ(kinds[DemoKind::kCommunityPot], 1);
}

TEST(DemoPlan, ExchangesFallInTheYearBeforeTheAnchorAfterBothJoined) {
  const DemoOptions options = Options();
  const DemoPlan plan = MakeDemoPlan(options);
  EXPECT_EQ(plan.exchanges.size(), options.exchanges);
  std::map<std::string, std::string> joined;
  for (const DemoAccount& account : plan.accounts)
    joined[account.id] = account.joined_on;
  std::set<std::string> request_ids;
  std::string previous;
  for (const DemoExchange& exchange : plan.exchanges) {
    EXPECT_LT(exchange.occurred_on, "2026-11-20");
    EXPECT_GE(exchange.occurred_on, "2025-11-20");
    EXPECT_GE(exchange.occurred_on, joined[exchange.giver_id]);
    EXPECT_GE(exchange.occurred_on, joined[exchange.receiver_id]);
    EXPECT_GE(exchange.occurred_on, previous);  // Recorded in date order.
    previous = exchange.occurred_on;
    EXPECT_NE(exchange.giver_id, exchange.receiver_id);
    EXPECT_GT(exchange.minutes, 0);
    EXPECT_LE(exchange.minutes, options.max_exchange_minutes);
    EXPECT_FALSE(exchange.category.empty());
    EXPECT_TRUE(request_ids.insert(exchange.request_id).second);
  }
  // Spread over the whole year, not bunched at its start.
  EXPECT_LE(plan.exchanges.front().occurred_on, "2025-11-27");
  EXPECT_GE(plan.exchanges.back().occurred_on, "2026-11-12");
}

// Replays the plan in the order the demo writes it and checks that no
// member ever goes below the floor.
TEST(DemoPlan, NoMemberEverFallsBelowTheFloor) {
  const DemoOptions options = Options();
  const DemoPlan plan = MakeDemoPlan(options);
  std::map<std::string, DemoKind> kind;
  for (const DemoAccount& account : plan.accounts)
    kind[account.id] = account.kind;
  std::map<std::string, int64_t> balance;
  auto apply = [&](const DemoExchange& exchange, int sign) {
    balance[exchange.giver_id] += sign * exchange.minutes;
    balance[exchange.receiver_id] -= sign * exchange.minutes;
    for (const auto& [id, minutes] : balance) {
      if (kind[id] == DemoKind::kPerson) {
        ASSERT_GE(minutes, options.floor_minutes) << id;
      }
    }
  };
  for (const DemoExchange& exchange : plan.exchanges) apply(exchange, 1);
  for (const DemoCorrection& reversal : plan.reversals) {
    apply(plan.exchanges[reversal.index], -1);
  }
  apply(plan.pending[plan.confirm.index], 1);
  int64_t sum = 0;
  for (const auto& [id, minutes] : balance) sum += minutes;
  EXPECT_EQ(sum, 0);
}

TEST(DemoPlan, HasCorrectionsAndPendingExchanges) {
  const DemoPlan plan = MakeDemoPlan(Options());
  EXPECT_EQ(plan.reversals.size(), 3u);
  EXPECT_EQ(plan.pending.size(), 4u);
  EXPECT_EQ(plan.pending_member, "kathy");
  for (const DemoExchange& exchange : plan.pending) {
    EXPECT_EQ(exchange.giver_id, plan.pending_member);
    EXPECT_LT(exchange.occurred_on, "2026-11-20");
  }
  EXPECT_FALSE(plan.confirm.request_id.empty());
  EXPECT_FALSE(plan.reject.request_id.empty());
  EXPECT_NE(plan.confirm.index, plan.reject.index);
}

TEST(DemoPlan, ReflectsOnEveryPrincipleFromSeveralPerspectives) {
  const DemoPlan plan = MakeDemoPlan(Options());
  std::set<DemoPrinciple> principles;
  std::set<DemoPerspective> perspectives;
  std::set<std::string> request_ids;
  for (const DemoReflection& r : plan.reflections) {
    principles.insert(r.principle);
    perspectives.insert(r.perspective);
    EXPECT_TRUE(request_ids.insert(r.request_id).second) << r.request_id;
    EXPECT_NE(r.principle, DemoPrinciple::kOverall);
    EXPECT_GE(r.stage, 1);
    EXPECT_LE(r.stage, 4);
    EXPECT_FALSE(r.evidence.empty());
    EXPECT_LE(r.evidence.size(), 4000u);
    // Inside the demo's year, so an assessment of that year sees them.
    EXPECT_LT(r.reflected_on, "2026-11-20");
    EXPECT_GE(r.reflected_on, "2026-10-01");
  }
  EXPECT_EQ(principles.size(), 4u);
  EXPECT_EQ(perspectives.size(), 4u);
  // Several views on each principle.
  for (DemoPrinciple p : principles) {
    std::set<DemoPerspective> views;
    for (const DemoReflection& r : plan.reflections)
      if (r.principle == p) views.insert(r.perspective);
    EXPECT_GE(views.size(), 2u);
  }
}

TEST(DemoPlan, HasAShortActionPlan) {
  const DemoPlan plan = MakeDemoPlan(Options());
  EXPECT_GE(plan.actions.size(), 3u);
  EXPECT_LE(plan.actions.size(), 4u);
  std::set<std::string> request_ids;
  for (const DemoReflection& r : plan.reflections)
    request_ids.insert(r.request_id);
  for (const DemoAction& a : plan.actions) {
    EXPECT_TRUE(request_ids.insert(a.request_id).second) << a.request_id;
    EXPECT_FALSE(a.who.empty());
    EXPECT_FALSE(a.what.empty());
    EXPECT_FALSE(a.how.empty());
    EXPECT_LE(a.what.size(), 1000u);
    EXPECT_GT(a.due_on, "2026-11-20");
    EXPECT_TRUE(ParseDate(a.due_on).has_value());
  }
}

TEST(DemoPlan, ReflectionsAndActionsAreTheSameEveryRun) {
  const DemoPlan a = MakeDemoPlan(Options());
  const DemoPlan b = MakeDemoPlan(Options());
  ASSERT_EQ(a.reflections.size(), b.reflections.size());
  for (size_t i = 0; i < a.reflections.size(); ++i) {
    EXPECT_EQ(a.reflections[i].request_id, b.reflections[i].request_id);
    EXPECT_EQ(a.reflections[i].evidence, b.reflections[i].evidence);
    EXPECT_EQ(a.reflections[i].reflected_on, b.reflections[i].reflected_on);
  }
  ASSERT_EQ(a.actions.size(), b.actions.size());
  for (size_t i = 0; i < a.actions.size(); ++i) {
    EXPECT_EQ(a.actions[i].request_id, b.actions[i].request_id);
    EXPECT_EQ(a.actions[i].due_on, b.actions[i].due_on);
  }
}

TEST(DemoPlan, RespectsASmallerLargestExchange) {
  DemoOptions options = Options();
  options.max_exchange_minutes = 60;
  for (const DemoExchange& exchange : MakeDemoPlan(options).exchanges) {
    EXPECT_LE(exchange.minutes, 60);
  }
}

}  // namespace
}  // namespace timebank::client
