// The reciprocity report: what a timebank's exchanges say about give and
// get, per period. Computed from monthly figures held in memory
// (ReportFigures), never from a scan of the journal at report time.
//
// Definitions (docs/assessment.md repeats them for readers of the report):
// - Periods are whole calendar months, quarters or years. The range is
//   widened to whole months: `from` to the first of its month, `to` to the
//   last day of its month, because the aggregates are monthly.
// - Only CONFIRMED exchanges count; pending, rejected and reversed never do.
//   An exchange counts in the month of the day the work was done.
// - Members are PERSON accounts. A member belongs to the timebank from the
//   earlier of their joined date and the day of their first counted
//   exchange, so history entered with its real dates counts its people:
//   whoever gave or received in a period was a member in it.
// - Organisations and the community pot are not members. Their hours count
//   in `minutes_exchanged` and in hours of their own (organisation and pot
//   to and from members); every social-network figure (pairs, partners) is
//   among members only.
// - Balances are as at the end of each period, over the members who had
//   exchanged by then (a member who never exchanged is not "balanced");
//   percentiles and medians by nearest rank.
// - A new member's first day (as above) falls in the period; they "gave
//   within 90 days" when a confirmed exchange they gave is dated no more
//   than 90 days after it. Only new members whose 90 days are over by today
//   are judged (`new_members_90_days_over`); the others may still give.
// - A period is partial when it has not ended by today, or starts before
//   the timebank's first exchange: `days_covered` counts its days from the
//   first exchange to today, and rates per month use those days, so an
//   unfinished month does not look like a drop.

#ifndef TIMEBANK_LEDGER_REPORT_H_
#define TIMEBANK_LEDGER_REPORT_H_

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "ledger/types.h"

namespace timebank::ledger {

enum class Granularity : uint8_t { kMonth = 1, kQuarter = 2, kYear = 3 };

// OK for a value Granularity names; INVALID_ARGUMENT naming granularity for
// any other number.
absl::Status CheckGranularity(Granularity granularity);

inline constexpr int kNewMemberGiveWindowDays = 90;
inline constexpr int64_t kNearZeroBalanceMinutes = int64_t{5} * 60;
inline constexpr int kMaxReportPeriods = 120;

struct CategoryFigures {
  std::string category;
  int64_t minutes = 0;
  int64_t exchanges = 0;
};

struct BalanceDistribution {
  int64_t members = 0;  // Members who had exchanged by the period's end.
  int64_t p25_minutes = 0;
  int64_t median_minutes = 0;
  int64_t p75_minutes = 0;
  double share_within_5h = 0;  // 0..1; members with |balance| <= 5 h.
};

struct PeriodFigures {
  std::string label;  // "2026-11", "2026-Q4", "2026", or "total".
  int32_t from_day = 0;
  int32_t to_day = 0;
  bool partial = false;      // Not over by today, or before the first exchange.
  int32_t days_covered = 0;  // Days from the first exchange to today, within.
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
  // Pairs of members who exchanged, and those who gave each other.
  int64_t distinct_pairs = 0;
  int64_t reciprocal_pairs = 0;
  // Active members by the number of different members they exchanged with.
  int64_t members_with_three_plus_partners = 0;
  int64_t median_partners = 0;
  // Exchanges between two members.
  int64_t minutes_among_members = 0;
  int64_t exchanges_among_members = 0;
  int64_t new_members = 0;
  int64_t new_members_gave_within_90_days =
      0;  // Of those whose 90 days are over.
  int64_t new_members_90_days_over = 0;
  std::vector<CategoryFigures> top_categories;
  int64_t organisation_to_member_minutes = 0;
  int64_t member_to_organisation_minutes = 0;
  int64_t pot_to_member_minutes = 0;
  int64_t member_to_pot_minutes = 0;
};

struct ReciprocityReport {
  std::string timebank_id;
  int32_t from_day = 0;
  int32_t to_day = 0;
  int32_t today = 0;  // The day the report was computed on, UTC.
  Granularity granularity = Granularity::kMonth;
  std::vector<PeriodFigures> periods;
  PeriodFigures total;
};

// What the report needs to know of an account that exists.
struct ReportMember {
  uint32_t index = 0;  // ReportFigures::IndexOf, or kNoFigures.
  AccountKind kind = AccountKind::kPerson;
  int32_t joined_on = 0;
};

// One timebank's report figures, in memory: per account per month, per pair
// per month, per month and per category per month, and the days of each
// account's confirmed gifts. Every journal entry says what it adds to them
// or takes back (ApplyEntry), so the same function builds them from the
// journal and keeps them current as entries are committed.
//
// Thread safety: none; the Ledger guards each instance.
class ReportFigures {
 public:
  static constexpr uint32_t kNoFigures = UINT32_MAX;

  // Counts a confirmed record or confirmation, takes back a reversal;
  // rejections and pending records change nothing.
  void ApplyEntry(const JournalEntry& entry);

  // The dense index of an account that has figures, or kNoFigures.
  uint32_t IndexOf(const std::string& account_id) const;

  // The report over [from_day, to_day] as seen on `today`; `members` are
  // the timebank's accounts as they are now.
  absl::StatusOr<ReciprocityReport> Compute(
      const std::string& timebank_id, const std::vector<ReportMember>& members,
      int32_t from_day, int32_t to_day, Granularity granularity,
      int top_categories, int32_t today) const;

 private:
  struct AccountMonth {
    YearMonth month = 0;
    AccountMonthTotals totals;
  };
  struct AccountFigures {
    std::vector<AccountMonth> months;   // Ascending, one per month.
    std::vector<int32_t> gift_days;     // Ascending; confirmed gifts' days.
    std::vector<int32_t> receipt_days;  // Ascending; what it received.
  };
  struct PairMonth {
    YearMonth month = 0;
    PairTotals totals;
  };
  struct Pair {
    uint32_t low = 0;  // Account indexes; `low` has the smaller id.
    uint32_t high = 0;
    // Ascending, one per month; most pairs trade in one month only.
    absl::InlinedVector<PairMonth, 1> months;
  };

  uint32_t Intern(const std::string& account_id);

  absl::flat_hash_map<std::string, uint32_t> index_;
  std::vector<AccountFigures> accounts_;
  absl::flat_hash_map<uint64_t, uint32_t> pair_index_;
  std::deque<Pair> pairs_;  // A deque grows without copying a million pairs.
  std::map<YearMonth, MonthTotals> months_;
  std::map<YearMonth, std::map<std::string, MonthTotals>> categories_;
};

// The first and last day of the whole months covering [from_day, to_day].
std::pair<int32_t, int32_t> WidenToMonths(int32_t from_day, int32_t to_day);

// Most categories a report lists per period.
inline constexpr int kTopCategoriesMax = 50;

}  // namespace timebank::ledger

#endif  // TIMEBANK_LEDGER_REPORT_H_
