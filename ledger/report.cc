#include "ledger/report.h"

#include <algorithm>
#include <cstdio>
#include <limits>

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
        std::snprintf(label, sizeof label, "%04d-Q%d", year,
                      (month - 1) / 3 + 1);
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

// Months counted from year 0, so that consecutive months differ by one.
int MonthNumber(YearMonth month) {
  return (month / 100) * 12 + month % 100 - 1;
}

// The cell for `month` in cells kept in ascending month order, added if
// missing. Entries mostly arrive in date order, so the common case appends.
template <typename Cells>
auto& CellFor(Cells& cells, YearMonth month) {
  if (cells.empty() || cells.back().month < month) {
    cells.push_back({.month = month});
    return cells.back();
  }
  auto it = std::lower_bound(
      cells.begin(), cells.end(), month,
      [](const auto& cell, YearMonth m) { return cell.month < m; });
  if (it == cells.end() || it->month != month) {
    it = cells.insert(it, {.month = month});
  }
  return *it;
}

struct MemberActivity {
  int64_t given = 0;
  int64_t received = 0;
};

void AddPair(PairTotals& sum, const PairTotals& add) {
  sum.low_to_high_exchanges += add.low_to_high_exchanges;
  sum.high_to_low_exchanges += add.high_to_low_exchanges;
  sum.low_to_high_minutes += add.low_to_high_minutes;
  sum.high_to_low_minutes += add.high_to_low_minutes;
}

// Nearest rank: the smallest value with at least `percent`% at or below.
// By selection, in linear time; leaves `values` reordered.
int64_t SelectNearestRank(std::vector<int64_t>& values, int percent) {
  if (values.empty()) return 0;
  size_t rank = (values.size() * percent + 99) / 100;
  rank = std::clamp<size_t>(rank, 1, values.size());
  auto nth = values.begin() + static_cast<ptrdiff_t>(rank - 1);
  std::nth_element(values.begin(), nth, values.end());
  return *nth;
}

void FillBalances(std::vector<int64_t>& balances, BalanceDistribution& out) {
  out.members = static_cast<int64_t>(balances.size());
  out.p25_minutes = SelectNearestRank(balances, 25);
  out.median_minutes = SelectNearestRank(balances, 50);
  out.p75_minutes = SelectNearestRank(balances, 75);
  if (!balances.empty()) {
    const auto near_zero =
        std::count_if(balances.begin(), balances.end(), [](int64_t b) {
          return b >= -kNearZeroBalanceMinutes && b <= kNearZeroBalanceMinutes;
        });
    out.share_within_5h =
        static_cast<double>(near_zero) / static_cast<double>(balances.size());
  }
}

void FillCategories(const std::map<std::string, MonthTotals>& totals,
                    int top_categories, PeriodFigures& period) {
  for (const auto& [name, sum] : totals) {
    if (sum.exchanges > 0) {
      period.top_categories.push_back(
          CategoryFigures{.category = name,
                          .minutes = sum.minutes,
                          .exchanges = sum.exchanges});
    }
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

// Adds `day` to ascending `days` (sign > 0) or takes one copy of it out.
void CountDay(std::vector<int32_t>& days, int32_t day, int sign) {
  if (sign > 0) {
    days.insert(std::upper_bound(days.begin(), days.end(), day), day);
  } else if (auto it = std::lower_bound(days.begin(), days.end(), day);
             it != days.end() && *it == day) {
    days.erase(it);
  }
}

// What one member brings to the count of one period.
struct MemberInPeriod {
  int32_t since = 0;  // The earlier of joining and the first exchange.
  const std::vector<int32_t>* gift_days = nullptr;
  int64_t balance = 0;         // As at the period's end.
  bool has_exchanged = false;  // By the period's end.
  MemberActivity activity;     // Inside the period.
};

// Counts one account in one period. True when it counts as an active
// member there.
bool CountMember(const ReportMember& member, const MemberInPeriod& in,
                 int32_t today, PeriodFigures& period,
                 std::vector<int64_t>& balances) {
  if (in.since > period.to_day) return false;
  if (member.kind == AccountKind::kOrganisation) ++period.organisations;
  if (member.kind != AccountKind::kPerson) return false;
  ++period.members;
  if (in.has_exchanged) balances.push_back(in.balance);
  const MemberActivity& activity = in.activity;
  if (activity.given > 0 && activity.received > 0) {
    ++period.members_gave_and_received;
  } else if (activity.given > 0) {
    ++period.members_only_gave;
  } else if (activity.received > 0) {
    ++period.members_only_received;
  }
  if (in.since >= period.from_day) {
    ++period.new_members;
    if (in.since + kNewMemberGiveWindowDays > today) {
      return activity.given > 0 || activity.received > 0;  // Still to come.
    }
    ++period.new_members_90_days_over;
    if (in.gift_days != nullptr) {
      auto gift = std::lower_bound(in.gift_days->begin(), in.gift_days->end(),
                                   in.since);
      if (gift != in.gift_days->end() &&
          *gift <= in.since + kNewMemberGiveWindowDays) {
        ++period.new_members_gave_within_90_days;
      }
    }
  }
  return activity.given > 0 || activity.received > 0;
}

// Which of the period's days the ledger can speak for: from the first
// exchange to today.
void MarkCoverage(int32_t first_exchange, int32_t today,
                  PeriodFigures& period) {
  const int32_t from = std::max(period.from_day, first_exchange);
  const int32_t to = std::min(period.to_day, today);
  period.days_covered = to >= from ? to - from + 1 : 0;
  period.partial = period.days_covered != period.to_day - period.from_day + 1;
}

}  // namespace

std::pair<int32_t, int32_t> WidenToMonths(int32_t from_day, int32_t to_day) {
  int from_year = 0, from_month = 0, day = 0, to_year = 0, to_month = 0;
  CivilFromDays(from_day, &from_year, &from_month, &day);
  CivilFromDays(to_day, &to_year, &to_month, &day);
  return {DaysFromCivil(from_year, from_month, 1),
          LastDayOfMonth(to_year, to_month)};
}

void ReportFigures::ApplyEntry(const JournalEntry& entry) {
  int sign = 0;
  switch (entry.kind) {
    case EntryKind::kRecord:
      sign = entry.initial_status == ExchangeStatus::kConfirmed ? 1 : 0;
      break;
    case EntryKind::kConfirm:
      sign = 1;
      break;
    case EntryKind::kReverse:
      sign = -1;
      break;
    case EntryKind::kReject:
      break;
  }
  if (sign == 0) return;
  // The writer checked every sum for overflow before the entry committed.
  const int64_t minutes = sign * entry.minutes;
  const YearMonth month = MonthOf(entry.occurred_on);
  const uint32_t giver = Intern(entry.giver_id);
  const uint32_t receiver = Intern(entry.receiver_id);

  AccountMonthTotals& given = CellFor(accounts_[giver].months, month).totals;
  given.minutes_given += minutes;
  given.exchanges_given += sign;
  AccountMonthTotals& received =
      CellFor(accounts_[receiver].months, month).totals;
  received.minutes_received += minutes;
  received.exchanges_received += sign;

  CountDay(accounts_[giver].gift_days, entry.occurred_on, sign);
  CountDay(accounts_[receiver].receipt_days, entry.occurred_on, sign);

  MonthTotals& timebank_month = months_[month];
  timebank_month.minutes += minutes;
  timebank_month.exchanges += sign;
  MonthTotals& category_month = categories_[month][entry.category];
  category_month.minutes += minutes;
  category_month.exchanges += sign;

  const bool giver_low = entry.giver_id < entry.receiver_id;
  const uint32_t low = giver_low ? giver : receiver;
  const uint32_t high = giver_low ? receiver : giver;
  const auto [slot, added] = pair_index_.try_emplace(
      (uint64_t{low} << 32) | high, static_cast<uint32_t>(pairs_.size()));
  if (added) pairs_.push_back(Pair{.low = low, .high = high});
  PairTotals& pair = CellFor(pairs_[slot->second].months, month).totals;
  (giver_low ? pair.low_to_high_exchanges : pair.high_to_low_exchanges) += sign;
  (giver_low ? pair.low_to_high_minutes : pair.high_to_low_minutes) += minutes;
}

uint32_t ReportFigures::IndexOf(const std::string& account_id) const {
  auto it = index_.find(account_id);
  return it == index_.end() ? kNoFigures : it->second;
}

uint32_t ReportFigures::Intern(const std::string& account_id) {
  const auto [it, added] =
      index_.try_emplace(account_id, static_cast<uint32_t>(accounts_.size()));
  if (added) accounts_.emplace_back();
  return it->second;
}

absl::Status CheckGranularity(Granularity granularity) {
  if (granularity >= Granularity::kMonth && granularity <= Granularity::kYear) {
    return absl::OkStatus();
  }
  return FieldInvalid("granularity", "must be MONTH, QUARTER or YEAR");
}

absl::StatusOr<ReciprocityReport> ReportFigures::Compute(
    const std::string& timebank_id, const std::vector<ReportMember>& members,
    int32_t from_day, int32_t to_day, Granularity granularity,
    int top_categories, int32_t today) const {
  if (from_day > to_day) return FieldInvalid("to", "must not be before from");
  if (top_categories < 1 || top_categories > kTopCategoriesMax) {
    return FieldInvalid("top_categories", absl::StrCat("must be between 1 and ",
                                                       kTopCategoriesMax));
  }
  const auto [first_day, last_day] = WidenToMonths(from_day, to_day);
  ReciprocityReport report{.timebank_id = timebank_id,
                           .from_day = first_day,
                           .to_day = last_day,
                           .today = today,
                           .granularity = granularity};
  report.periods = Periods(first_day, last_day, granularity);
  if (static_cast<int>(report.periods.size()) > kMaxReportPeriods) {
    return FieldInvalid("granularity",
                        "the range holds more than 120 periods; "
                        "choose a coarser granularity or a "
                        "shorter range");
  }
  report.total = PeriodFigures{
      .label = "total", .from_day = first_day, .to_day = last_day};
  // Every figure is counted once per period and once for the total, which
  // is the last slot of each per-period array below.
  const size_t n = report.periods.size();
  const auto period = [&](size_t i) -> PeriodFigures& {
    return i < n ? report.periods[i] : report.total;
  };
  const YearMonth first_month = MonthOf(first_day);
  const YearMonth last_month = MonthOf(last_day);
  const int first_number = MonthNumber(first_month);
  std::vector<uint32_t> period_of_month(
      static_cast<size_t>(MonthNumber(last_month) - first_number + 1));
  for (size_t i = 0; i < n; ++i) {
    for (int m = MonthNumber(MonthOf(report.periods[i].from_day));
         m <= MonthNumber(MonthOf(report.periods[i].to_day)); ++m) {
      period_of_month[static_cast<size_t>(m - first_number)] =
          static_cast<uint32_t>(i);
    }
  }
  const auto period_of = [&](YearMonth month) {
    return period_of_month[static_cast<size_t>(MonthNumber(month) -
                                               first_number)];
  };

  // The day of the timebank's first counted exchange, or none yet.
  int32_t first_exchange = std::numeric_limits<int32_t>::max();
  for (const AccountFigures& account : accounts_) {
    if (!account.gift_days.empty()) {
      first_exchange = std::min(first_exchange, account.gift_days.front());
    }
  }
  std::vector<std::map<std::string, MonthTotals>> categories(n + 1);
  for (auto it = months_.lower_bound(first_month);
       it != months_.end() && it->first <= last_month; ++it) {
    for (size_t i : {static_cast<size_t>(period_of(it->first)), n}) {
      period(i).minutes_exchanged += it->second.minutes;
      period(i).exchanges += it->second.exchanges;
    }
  }
  for (auto it = categories_.lower_bound(first_month);
       it != categories_.end() && it->first <= last_month; ++it) {
    for (size_t i : {static_cast<size_t>(period_of(it->first)), n}) {
      for (const auto& [name, totals] : it->second) {
        MonthTotals& sum = categories[i][name];
        sum.minutes += totals.minutes;
        sum.exchanges += totals.exchanges;
      }
    }
  }

  std::vector<YearMonth> last_months(n);
  for (size_t i = 0; i < n; ++i)
    last_months[i] = MonthOf(report.periods[i].to_day);
  std::vector<AccountKind> kinds(accounts_.size(), AccountKind::kPerson);
  std::vector<std::vector<int64_t>> balances(n + 1);
  // Per period, the figure indexes of its active members.
  std::vector<std::vector<uint32_t>> active(n + 1);
  for (const ReportMember& member : members) {
    const AccountFigures* figures = nullptr;
    if (member.index != kNoFigures) {
      figures = &accounts_[member.index];
      kinds[member.index] = member.kind;
    }
    static const std::vector<AccountMonth> kNoMonths;
    const std::vector<AccountMonth>& months =
        figures ? figures->months : kNoMonths;
    MemberInPeriod in{.since = member.joined_on};
    if (figures != nullptr) {
      in.gift_days = &figures->gift_days;
      for (const std::vector<int32_t>* days :
           {&figures->gift_days, &figures->receipt_days}) {
        if (!days->empty()) in.since = std::min(in.since, days->front());
      }
    }
    // Balances need all history; activity only the period's months.
    int64_t exchanged = 0;
    size_t next = 0;
    const auto take = [&](MemberActivity* activity) {
      const AccountMonthTotals& totals = months[next++].totals;
      in.balance += totals.minutes_given - totals.minutes_received;
      exchanged += totals.exchanges_given + totals.exchanges_received;
      if (activity != nullptr) {
        activity->given += totals.exchanges_given;
        activity->received += totals.exchanges_received;
      }
    };
    while (next < months.size() && months[next].month < first_month)
      take(nullptr);
    MemberActivity whole;
    const auto count = [&](size_t i) {
      in.has_exchanged = exchanged > 0;
      if (CountMember(member, in, today, period(i), balances[i])) {
        active[i].push_back(member.index);
      }
    };
    for (size_t i = 0; i < n; ++i) {
      in.activity = MemberActivity{};
      while (next < months.size() && months[next].month <= last_months[i]) {
        take(&in.activity);
      }
      whole.given += in.activity.given;
      whole.received += in.activity.received;
      count(i);
    }
    in.activity = whole;
    count(n);
  }

  std::vector<std::vector<int32_t>> partners(
      n + 1, std::vector<int32_t>(accounts_.size(), 0));
  const auto count_pair = [&](size_t i, const Pair& pair,
                              const PairTotals& totals) {
    if (totals.empty()) return;
    PeriodFigures& figures = period(i);
    const AccountKind low = kinds[pair.low];
    const AccountKind high = kinds[pair.high];
    if (low == AccountKind::kPerson && high == AccountKind::kPerson) {
      ++partners[i][pair.low];
      ++partners[i][pair.high];
      ++figures.distinct_pairs;
      if (totals.reciprocal()) ++figures.reciprocal_pairs;
      figures.minutes_among_members +=
          totals.low_to_high_minutes + totals.high_to_low_minutes;
      figures.exchanges_among_members +=
          totals.low_to_high_exchanges + totals.high_to_low_exchanges;
      return;
    }
    // The member's side of a pair with an organisation or the pot: what
    // the other side gave them, and what they gave it.
    int64_t to_member = 0, from_member = 0;
    AccountKind other = low;
    if (high == AccountKind::kPerson) {
      to_member = totals.low_to_high_minutes;
      from_member = totals.high_to_low_minutes;
    } else if (low == AccountKind::kPerson) {
      other = high;
      to_member = totals.high_to_low_minutes;
      from_member = totals.low_to_high_minutes;
    } else {
      return;  // Neither side is a member.
    }
    if (other == AccountKind::kOrganisation) {
      figures.organisation_to_member_minutes += to_member;
      figures.member_to_organisation_minutes += from_member;
    } else {
      figures.pot_to_member_minutes += to_member;
      figures.member_to_pot_minutes += from_member;
    }
  };
  for (const Pair& pair : pairs_) {
    // Months ascend, so each period's months are consecutive.
    PairTotals whole, current;
    size_t current_period = n;
    for (const PairMonth& cell : pair.months) {
      if (cell.month < first_month) continue;
      if (cell.month > last_month) break;
      const size_t i = period_of(cell.month);
      if (i != current_period) {
        if (current_period != n) count_pair(current_period, pair, current);
        current_period = i;
        current = PairTotals{};
      }
      AddPair(current, cell.totals);
      AddPair(whole, cell.totals);
    }
    if (current_period != n) {
      count_pair(current_period, pair, current);
      count_pair(n, pair, whole);
    }
  }

  for (size_t i = 0; i <= n; ++i) {
    PeriodFigures& figures = period(i);
    figures.active_members = figures.members_gave_and_received +
                             figures.members_only_gave +
                             figures.members_only_received;
    figures.members_inactive = figures.members - figures.active_members;
    FillBalances(balances[i], figures.balances);
    std::vector<int64_t> partner_counts;
    partner_counts.reserve(active[i].size());
    for (uint32_t account : active[i]) {
      partner_counts.push_back(partners[i][account]);
      if (partners[i][account] >= 3) ++figures.members_with_three_plus_partners;
    }
    figures.median_partners = SelectNearestRank(partner_counts, 50);
    FillCategories(categories[i], top_categories, figures);
    MarkCoverage(first_exchange, today, figures);
  }
  return report;
}

}  // namespace timebank::ledger
