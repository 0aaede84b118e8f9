// A Draft is everything one group commit changes, not yet written: the keys
// to put, the timebanks and accounts as they will be, and the new journal
// entries. Reads through a Draft see its own changes first, then the
// committed database, so commands later in a batch see earlier ones.
//
// Thread safety: used by one writer thread only.

#ifndef TIMEBANK_LEDGER_DRAFT_H_
#define TIMEBANK_LEDGER_DRAFT_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/codec.h"
#include "ledger/types.h"

namespace rocksdb {
class DB;
}

namespace timebank::ledger {

class Books;

class Draft {
 public:
  Draft(rocksdb::DB* db, const Books* books, int64_t now_us);

  int64_t now_us() const { return now_us_; }

  // Timebanks and accounts as this draft leaves them.
  std::optional<Timebank> FindTimebank(const std::string& tb) const;
  std::optional<Account> FindAccount(const std::string& tb,
                                     const std::string& account) const;
  // Calls `visit` for every account of the timebank as this draft leaves
  // it, in no particular order.
  void VisitAccounts(const std::string& tb,
                     const std::function<void(const Account&)>& visit) const;
  void PutTimebank(const Timebank& timebank);
  void PutAccount(const Account& account);
  // Whether the timebank refuses writes after a failed verification.
  bool WritesBlocked(const std::string& tb) const;

  // Appends an entry at the next seq of its timebank, chaining its hash.
  // Returns the entry as written.
  JournalEntry Append(JournalEntry entry);
  absl::StatusOr<std::optional<JournalEntry>> FindEntry(const std::string& tb,
                                                        Seq seq);
  // The record at `seq` with its current status.
  absl::StatusOr<std::optional<Exchange>> FindExchange(const std::string& tb,
                                                       Seq seq);
  void PutState(const std::string& tb, Seq seq, const ExchangeState& state);

  // What a request id made, within one caller scope and kind of write
  // (see Actor::request_scope and RequestKind).
  absl::StatusOr<std::optional<RequestRecord>> FindRequest(
      const std::string& tb, const std::string& scope, RequestKind kind,
      const std::string& request_id);
  void PutRequest(const std::string& tb, const std::string& scope,
                  RequestKind kind, const std::string& request_id,
                  const RequestRecord& record);

  // Read-modify-write of aggregates; absent keys read as zero.
  absl::StatusOr<MonthTotals> GetMonthTotals(const std::string& key);
  void PutMonthTotals(const std::string& key, const MonthTotals& totals);
  absl::StatusOr<AccountMonthTotals> GetAccountMonthTotals(
      const std::string& key);
  void PutAccountMonthTotals(const std::string& key,
                             const AccountMonthTotals& totals);
  absl::StatusOr<PairTotals> GetPairTotals(const std::string& key);
  void PutPairTotals(const std::string& key, const PairTotals& totals);

  // Raw reads and writes for records kept beside the journal (the
  // assessment's reflections, actions and thresholds).
  absl::StatusOr<std::optional<std::string>> ReadRaw(const std::string& key) {
    return Read(key);
  }
  void PutRaw(const std::string& key, std::string value) {
    puts_[key] = std::move(value);
  }

  // What the draft holds at one moment, to return to when a command that
  // applies whole or not at all fails part-way. Costs a copy of the draft.
  struct Mark {
    std::map<std::string, std::string> puts;
    std::map<std::string, Timebank> timebanks;
    std::map<std::pair<std::string, std::string>, Account> accounts;
    size_t entries = 0;
  };
  Mark MarkNow() const;
  void RollBackTo(Mark mark);

  // What the commit writes and publishes.
  const std::map<std::string, std::string>& puts() const { return puts_; }
  const std::map<std::string, Timebank>& timebanks() const {
    return timebanks_;
  }
  const std::map<std::pair<std::string, std::string>, Account>& accounts()
      const {
    return accounts_;
  }
  const std::vector<JournalEntry>& entries() const { return entries_; }

 private:
  absl::StatusOr<std::optional<std::string>> Read(const std::string& key);

  rocksdb::DB* db_;
  const Books* books_;
  int64_t now_us_;
  std::map<std::string, std::string> puts_;
  std::map<std::string, Timebank> timebanks_;
  std::map<std::pair<std::string, std::string>, Account> accounts_;
  std::vector<JournalEntry> entries_;
};

}  // namespace timebank::ledger

#endif  // TIMEBANK_LEDGER_DRAFT_H_
