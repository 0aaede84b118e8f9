#include "ledger/exchange_dates.h"

#include <algorithm>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "ledger/validation.h"

namespace timebank::ledger {
namespace {

constexpr Seq kLastSeq = std::numeric_limits<Seq>::max();

template <typename Iterator, typename Keep>
DatedPage Collect(Iterator it, Iterator end, size_t limit, Keep keep) {
  DatedPage page;
  for (; it != end && keep(*it); ++it) {
    if (page.items.size() == limit) {
      page.next = *it;
      break;
    }
    page.items.push_back(*it);
  }
  return page;
}

}  // namespace

void ExchangeDates::ApplyEntry(const JournalEntry& entry) {
  if (entry.kind != EntryKind::kRecord) return;
  const DatedSeq place{.day = entry.occurred_on, .seq = entry.seq};
  all_.insert(place);
  by_account_[entry.giver_id].insert(place);
  by_account_[entry.receiver_id].insert(place);
}

DatedPage ExchangeDates::Find(const DatedQuery& query) const {
  const Index* index = &all_;
  if (!query.account_id.empty()) {
    auto found = by_account_.find(query.account_id);
    if (found == by_account_.end()) return {};
    index = &found->second;
  }
  const DatedSeq lowest{
      .day = query.from_day.value_or(std::numeric_limits<int32_t>::min()),
      .seq = 0};
  const DatedSeq highest{
      .day = query.to_day.value_or(std::numeric_limits<int32_t>::max()),
      .seq = kLastSeq};
  if (query.oldest_first) {
    const DatedSeq first =
        query.start ? std::max(*query.start, lowest) : lowest;
    return Collect(index->lower_bound(first), index->end(), query.limit,
                   [&](const DatedSeq& place) { return place <= highest; });
  }
  const DatedSeq first =
      query.start ? std::min(*query.start, highest) : highest;
  // The places at or before `first`, newest first.
  return Collect(std::make_reverse_iterator(index->upper_bound(first)),
                 index->rend(), query.limit,
                 [&](const DatedSeq& place) { return place >= lowest; });
}

std::string DatedSeqToken(const DatedSeq& place) {
  return absl::StrCat(place.day, ":", place.seq);
}

absl::StatusOr<DatedSeq> ParseDatedSeqToken(std::string_view token) {
  std::vector<absl::string_view> parts =
      absl::StrSplit(absl::string_view(token.data(), token.size()), ':');
  DatedSeq place;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &place.day) ||
      !absl::SimpleAtoi(parts[1], &place.seq)) {
    return FieldInvalid("page_token", "is not a token this server issued");
  }
  return place;
}

}  // namespace timebank::ledger
