#include "ledger/report.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "absl/strings/str_cat.h"
#include "ledger/civil_date.h"
#include "ledger/validation.h"

namespace timebank::ledger {
namespace {

int32_t LastDayOfMonth(int year, int month) {
  return month == 12 ? DaysFromCivil(year + 1, 1, 1) - 1
                     : DaysFromCivil(year, month + 1, 1) - 1;
}

// Splits [from_day, to_day] (whole months) into calendar periods.
std::vector<PeriodFigures> Periods(int32_t from_day, int32_t to_day,
                                   Granularity granularity) {
  std::vector<PeriodFigures> periods;
  int year = 0, month = 0, day = 0;
  CivilFromDays(from_day, &year, &month, &day);
  while (DaysFromCivil(year, month, 1) <= to_day) {
    PeriodFigures period;
    char label[32];
    int last_month = month;
    switch (granularity) {
      case Granularity::kMonth:
        std::snprintf(label, sizeof label, "%04d-%02d", year, month);
        break;
      case Granularity::kQuarter:
        last_month = ((month - 1) / 3) * 3 + 3;
        std::snprintf(label, sizeof label, "%04d-Q%d", year, (month - 1) / 3 + 1);
        break;
      case Granularity::kYear:
        last_month = 12;
        std::snprintf(label, sizeof label, "%04d", year);
        break;
    }
    period.label = label;
    period.from_day = std::max(from_day, DaysFromCivil(year, month, 1));
    period.to_day = std::min(to_day, LastDayOfMonth(year, last_month));
    periods.push_back(std::move(period));
    month = last_month + 1;
    if (month > 12) {
      month = 1;
      ++year;
    }
  }
  return periods;
}

int64_t NearestRank(const std::vector<int64_t>& sorted, int percent) {
  if (sorted.empty()) return 0;
  // Nearest rank: the smallest value with at least `percent`% at or below.
  size_t rank = (sorted.size() * percent + 99) / 100;
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

struct MemberActivity {
  int64_t given = 0;
  int64_t received = 0;
};

// Fills `period` from the view; months are the whole months it covers.
void FillPeriod(const AggregateView& view,
                const std::map<std::string, const Account*>& accounts,
                int top_categories, PeriodFigures& period) {
  const YearMonth first = MonthOf(period.from_day);
  const YearMonth last = MonthOf(period.to_day);
  for (auto it = view.months.lower_bound(first);
       it != view.months.end() && it->first <= last; ++it) {
    period.minutes_exchanged += it->second.minutes;
    period.exchanges += it->second.exchanges;
  }

  std::vector<int64_t> balances;
  for (const auto& [id, account] : accounts) {
    if (account->joined_on > period.to_day) continue;
    if (account->kind == AccountKind::kOrganisation) ++period.organisations;
    if (account->kind != AccountKind::kPerson) continue;
    ++period.members;
    MemberActivity activity;
    int64_t balance = 0;
    auto months = view.account_months.find(id);
    if (months != view.account_months.end()) {
      for (const auto& [month, totals] : months->second) {
        if (month > last) break;
        balance += totals.minutes_given - totals.minutes_received;
        if (month >= first) {
          activity.given += totals.exchanges_given;
          activity.received += totals.exchanges_received;
        }
      }
    }
    balances.push_back(balance);
    if (activity.given > 0 && activity.received > 0) {
      ++period.members_gave_and_received;
    } else if (activity.given > 0) {
      ++period.members_only_gave;
    } else if (activity.received > 0) {
      ++period.members_only_received;
    }
    if (account->joined_on >= period.from_day) {
      ++period.new_members;
      auto gifts = view.gift_days.find(id);
      if (gifts != view.gift_days.end() &&
          std::any_of(gifts->second.begin(), gifts->second.end(),
                      [joined_on = account->joined_on](int32_t d) {
                        return d >= joined_on &&
                               d <= joined_on + kNewMemberGiveWindowDays;
                      })) {
        ++period.new_members_gave_within_90_days;
      }
    }
  }
  period.active_members = period.members_gave_and_received +
                          period.members_only_gave + period.members_only_received;
  period.members_inactive = period.members - period.active_members;
  std::sort(balances.begin(), balances.end());
  period.balances.members = static_cast<int64_t>(balances.size());
  period.balances.p25_minutes = NearestRank(balances, 25);
  period.balances.median_minutes = NearestRank(balances, 50);
  period.balances.p75_minutes = NearestRank(balances, 75);
  if (!balances.empty()) {
    const auto near_zero = std::count_if(balances.begin(), balances.end(), [](int64_t b) {
      return b >= -kNearZeroBalanceMinutes && b <= kNearZeroBalanceMinutes;
    });
    period.balances.share_within_5h =
        static_cast<double>(near_zero) / static_cast<double>(balances.size());
  }

  std::map<std::pair<std::string, std::string>, PairTotals> pairs;
  for (auto it = view.pairs.lower_bound(first);
       it != view.pairs.end() && it->first <= last; ++it) {
    for (const auto& [low, high, totals] : it->second) {
      PairTotals& sum = pairs[{low, high}];
      sum.low_to_high_exchanges += totals.low_to_high_exchanges;
      sum.high_to_low_exchanges += totals.high_to_low_exchanges;
      sum.low_to_high_minutes += totals.low_to_high_minutes;
      sum.high_to_low_minutes += totals.high_to_low_minutes;
    }
  }
  const auto kind_of = [&](const std::string& id) {
    auto it = accounts.find(id);
    return it == accounts.end() ? AccountKind::kPerson : it->second->kind;
  };
  std::map<std::string, int> partners;
  for (const auto& [key, totals] : pairs) {
    if (totals.empty()) continue;
    ++partners[key.first];
    ++partners[key.second];
    ++period.distinct_pairs;
    if (totals.reciprocal()) ++period.reciprocal_pairs;
    const AccountKind low = kind_of(key.first);
    const AccountKind high = kind_of(key.second);
    if (low == AccountKind::kOrganisation && high == AccountKind::kPerson) {
      period.organisation_to_member_minutes += totals.low_to_high_minutes;
      period.member_to_organisation_minutes += totals.high_to_low_minutes;
    } else if (low == AccountKind::kPerson && high == AccountKind::kOrganisation) {
      period.organisation_to_member_minutes += totals.high_to_low_minutes;
      period.member_to_organisation_minutes += totals.low_to_high_minutes;
    }
  }

  for (const auto& [id, count] : partners) {
    if (count >= 3 && kind_of(id) == AccountKind::kPerson) {
      ++period.members_with_three_plus_partners;
    }
  }

  std::map<std::string, CategoryFigures> categories;
  for (auto it = view.categories.lower_bound(first);
       it != view.categories.end() && it->first <= last; ++it) {
    for (const auto& [name, totals] : it->second) {
      CategoryFigures& figures = categories[name];
      figures.category = name;
      figures.minutes += totals.minutes;
      figures.exchanges += totals.exchanges;
    }
  }
  for (auto& [name, figures] : categories) {
    if (figures.exchanges > 0) period.top_categories.push_back(figures);
  }
  std::sort(period.top_categories.begin(), period.top_categories.end(),
            [](const CategoryFigures& a, const CategoryFigures& b) {
              return a.minutes != b.minutes ? a.minutes > b.minutes
                                            : a.category < b.category;
            });
  if (static_cast<int>(period.top_categories.size()) > top_categories) {
    period.top_categories.resize(static_cast<size_t>(top_categories));
  }
}

}  // namespace

std::pair<int32_t, int32_t> WidenToMonths(int32_t from_day, int32_t to_day) {
  int from_year = 0, from_month = 0, day = 0, to_year = 0, to_month = 0;
  CivilFromDays(from_day, &from_year, &from_month, &day);
  CivilFromDays(to_day, &to_year, &to_month, &day);
  return {DaysFromCivil(from_year, from_month, 1),
          LastDayOfMonth(to_year, to_month)};
}

absl::StatusOr<ReciprocityReport> ComputeReciprocityReport(
    const std::string& timebank_id, const AggregateView& view, int32_t from_day,
    int32_t to_day, Granularity granularity, int top_categories) {
  if (from_day > to_day) return FieldInvalid("to", "must not be before from");
  if (top_categories < 1 || top_categories > kTopCategoriesMax) {
    return FieldInvalid("top_categories",
                        absl::StrCat("must be between 1 and ", kTopCategoriesMax));
  }
  const auto [first_day, last_day] = WidenToMonths(from_day, to_day);
  ReciprocityReport report{.timebank_id = timebank_id,
                           .from_day = first_day,
                           .to_day = last_day,
                           .granularity = granularity};
  report.periods = Periods(first_day, last_day, granularity);
  if (static_cast<int>(report.periods.size()) > kMaxReportPeriods) {
    return FieldInvalid("granularity", "the range holds more than 120 periods; "
                                       "choose a coarser granularity or a "
                                       "shorter range");
  }
  std::map<std::string, const Account*> accounts;
  for (const Account& account : view.accounts) accounts[account.id] = &account;
  for (PeriodFigures& period : report.periods) {
    FillPeriod(view, accounts, top_categories, period);
  }
  report.total = PeriodFigures{.label = "total",
                               .from_day = first_day,
                               .to_day = last_day};
  FillPeriod(view, accounts, top_categories, report.total);
  return report;
}

}  // namespace timebank::ledger
