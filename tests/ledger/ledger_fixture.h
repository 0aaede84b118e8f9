// Shared pieces of the ledger tests: a fixed clock, options that use it,
// shorthand for actors and exchange inputs, and whole-state reads and
// comparisons used to show that something did or did not change.
//
// Thread safety: plain functions; safe wherever the Ledger calls they make
// are.

#ifndef TIMEBANK_TESTS_LEDGER_LEDGER_FIXTURE_H_
#define TIMEBANK_TESTS_LEDGER_LEDGER_FIXTURE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/ledger.h"
#include "ledger/types.h"

namespace timebank::ledger_test {

using ledger::Account;
using ledger::JournalEntry;
using ledger::Ledger;
using ledger::LedgerOptions;
using ledger::RecordExchangeInput;
using ledger::Timebank;

// 2026-06-15T12:00:00Z: every test's "now", so date rules are deterministic.
inline constexpr int64_t kNowUs = 1'781'524'800'000'000;
inline constexpr char kToday[] = "2026-06-15";

LedgerOptions TestOptions(const std::string& data_dir);

// Lower-case hex, so hashes print readably in failure messages.
std::string Hex(const ledger::Hash& hash);

inline ledger::Actor Coordinator() {
  return ledger::Actor::Coordinator("coord");
}
inline ledger::Actor Member(const std::string& account_id) {
  return ledger::Actor::Member("member-" + account_id, account_id);
}

// "giver gave receiver `minutes` of `category` on `occurred_on`".
RecordExchangeInput Gave(std::string request_id, std::string giver,
                         std::string receiver, int64_t minutes,
                         std::string occurred_on = "2026-06-10",
                         std::string category = "gardening");

// Every account of a timebank, read page by page in id order.
absl::StatusOr<std::vector<Account>> AllAccounts(const Ledger& ledger,
                                                 const std::string& tb);
// Every journal entry of a timebank, in seq order.
absl::StatusOr<std::vector<JournalEntry>> WholeJournal(const Ledger& ledger,
                                                       const std::string& tb);

// Everything a write could change that a reader can see cheaply.
struct BooksState {
  Timebank timebank;
  std::vector<Account> accounts;
  size_t journal_entries = 0;
};
absl::StatusOr<BooksState> ReadBooksState(const Ledger& ledger,
                                          const std::string& tb);

// gtest expectations that two values are equal field by field (the types
// have no operator==).
void ExpectSameTimebank(const Timebank& expected, const Timebank& actual);
void ExpectSameAccount(const Account& expected, const Account& actual);
void ExpectSameBooks(const BooksState& expected, const BooksState& actual);

}  // namespace timebank::ledger_test

#endif  // TIMEBANK_TESTS_LEDGER_LEDGER_FIXTURE_H_
