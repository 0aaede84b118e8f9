// JournalFeed wakes WatchJournal streams when their timebank commits, and
// caps how many streams may be open. The writer only records the newest seq
// and signals; each stream reads entries from RocksDB itself at its own pace,
// so a slow or stuck reader never holds back a writer and never makes memory
// grow: nothing is queued per reader.
//
// Thread safety: all methods may be called from any thread.

#ifndef TIMEBANK_SERVICES_JOURNAL_FEED_H_
#define TIMEBANK_SERVICES_JOURNAL_FEED_H_

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/types.h"

namespace timebank::services {

class JournalFeed {
 public:
  struct Limits {
    int streams_max = 64;
    int streams_per_token_max = 8;
  };
  explicit JournalFeed(Limits limits) : limits_(limits) {}

  // Called by the ledger's writer after each durable commit.
  void OnCommit(const std::vector<ledger::JournalEntry>& entries);

  // Waits until the timebank's journal has an entry past `seq`, the timeout
  // passes, or the feed shuts down.
  void WaitPast(const std::string& timebank_id, ledger::Seq seq,
                std::chrono::milliseconds timeout);

  // Wakes and ends every stream.
  void Shutdown();
  bool shutting_down() const;
  // Streams holding a slot now.
  int open_streams() const;

  // A stream's place; released when destroyed.
  class Slot {
   public:
    Slot(JournalFeed* feed, std::string token_id)
        : feed_(feed), token_id_(std::move(token_id)) {}
    Slot(Slot&& other) noexcept
        : feed_(std::exchange(other.feed_, nullptr)),
          token_id_(std::move(other.token_id_)) {}
    Slot(const Slot&) = delete;
    ~Slot();

   private:
    JournalFeed* feed_;
    std::string token_id_;
  };
  // RESOURCE_EXHAUSTED when too many streams are open.
  absl::StatusOr<Slot> Acquire(const std::string& token_id);

 private:
  Limits limits_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, ledger::Seq> last_seq_;
  std::map<std::string, int> streams_by_token_;
  int streams_ = 0;
  bool shutting_down_ = false;
};

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_JOURNAL_FEED_H_
