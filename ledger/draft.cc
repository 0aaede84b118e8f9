#include "ledger/draft.h"

#include <rocksdb/db.h>
#include <rocksdb/perf_level.h>

#include <utility>

#include "ledger/books.h"
#include "ledger/rocks_status.h"
#include "ledger/status_macros.h"

namespace timebank::ledger {

Draft::Draft(rocksdb::DB* db, const Books* books, int64_t now_us)
    : db_(db), books_(books), now_us_(now_us) {
  // RocksDB counts every key comparison into a thread-local perf context
  // unless told not to; the writer compares keys millions of times a second.
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
}

absl::StatusOr<std::optional<std::string>> Draft::Read(const std::string& key) {
  if (auto it = puts_.find(key); it != puts_.end()) return it->second;
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), key, &value);
  if (s.IsNotFound()) return std::nullopt;
  RETURN_IF_ERROR(internal::FromRocks(s, "read"));
  return value;
}

std::optional<Timebank> Draft::FindTimebank(const std::string& tb) const {
  if (auto it = timebanks_.find(tb); it != timebanks_.end()) return it->second;
  return books_->FindTimebank(tb);
}

std::optional<Account> Draft::FindAccount(const std::string& tb,
                                          const std::string& account) const {
  if (auto it = accounts_.find({tb, account}); it != accounts_.end()) {
    return it->second;
  }
  return books_->FindAccount(tb, account);
}

void Draft::VisitAccounts(
    const std::string& tb,
    const std::function<void(const Account&)>& visit) const {
  books_->VisitAccounts(tb, [&](const Account& committed) {
    if (!accounts_.contains({tb, committed.id})) visit(committed);
  });
  for (auto it = accounts_.lower_bound({tb, ""});
       it != accounts_.end() && it->first.first == tb; ++it) {
    visit(it->second);
  }
}

Draft::Mark Draft::MarkNow() const {
  return Mark{.puts = puts_,
              .timebanks = timebanks_,
              .accounts = accounts_,
              .entries = entries_.size()};
}

void Draft::RollBackTo(Mark mark) {
  puts_ = std::move(mark.puts);
  timebanks_ = std::move(mark.timebanks);
  accounts_ = std::move(mark.accounts);
  entries_.resize(mark.entries);
}

void Draft::PutTimebank(const Timebank& timebank) {
  timebanks_[timebank.id] = timebank;
  puts_[TimebankKey(timebank.id)] = EncodeTimebank(timebank);
}

void Draft::PutAccount(const Account& account) {
  accounts_[{account.timebank_id, account.id}] = account;
  puts_[AccountKey(account.timebank_id, account.id)] = EncodeAccount(account);
}

bool Draft::WritesBlocked(const std::string& tb) const {
  return books_->WritesBlocked(tb);
}

JournalEntry Draft::Append(JournalEntry entry) {
  // Callers check the timebank exists before they build an entry.
  Timebank timebank = *FindTimebank(entry.timebank_id);
  entry.seq = timebank.last_seq + 1;
  entry.recorded_at_us = now_us_;
  const std::string body = EncodeEntryBody(entry);
  entry.hash = ChainHash(timebank.last_hash, body);
  timebank.last_seq = entry.seq;
  timebank.last_hash = entry.hash;
  PutTimebank(timebank);
  std::string value = body;
  value.append(reinterpret_cast<const char*>(entry.hash.data()),
               entry.hash.size());
  puts_[JournalKey(entry.timebank_id, entry.seq)] = std::move(value);
  entries_.push_back(entry);
  return entry;
}

absl::StatusOr<std::optional<JournalEntry>> Draft::FindEntry(
    const std::string& tb, Seq seq) {
  absl::StatusOr<std::optional<std::string>> bytes = Read(JournalKey(tb, seq));
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::nullopt;
  absl::StatusOr<JournalEntry> entry = DecodeEntry(tb, **bytes);
  if (!entry.ok()) return entry.status();
  return *std::move(entry);
}

absl::StatusOr<std::optional<Exchange>> Draft::FindExchange(
    const std::string& tb, Seq seq) {
  absl::StatusOr<std::optional<JournalEntry>> entry = FindEntry(tb, seq);
  if (!entry.ok()) return entry.status();
  if (!entry->has_value() || (*entry)->kind != EntryKind::kRecord) {
    return std::nullopt;
  }
  Exchange exchange{.record = **std::move(entry)};
  exchange.status = exchange.record.initial_status;
  absl::StatusOr<std::optional<std::string>> state = Read(StateKey(tb, seq));
  if (!state.ok()) return state.status();
  if (state->has_value()) {
    absl::StatusOr<ExchangeState> decoded = DecodeExchangeState(**state);
    if (!decoded.ok()) return decoded.status();
    exchange.status = decoded->status;
    exchange.closed_by_seq = decoded->closed_by_seq;
  }
  return exchange;
}

void Draft::PutState(const std::string& tb, Seq seq,
                     const ExchangeState& state) {
  puts_[StateKey(tb, seq)] = EncodeExchangeState(state);
}

absl::StatusOr<std::optional<RequestRecord>> Draft::FindRequest(
    const std::string& tb, const std::string& scope, RequestKind kind,
    const std::string& request_id) {
  absl::StatusOr<std::optional<std::string>> bytes =
      Read(RequestKey(tb, scope, kind, request_id));
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return std::nullopt;
  absl::StatusOr<RequestRecord> record = DecodeRequestRecord(**bytes);
  if (!record.ok()) return record.status();
  return *record;
}

void Draft::PutRequest(const std::string& tb, const std::string& scope,
                       RequestKind kind, const std::string& request_id,
                       const RequestRecord& record) {
  puts_[RequestKey(tb, scope, kind, request_id)] = EncodeRequestRecord(record);
}

namespace {

// Reads a stored aggregate, or its zero value when absent.
template <typename T, typename DecodeFn>
absl::StatusOr<T> ReadOrZero(
    const absl::StatusOr<std::optional<std::string>>& bytes, DecodeFn decode) {
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return T{};
  return decode(**bytes);
}

}  // namespace

absl::StatusOr<MonthTotals> Draft::GetMonthTotals(const std::string& key) {
  return ReadOrZero<MonthTotals>(Read(key), DecodeMonthTotals);
}
void Draft::PutMonthTotals(const std::string& key, const MonthTotals& totals) {
  puts_[key] = EncodeMonthTotals(totals);
}
absl::StatusOr<AccountMonthTotals> Draft::GetAccountMonthTotals(
    const std::string& key) {
  return ReadOrZero<AccountMonthTotals>(Read(key), DecodeAccountMonthTotals);
}
void Draft::PutAccountMonthTotals(const std::string& key,
                                  const AccountMonthTotals& totals) {
  puts_[key] = EncodeAccountMonthTotals(totals);
}
absl::StatusOr<PairTotals> Draft::GetPairTotals(const std::string& key) {
  return ReadOrZero<PairTotals>(Read(key), DecodePairTotals);
}
void Draft::PutPairTotals(const std::string& key, const PairTotals& totals) {
  puts_[key] = EncodePairTotals(totals);
}

}  // namespace timebank::ledger
