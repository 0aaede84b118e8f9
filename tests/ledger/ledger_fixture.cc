#include "tests/ledger/ledger_fixture.h"

#include <gtest/gtest.h>

#include "absl/strings/escaping.h"

namespace timebank::ledger_test {

LedgerOptions TestOptions(const std::string& data_dir) {
  return LedgerOptions{.data_dir = data_dir, .clock_us = [] { return kNowUs; }};
}

std::string Hex(const ledger::Hash& hash) {
  return absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(hash.data()), hash.size()));
}

RecordExchangeInput Gave(std::string request_id, std::string giver,
                         std::string receiver, int64_t minutes,
                         std::string occurred_on, std::string category) {
  return RecordExchangeInput{.request_id = std::move(request_id),
                             .giver_id = std::move(giver),
                             .receiver_id = std::move(receiver),
                             .minutes = minutes,
                             .category = std::move(category),
                             .description = "",
                             .occurred_on = std::move(occurred_on)};
}

absl::StatusOr<std::vector<Account>> AllAccounts(const Ledger& ledger,
                                                 const std::string& tb) {
  std::vector<Account> out;
  ledger::Page page{.page_size = 1000};
  for (;;) {
    absl::StatusOr<ledger::PageOf<Account>> got = ledger.ListAccounts(tb, page);
    if (!got.ok()) return got.status();
    out.insert(out.end(), got->items.begin(), got->items.end());
    if (got->next_page_token.empty()) return out;
    page.page_token = got->next_page_token;
  }
}

absl::StatusOr<std::vector<JournalEntry>> WholeJournal(const Ledger& ledger,
                                                       const std::string& tb) {
  std::vector<JournalEntry> out;
  for (;;) {
    absl::StatusOr<std::vector<JournalEntry>> got =
        ledger.ReadJournal(tb, out.size() + 1, 1000);
    if (!got.ok()) return got.status();
    if (got->empty()) return out;
    out.insert(out.end(), got->begin(), got->end());
  }
}

absl::StatusOr<BooksState> ReadBooksState(const Ledger& ledger,
                                          const std::string& tb) {
  BooksState state;
  absl::StatusOr<Timebank> timebank = ledger.GetTimebank(tb);
  if (!timebank.ok()) return timebank.status();
  state.timebank = *timebank;
  absl::StatusOr<std::vector<Account>> accounts = AllAccounts(ledger, tb);
  if (!accounts.ok()) return accounts.status();
  state.accounts = *accounts;
  absl::StatusOr<std::vector<JournalEntry>> journal = WholeJournal(ledger, tb);
  if (!journal.ok()) return journal.status();
  state.journal_entries = journal->size();
  return state;
}

void ExpectSameTimebank(const Timebank& expected, const Timebank& actual) {
  EXPECT_EQ(expected.id, actual.id);
  EXPECT_EQ(expected.name, actual.name);
  EXPECT_EQ(expected.settings.members_may_log, actual.settings.members_may_log)
      << expected.id;
  EXPECT_EQ(expected.settings.balance_floor_minutes,
            actual.settings.balance_floor_minutes)
      << expected.id;
  EXPECT_EQ(expected.settings.max_exchange_minutes,
            actual.settings.max_exchange_minutes)
      << expected.id;
  EXPECT_EQ(expected.created_at_us, actual.created_at_us) << expected.id;
  EXPECT_EQ(expected.last_seq, actual.last_seq) << expected.id;
  EXPECT_EQ(Hex(expected.last_hash), Hex(actual.last_hash)) << expected.id;
}

void ExpectSameAccount(const Account& expected, const Account& actual) {
  const std::string where = expected.timebank_id + "/" + expected.id;
  EXPECT_EQ(expected.timebank_id, actual.timebank_id) << where;
  EXPECT_EQ(expected.id, actual.id) << where;
  EXPECT_EQ(expected.kind, actual.kind) << where;
  EXPECT_EQ(expected.status, actual.status) << where;
  EXPECT_EQ(expected.display_name, actual.display_name) << where;
  EXPECT_EQ(expected.skills, actual.skills) << where;
  EXPECT_EQ(expected.external_ref, actual.external_ref) << where;
  EXPECT_EQ(expected.joined_on, actual.joined_on) << where;
  EXPECT_EQ(expected.erased, actual.erased) << where;
  EXPECT_EQ(expected.created_at_us, actual.created_at_us) << where;
  EXPECT_EQ(expected.totals, actual.totals)
      << where << ": balance " << expected.totals.balance_minutes() << " vs "
      << actual.totals.balance_minutes();
}

void ExpectSameBooks(const BooksState& expected, const BooksState& actual) {
  ExpectSameTimebank(expected.timebank, actual.timebank);
  EXPECT_EQ(expected.journal_entries, actual.journal_entries);
  ASSERT_EQ(expected.accounts.size(), actual.accounts.size());
  for (size_t i = 0; i < expected.accounts.size(); ++i) {
    ExpectSameAccount(expected.accounts[i], actual.accounts[i]);
  }
}

}  // namespace timebank::ledger_test
