// Where each exchange sits by the day its work was done. Statements and
// lists are ordered by that day, then by seq, not by the order in which the
// exchanges were recorded: a coordinator entering last month's paper forms
// today puts them last month.
//
// ExchangeDates holds every record entry's (day, seq) for the whole
// timebank and for each of its two parties, in memory beside the report
// figures: built from the journal by the same replay and kept current by
// every commit (ApplyEntry). About 64 bytes per exchange (measured at
// 1,000,000 exchanges among 10,000 accounts).
//
// Thread safety: none; the Ledger guards each instance.

#ifndef TIMEBANK_LEDGER_EXCHANGE_DATES_H_
#define TIMEBANK_LEDGER_EXCHANGE_DATES_H_

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "ledger/types.h"

namespace timebank::ledger {

// A record entry's place in date order.
struct DatedSeq {
  int32_t day = 0;  // occurred_on, days since 1970-01-01.
  Seq seq = 0;

  auto operator<=>(const DatedSeq&) const = default;
};

// What to list: one account's exchanges or the timebank's, within a range
// of days, from a place (inclusive), in one direction.
struct DatedQuery {
  std::string account_id;  // Empty: every exchange of the timebank.
  std::optional<int32_t> from_day;
  std::optional<int32_t> to_day;
  std::optional<DatedSeq> start;  // From a page token; empty: the first.
  bool oldest_first = false;
  size_t limit = 0;
};

struct DatedPage {
  std::vector<DatedSeq> items;
  std::optional<DatedSeq> next;  // Where the next page starts.
};

class ExchangeDates {
 public:
  // Places a record entry; every other kind changes nothing, since a
  // confirm, reject or reversal leaves the exchange's day as it was.
  void ApplyEntry(const JournalEntry& entry);

  // Up to `query.limit` places in the query's order, and where the next
  // page starts if there are more.
  DatedPage Find(const DatedQuery& query) const;

 private:
  using Index = absl::btree_set<DatedSeq>;
  Index all_;
  absl::flat_hash_map<std::string, Index> by_account_;
};

// A page token names the place where its page starts: "<day>:<seq>".
std::string DatedSeqToken(const DatedSeq& place);
// The place `token` names; INVALID_ARGUMENT naming page_token for text this
// server did not issue.
absl::StatusOr<DatedSeq> ParseDatedSeqToken(std::string_view token);

}  // namespace timebank::ledger

#endif  // TIMEBANK_LEDGER_EXCHANGE_DATES_H_
