// The reciprocity report: what a timebank's exchanges say about give and
// get, per period. Computed from the aggregates the writer keeps (monthly
// totals per timebank, account, category and pair), never from a scan of the
// journal. Pure functions over an AggregateView; thread-safe.
//
// Definitions (the README repeats them for readers of the report):
// - Periods are whole calendar months, quarters or years. The range is
//   widened to whole months: `from` to the first of its month, `to` to the
//   last day of its month, because the aggregates are monthly.
// - Only CONFIRMED exchanges count; pending, rejected and reversed never do.
//   An exchange counts in the month of the day the work was done.
// - Members are PERSON accounts that had joined by the end of the period.
//   Organisations and the community pot count in hours and pairs, not as
//   members.
// - Balances are as at the end of each period; percentiles by nearest rank.
// - A new member joined in the period; they "gave within 90 days" when a
//   confirmed exchange they gave is dated no more than 90 days after joining.

#ifndef TIMEBANK_LEDGER_REPORT_H_
#define TIMEBANK_LEDGER_REPORT_H_

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/types.h"

namespace timebank::ledger {

enum class Granularity : uint8_t { kMonth = 1, kQuarter = 2, kYear = 3 };

inline constexpr int kNewMemberGiveWindowDays = 90;
inline constexpr int64_t kNearZeroBalanceMinutes = 5 * 60;
inline constexpr int kMaxReportPeriods = 120;

struct CategoryFigures {
  std::string category;
  int64_t minutes = 0;
  int64_t exchanges = 0;
};

struct BalanceDistribution {
  int64_t members = 0;
  int64_t p25_minutes = 0;
  int64_t median_minutes = 0;
  int64_t p75_minutes = 0;
  double share_within_5h = 0;  // 0..1; members with |balance| <= 5 h.
};

struct PeriodFigures {
  std::string label;  // "2026-11", "2026-Q4", "2026", or "total".
  int32_t from_day = 0;
  int32_t to_day = 0;
  int64_t minutes_exchanged = 0;
  int64_t exchanges = 0;
  int64_t members = 0;
  int64_t organisations = 0;
  int64_t active_members = 0;
  int64_t members_gave_and_received = 0;
  int64_t members_only_gave = 0;
  int64_t members_only_received = 0;
  int64_t members_inactive = 0;
  BalanceDistribution balances;
  int64_t distinct_pairs = 0;
  int64_t reciprocal_pairs = 0;
  int64_t members_with_three_plus_partners = 0;
  int64_t new_members = 0;
  int64_t new_members_gave_within_90_days = 0;
  std::vector<CategoryFigures> top_categories;
  int64_t organisation_to_member_minutes = 0;
  int64_t member_to_organisation_minutes = 0;
};

struct ReciprocityReport {
  std::string timebank_id;
  int32_t from_day = 0;
  int32_t to_day = 0;
  Granularity granularity = Granularity::kMonth;
  std::vector<PeriodFigures> periods;
  PeriodFigures total;
};

// The aggregates a report reads, gathered by the Ledger.
struct AggregateView {
  std::vector<Account> accounts;
  // Every month up to the end of the range (balances need all history).
  std::map<std::string, std::map<YearMonth, AccountMonthTotals>> account_months;
  // Months inside the range only.
  std::map<YearMonth, MonthTotals> months;
  std::map<YearMonth, std::map<std::string, MonthTotals>> categories;
  std::map<YearMonth, std::vector<std::tuple<std::string, std::string, PairTotals>>>
      pairs;
  // For accounts that joined inside the range: days of their confirmed gifts.
  std::map<std::string, std::vector<int32_t>> gift_days;
};

// The first and last day of the whole months covering [from_day, to_day].
std::pair<int32_t, int32_t> WidenToMonths(int32_t from_day, int32_t to_day);

// Most categories a report lists per period.
inline constexpr int kTopCategoriesMax = 50;

absl::StatusOr<ReciprocityReport> ComputeReciprocityReport(
    const std::string& timebank_id, const AggregateView& view,
    int32_t from_day, int32_t to_day, Granularity granularity,
    int top_categories);

}  // namespace timebank::ledger

#endif  // TIMEBANK_LEDGER_REPORT_H_
