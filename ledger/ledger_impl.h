// Ledger::Impl, shared by the files that implement the Ledger facade
// (ledger.cc, plan.cc). Not part of the public API.
//
// Thread safety: as Ledger.

#ifndef TIMEBANK_LEDGER_LEDGER_IMPL_H_
#define TIMEBANK_LEDGER_LEDGER_IMPL_H_

#include <rocksdb/db.h>
#include <rocksdb/transaction_log.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>

#include "ledger/books.h"
#include "ledger/clock.h"
#include "ledger/codec.h"
#include "ledger/draft.h"
#include "ledger/exchange_dates.h"
#include "ledger/ledger.h"
#include "ledger/report.h"
#include "ledger/rocks_status.h"
#include "ledger/rules.h"
#include "ledger/scan.h"
#include "ledger/sequencer.h"
#include "ledger/validation.h"

namespace timebank::ledger {
namespace internal {

using ::timebank::ledger::SystemClockUs;

}  // namespace internal

class Ledger::Impl {
 public:
  Impl(LedgerOptions options, std::unique_ptr<rocksdb::DB> db)
      : options_(std::move(options)), db_(std::move(db)) {
    if (!options_.clock_us) options_.clock_us = internal::SystemClockUs;
    sequencer_ = std::make_unique<Sequencer>(
        Sequencer::Options{.writer_threads = options_.writer_threads,
                           .max_batch_items = static_cast<size_t>(
                               options_.max_batch_commands)},
        [this] {
          return std::make_unique<Draft>(db_.get(), &books_,
                                         options_.clock_us());
        },
        [this](Draft& draft, size_t commands) {
          return Commit(draft, commands);
        });
  }

  ~Impl() { Close(); }

  void Close() {
    std::call_once(closed_, [this] {
      closing_ = true;
      if (warmer_.joinable()) warmer_.join();
      sequencer_->Stop();
      // A backup reads the database to the end; let it finish first.
      std::lock_guard backup(backup_mu_);
      // Flushing the memtables on a clean stop means the next start reads
      // sorted tables instead of replaying the whole write-ahead log.
      rocksdb::FlushOptions flush;
      flush.wait = true;
      db_->Flush(flush);
      // No SyncWAL here: every commit is already synced, and after a failed
      // write RocksDB 7.8 asserts inside SyncWAL instead of returning.
      db_->Close();
    });
  }

  absl::Status Load() {
    std::vector<Timebank> timebanks;
    absl::Status decode_error;
    absl::Status s = ScanPrefix(db_.get(), nullptr, TimebankPrefix(), "",
                                [&](std::string_view, std::string_view value) {
                                  absl::StatusOr<Timebank> timebank =
                                      DecodeTimebank(value);
                                  if (!timebank.ok()) {
                                    decode_error = timebank.status();
                                    return false;
                                  }
                                  timebanks.push_back(*std::move(timebank));
                                  return true;
                                });
    if (!s.ok()) return s;
    if (!decode_error.ok()) return decode_error;
    std::map<std::string, Timebank> by_id;
    std::map<std::pair<std::string, std::string>, Account> accounts;
    for (Timebank& timebank : timebanks) {
      s = ScanPrefix(db_.get(), nullptr, AccountPrefix(timebank.id), "",
                     [&](std::string_view, std::string_view value) {
                       absl::StatusOr<Account> account = DecodeAccount(value);
                       if (!account.ok()) {
                         decode_error = account.status();
                         return false;
                       }
                       accounts[{account->timebank_id, account->id}] = *account;
                       return true;
                     });
      if (!s.ok()) return s;
      if (!decode_error.ok()) return decode_error;
      by_id[timebank.id] = std::move(timebank);
    }
    books_.Publish(by_id, accounts);
    for (const auto& [id, timebank] : by_id) {
      std::string first_bad_seq;
      const rocksdb::Status found =
          db_->Get(rocksdb::ReadOptions(), VerifyFailedKey(id), &first_bad_seq);
      if (found.ok()) {
        books_.BlockWrites(id);
      } else if (!found.IsNotFound()) {
        return internal::FromRocks(found, "read");
      }
    }
    return absl::OkStatus();
  }

  // Queues `apply` on the timebank's writer and waits for the durable result.
  // Every write to a timebank comes through here, so here is its one guard:
  // a timebank whose journal failed verification takes no write of any kind.
  template <typename T>
  absl::StatusOr<T> Run(const std::string& tb,
                        std::function<absl::StatusOr<T>(Draft&)> apply,
                        size_t items = 1) {
    struct Shared {
      std::optional<absl::StatusOr<T>> result;
      std::promise<absl::StatusOr<T>> promise;
    };
    auto shared = std::make_shared<Shared>();
    std::future<absl::StatusOr<T>> future = shared->promise.get_future();
    sequencer_->Submit(
        Command{.timebank_id = tb,
                .apply =
                    [shared, &tb, apply = std::move(apply)](Draft& draft) {
                      if (absl::Status allowed = CheckWritesAllowed(draft, tb);
                          !allowed.ok()) {
                        shared->result = allowed;
                        return;
                      }
                      shared->result = apply(draft);
                    },
                .done =
                    [shared](const absl::Status& commit) {
                      if (!shared->result.has_value() ||
                          (shared->result->ok() && !commit.ok())) {
                        shared->promise.set_value(
                            commit.ok() ? absl::InternalError("command not run")
                                        : commit);
                      } else {
                        shared->promise.set_value(std::move(*shared->result));
                      }
                    },
                .items = items});
    return future.get();
  }

  // What a write would do: `apply` on a draft of its own over what is
  // committed, behind the same guard as Run, never written.
  template <typename T>
  absl::StatusOr<T> DryRun(
      const std::string& tb,
      const std::function<absl::StatusOr<T>(Draft&)>& apply) const {
    Draft draft = Reader();
    if (absl::Status allowed = CheckWritesAllowed(draft, tb); !allowed.ok()) {
      return allowed;
    }
    return apply(draft);
  }

  absl::Status Commit(Draft& draft, size_t commands) {
    if (draft.puts().empty()) return absl::OkStatus();
    // After a failed write RocksDB refuses every write until resumed; try
    // once per commit, so the ledger recovers by itself when the disk does
    // (space freed, device back). Nothing failed is ever half written: a
    // WriteBatch is all or nothing.
    if (write_failed_) {
      if (absl::Status s = Resume(); !s.ok()) {
        Observe({.commands = commands, .ok = false});
        return s;
      }
    }
    rocksdb::WriteBatch batch;
    for (const auto& [key, value] : draft.puts()) {
      rocksdb::Status s = batch.Put(key, value);
      if (!s.ok()) return internal::FromRocks(s, "batch");
    }
    rocksdb::WriteOptions write_options;
    write_options.sync = true;
    const int64_t write_started_us = internal::SystemClockUs();
    absl::Status written =
        internal::FromRocks(db_->Write(write_options, &batch), "write");
    const int64_t write_us = internal::SystemClockUs() - write_started_us;
    if (!written.ok()) {
      MarkWriteFailed(written);
      Observe({.commands = commands, .write_us = write_us, .ok = false});
      return written;
    }
    {
      // Books and report figures change together, so a report build sees
      // each commit either in the journal it replays or as pending.
      std::lock_guard lock(reports_mu_);
      books_.Publish(draft.timebanks(), draft.accounts());
      for (const JournalEntry& entry : draft.entries()) {
        auto slot = reports_.find(entry.timebank_id);
        if (slot == reports_.end()) continue;
        if (!slot->second.ready) {
          slot->second.pending.push_back(entry);
          continue;
        }
        std::unique_lock figures_lock(slot->second.figures->mu);
        slot->second.figures->Apply(entry);
      }
    }
    if (!draft.entries().empty()) {
      std::lock_guard lock(listeners_mu_);
      for (const auto& [id, listener] : listeners_) listener(draft.entries());
    }
    Observe({.commands = commands,
             .entries = draft.entries().size(),
             .write_us = write_us});
    return absl::OkStatus();
  }

  // What a timebank's journal adds up to in memory: its report figures
  // and its exchanges in date order. One replay builds both.
  struct GuardedFigures {
    std::shared_mutex mu;  // Shared while a reader reads, unique to apply.
    ReportFigures figures;
    ExchangeDates dates;

    void Apply(const JournalEntry& entry) {
      figures.ApplyEntry(entry);
      dates.ApplyEntry(entry);
    }
  };
  struct ReportSlot {
    bool ready = false;
    std::shared_ptr<GuardedFigures> figures;
    std::vector<JournalEntry> pending;  // Committed while being built.
  };

  // A timebank's figures, built by replaying its journal on first use (or
  // by the warmer at open) and kept current by every commit after that.
  absl::StatusOr<std::shared_ptr<GuardedFigures>> FiguresFor(
      const std::string& tb) {
    std::shared_ptr<GuardedFigures> fresh;
    Seq head = 0;
    {
      std::unique_lock lock(reports_mu_);
      for (auto slot = reports_.find(tb); slot != reports_.end();
           slot = reports_.find(tb)) {
        if (slot->second.ready) return slot->second.figures;
        reports_built_.wait(lock);  // Another caller is building them.
      }
      fresh = std::make_shared<GuardedFigures>();
      reports_[tb].figures = fresh;
      std::optional<Timebank> timebank = books_.FindTimebank(tb);
      head = timebank ? timebank->last_seq : 0;
    }
    // Entries up to `head` are committed and never change: no lock needed.
    absl::Status decode_error;
    absl::Status s = ScanPrefix(
        db_.get(), nullptr, JournalPrefix(tb), "",
        [&](std::string_view rest, std::string_view value) {
          if (DecodeBigEndian64(rest) > head) return false;
          if (closing_) {
            decode_error = absl::UnavailableError("ledger: shutting down");
            return false;
          }
          absl::StatusOr<JournalEntry> entry = DecodeEntry(tb, value);
          if (!entry.ok()) {
            decode_error = entry.status();
            return false;
          }
          fresh->Apply(*entry);
          return true;
        },
        /*bulk=*/true);
    if (s.ok()) s = decode_error;
    std::lock_guard lock(reports_mu_);
    ReportSlot& slot = reports_[tb];
    if (s.ok()) {
      for (const JournalEntry& entry : slot.pending) fresh->Apply(entry);
      slot.pending.clear();
      slot.ready = true;
    } else {
      reports_.erase(tb);
    }
    reports_built_.notify_all();
    if (!s.ok()) return s;
    return fresh;
  }

  // Builds the report figures of every timebank on a background thread;
  // Close stops it.
  void StartWarming() {
    warmer_ = std::thread([this] {
      for (const Timebank& timebank : books_.AllTimebanks()) {
        if (closing_) return;
        // A failure leaves that timebank to be built on first use.
        (void)FiguresFor(timebank.id);
      }
    });
  }

  // The number of the write-ahead log file RocksDB writes to now, 0 if it
  // cannot say.
  uint64_t CurrentWalNumber() const {
    std::unique_ptr<rocksdb::LogFile> wal;
    if (!db_->GetCurrentWalFile(&wal).ok() || wal == nullptr) return 0;
    return wal->LogNumber();
  }

  void Observe(const CommitStats& stats) const {
    if (options_.commit_observer) options_.commit_observer(stats);
  }

  void MarkWriteFailed(const absl::Status& status) {
    std::lock_guard lock(storage_mu_);
    storage_status_ = status;
    failed_wal_number_ = CurrentWalNumber();
    write_failed_ = true;
  }

  // Asks RocksDB to take writes again after a failed one.
  absl::Status Resume() {
    absl::Status s = internal::FromRocks(db_->Resume(), "resume");
    // RocksDB 7.8 may resume without replacing a write-ahead log writer
    // that failed (when there was no memtable to flush), and the next write
    // to that writer aborts the process. Only a new log is safe.
    if (s.ok() && CurrentWalNumber() == failed_wal_number_) {
      s = absl::UnavailableError(
          "storage: the write-ahead log failed and cannot be resumed; "
          "restart the server to recover");
    }
    std::lock_guard lock(storage_mu_);
    if (!s.ok()) {
      storage_status_ = s;
      return s;
    }
    storage_status_ = absl::OkStatus();
    write_failed_ = false;
    return s;
  }

  absl::Status StorageStatus() const {
    std::lock_guard lock(storage_mu_);
    return storage_status_;
  }

  // A Draft used only to read committed state through the same code as the
  // writer.
  Draft Reader() const {
    return Draft(db_.get(), &books_, options_.clock_us());
  }

  absl::StatusOr<Timebank> KnownTimebank(const std::string& tb) const {
    if (absl::Status s = CheckTimebankId("timebank_id", tb); !s.ok()) return s;
    std::optional<Timebank> timebank = books_.FindTimebank(tb);
    if (!timebank) return FieldNotFound("timebank_id", "no such timebank");
    return *timebank;
  }

  LedgerOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  Books books_;
  std::unique_ptr<Sequencer> sequencer_;
  std::atomic<bool> closing_{false};
  std::thread warmer_;
  std::mutex reports_mu_;
  std::condition_variable reports_built_;
  std::map<std::string, ReportSlot> reports_;
  std::mutex listeners_mu_;
  std::map<int, CommitListener> listeners_;
  int next_listener_id_ = 1;
  std::once_flag closed_;
  // Set by any writer thread whose write failed; the next commit (or
  // CheckStorage) resumes.
  std::atomic<bool> write_failed_{false};
  // The log that was current when a write failed (see Commit).
  std::atomic<uint64_t> failed_wal_number_{0};
  mutable std::mutex storage_mu_;
  absl::Status storage_status_;  // Why writes fail; OK while they work.
  // Held while a backup runs: one at a time.
  std::mutex backup_mu_;
};

}  // namespace timebank::ledger

#endif  // TIMEBANK_LEDGER_LEDGER_IMPL_H_
