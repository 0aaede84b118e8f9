#include "ledger/verify.h"

#include <rocksdb/db.h>

#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "ledger/civil_date.h"
#include "ledger/codec.h"
#include "ledger/rocks_status.h"
#include "ledger/scan.h"

namespace timebank::ledger {
namespace {

// Everything the journal implies, recomputed from the entries alone with
// plain maps: deliberately not the writer's code, so a fault in either shows.
struct Recomputed {
  struct Record {
    JournalEntry entry;
    ExchangeStatus status;
    Seq closed_by = 0;
  };
  std::map<Seq, Record> records;
  std::map<std::string, AccountTotals> accounts;
  std::map<std::pair<std::string, std::string>, PairTotals> pairs;
  std::map<std::tuple<YearMonth, std::string, std::string>, PairTotals>
      pair_months;
  std::map<std::pair<std::string, YearMonth>, AccountMonthTotals>
      account_months;
  std::map<YearMonth, MonthTotals> months;
  std::map<std::pair<YearMonth, std::string>, MonthTotals> categories;

  void Effect(const JournalEntry& e, int sign) {
    const int64_t m = sign * e.minutes;
    AccountTotals& giver = accounts[e.giver_id];
    AccountTotals& receiver = accounts[e.receiver_id];
    giver.minutes_given += m;
    giver.exchanges_given += sign;
    receiver.minutes_received += m;
    receiver.exchanges_received += sign;
    const bool giver_low = e.giver_id < e.receiver_id;
    const std::string& low = giver_low ? e.giver_id : e.receiver_id;
    const std::string& high = giver_low ? e.receiver_id : e.giver_id;
    const YearMonth month = MonthOf(e.occurred_on);
    for (PairTotals* pair :
         {&pairs[{low, high}], &pair_months[{month, low, high}]}) {
      (giver_low ? pair->low_to_high_exchanges : pair->high_to_low_exchanges) +=
          sign;
      (giver_low ? pair->low_to_high_minutes : pair->high_to_low_minutes) += m;
    }
    AccountMonthTotals& gm = account_months[{e.giver_id, month}];
    gm.minutes_given += m;
    gm.exchanges_given += sign;
    AccountMonthTotals& rm = account_months[{e.receiver_id, month}];
    rm.minutes_received += m;
    rm.exchanges_received += sign;
    months[month].minutes += m;
    months[month].exchanges += sign;
    categories[{month, e.category}].minutes += m;
    categories[{month, e.category}].exchanges += sign;
  }

  void CountPartners() {
    for (const auto& [key, pair] : pairs) {
      if (pair.empty()) continue;
      ++accounts[key.first].partners;
      ++accounts[key.second].partners;
    }
  }
};

VerifyReport Bad(Seq seq, std::string problem, Seq checked) {
  return VerifyReport{.ok = false,
                      .entries_checked = checked,
                      .first_bad_seq = seq,
                      .problem = std::move(problem)};
}

// Checks one entry's meaning against what came before and applies it.
std::string Apply(Recomputed& state, const JournalEntry& e) {
  if (e.kind == EntryKind::kRecord) {
    if (e.initial_status != ExchangeStatus::kPending &&
        e.initial_status != ExchangeStatus::kConfirmed) {
      return "a record must start PENDING or CONFIRMED";
    }
    if (e.minutes <= 0 || e.giver_id == e.receiver_id) {
      return "a record must move a positive number of minutes between two "
             "accounts";
    }
    state.records[e.seq] = {e, e.initial_status};
    if (e.initial_status == ExchangeStatus::kConfirmed) state.Effect(e, +1);
    return "";
  }
  auto target = state.records.find(e.target_seq);
  if (target == state.records.end()) {
    return absl::StrCat("acts on seq ", e.target_seq,
                        ", which is not an earlier exchange");
  }
  const JournalEntry& r = target->second.entry;
  if (r.giver_id != e.giver_id || r.receiver_id != e.receiver_id ||
      r.minutes != e.minutes || r.occurred_on != e.occurred_on ||
      r.category != e.category) {
    return absl::StrCat("does not repeat the exchange at seq ", e.target_seq);
  }
  const ExchangeStatus needed = e.kind == EntryKind::kReverse
                                    ? ExchangeStatus::kConfirmed
                                    : ExchangeStatus::kPending;
  if (target->second.status != needed) {
    return absl::StrCat("acts on seq ", e.target_seq,
                        ", which is not in the status it requires");
  }
  target->second.closed_by = e.seq;
  switch (e.kind) {
    case EntryKind::kConfirm:
      target->second.status = ExchangeStatus::kConfirmed;
      state.Effect(r, +1);
      break;
    case EntryKind::kReject:
      target->second.status = ExchangeStatus::kRejected;
      break;
    case EntryKind::kReverse:
      target->second.status = ExchangeStatus::kReversed;
      state.Effect(r, -1);
      break;
    case EntryKind::kRecord:
      break;
  }
  return "";
}

// Compares stored aggregates under `prefix` with the recomputed map. Zero
// values may be stored (an exchange and its reversal) or absent alike.
template <typename T, typename Key, typename KeyFn, typename DecodeFn>
absl::StatusOr<std::string> CompareStored(rocksdb::DB* db,
                                          const rocksdb::Snapshot* snapshot,
                                          const std::string& prefix,
                                          std::map<Key, T> expected,
                                          KeyFn key_of, DecodeFn decode,
                                          std::string_view what) {
  std::string problem;
  absl::Status s =
      ScanPrefix(db, snapshot, prefix, "",
                 [&](std::string_view key_rest, std::string_view value) {
                   const Key key = key_of(key_rest);
                   absl::StatusOr<T> stored = decode(value);
                   auto it = expected.find(key);
                   const T want = it == expected.end() ? T{} : it->second;
                   if (it != expected.end()) expected.erase(it);
                   if (!stored.ok() || !(*stored == want)) {
                     problem = absl::StrCat("stored ", std::string(what),
                                            " disagree with the journal");
                     return false;
                   }
                   return true;
                 });
  if (!s.ok()) return s;
  if (problem.empty()) {
    for (const auto& [key, value] : expected) {
      if (!(value == T{})) {
        problem =
            absl::StrCat("stored ", std::string(what), " are missing an entry");
        break;
      }
    }
  }
  return problem;
}

std::string AccountOfKey(std::string_view key_rest) {
  return std::string(key_rest.substr(0, key_rest.find('\0')));
}

}  // namespace

absl::StatusOr<VerifyReport> VerifyTimebank(rocksdb::DB* db,
                                            const std::string& tb) {
  const rocksdb::Snapshot* snapshot = db->GetSnapshot();
  struct Release {
    rocksdb::DB* db;
    const rocksdb::Snapshot* snapshot;
    ~Release() { db->ReleaseSnapshot(snapshot); }
  } release{db, snapshot};

  Recomputed state;
  Hash previous{};
  Seq expected_seq = 1;
  std::optional<VerifyReport> failure;
  absl::Status s = ScanPrefix(
      db, snapshot, JournalPrefix(tb), "",
      [&](std::string_view key_rest, std::string_view value) {
        const Seq key_seq = DecodeBigEndian64(key_rest);
        const Seq checked = expected_seq - 1;
        if (key_seq != expected_seq) {
          failure =
              Bad(expected_seq,
                  absl::StrCat("journal has a gap: seq ", expected_seq,
                               " is missing (next stored is ", key_seq, ")"),
                  checked);
          return false;
        }
        absl::StatusOr<JournalEntry> entry = DecodeEntry(tb, value);
        if (!entry.ok()) {
          failure =
              Bad(key_seq, std::string(entry.status().message()), checked);
          return false;
        }
        if (entry->seq != key_seq) {
          failure = Bad(key_seq, "entry's own seq differs from its position",
                        checked);
          return false;
        }
        if (ChainHash(previous, EncodeEntryBody(*entry)) != entry->hash) {
          failure = Bad(key_seq,
                        "hash does not match the entry and the chain before it",
                        checked);
          return false;
        }
        if (std::string problem = Apply(state, *entry); !problem.empty()) {
          failure = Bad(key_seq, problem, checked);
          return false;
        }
        previous = entry->hash;
        ++expected_seq;
        return true;
      });
  if (!s.ok()) return s;
  if (failure) return *failure;
  const Seq checked = expected_seq - 1;

  std::string stored_timebank;
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  rocksdb::Status rs = db->Get(read, TimebankKey(tb), &stored_timebank);
  if (!rs.ok()) return internal::FromRocks(rs, "read");
  absl::StatusOr<Timebank> timebank = DecodeTimebank(stored_timebank);
  if (!timebank.ok()) return Bad(0, "timebank record does not decode", checked);
  if (timebank->last_seq != checked || timebank->last_hash != previous) {
    return Bad(checked + 1,
               absl::StrCat("journal ends at seq ", checked,
                            " but the timebank's chain head says ",
                            timebank->last_seq),
               checked);
  }

  state.CountPartners();
  int64_t sum = 0;
  std::string problem;
  s = ScanPrefix(db, snapshot, AccountPrefix(tb), "",
                 [&](std::string_view key_rest, std::string_view value) {
                   absl::StatusOr<Account> account = DecodeAccount(value);
                   const std::string id(key_rest);
                   const AccountTotals want = state.accounts[id];
                   state.accounts.erase(id);
                   if (!account.ok() || !(account->totals == want)) {
                     problem = absl::StrCat(
                         "account ", id, ": stored balance ",
                         account.ok() ? account->totals.balance_minutes() : 0,
                         " minutes, journal says ", want.balance_minutes());
                     return false;
                   }
                   sum += account->totals.balance_minutes();
                   return true;
                 });
  if (!s.ok()) return s;
  if (!problem.empty()) return Bad(0, problem, checked);
  if (!state.accounts.empty()) {
    return Bad(
        0,
        absl::StrCat("journal names account ", state.accounts.begin()->first,
                     ", which is not stored"),
        checked);
  }
  if (sum != 0) {
    return Bad(0, absl::StrCat("balances sum to ", sum, " minutes, not 0"),
               checked);
  }

  // Stored statuses of records whose status changed.
  std::map<Seq, ExchangeState> states;
  for (const auto& [seq, record] : state.records) {
    if (record.status != record.entry.initial_status) {
      states[seq] = {record.status, record.closed_by};
    }
  }
  absl::StatusOr<std::string> mismatch = CompareStored<ExchangeState, Seq>(
      db, snapshot, StatePrefix(tb), states,
      [](std::string_view rest) { return DecodeBigEndian64(rest); },
      DecodeExchangeState, "exchange statuses");
  if (!mismatch.ok()) return mismatch.status();
  if (!mismatch->empty()) return Bad(0, *mismatch, checked);

  mismatch = CompareStored<MonthTotals, YearMonth>(
      db, snapshot, TimebankMonthPrefix(tb), state.months,
      [](std::string_view rest) {
        return static_cast<YearMonth>(DecodeBigEndian32(rest));
      },
      DecodeMonthTotals, "monthly totals");
  if (!mismatch.ok()) return mismatch.status();
  if (!mismatch->empty()) return Bad(0, *mismatch, checked);

  mismatch = CompareStored<MonthTotals, std::pair<YearMonth, std::string>>(
      db, snapshot, CategoryMonthPrefix(tb), state.categories,
      [](std::string_view rest) {
        return std::pair{static_cast<YearMonth>(DecodeBigEndian32(rest)),
                         std::string(rest.substr(4))};
      },
      DecodeMonthTotals, "category totals");
  if (!mismatch.ok()) return mismatch.status();
  if (!mismatch->empty()) return Bad(0, *mismatch, checked);

  mismatch =
      CompareStored<AccountMonthTotals, std::pair<std::string, YearMonth>>(
          db, snapshot, AllAccountMonthsPrefix(tb), state.account_months,
          [](std::string_view rest) {
            const std::string account = AccountOfKey(rest);
            return std::pair{account, static_cast<YearMonth>(DecodeBigEndian32(
                                          rest.substr(account.size() + 1)))};
          },
          DecodeAccountMonthTotals, "account monthly totals");
  if (!mismatch.ok()) return mismatch.status();
  if (!mismatch->empty()) return Bad(0, *mismatch, checked);

  mismatch = CompareStored<PairTotals, std::pair<std::string, std::string>>(
      db, snapshot, PairPrefix(tb), state.pairs,
      [](std::string_view rest) {
        const std::string low = AccountOfKey(rest);
        return std::pair{low, std::string(rest.substr(low.size() + 1))};
      },
      DecodePairTotals, "pair totals");
  if (!mismatch.ok()) return mismatch.status();
  if (!mismatch->empty()) return Bad(0, *mismatch, checked);

  mismatch = CompareStored<PairTotals,
                           std::tuple<YearMonth, std::string, std::string>>(
      db, snapshot, PairMonthPrefix(tb), state.pair_months,
      [](std::string_view rest) {
        const auto month = static_cast<YearMonth>(DecodeBigEndian32(rest));
        const std::string low = AccountOfKey(rest.substr(4));
        return std::tuple{month, low,
                          std::string(rest.substr(4 + low.size() + 1))};
      },
      DecodePairTotals, "monthly pair totals");
  if (!mismatch.ok()) return mismatch.status();
  if (!mismatch->empty()) return Bad(0, *mismatch, checked);

  return VerifyReport{.ok = true, .entries_checked = checked};
}

}  // namespace timebank::ledger
