#include "ledger/ledger.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/books.h"
#include "ledger/civil_date.h"
#include "ledger/codec.h"
#include "ledger/draft.h"
#include "ledger/exchange_dates.h"
#include "ledger/format_migration.h"
#include "ledger/ledger_impl.h"
#include "ledger/rules.h"
#include "ledger/scan.h"
#include "ledger/sequencer.h"
#include "ledger/status_macros.h"
#include "ledger/validation.h"
#include "ledger/verify.h"

namespace timebank::ledger {
namespace {

absl::StatusOr<std::optional<int32_t>> OptionalDate(std::string_view field,
                                                    const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::optional<int32_t> day = ParseDate(text);
  if (!day) return FieldInvalid(field, "must be a real date as YYYY-MM-DD");
  return day;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Ledger>> Ledger::Open(LedgerOptions options) {
  if (options.data_dir.empty()) return FieldInvalid("data_dir", "is required");
  std::error_code error;
  if (!options.create_if_missing) {
    // RocksDB's CURRENT names the live manifest: every database has one.
    if (!std::filesystem::exists(
            std::filesystem::path(options.data_dir) / "CURRENT", error)) {
      return FieldPrecondition(
          "data_dir",
          absl::StrCat(options.data_dir, " holds no timebank ledger"));
    }
  }
  std::filesystem::create_directories(options.data_dir, error);
  if (error) {
    return FieldInvalid("data_dir",
                        absl::StrCat("cannot create ", options.data_dir, ": ",
                                     error.message()));
  }
  rocksdb::Options db_options;
  db_options.create_if_missing = options.create_if_missing;
  if (options.env != nullptr) db_options.env = options.env;
  db_options.max_background_jobs = 2;
  // A bloom filter over the memtable's keys: most lookups of a commit are
  // for keys not written lately (a new request id, a pair's first month),
  // and the filter answers those without searching the skip list.
  db_options.memtable_whole_key_filtering = true;
  db_options.memtable_prefix_bloom_size_ratio = 0.05;
  rocksdb::BlockBasedTableOptions table_options;
  table_options.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  db_options.table_factory.reset(
      rocksdb::NewBlockBasedTableFactory(table_options));
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, options.data_dir, &raw);
  if (!s.ok()) {
    // RocksDB names its LOCK file when another process (or this one) holds
    // the directory.
    if (s.IsIOError() && s.ToString().find("/LOCK: ") != std::string::npos) {
      return FieldPrecondition(
          "data_dir",
          absl::StrCat(options.data_dir, " is in use by another process"));
    }
    return internal::FromRocks(s, "open");
  }
  std::unique_ptr<rocksdb::DB> db(raw);

  std::string format;
  s = db->Get(rocksdb::ReadOptions(), std::string(kFormatKey), &format);
  if (s.IsNotFound()) {
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions()));
    it->SeekToFirst();
    if (it->Valid() || !options.create_if_missing) {
      return FieldPrecondition(
          "data_dir", "holds a database that is not a timebank ledger");
    }
    rocksdb::WriteOptions sync;
    sync.sync = true;
    if (absl::Status w = internal::FromRocks(
            db->Put(sync, std::string(kFormatKey), std::string(kFormatVersion)),
            "write");
        !w.ok()) {
      return w;
    }
  } else if (!s.ok()) {
    return internal::FromRocks(s, "read");
  } else if (format != kFormatVersion) {
    // An older directory is brought along, crash-safely, before it loads.
    if (absl::Status migrated = MigrateFormat(db.get(), format).status();
        !migrated.ok()) {
      return migrated;
    }
  }

  auto impl = std::make_unique<Impl>(std::move(options), std::move(db));
  if (absl::Status loaded = impl->Load(); !loaded.ok()) return loaded;
  if (impl->options_.warm_report_figures) impl->StartWarming();
  return std::unique_ptr<Ledger>(new Ledger(std::move(impl)));
}

Ledger::Ledger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Ledger::~Ledger() = default;
void Ledger::Close() { impl_->Close(); }

absl::StatusOr<Timebank> Ledger::CreateTimebank(
    const std::string& timebank_id, const std::string& name,
    const TimebankSettings& settings) {
  return impl_->Run<Timebank>(timebank_id, [&](Draft& draft) {
    return ApplyCreateTimebank(draft, timebank_id, name, settings);
  });
}

absl::StatusOr<Timebank> Ledger::GetTimebank(
    const std::string& timebank_id) const {
  return impl_->KnownTimebank(timebank_id);
}

std::vector<Timebank> Ledger::ListTimebanks() const {
  return impl_->books_.AllTimebanks();
}

absl::StatusOr<Timebank> Ledger::UpdateTimebankSettings(
    const std::string& timebank_id, const TimebankSettings& settings) {
  return impl_->Run<Timebank>(timebank_id, [&](Draft& draft) {
    return ApplyUpdateSettings(draft, timebank_id, settings);
  });
}

absl::StatusOr<Account> Ledger::OpenAccount(const std::string& timebank_id,
                                            const OpenAccountInput& input) {
  // Enum ranges first, before the writer is asked, whatever else is wrong:
  // a number no value has is malformed whatever the books hold.
  RETURN_IF_ERROR(CheckAccountKind(input.kind));
  const auto apply = [&](Draft& draft) {
    return ApplyOpenAccount(draft, timebank_id, input);
  };
  if (input.validate_only) return impl_->DryRun<Account>(timebank_id, apply);
  return impl_->Run<Account>(timebank_id, apply);
}

absl::StatusOr<Account> Ledger::GetAccount(
    const std::string& timebank_id, const std::string& account_id) const {
  if (absl::StatusOr<Timebank> t = impl_->KnownTimebank(timebank_id); !t.ok()) {
    return t.status();
  }
  if (absl::Status s = CheckAccountId("account_id", account_id); !s.ok())
    return s;
  std::optional<Account> account =
      impl_->books_.FindAccount(timebank_id, account_id);
  if (!account)
    return FieldNotFound("account_id", "no such account in this timebank");
  return *account;
}

std::optional<std::string> Ledger::DisplayNameOf(
    const std::string& timebank_id, const std::string& account_id) const {
  return impl_->books_.DisplayNameOf(timebank_id, account_id);
}

absl::StatusOr<PageOf<Account>> Ledger::ListAccounts(
    const std::string& timebank_id, const Page& page,
    const std::string& query) const {
  if (absl::StatusOr<Timebank> t = impl_->KnownTimebank(timebank_id); !t.ok()) {
    return t.status();
  }
  absl::StatusOr<int> page_size = CheckPageSize(page.page_size);
  if (!page_size.ok()) return page_size.status();
  if (!page.page_token.empty()) {
    if (absl::Status s = CheckAccountId("page_token", page.page_token);
        !s.ok()) {
      return s;
    }
  }
  RETURN_IF_ERROR(
      CheckText("query", query, kAccountQueryMaxLength, TextRule::kOptional));
  const std::string folded = absl::AsciiStrToLower(query);
  auto matches = [&](const Account& account) {
    return absl::StrContains(absl::AsciiStrToLower(account.id), folded) ||
           absl::StrContains(absl::AsciiStrToLower(account.display_name),
                             folded);
  };
  PageOf<Account> out;
  out.items = impl_->books_.AccountsAfter(
      timebank_id, page.page_token, static_cast<size_t>(*page_size) + 1,
      query.empty() ? std::function<bool(const Account&)>() : matches);
  if (static_cast<int>(out.items.size()) > *page_size) {
    out.items.pop_back();
    out.next_page_token = out.items.back().id;
  }
  return out;
}

absl::StatusOr<Account> Ledger::UpdateAccount(const std::string& timebank_id,
                                              const UpdateAccountInput& input) {
  if (input.status) RETURN_IF_ERROR(CheckAccountStatus(*input.status));
  return impl_->Run<Account>(timebank_id, [&](Draft& draft) {
    return ApplyUpdateAccount(draft, timebank_id, input);
  });
}

absl::StatusOr<Account> Ledger::EraseAccount(const std::string& timebank_id,
                                             const std::string& account_id) {
  return impl_->Run<Account>(timebank_id, [&](Draft& draft) {
    return ApplyEraseAccount(draft, timebank_id, account_id);
  });
}

absl::StatusOr<Exchange> Ledger::RecordExchange(
    const std::string& timebank_id, const Actor& actor,
    const RecordExchangeInput& input) {
  return impl_->Run<Exchange>(timebank_id, [&](Draft& draft) {
    return ApplyRecord(draft, timebank_id, actor, input);
  });
}

absl::StatusOr<std::vector<absl::StatusOr<Exchange>>> Ledger::RecordExchanges(
    const std::string& timebank_id, const Actor& actor,
    const std::vector<RecordExchangeInput>& inputs, BulkOptions options) {
  using Results = std::vector<absl::StatusOr<Exchange>>;
  if (absl::StatusOr<Timebank> t = impl_->KnownTimebank(timebank_id); !t.ok()) {
    return t.status();
  }
  if (inputs.empty()) return FieldInvalid("items", "must not be empty");
  if (static_cast<int>(inputs.size()) > impl_->options_.max_bulk_items) {
    return FieldInvalid(
        "items",
        absl::StrCat("at most ", impl_->options_.max_bulk_items, " per call"));
  }
  // Applies every item; all or nothing, returns whether all passed.
  auto apply_all = [&](Draft& draft, Results* results) {
    results->reserve(inputs.size());
    for (const RecordExchangeInput& input : inputs) {
      results->push_back(ApplyRecord(draft, timebank_id, actor, input));
    }
    if (!options.all_or_nothing) return true;
    auto failed = std::find_if(results->begin(), results->end(),
                               [](const auto& r) { return !r.ok(); });
    if (failed == results->end()) return true;
    const size_t index = static_cast<size_t>(failed - results->begin());
    const absl::Status aborted = absl::AbortedError(absl::StrCat(
        "not recorded: item ", index, " (request_id '",
        inputs[index].request_id, "') failed and the call was all or nothing"));
    for (absl::StatusOr<Exchange>& result : *results) {
      // An item an earlier call recorded stays recorded.
      if (result.ok() && !result->replayed) result = aborted;
    }
    return false;
  };
  if (options.validate_only) {
    return impl_->DryRun<Results>(timebank_id,
                                  [&](Draft& draft) -> absl::StatusOr<Results> {
                                    Results results;
                                    apply_all(draft, &results);
                                    return results;
                                  });
  }
  return impl_->Run<Results>(
      timebank_id,
      [&](Draft& draft) -> absl::StatusOr<Results> {
        Results results;
        if (!options.all_or_nothing) {
          apply_all(draft, &results);
          return results;
        }
        Draft::Mark before = draft.MarkNow();
        // Other commands of this group commit keep what they wrote.
        if (!apply_all(draft, &results)) draft.RollBackTo(std::move(before));
        return results;
      },
      inputs.size());
}

absl::StatusOr<Exchange> Ledger::ConfirmExchange(
    const std::string& timebank_id, const Actor& actor, Seq seq,
    const std::string& request_id) {
  return impl_->Run<Exchange>(timebank_id, [&](Draft& draft) {
    return ApplyClose(draft, timebank_id, actor, EntryKind::kConfirm, seq,
                      request_id, "");
  });
}

absl::StatusOr<Exchange> Ledger::RejectExchange(const std::string& timebank_id,
                                                const Actor& actor, Seq seq,
                                                const std::string& request_id,
                                                const std::string& reason) {
  return impl_->Run<Exchange>(timebank_id, [&](Draft& draft) {
    return ApplyClose(draft, timebank_id, actor, EntryKind::kReject, seq,
                      request_id, reason);
  });
}

absl::StatusOr<Exchange> Ledger::ReverseExchange(const std::string& timebank_id,
                                                 const Actor& actor, Seq seq,
                                                 const std::string& request_id,
                                                 const std::string& reason) {
  return impl_->Run<Exchange>(timebank_id, [&](Draft& draft) {
    return ApplyClose(draft, timebank_id, actor, EntryKind::kReverse, seq,
                      request_id, reason);
  });
}

absl::StatusOr<Exchange> Ledger::GetExchange(const std::string& timebank_id,
                                             const Actor& reader,
                                             Seq seq) const {
  if (absl::StatusOr<Timebank> t = impl_->KnownTimebank(timebank_id); !t.ok()) {
    return t.status();
  }
  if (seq == 0) return FieldInvalid("seq", "must be 1 or more");
  Draft committed = impl_->Reader();
  absl::StatusOr<std::optional<JournalEntry>> entry =
      committed.FindEntry(timebank_id, seq);
  if (!entry.ok()) return entry.status();
  if (!entry->has_value()) {
    return FieldNotFound("seq", "no exchange or journal entry with this seq");
  }
  // The seq of a confirm, reject or reversal finds the exchange it acted on.
  const Seq record_seq =
      (*entry)->kind == EntryKind::kRecord ? seq : (*entry)->target_seq;
  absl::StatusOr<std::optional<Exchange>> exchange =
      committed.FindExchange(timebank_id, record_seq);
  if (!exchange.ok()) return exchange.status();
  if (!exchange->has_value()) {
    return absl::DataLossError(
        absl::StrCat("seq: entry ", seq, " acts on no recorded exchange"));
  }
  const JournalEntry& record = (*exchange)->record;
  if (reader.kind == Actor::Kind::kMember &&
      record.giver_id != reader.account_id &&
      record.receiver_id != reader.account_id) {
    return absl::PermissionDeniedError(
        "seq: a MEMBER token sees only exchanges it took part in");
  }
  if (const Seq closed = (*exchange)->closed_by_seq; closed != 0) {
    absl::StatusOr<std::optional<JournalEntry>> closing =
        closed == seq ? *std::move(entry)
                      : committed.FindEntry(timebank_id, closed);
    if (!closing.ok()) return closing.status();
    if (closing->has_value()) {
      (*exchange)->closed_at_us = (*closing)->recorded_at_us;
      (*exchange)->closed_by = (*closing)->recorded_by;
      (*exchange)->close_note = (*closing)->note;
    }
  }
  return **exchange;
}

absl::StatusOr<PageOf<Exchange>> Ledger::ListExchanges(
    const std::string& timebank_id, const ExchangeFilter& filter,
    const Page& page) const {
  const std::string& tb = timebank_id;
  if (absl::StatusOr<Timebank> t = impl_->KnownTimebank(tb); !t.ok())
    return t.status();
  ASSIGN_OR_RETURN(const int page_size, CheckPageSize(page.page_size));
  DatedQuery query{.account_id = filter.account_id,
                   .oldest_first = filter.oldest_first,
                   .limit = static_cast<size_t>(page_size)};
  if (!page.page_token.empty()) {
    ASSIGN_OR_RETURN(query.start, ParseDatedSeqToken(page.page_token));
  }
  ASSIGN_OR_RETURN(query.from_day, OptionalDate("from_date", filter.from_date));
  ASSIGN_OR_RETURN(query.to_day, OptionalDate("to_date", filter.to_date));
  if (query.from_day && query.to_day && *query.from_day > *query.to_day) {
    return FieldInvalid("to_date", "must not be before from_date");
  }
  if (!filter.account_id.empty()) {
    RETURN_IF_ERROR(CheckAccountId("account_id", filter.account_id));
    if (!impl_->books_.FindAccount(tb, filter.account_id)) {
      return FieldNotFound("account_id", "no such account in this timebank");
    }
  }
  ASSIGN_OR_RETURN(std::shared_ptr<Impl::GuardedFigures> figures,
                   impl_->FiguresFor(tb));
  DatedPage places;
  {
    std::shared_lock lock(figures->mu);
    places = figures->dates.Find(query);
  }
  // Every place is a committed record entry, so each read finds it.
  Draft reader = impl_->Reader();
  PageOf<Exchange> out;
  out.items.reserve(places.items.size());
  for (const DatedSeq& place : places.items) {
    ASSIGN_OR_RETURN(std::optional<Exchange> exchange,
                     reader.FindExchange(tb, place.seq));
    if (!exchange) {
      return absl::DataLossError(
          absl::StrCat("ledger: no record entry at seq ", place.seq));
    }
    out.items.push_back(*std::move(exchange));
  }
  if (places.next) out.next_page_token = DatedSeqToken(*places.next);
  return out;
}

absl::StatusOr<AccountTotals> Ledger::GetBalance(
    const std::string& timebank_id, const std::string& account_id) const {
  absl::StatusOr<Account> account = GetAccount(timebank_id, account_id);
  if (!account.ok()) return account.status();
  return account->totals;
}

absl::StatusOr<BalanceSnapshot> Ledger::SnapshotBalances(
    const std::string& timebank_id) const {
  if (absl::StatusOr<Timebank> t = impl_->KnownTimebank(timebank_id); !t.ok()) {
    return t.status();
  }
  auto [seq, balances] = impl_->books_.Balances(timebank_id);
  return BalanceSnapshot{.as_of_seq = seq,
                         .balances_minutes = std::move(balances)};
}

absl::StatusOr<std::vector<JournalEntry>> Ledger::ReadJournal(
    const std::string& timebank_id, Seq from_seq, int limit) const {
  absl::StatusOr<Timebank> timebank = impl_->KnownTimebank(timebank_id);
  if (!timebank.ok()) return timebank.status();
  if (from_seq == 0) return FieldInvalid("from_seq", "must be 1 or more");
  if (limit <= 0 || limit > kPageSizeMax) {
    return FieldInvalid("limit",
                        absl::StrCat("must be between 1 and ", kPageSizeMax));
  }
  std::vector<JournalEntry> out;
  absl::Status decode_error;
  absl::Status s = ScanPrefix(
      impl_->db_.get(), nullptr, JournalPrefix(timebank_id),
      JournalKey(timebank_id, from_seq),
      [&](std::string_view, std::string_view value) {
        absl::StatusOr<JournalEntry> entry = DecodeEntry(timebank_id, value);
        if (!entry.ok()) {
          decode_error = entry.status();
          return false;
        }
        out.push_back(*std::move(entry));
        return static_cast<int>(out.size()) < limit;
      });
  if (!s.ok()) return s;
  if (!decode_error.ok()) return decode_error;
  return out;
}

namespace {

// Decodes every value under `prefix` from `start` while `keep` accepts the
// key, handing each to `use`; stops at the first undecodable value.
template <typename T, typename Decode, typename Keep, typename Use>
absl::Status ScanDecoded(rocksdb::DB* db, const rocksdb::Snapshot* snapshot,
                         const std::string& prefix, const std::string& start,
                         Decode decode, Keep keep, Use use) {
  absl::Status decode_error;
  absl::Status s =
      ScanPrefix(db, snapshot, prefix, start,
                 [&](std::string_view rest, std::string_view value) {
                   if (!keep(rest)) return false;
                   absl::StatusOr<T> decoded = decode(value);
                   if (!decoded.ok()) {
                     decode_error = decoded.status();
                     return false;
                   }
                   use(rest, *decoded);
                   return true;
                 });
  return s.ok() ? decode_error : s;
}

}  // namespace

absl::StatusOr<ReciprocityReport> Ledger::GetReciprocityReport(
    const std::string& timebank_id, const std::string& from_date,
    const std::string& to_date, Granularity granularity,
    int top_categories) const {
  RETURN_IF_ERROR(CheckGranularity(granularity));
  if (absl::StatusOr<Timebank> t = impl_->KnownTimebank(timebank_id); !t.ok()) {
    return t.status();
  }
  std::optional<int32_t> from_day = ParseDate(from_date);
  if (!from_day)
    return FieldInvalid("from", "must be a real date as YYYY-MM-DD");
  std::optional<int32_t> to_day = ParseDate(to_date);
  if (!to_day) return FieldInvalid("to", "must be a real date as YYYY-MM-DD");
  if (*from_day > *to_day) return FieldInvalid("to", "must not be before from");
  ASSIGN_OR_RETURN(std::shared_ptr<Impl::GuardedFigures> figures,
                   impl_->FiguresFor(timebank_id));
  std::shared_lock lock(figures->mu);
  std::vector<ReportMember> members;
  impl_->books_.VisitAccounts(timebank_id, [&](const Account& account) {
    members.push_back(
        ReportMember{.index = figures->figures.IndexOf(account.id),
                     .kind = account.kind,
                     .joined_on = account.joined_on});
  });
  return figures->figures.Compute(timebank_id, members, *from_day, *to_day,
                                  granularity, top_categories,
                                  DayOfInstantUs(impl_->options_.clock_us()));
}

absl::Status Ledger::Compact() {
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction =
      rocksdb::BottommostLevelCompaction::kForceOptimized;
  return internal::FromRocks(
      impl_->db_->CompactRange(options, nullptr, nullptr), "compaction");
}

absl::Status Ledger::StorageStatus() const { return impl_->StorageStatus(); }

absl::Status Ledger::CheckStorage() {
  if (!impl_->write_failed_) return absl::OkStatus();
  return impl_->Resume();
}

StorageProperties Ledger::GetStorageProperties() const {
  const auto read = [this](const std::string& name) -> int64_t {
    uint64_t value = 0;
    if (!impl_->db_->GetIntProperty(name, &value)) return -1;
    return static_cast<int64_t>(value);
  };
  return StorageProperties{
      .pending_compaction_bytes =
          read("rocksdb.estimate-pending-compaction-bytes"),
      .running_compactions = read("rocksdb.num-running-compactions"),
      .running_flushes = read("rocksdb.num-running-flushes"),
      .write_stopped = read("rocksdb.is-write-stopped"),
      .delayed_write_rate = read("rocksdb.actual-delayed-write-rate"),
      .live_sst_bytes = read("rocksdb.live-sst-files-size"),
      .memtable_bytes = read("rocksdb.cur-size-all-mem-tables"),
      .estimated_keys = read("rocksdb.estimate-num-keys"),
  };
}

absl::Status Ledger::StoreAccessRecord(const std::string& id,
                                       const std::string& bytes) {
  rocksdb::WriteOptions sync;
  sync.sync = true;
  return internal::FromRocks(impl_->db_->Put(sync, AccessKey(id), bytes),
                             "write");
}

int64_t Ledger::NowUs() const { return impl_->options_.clock_us(); }

absl::StatusOr<std::vector<std::string>> Ledger::LoadAccessRecords() const {
  std::vector<std::string> out;
  absl::Status s = ScanPrefix(impl_->db_.get(), nullptr, AccessPrefix(), "",
                              [&](std::string_view, std::string_view value) {
                                out.emplace_back(value);
                                return true;
                              });
  if (!s.ok()) return s;
  return out;
}

int Ledger::AddCommitListener(CommitListener listener) {
  std::lock_guard lock(impl_->listeners_mu_);
  const int id = impl_->next_listener_id_++;
  impl_->listeners_[id] = std::move(listener);
  return id;
}

void Ledger::RemoveCommitListener(int id) {
  std::lock_guard lock(impl_->listeners_mu_);
  impl_->listeners_.erase(id);
}

absl::StatusOr<VerifyReport> Ledger::Verify(const std::string& timebank_id) {
  if (absl::StatusOr<Timebank> t = impl_->KnownTimebank(timebank_id); !t.ok()) {
    return t.status();
  }
  absl::StatusOr<VerifyReport> report =
      VerifyTimebank(impl_->db_.get(), timebank_id);
  if (!report.ok() || report->ok) return report;
  impl_->books_.BlockWrites(timebank_id);
  // On disk too, so a restart does not quietly lift the block: only
  // restoring the directory from a backup does.
  rocksdb::WriteOptions sync;
  sync.sync = true;
  if (absl::Status s = internal::FromRocks(
          impl_->db_->Put(sync, VerifyFailedKey(timebank_id),
                          std::to_string(report->first_bad_seq)),
          "write");
      !s.ok()) {
    return s;
  }
  return report;
}

absl::StatusOr<std::vector<std::pair<YearMonth, MonthTotals>>>
Ledger::TimebankMonths(const std::string& timebank_id, YearMonth from,
                       YearMonth to) const {
  if (absl::StatusOr<Timebank> t = impl_->KnownTimebank(timebank_id); !t.ok()) {
    return t.status();
  }
  std::vector<std::pair<YearMonth, MonthTotals>> out;
  absl::Status decode_error;
  absl::Status s = ScanPrefix(
      impl_->db_.get(), nullptr, TimebankMonthPrefix(timebank_id),
      TimebankMonthKey(timebank_id, from),
      [&](std::string_view key_rest, std::string_view value) {
        const auto month = static_cast<YearMonth>(DecodeBigEndian32(key_rest));
        if (month > to) return false;
        absl::StatusOr<MonthTotals> totals = DecodeMonthTotals(value);
        if (!totals.ok()) {
          decode_error = totals.status();
          return false;
        }
        out.emplace_back(month, *totals);
        return true;
      });
  if (!s.ok()) return s;
  if (!decode_error.ok()) return decode_error;
  return out;
}

absl::StatusOr<std::vector<std::pair<YearMonth, AccountMonthTotals>>>
Ledger::AccountMonths(const std::string& timebank_id,
                      const std::string& account_id, YearMonth from,
                      YearMonth to) const {
  if (absl::StatusOr<Account> a = GetAccount(timebank_id, account_id);
      !a.ok()) {
    return a.status();
  }
  std::vector<std::pair<YearMonth, AccountMonthTotals>> out;
  absl::Status decode_error;
  absl::Status s = ScanPrefix(
      impl_->db_.get(), nullptr, AccountMonthPrefix(timebank_id, account_id),
      AccountMonthKey(timebank_id, account_id, from),
      [&](std::string_view key_rest, std::string_view value) {
        const auto month = static_cast<YearMonth>(DecodeBigEndian32(key_rest));
        if (month > to) return false;
        absl::StatusOr<AccountMonthTotals> totals =
            DecodeAccountMonthTotals(value);
        if (!totals.ok()) {
          decode_error = totals.status();
          return false;
        }
        out.emplace_back(month, *totals);
        return true;
      });
  if (!s.ok()) return s;
  if (!decode_error.ok()) return decode_error;
  return out;
}

}  // namespace timebank::ledger
