// The timebank ledger: the books of many timebanks in one RocksDB database.
//
// Every change goes through the timebank's single writer (see sequencer.h),
// which validates it against in-memory state and commits it together with
// other queued changes in one synced RocksDB write (group commit). A method
// that changes something returns only after that write is on disk: an OK
// result is durable. Reads are served from memory (timebanks, accounts,
// balances) or from RocksDB (journal, aggregates) and never wait for writers.
//
// Thread safety: all methods may be called concurrently from any thread.
//
// Errors: absl::Status codes with a message that starts with the name of the
// offending field, e.g. "minutes: must be greater than 0".
//   kInvalidArgument    malformed input
//   kNotFound           unknown timebank, account or seq
//   kAlreadyExists      id taken, or request_id reused with other content
//   kFailedPrecondition a rule stops it (inactive account, floor, status)
//   kPermissionDenied   a member acting outside their own exchanges
//   kUnavailable        storage failed: nothing is visible, and reads go on;
//                       a write whose sync failed may still appear after a
//                       restart, so retry it with the same request_id
//   kDataLoss           a stored value is corrupt

#ifndef TIMEBANK_LEDGER_LEDGER_H_
#define TIMEBANK_LEDGER_LEDGER_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/assessment.h"
#include "ledger/backup.h"
#include "ledger/report.h"
#include "ledger/types.h"

namespace rocksdb {
class Env;
}

namespace timebank::ledger {

// What one group commit did, for metrics: how many commands it carried, how
// many journal entries it appended, and how long the synced write took.
struct CommitStats {
  size_t commands = 0;
  size_t entries = 0;
  int64_t write_us = 0;  // The RocksDB write with its WAL sync.
  bool ok = true;
};

// Called on the writer thread after every commit that wrote something, OK or
// failed. It must be quick and must not call back into the ledger.
using CommitObserver = std::function<void(const CommitStats& stats)>;

// RocksDB figures an operator watches; -1 where RocksDB could not say.
struct StorageProperties {
  int64_t pending_compaction_bytes = -1;  // Estimate of bytes to compact.
  int64_t running_compactions = -1;
  int64_t running_flushes = -1;
  int64_t write_stopped = -1;  // 1 while RocksDB stops writes.
  int64_t delayed_write_rate =
      -1;  // Bytes/s while writes are slowed; 0 if not.
  int64_t live_sst_bytes = -1;
  int64_t memtable_bytes = -1;
  int64_t estimated_keys = -1;
};

struct LedgerOptions {
  std::string data_dir;
  // Make a new, empty ledger when data_dir holds none. Off: such a directory
  // is FAILED_PRECONDITION naming data_dir, and nothing is created (for
  // tools that work on an existing ledger).
  bool create_if_missing = true;
  // Writer threads; each timebank is served by exactly one of them.
  int writer_threads = 1;
  // Most commands one group commit takes from the queue.
  int max_batch_commands = 4096;
  // Microseconds since epoch, UTC. Tests may substitute a fake clock.
  std::function<int64_t()> clock_us;
  // Largest RecordExchanges batch accepted.
  int max_bulk_items = 10000;
  // The file system RocksDB uses; null means the default. Tests substitute
  // one that injects faults (lost unsynced data, full disk, I/O errors).
  rocksdb::Env* env = nullptr;
  // Build every timebank's report figures (see report.h) on a background
  // thread right after opening, so the first report after a start does not
  // wait for its journal to be replayed. Off: built on first use.
  bool warm_report_figures = false;
  // Told about every commit; may be empty.
  CommitObserver commit_observer;
};

struct Page {
  int page_size = 100;     // 1..1000
  std::string page_token;  // Opaque; empty for the first page.
};

struct ExchangeFilter {
  std::string account_id;  // Empty: the whole timebank.
  std::string from_date;   // YYYY-MM-DD inclusive; empty: open.
  std::string to_date;     // YYYY-MM-DD inclusive; empty: open.
  // By the day the work was done, then seq: newest first unless this.
  bool oldest_first = false;
};

struct ReflectionInput {
  std::string request_id;
  Principle principle = Principle::kReciprocity;
  Perspective perspective = Perspective::kMember;
  int stage = 0;         // 1..4
  Rag rag = Rag::kNone;  // Optional: the person's own RED, AMBER or GREEN.
  std::string evidence;
  std::string author;        // Optional; how the person wants to be named.
  std::string reflected_on;  // YYYY-MM-DD; empty means today (UTC).
};

struct ReflectionFilter {
  std::optional<Principle> principle;
  std::optional<Perspective> perspective;
  std::string from_date;  // YYYY-MM-DD inclusive on reflected_on; empty: open.
  std::string to_date;
};

struct ActionInput {
  std::string request_id;
  std::optional<Principle> principle;  // None: the overall plan.
  std::string who;
  std::string what;
  std::string how;
  std::string due_on;  // YYYY-MM-DD, optional.
  ActionStatus status = ActionStatus::kPlanned;
};

struct ActionFilter {
  // Set: only the actions on this principle, or, when it holds nullopt, only
  // those of the overall plan. Unset: every action.
  std::optional<std::optional<Principle>> principle;
  std::vector<ActionStatus> statuses;  // Empty: any status.
};

// What AssessPrinciples returns: the report it read and the judgement.
struct AssessmentResult {
  ReciprocityReport report;
  std::vector<PrincipleAssessment> principles;
};

template <typename T>
struct PageOf {
  std::vector<T> items;
  std::string next_page_token;  // Empty on the last page.
};

// Every account's balance of one timebank, read at one journal position.
struct BalanceSnapshot {
  Seq as_of_seq = 0;
  std::vector<std::pair<std::string, int64_t>> balances_minutes;
};

// Called with the entries of each commit, in seq order, after they are
// durable. Runs on the writer thread: it must not block.
using CommitListener =
    std::function<void(const std::vector<JournalEntry>& entries)>;

class Ledger {
 public:
  static absl::StatusOr<std::unique_ptr<Ledger>> Open(LedgerOptions options);
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Timebanks.
  absl::StatusOr<Timebank> CreateTimebank(const std::string& timebank_id,
                                          const std::string& name,
                                          const TimebankSettings& settings);
  absl::StatusOr<Timebank> GetTimebank(const std::string& timebank_id) const;
  std::vector<Timebank> ListTimebanks() const;
  absl::StatusOr<Timebank> UpdateTimebankSettings(
      const std::string& timebank_id, const TimebankSettings& settings);

  // Accounts.
  absl::StatusOr<Account> OpenAccount(const std::string& timebank_id,
                                      const OpenAccountInput& input);
  absl::StatusOr<Account> GetAccount(const std::string& timebank_id,
                                     const std::string& account_id) const;
  // The name people know an account by, from memory; nullopt for an
  // account (or timebank) that does not exist.
  std::optional<std::string> DisplayNameOf(const std::string& timebank_id,
                                           const std::string& account_id) const;
  // Accounts in id order; with a `query`, only those whose id or display
  // name contains it, ignoring ASCII case.
  absl::StatusOr<PageOf<Account>> ListAccounts(
      const std::string& timebank_id, const Page& page,
      const std::string& query = "") const;
  absl::StatusOr<Account> UpdateAccount(const std::string& timebank_id,
                                        const UpdateAccountInput& input);
  // Replaces display name, skills and external reference with placeholders.
  // The journal is untouched.
  absl::StatusOr<Account> EraseAccount(const std::string& timebank_id,
                                       const std::string& account_id);

  // Exchanges. A coordinator's record is CONFIRMED at once; a member's is
  // PENDING until the other party or a coordinator confirms it.
  absl::StatusOr<Exchange> RecordExchange(const std::string& timebank_id,
                                          const Actor& actor,
                                          const RecordExchangeInput& input);
  // One result per input, in order; all go through the same group commit.
  absl::StatusOr<std::vector<absl::StatusOr<Exchange>>> RecordExchanges(
      const std::string& timebank_id, const Actor& actor,
      const std::vector<RecordExchangeInput>& inputs, BulkOptions options = {});
  absl::StatusOr<Exchange> ConfirmExchange(const std::string& timebank_id,
                                           const Actor& actor, Seq seq,
                                           const std::string& request_id);
  absl::StatusOr<Exchange> RejectExchange(const std::string& timebank_id,
                                          const Actor& actor, Seq seq,
                                          const std::string& request_id,
                                          const std::string& reason);
  absl::StatusOr<Exchange> ReverseExchange(const std::string& timebank_id,
                                           const Actor& actor, Seq seq,
                                           const std::string& request_id,
                                           const std::string& reason);
  // The exchange recorded at `seq`, or the one the confirm, reject or
  // reversal entry at `seq` acted on, as `reader` may see it: a member sees
  // only exchanges they took part in (kPermissionDenied naming seq for any
  // other), a coordinator every exchange. A closed exchange carries when, by
  // whom and why it was closed.
  absl::StatusOr<Exchange> GetExchange(const std::string& timebank_id,
                                       const Actor& reader, Seq seq) const;
  absl::StatusOr<PageOf<Exchange>> ListExchanges(const std::string& timebank_id,
                                                 const ExchangeFilter& filter,
                                                 const Page& page) const;

  // Balances.
  absl::StatusOr<AccountTotals> GetBalance(const std::string& timebank_id,
                                           const std::string& account_id) const;
  absl::StatusOr<BalanceSnapshot> SnapshotBalances(
      const std::string& timebank_id) const;

  // Journal. Reads up to `limit` entries with seq >= from_seq.
  absl::StatusOr<std::vector<JournalEntry>> ReadJournal(
      const std::string& timebank_id, Seq from_seq, int limit) const;
  // Registers a listener for every commit of every timebank. The returned
  // id removes it.
  int AddCommitListener(CommitListener listener);
  void RemoveCommitListener(int id);

  // Recomputes the hash chain, statuses, every account's totals and every
  // aggregate from the journal and reports the first discrepancy. A failed
  // verification also stops writes to the timebank (kFailedPrecondition),
  // and records that on disk, so reopening the database does not lift the
  // stop: only restoring the directory from a backup taken before does.
  absl::StatusOr<VerifyReport> Verify(const std::string& timebank_id);

  // Aggregates for reports. Months are YYYYMM, inclusive.
  absl::StatusOr<std::vector<std::pair<YearMonth, MonthTotals>>> TimebankMonths(
      const std::string& timebank_id, YearMonth from, YearMonth to) const;
  absl::StatusOr<std::vector<std::pair<YearMonth, AccountMonthTotals>>>
  AccountMonths(const std::string& timebank_id, const std::string& account_id,
                YearMonth from, YearMonth to) const;

  // The reciprocity report over [from_date, to_date] (YYYY-MM-DD, widened
  // to whole months), read from the aggregates. See report.h.
  absl::StatusOr<ReciprocityReport> GetReciprocityReport(
      const std::string& timebank_id, const std::string& from_date,
      const std::string& to_date, Granularity granularity,
      int top_categories) const;

  // The assessment's records, kept append-only beside the journal and
  // written through the timebank's writer like everything else.
  absl::StatusOr<Reflection> SubmitReflection(const std::string& timebank_id,
                                              const Actor& actor,
                                              const ReflectionInput& input);
  absl::StatusOr<PageOf<Reflection>> ListReflections(
      const std::string& timebank_id, const ReflectionFilter& filter,
      const Page& page) const;
  absl::StatusOr<Action> AddAction(const std::string& timebank_id,
                                   const Actor& actor,
                                   const ActionInput& input);
  absl::StatusOr<Action> UpdateAction(const std::string& timebank_id,
                                      const Actor& actor,
                                      const ActionUpdate& update);
  // The latest version of each action `filter` lets through, in id order.
  absl::StatusOr<PageOf<Action>> ListActions(const std::string& timebank_id,
                                             const ActionFilter& filter,
                                             const Page& page) const;
  absl::StatusOr<ThresholdOverrides> GetThresholds(
      const std::string& timebank_id) const;
  // Applies changes (a value sets, nullopt restores the default) and returns
  // the overrides in force.
  absl::StatusOr<ThresholdOverrides> SetThresholds(
      const std::string& timebank_id,
      const std::map<std::string, std::optional<double>>& changes);
  // Assesses the four principles over [from_date, to_date] (widened to whole
  // months) from the reciprocity report and the reflections in the range.
  absl::StatusOr<AssessmentResult> AssessPrinciples(
      const std::string& timebank_id, const std::string& from_date,
      const std::string& to_date) const;

  // Durable storage for the access layer's records (see access.h), kept in
  // the same database so one backup holds everything.
  absl::Status StoreAccessRecord(const std::string& id,
                                 const std::string& bytes);
  absl::StatusOr<std::vector<std::string>> LoadAccessRecords() const;

  // Now on the ledger's clock (LedgerOptions::clock_us), in microseconds
  // since the epoch, UTC. Whatever judges time against the ledger's records,
  // such as a token's expiry, reads this clock, so a test that moves it moves
  // every judgement together.
  int64_t NowUs() const;

  // OK while writes go through; kUnavailable, with RocksDB's reason, after a
  // write failed (a full disk, an I/O error) until a later write or
  // CheckStorage gets RocksDB going again. Reads keep working meanwhile.
  absl::Status StorageStatus() const;
  // As StorageStatus, but first asks RocksDB to resume when a write had
  // failed, so the ledger recovers once the disk does even when no writes
  // come (a load balancer sends none to an instance that reports itself
  // unhealthy).
  absl::Status CheckStorage();
  StorageProperties GetStorageProperties() const;

  // Takes an online backup into `options.backup_dir` (see backup.h) while
  // writers go on: one consistent point of the journal, since every commit
  // is a single WriteBatch. Checks the backup before returning it. One
  // backup runs at a time; another caller gets kFailedPrecondition.
  absl::StatusOr<BackupInfo> CreateBackup(const BackupOptions& options);

  // Compacts the whole database (flushes memtables, rewrites every level).
  // Slow on a large ledger; for operators and benchmarks, not the hot path.
  absl::Status Compact();

  // Flushes and closes; pending commands fail with kUnavailable.
  void Close();

 private:
  class Impl;
  explicit Ledger(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace timebank::ledger

#endif  // TIMEBANK_LEDGER_LEDGER_H_
