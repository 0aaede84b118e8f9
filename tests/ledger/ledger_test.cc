#include "ledger/ledger.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/civil_date.h"
#include "ledger/codec.h"
#include "tests/ledger/database_edit.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/test_util/status_assertions.h"
#include "tests/test_util/temp_dir.h"

namespace timebank::ledger_test {
namespace {

using absl::StatusCode;
using ledger::AccountKind;
using ledger::AccountMonthTotals;
using ledger::AccountStatus;
using ledger::AccountTotals;
using ledger::Actor;
using ledger::EntryKind;
using ledger::Exchange;
using ledger::ExchangeFilter;
using ledger::ExchangeStatus;
using ledger::MonthTotals;
using ledger::OpenAccountInput;
using ledger::Page;
using ledger::PageOf;
using ledger::Seq;
using ledger::TimebankSettings;
using ledger::UpdateAccountInput;
using ledger::YearMonth;
using timebank::testing::TempDir;

constexpr char kTb[] = "tb";

OpenAccountInput Person(const std::string& id) {
  return OpenAccountInput{.account_id = id,
                          .kind = AccountKind::kPerson,
                          .display_name = "Name of " + id};
}

// A ledger in `dir` with timebank kTb and a PERSON account for each id.
absl::StatusOr<std::unique_ptr<Ledger>> OpenWithPeople(
    const TempDir& dir, const std::vector<std::string>& people,
    const TimebankSettings& settings = {}) {
  absl::StatusOr<std::unique_ptr<Ledger>> ledger =
      Ledger::Open(TestOptions(dir.path()));
  if (!ledger.ok()) return ledger.status();
  absl::StatusOr<Timebank> timebank =
      (*ledger)->CreateTimebank(kTb, "Test Timebank", settings);
  if (!timebank.ok()) return timebank.status();
  for (const std::string& id : people) {
    absl::StatusOr<Account> account = (*ledger)->OpenAccount(kTb, Person(id));
    if (!account.ok()) return account.status();
  }
  return ledger;
}

int64_t BalanceOf(const Ledger& ledger, const std::string& account) {
  absl::StatusOr<AccountTotals> totals = ledger.GetBalance(kTb, account);
  EXPECT_OK(totals) << account;
  return totals.ok() ? totals->balance_minutes() : INT64_MIN;
}

int64_t SumOfBalances(const Ledger& ledger, const std::string& tb) {
  absl::StatusOr<ledger::BalanceSnapshot> snapshot =
      ledger.SnapshotBalances(tb);
  EXPECT_OK(snapshot);
  int64_t sum = 0;
  if (snapshot.ok()) {
    for (const auto& [id, balance] : snapshot->balances_minutes) sum += balance;
  }
  return sum;
}

std::vector<Seq> SeqsOf(const std::vector<Exchange>& exchanges) {
  std::vector<Seq> seqs;
  for (const Exchange& e : exchanges) seqs.push_back(e.record.seq);
  return seqs;
}

// Reads every page of a statement, checking each page's size.
absl::StatusOr<std::vector<std::vector<Seq>>> StatementPages(
    const Ledger& ledger, ExchangeFilter filter, int page_size) {
  std::vector<std::vector<Seq>> pages;
  Page page{.page_size = page_size};
  for (int guard = 0; guard < 100; ++guard) {
    absl::StatusOr<PageOf<Exchange>> got =
        ledger.ListExchanges(kTb, filter, page);
    if (!got.ok()) return got.status();
    pages.push_back(SeqsOf(got->items));
    if (got->next_page_token.empty()) return pages;
    page.page_token = got->next_page_token;
  }
  return absl::InternalError("statement did not end");
}

// ---------------------------------------------------------------------------
// Opening and closing.

TEST(Ledger, OpenRequiresADataDir) {
  EXPECT_STATUS(Ledger::Open(LedgerOptions{}), StatusCode::kInvalidArgument,
                "data_dir:");
}

TEST(Ledger, OpenRefusesADirectoryInUseByAnotherOpenLedger) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto first, Ledger::Open(TestOptions(dir.path())));
  EXPECT_STATUS(Ledger::Open(TestOptions(dir.path())),
                StatusCode::kFailedPrecondition, "data_dir:");
  first->Close();
  ASSERT_OK_AND_ASSIGN(auto second, Ledger::Open(TestOptions(dir.path())));
  EXPECT_OK(second->CreateTimebank(kTb, "Still usable", {}));
}

TEST(Ledger, OpenRefusesAnUnknownFormatVersion) {
  TempDir dir;
  {
    ASSERT_OK_AND_ASSIGN(auto ledger, Ledger::Open(TestOptions(dir.path())));
    ASSERT_OK(ledger->CreateTimebank(kTb, "Test", {}));
  }
  ASSERT_OK(EditDatabase(dir.path(), [](rocksdb::DB& db) {
    return db.Put(Synced(), std::string(ledger::kFormatKey), "999");
  }));
  absl::StatusOr<std::unique_ptr<Ledger>> reopened =
      Ledger::Open(TestOptions(dir.path()));
  EXPECT_STATUS(reopened, StatusCode::kFailedPrecondition, "data_dir:");
  EXPECT_NE(reopened.status().message().find("999"), absl::string_view::npos)
      << reopened.status();
}

TEST(Ledger, OpenRefusesADatabaseThatIsNotALedger) {
  TempDir dir;
  ASSERT_OK(EditDatabase(dir.path(), [](rocksdb::DB& db) {
    return db.Put(Synced(), "some-other-app", "data");
  }));
  EXPECT_STATUS(Ledger::Open(TestOptions(dir.path())),
                StatusCode::kFailedPrecondition, "data_dir:");
}

// For tools that work on an existing ledger: a missing directory and an
// empty one are refused, and neither is turned into a ledger.
TEST(Ledger, OpenWithoutCreateRefusesADirectoryHoldingNoLedger) {
  TempDir dir;
  LedgerOptions options = TestOptions(dir.Join("missing"));
  options.create_if_missing = false;
  EXPECT_STATUS(Ledger::Open(options), StatusCode::kFailedPrecondition,
                "data_dir:");
  EXPECT_FALSE(std::filesystem::exists(dir.Join("missing")));

  options.data_dir = dir.Join("empty");
  std::filesystem::create_directories(options.data_dir);
  EXPECT_STATUS(Ledger::Open(options), StatusCode::kFailedPrecondition,
                "data_dir:");
  EXPECT_TRUE(std::filesystem::is_empty(options.data_dir));

  options.data_dir = dir.Join("ledger");
  {
    ASSERT_OK_AND_ASSIGN(auto ledger,
                         Ledger::Open(TestOptions(options.data_dir)));
    ASSERT_OK(ledger->CreateTimebank(kTb, "Test", {}));
  }
  ASSERT_OK_AND_ASSIGN(auto reopened, Ledger::Open(options));
  EXPECT_OK(reopened->GetTimebank(kTb));
}

TEST(Ledger, WritesAfterCloseAreUnavailable) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  ledger->Close();
  EXPECT_STATUS(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r1", "ann", "bob", 60)),
      StatusCode::kUnavailable, "");
}

TEST(Ledger, ReopenGivesIdenticalTimebanksAccountsAndChainHead) {
  TempDir dir;
  std::vector<Timebank> timebanks_before;
  std::map<std::string, std::vector<Account>> accounts_before;
  std::map<std::string, std::vector<JournalEntry>> journal_before;
  {
    ASSERT_OK_AND_ASSIGN(auto ledger,
                         OpenWithPeople(dir, {"ann", "bob", "cat"}));
    ASSERT_OK(ledger->CreateTimebank("other", "Other",
                                     {.members_may_log = false,
                                      .balance_floor_minutes = -600,
                                      .max_exchange_minutes = 600}));
    ASSERT_OK(ledger->OpenAccount("other", {.account_id = "pot",
                                            .kind = AccountKind::kCommunityPot,
                                            .display_name = "Pot",
                                            .skills = {"Sharing"},
                                            .external_ref = "crm:1",
                                            .joined_on = "2020-01-31"}));
    ASSERT_OK(ledger->OpenAccount("other", Person("dan")));
    ASSERT_OK(ledger->RecordExchange("other", Coordinator(),
                                     Gave("o1", "dan", "pot", 90)));
    ASSERT_OK(ledger->RecordExchange(kTb, Coordinator(),
                                     Gave("r1", "ann", "bob", 60)));
    ASSERT_OK_AND_ASSIGN(Exchange pending,
                         ledger->RecordExchange(kTb, Member("bob"),
                                                Gave("r2", "bob", "cat", 30)));
    ASSERT_OK(
        ledger->ConfirmExchange(kTb, Member("cat"), pending.record.seq, "c2"));
    ASSERT_OK_AND_ASSIGN(Exchange third,
                         ledger->RecordExchange(kTb, Coordinator(),
                                                Gave("r3", "cat", "ann", 45)));
    ASSERT_OK(ledger->ReverseExchange(kTb, Coordinator(), third.record.seq,
                                      "v3", "typed the wrong amount"));
    ASSERT_OK(ledger->UpdateAccount(
        kTb, {.account_id = "cat", .status = AccountStatus::kSuspended}));
    ASSERT_OK(ledger->EraseAccount(kTb, "bob"));

    timebanks_before = ledger->ListTimebanks();
    ASSERT_EQ(timebanks_before.size(), 2u);
    for (const Timebank& t : timebanks_before) {
      ASSERT_OK_AND_ASSIGN(accounts_before[t.id], AllAccounts(*ledger, t.id));
      ASSERT_OK_AND_ASSIGN(journal_before[t.id], WholeJournal(*ledger, t.id));
    }
    ledger->Close();
  }
  ASSERT_OK_AND_ASSIGN(auto ledger, Ledger::Open(TestOptions(dir.path())));
  const std::vector<Timebank> timebanks_after = ledger->ListTimebanks();
  ASSERT_EQ(timebanks_after.size(), timebanks_before.size());
  for (size_t i = 0; i < timebanks_before.size(); ++i) {
    const std::string& tb = timebanks_before[i].id;
    ExpectSameTimebank(timebanks_before[i], timebanks_after[i]);
    ASSERT_OK_AND_ASSIGN(std::vector<Account> accounts,
                         AllAccounts(*ledger, tb));
    ASSERT_EQ(accounts.size(), accounts_before[tb].size()) << tb;
    for (size_t a = 0; a < accounts.size(); ++a) {
      ExpectSameAccount(accounts_before[tb][a], accounts[a]);
    }
    ASSERT_OK_AND_ASSIGN(std::vector<JournalEntry> journal,
                         WholeJournal(*ledger, tb));
    EXPECT_EQ(journal, journal_before[tb]) << tb;
    ASSERT_OK_AND_ASSIGN(ledger::VerifyReport report, ledger->Verify(tb));
    EXPECT_TRUE(report.ok) << report.problem;
  }

  // The chain continues where it stopped.
  ASSERT_OK_AND_ASSIGN(
      Exchange next,
      ledger->RecordExchange(kTb, Coordinator(), Gave("r4", "ann", "bob", 15)));
  ASSERT_OK_AND_ASSIGN(Timebank tb_before_reopen,
                       [&]() -> absl::StatusOr<Timebank> {
                         for (const Timebank& t : timebanks_before) {
                           if (t.id == kTb) return t;
                         }
                         return absl::NotFoundError("tb");
                       }());
  EXPECT_EQ(next.record.seq, tb_before_reopen.last_seq + 1);
  ASSERT_OK_AND_ASSIGN(ledger::VerifyReport report, ledger->Verify(kTb));
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.entries_checked, next.record.seq);
}

// ---------------------------------------------------------------------------
// Timebanks and settings.

TEST(Ledger, CreateTimebankValidatesIdAndNameAndRefusesDuplicates) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, Ledger::Open(TestOptions(dir.path())));
  EXPECT_STATUS(ledger->CreateTimebank("North_Leeds", "North", {}),
                StatusCode::kInvalidArgument, "timebank_id:");
  EXPECT_STATUS(ledger->CreateTimebank("", "North", {}),
                StatusCode::kInvalidArgument, "timebank_id:");
  EXPECT_STATUS(ledger->CreateTimebank("north", "", {}),
                StatusCode::kInvalidArgument, "name:");
  ASSERT_OK_AND_ASSIGN(Timebank created,
                       ledger->CreateTimebank("north", "North", {}));
  EXPECT_EQ(created.id, "north");
  EXPECT_EQ(created.last_seq, 0u);
  EXPECT_EQ(created.created_at_us, kNowUs);
  EXPECT_EQ(created.settings.max_exchange_minutes, 24 * 60);
  EXPECT_FALSE(created.settings.balance_floor_minutes.has_value());
  EXPECT_TRUE(created.settings.members_may_log);
  EXPECT_STATUS(ledger->CreateTimebank("north", "North again", {}),
                StatusCode::kAlreadyExists, "timebank_id:");
  ASSERT_OK_AND_ASSIGN(Timebank got, ledger->GetTimebank("north"));
  EXPECT_EQ(got.name, "North");
  EXPECT_EQ(ledger->ListTimebanks().size(), 1u);
}

TEST(Ledger, UnknownTimebankIsNotFound) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  EXPECT_STATUS(ledger->GetTimebank("nowhere"), StatusCode::kNotFound,
                "timebank_id:");
  EXPECT_STATUS(ledger->RecordExchange("nowhere", Coordinator(),
                                       Gave("r1", "ann", "bob", 60)),
                StatusCode::kNotFound, "timebank_id:");
  EXPECT_STATUS(ledger->OpenAccount("nowhere", Person("ann")),
                StatusCode::kNotFound, "timebank_id:");
  EXPECT_STATUS(ledger->Verify("nowhere"), StatusCode::kNotFound,
                "timebank_id:");
}

TEST(Ledger, MaxExchangeMinutesIsCappedAt100000) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, Ledger::Open(TestOptions(dir.path())));
  EXPECT_STATUS(
      ledger->CreateTimebank("a", "A", {.max_exchange_minutes = 100'001}),
      StatusCode::kInvalidArgument, "settings.max_exchange_minutes:");
  EXPECT_STATUS(
      ledger->CreateTimebank("a", "A", {.max_exchange_minutes = INT64_MAX}),
      StatusCode::kInvalidArgument, "settings.max_exchange_minutes:");
  EXPECT_STATUS(ledger->CreateTimebank("a", "A", {.max_exchange_minutes = 0}),
                StatusCode::kInvalidArgument, "settings.max_exchange_minutes:");
  EXPECT_STATUS(ledger->GetTimebank("a"), StatusCode::kNotFound,
                "timebank_id:");
  ASSERT_OK(
      ledger->CreateTimebank("a", "A", {.max_exchange_minutes = 100'000}));

  EXPECT_STATUS(
      ledger->UpdateTimebankSettings("a", {.max_exchange_minutes = 1'000'000}),
      StatusCode::kInvalidArgument, "settings.max_exchange_minutes:");
  ASSERT_OK_AND_ASSIGN(Timebank unchanged, ledger->GetTimebank("a"));
  EXPECT_EQ(unchanged.settings.max_exchange_minutes, 100'000);
}

TEST(Ledger, BalanceFloorSettingMustBeBetweenMinusOneBillionAndZero) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, Ledger::Open(TestOptions(dir.path())));
  EXPECT_STATUS(ledger->CreateTimebank("a", "A", {.balance_floor_minutes = 60}),
                StatusCode::kInvalidArgument,
                "settings.balance_floor_minutes:");
  EXPECT_STATUS(ledger->CreateTimebank(
                    "a", "A", {.balance_floor_minutes = -1'000'000'001}),
                StatusCode::kInvalidArgument,
                "settings.balance_floor_minutes:");
  EXPECT_STATUS(
      ledger->CreateTimebank("a", "A", {.balance_floor_minutes = INT64_MIN}),
      StatusCode::kInvalidArgument, "settings.balance_floor_minutes:");
  ASSERT_OK(ledger->CreateTimebank("a", "A",
                                   {.balance_floor_minutes = -1'000'000'000}));
  ASSERT_OK_AND_ASSIGN(
      Timebank updated,
      ledger->UpdateTimebankSettings("a", {.balance_floor_minutes = -1200}));
  EXPECT_EQ(updated.settings.balance_floor_minutes, -1200);
  ASSERT_OK_AND_ASSIGN(Timebank got, ledger->GetTimebank("a"));
  EXPECT_EQ(got.settings.balance_floor_minutes, -1200);
}

// ---------------------------------------------------------------------------
// Accounts.

TEST(Ledger, OpenAccountValidatesEveryField) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {}));
  EXPECT_STATUS(ledger->OpenAccount(kTb, Person("../etc")),
                StatusCode::kInvalidArgument, "account_id:");
  EXPECT_STATUS(ledger->OpenAccount(kTb, Person("")),
                StatusCode::kInvalidArgument, "account_id:");
  EXPECT_STATUS(
      ledger->OpenAccount(kTb, {.account_id = "ann", .display_name = ""}),
      StatusCode::kInvalidArgument, "display_name:");
  EXPECT_STATUS(ledger->OpenAccount(
                    kTb, {.account_id = "ann", .display_name = "Ann\x01"}),
                StatusCode::kInvalidArgument, "display_name:");
  EXPECT_STATUS(
      ledger->OpenAccount(kTb, {.account_id = "ann",
                                .display_name = "Ann",
                                .skills = {"cooking", "caf\xC3\xA9"}}),
      StatusCode::kInvalidArgument, "skills:");
  EXPECT_STATUS(
      ledger->OpenAccount(kTb, {.account_id = "ann",
                                .display_name = "Ann",
                                .external_ref = std::string(201, 'x')}),
      StatusCode::kInvalidArgument, "external_ref:");
  EXPECT_STATUS(ledger->OpenAccount(kTb, {.account_id = "ann",
                                          .display_name = "Ann",
                                          .joined_on = "2026-02-30"}),
                StatusCode::kInvalidArgument, "joined_on:");
  EXPECT_STATUS(ledger->OpenAccount(kTb, {.account_id = "ann",
                                          .kind = static_cast<AccountKind>(9),
                                          .display_name = "Ann"}),
                StatusCode::kInvalidArgument, "kind:");
  ASSERT_OK_AND_ASSIGN(std::vector<Account> none, AllAccounts(*ledger, kTb));
  EXPECT_TRUE(none.empty());
}

TEST(Ledger, OpenAccountNormalisesSkillsAndDefaultsJoinedOnToToday) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {}));
  ASSERT_OK_AND_ASSIGN(
      Account ann,
      ledger->OpenAccount(kTb, {.account_id = "ann",
                                .kind = AccountKind::kOrganisation,
                                .display_name = "Ann's Day Centre",
                                .skills = {"  Gardening ", "IT Help"},
                                .external_ref = "crm:7"}));
  EXPECT_EQ(ann.skills, (std::vector<std::string>{"gardening", "it help"}));
  EXPECT_EQ(ann.joined_on, *ledger::ParseDate(kToday));
  EXPECT_EQ(ann.status, AccountStatus::kActive);
  EXPECT_EQ(ann.kind, AccountKind::kOrganisation);
  EXPECT_EQ(ann.totals, AccountTotals{});
  ASSERT_OK_AND_ASSIGN(Account got, ledger->GetAccount(kTb, "ann"));
  ExpectSameAccount(ann, got);
  ASSERT_OK_AND_ASSIGN(Account bob,
                       ledger->OpenAccount(kTb, {.account_id = "bob",
                                                 .display_name = "Bob",
                                                 .joined_on = "2019-03-01"}));
  EXPECT_EQ(bob.joined_on, *ledger::ParseDate("2019-03-01"));
}

TEST(Ledger, OpenAccountRefusesADuplicateId) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann"}));
  EXPECT_STATUS(ledger->OpenAccount(kTb, Person("ann")),
                StatusCode::kAlreadyExists, "account_id:");
  // The same id in another timebank is another account.
  ASSERT_OK(ledger->CreateTimebank("other", "Other", {}));
  EXPECT_OK(ledger->OpenAccount("other", Person("ann")));
}

TEST(Ledger, GetAccountOfUnknownIdIsNotFound) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann"}));
  EXPECT_STATUS(ledger->GetAccount(kTb, "zed"), StatusCode::kNotFound,
                "account_id:");
  EXPECT_STATUS(ledger->GetBalance(kTb, "zed"), StatusCode::kNotFound,
                "account_id:");
  EXPECT_STATUS(ledger->GetAccount(kTb, "a/b"), StatusCode::kInvalidArgument,
                "account_id:");
}

TEST(Ledger, ListAccountsPagesInIdOrderWithoutGapsOrRepeats) {
  TempDir dir;
  const std::vector<std::string> ids = {"g", "b", "a", "f", "c", "e", "d"};
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, ids));
  std::vector<std::string> seen;
  std::vector<size_t> page_sizes;
  Page page{.page_size = 3};
  for (int guard = 0; guard < 10; ++guard) {
    ASSERT_OK_AND_ASSIGN(PageOf<Account> got, ledger->ListAccounts(kTb, page));
    page_sizes.push_back(got.items.size());
    for (const Account& a : got.items) seen.push_back(a.id);
    if (got.next_page_token.empty()) break;
    page.page_token = got.next_page_token;
  }
  EXPECT_EQ(seen,
            (std::vector<std::string>{"a", "b", "c", "d", "e", "f", "g"}));
  EXPECT_EQ(page_sizes, (std::vector<size_t>{3, 3, 1}));

  // Exactly one full page has no next token.
  ASSERT_OK_AND_ASSIGN(PageOf<Account> all,
                       ledger->ListAccounts(kTb, {.page_size = 7}));
  EXPECT_EQ(all.items.size(), 7u);
  EXPECT_TRUE(all.next_page_token.empty());
  // Zero means the default page size.
  ASSERT_OK_AND_ASSIGN(PageOf<Account> defaulted,
                       ledger->ListAccounts(kTb, {.page_size = 0}));
  EXPECT_EQ(defaulted.items.size(), 7u);

  EXPECT_STATUS(ledger->ListAccounts(kTb, {.page_size = 1001}),
                StatusCode::kInvalidArgument, "page_size:");
  EXPECT_STATUS(ledger->ListAccounts(kTb, {.page_size = -1}),
                StatusCode::kInvalidArgument, "page_size:");
  EXPECT_STATUS(
      ledger->ListAccounts(kTb, {.page_size = 3, .page_token = "../x"}),
      StatusCode::kInvalidArgument, "page_token:");
}

// One import made `Mary`, `mary` and `mary-obrien`, all "Mary O'Brien".
TEST(Ledger, AccountsAreToldApartByIdIgnoringCaseAndByName) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {}));
  ASSERT_OK(ledger->OpenAccount(
      kTb, {.account_id = "mary", .display_name = "Mary O'Brien"}));
  EXPECT_STATUS(
      ledger->OpenAccount(kTb, {.account_id = "Mary", .display_name = "M. O."}),
      StatusCode::kAlreadyExists,
      "account_id: differs only in case from the existing account 'mary'");
  // The same name, in other case and spacing, needs allow_duplicate_name.
  EXPECT_STATUS(ledger->OpenAccount(kTb, {.account_id = "mary-obrien",
                                          .display_name = " mary  O'BRIEN"}),
                StatusCode::kAlreadyExists,
                "display_name: account 'mary' is already called");
  ASSERT_OK_AND_ASSIGN(std::vector<Account> one, AllAccounts(*ledger, kTb));
  EXPECT_EQ(one.size(), 1u);
  ASSERT_OK(ledger->OpenAccount(kTb, {.account_id = "mary-obrien",
                                      .display_name = "Mary O'Brien",
                                      .allow_duplicate_name = true}));
  // Renaming into a name that is taken needs it too; a change of case of
  // one's own name does not.
  ASSERT_OK(ledger->OpenAccount(
      kTb, {.account_id = "vera", .display_name = "Vera Collins"}));
  EXPECT_STATUS(ledger->UpdateAccount(kTb, {.account_id = "vera",
                                            .display_name = "Mary O'Brien"}),
                StatusCode::kAlreadyExists, "display_name:");
  EXPECT_OK(ledger->UpdateAccount(
      kTb, {.account_id = "vera", .display_name = "VERA COLLINS"}));
  EXPECT_OK(ledger->UpdateAccount(kTb, {.account_id = "vera",
                                        .display_name = "Mary O'Brien",
                                        .allow_duplicate_name = true}));
}

// An import's dry run: every rule is applied, the account comes back as it
// would be, and nothing is opened.
TEST(Ledger, OpeningAnAccountValidateOnlyOpensNothing) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann"}));
  ASSERT_OK_AND_ASSIGN(BooksState before, ReadBooksState(*ledger, kTb));
  ASSERT_OK_AND_ASSIGN(Account would,
                       ledger->OpenAccount(kTb, {.account_id = "mary",
                                                 .display_name = "Mary",
                                                 .joined_on = "2025-03-01",
                                                 .validate_only = true}));
  EXPECT_EQ(would.id, "mary");
  EXPECT_EQ(ledger::FormatDate(would.joined_on), "2025-03-01");
  EXPECT_STATUS(ledger->GetAccount(kTb, "mary"), StatusCode::kNotFound,
                "account_id:");
  for (const OpenAccountInput& refused : {OpenAccountInput{.account_id = "ANN",
                                         .display_name = "Someone",
                                         .validate_only = true},
                                          OpenAccountInput{.account_id = "ann2",
                                          .display_name = "Name of ann",
                                          .validate_only = true},
                                          OpenAccountInput{.account_id = "x",
                                          .display_name = "X",
                                          .joined_on = "2025-02-30",
                                          .validate_only = true}}) {
    EXPECT_FALSE(ledger->OpenAccount(kTb, refused).ok()) << refused.account_id;
  }
  ASSERT_OK_AND_ASSIGN(BooksState after, ReadBooksState(*ledger, kTb));
  ExpectSameBooks(before, after);
}

TEST(Ledger, ListAccountsFindsAccountsByIdOrName) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  ASSERT_OK(ledger->OpenAccount(
      kTb, {.account_id = "vc", .display_name = "Vera Collins"}));
  ASSERT_OK(ledger->OpenAccount(
      kTb, {.account_id = "vera2", .display_name = "Vera Holt"}));
  ASSERT_OK(ledger->OpenAccount(
      kTb, {.account_id = "zed", .display_name = "Zed, Vera's friend"}));
  auto ids = [](const PageOf<Account>& page) {
    std::vector<std::string> out;
    for (const Account& a : page.items) out.push_back(a.id);
    return out;
  };
  ASSERT_OK_AND_ASSIGN(PageOf<Account> vera,
                       ledger->ListAccounts(kTb, {}, "VERA"));
  EXPECT_EQ(ids(vera), (std::vector<std::string>{"vc", "vera2", "zed"}));
  // Pages of matches only, without gaps or repeats.
  ASSERT_OK_AND_ASSIGN(PageOf<Account> first,
                       ledger->ListAccounts(kTb, {.page_size = 2}, "vera"));
  EXPECT_EQ(ids(first), (std::vector<std::string>{"vc", "vera2"}));
  ASSERT_OK_AND_ASSIGN(
      PageOf<Account> second,
      ledger->ListAccounts(
          kTb, {.page_size = 2, .page_token = first.next_page_token}, "vera"));
  EXPECT_EQ(ids(second), (std::vector<std::string>{"zed"}));
  EXPECT_TRUE(second.next_page_token.empty());
  ASSERT_OK_AND_ASSIGN(PageOf<Account> by_id,
                       ledger->ListAccounts(kTb, {}, "bo"));
  EXPECT_EQ(ids(by_id), (std::vector<std::string>{"bob"}));
  EXPECT_STATUS(ledger->ListAccounts(kTb, {}, std::string(201, 'v')),
                StatusCode::kInvalidArgument, "query:");
}

TEST(Ledger, UpdateAccountChangesOnlyTheFieldsGiven) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann"}));
  ASSERT_OK_AND_ASSIGN(
      Account updated,
      ledger->UpdateAccount(
          kTb,
          {.account_id = "ann", .skills = std::vector<std::string>{"Baking"}}));
  EXPECT_EQ(updated.display_name, "Name of ann");
  EXPECT_EQ(updated.skills, std::vector<std::string>{"baking"});
  EXPECT_STATUS(
      ledger->UpdateAccount(kTb, {.account_id = "zed", .display_name = "Z"}),
      StatusCode::kNotFound, "account_id:");
  EXPECT_STATUS(
      ledger->UpdateAccount(kTb, {.account_id = "ann", .display_name = ""}),
      StatusCode::kInvalidArgument, "display_name:");
  EXPECT_STATUS(
      ledger->UpdateAccount(
          kTb, {.account_id = "ann", .status = static_cast<AccountStatus>(7)}),
      StatusCode::kInvalidArgument, "status:");
  ASSERT_OK_AND_ASSIGN(Account got, ledger->GetAccount(kTb, "ann"));
  ExpectSameAccount(updated, got);
}

TEST(Ledger, SuspendedOrClosedAccountCannotGiveOrReceive) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  ASSERT_OK_AND_ASSIGN(
      Account bob,
      ledger->UpdateAccount(
          kTb, {.account_id = "bob", .status = AccountStatus::kSuspended}));
  EXPECT_EQ(bob.status, AccountStatus::kSuspended);
  ASSERT_OK_AND_ASSIGN(BooksState before, ReadBooksState(*ledger, kTb));
  EXPECT_STATUS(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r1", "ann", "bob", 60)),
      StatusCode::kFailedPrecondition, "receiver_id:");
  EXPECT_STATUS(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r2", "bob", "ann", 60)),
      StatusCode::kFailedPrecondition, "giver_id:");
  EXPECT_STATUS(
      ledger->RecordExchange(kTb, Member("ann"), Gave("r3", "ann", "bob", 60)),
      StatusCode::kFailedPrecondition, "receiver_id:");
  ASSERT_OK_AND_ASSIGN(BooksState after, ReadBooksState(*ledger, kTb));
  ExpectSameBooks(before, after);

  ASSERT_OK(ledger->UpdateAccount(
      kTb, {.account_id = "bob", .status = AccountStatus::kClosed}));
  ASSERT_OK_AND_ASSIGN(before, ReadBooksState(*ledger, kTb));
  EXPECT_STATUS(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r4", "ann", "bob", 60)),
      StatusCode::kFailedPrecondition, "receiver_id:");
  EXPECT_STATUS(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r5", "bob", "ann", 60)),
      StatusCode::kFailedPrecondition, "giver_id:");
  ASSERT_OK_AND_ASSIGN(after, ReadBooksState(*ledger, kTb));
  ExpectSameBooks(before, after);

  ASSERT_OK(ledger->UpdateAccount(
      kTb, {.account_id = "bob", .status = AccountStatus::kActive}));
  ASSERT_OK_AND_ASSIGN(
      Exchange ok,
      ledger->RecordExchange(kTb, Coordinator(), Gave("r1", "ann", "bob", 60)));
  EXPECT_EQ(ok.record.seq, 1u);
}

TEST(Ledger, ConfirmIsRefusedWhileAPartyIsSuspended) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  ASSERT_OK_AND_ASSIGN(
      Exchange pending,
      ledger->RecordExchange(kTb, Member("ann"), Gave("r1", "ann", "bob", 60)));
  ASSERT_OK(ledger->UpdateAccount(
      kTb, {.account_id = "ann", .status = AccountStatus::kSuspended}));
  EXPECT_STATUS(
      ledger->ConfirmExchange(kTb, Member("bob"), pending.record.seq, "c1"),
      StatusCode::kFailedPrecondition, "giver_id:");
  ASSERT_OK_AND_ASSIGN(Exchange still, ledger->GetExchange(kTb, Coordinator(),
                                                           pending.record.seq));
  EXPECT_EQ(still.status, ExchangeStatus::kPending);
  EXPECT_EQ(BalanceOf(*ledger, "bob"), 0);
}

TEST(Ledger, EraseAccountWipesPersonalDetailsButKeepsBalancesAndJournal) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"bob"}));
  ASSERT_OK(ledger->OpenAccount(kTb, {.account_id = "ann",
                                      .display_name = "Ann Smith",
                                      .skills = {"gardening", "baking"},
                                      .external_ref = "crm:ann-smith"}));
  ASSERT_OK(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r1", "ann", "bob", 60)));
  ASSERT_OK(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r2", "bob", "ann", 15)));
  ASSERT_OK_AND_ASSIGN(Account before, ledger->GetAccount(kTb, "ann"));
  ASSERT_OK_AND_ASSIGN(std::vector<JournalEntry> journal_before,
                       WholeJournal(*ledger, kTb));

  ASSERT_OK_AND_ASSIGN(Account erased, ledger->EraseAccount(kTb, "ann"));
  EXPECT_TRUE(erased.erased);
  EXPECT_NE(erased.display_name, "Ann Smith");
  EXPECT_EQ(erased.display_name.find("Ann"), std::string::npos);
  EXPECT_TRUE(erased.skills.empty());
  EXPECT_TRUE(erased.external_ref.empty());
  EXPECT_EQ(erased.totals, before.totals);
  EXPECT_EQ(erased.totals.balance_minutes(), 45);
  EXPECT_EQ(erased.id, "ann");

  ASSERT_OK_AND_ASSIGN(std::vector<JournalEntry> journal_after,
                       WholeJournal(*ledger, kTb));
  EXPECT_EQ(journal_after, journal_before);
  ASSERT_OK_AND_ASSIGN(ledger::VerifyReport report, ledger->Verify(kTb));
  EXPECT_TRUE(report.ok) << report.problem;

  // Erased stays erased, but the account still takes part in exchanges.
  EXPECT_STATUS(
      ledger->UpdateAccount(kTb, {.account_id = "ann", .display_name = "Ann"}),
      StatusCode::kFailedPrecondition, "account_id:");
  EXPECT_OK(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r3", "ann", "bob", 5)));
  EXPECT_STATUS(ledger->EraseAccount(kTb, "zed"), StatusCode::kNotFound,
                "account_id:");

  ledger->Close();
  ASSERT_OK_AND_ASSIGN(auto reopened, Ledger::Open(TestOptions(dir.path())));
  ASSERT_OK_AND_ASSIGN(Account after_reopen, reopened->GetAccount(kTb, "ann"));
  EXPECT_TRUE(after_reopen.erased);
  EXPECT_EQ(after_reopen.display_name, erased.display_name);
  EXPECT_TRUE(after_reopen.external_ref.empty());
}

// ---------------------------------------------------------------------------
// Recording, confirming, rejecting and reversing.

TEST(Ledger, CoordinatorRecordIsConfirmedAtOnceAndMovesBalances) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"kathy", "vera"}));
  RecordExchangeInput input = Gave("r1", "kathy", "vera", 120);
  input.description = "Weeding the front garden";
  ASSERT_OK_AND_ASSIGN(Exchange e,
                       ledger->RecordExchange(kTb, Coordinator(), input));
  EXPECT_EQ(e.status, ExchangeStatus::kConfirmed);
  EXPECT_EQ(e.record.seq, 1u);
  EXPECT_EQ(e.record.kind, EntryKind::kRecord);
  EXPECT_EQ(e.record.giver_id, "kathy");
  EXPECT_EQ(e.record.receiver_id, "vera");
  EXPECT_EQ(e.record.minutes, 120);
  EXPECT_EQ(e.record.category, "gardening");
  EXPECT_EQ(e.record.description, "Weeding the front garden");
  EXPECT_EQ(e.record.occurred_on, *ledger::ParseDate("2026-06-10"));
  EXPECT_EQ(e.record.recorded_by, "coord");
  EXPECT_TRUE(e.record.recorder_account.empty());
  EXPECT_EQ(e.record.recorded_at_us, kNowUs);
  EXPECT_EQ(e.closed_by_seq, 0u);

  EXPECT_EQ(BalanceOf(*ledger, "kathy"), 120);
  EXPECT_EQ(BalanceOf(*ledger, "vera"), -120);
  ASSERT_OK_AND_ASSIGN(Timebank timebank, ledger->GetTimebank(kTb));
  EXPECT_EQ(timebank.last_seq, 1u);
  EXPECT_EQ(Hex(timebank.last_hash), Hex(e.record.hash));
  ASSERT_OK_AND_ASSIGN(Exchange got,
                       ledger->GetExchange(kTb, Coordinator(), 1));
  EXPECT_EQ(got.record, e.record);
  EXPECT_EQ(got.status, ExchangeStatus::kConfirmed);
}

TEST(Ledger, TotalsCountMinutesExchangesAndDistinctPartners) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob", "cat"}));
  ASSERT_OK(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r1", "ann", "bob", 60)));
  ASSERT_OK(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r2", "bob", "ann", 30)));
  ASSERT_OK_AND_ASSIGN(
      Exchange third,
      ledger->RecordExchange(kTb, Coordinator(), Gave("r3", "ann", "cat", 10)));
  ASSERT_OK(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r4", "ann", "bob", 5)));

  ASSERT_OK_AND_ASSIGN(AccountTotals ann, ledger->GetBalance(kTb, "ann"));
  EXPECT_EQ(ann, (AccountTotals{.minutes_given = 75,
                                .minutes_received = 30,
                                .exchanges_given = 3,
                                .exchanges_received = 1,
                                .partners = 2}));
  ASSERT_OK_AND_ASSIGN(AccountTotals bob, ledger->GetBalance(kTb, "bob"));
  EXPECT_EQ(bob, (AccountTotals{.minutes_given = 30,
                                .minutes_received = 65,
                                .exchanges_given = 1,
                                .exchanges_received = 2,
                                .partners = 1}));
  ASSERT_OK_AND_ASSIGN(AccountTotals cat, ledger->GetBalance(kTb, "cat"));
  EXPECT_EQ(cat, (AccountTotals{.minutes_received = 10,
                                .exchanges_received = 1,
                                .partners = 1}));
  EXPECT_EQ(SumOfBalances(*ledger, kTb), 0);

  // Reversing the only exchange with cat removes the partnership both ways.
  ASSERT_OK(
      ledger->ReverseExchange(kTb, Coordinator(), third.record.seq, "v3", ""));
  ASSERT_OK_AND_ASSIGN(ann, ledger->GetBalance(kTb, "ann"));
  EXPECT_EQ(ann, (AccountTotals{.minutes_given = 65,
                                .minutes_received = 30,
                                .exchanges_given = 2,
                                .exchanges_received = 1,
                                .partners = 1}));
  ASSERT_OK_AND_ASSIGN(cat, ledger->GetBalance(kTb, "cat"));
  EXPECT_EQ(cat, AccountTotals{});
  EXPECT_EQ(SumOfBalances(*ledger, kTb), 0);
}

TEST(Ledger, MemberRecordStaysPendingUntilOtherPartyConfirms) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"kathy", "vera"}));
  ASSERT_OK_AND_ASSIGN(Exchange pending, ledger->RecordExchange(
                                             kTb, Member("kathy"),
                                             Gave("r1", "kathy", "vera", 120)));
  EXPECT_EQ(pending.status, ExchangeStatus::kPending);
  EXPECT_EQ(pending.record.initial_status, ExchangeStatus::kPending);
  EXPECT_EQ(pending.record.recorder_account, "kathy");
  EXPECT_EQ(pending.record.recorded_by, "member-kathy");
  ASSERT_OK_AND_ASSIGN(AccountTotals kathy, ledger->GetBalance(kTb, "kathy"));
  EXPECT_EQ(kathy, AccountTotals{});
  ASSERT_OK_AND_ASSIGN(AccountTotals vera, ledger->GetBalance(kTb, "vera"));
  EXPECT_EQ(vera, AccountTotals{});

  // The member who logged it cannot confirm it themselves.
  EXPECT_STATUS(
      ledger->ConfirmExchange(kTb, Member("kathy"), pending.record.seq, "c1"),
      StatusCode::kPermissionDenied, "seq:");
  ASSERT_OK_AND_ASSIGN(Exchange still, ledger->GetExchange(kTb, Coordinator(),
                                                           pending.record.seq));
  EXPECT_EQ(still.status, ExchangeStatus::kPending);

  ASSERT_OK_AND_ASSIGN(
      Exchange confirmed,
      ledger->ConfirmExchange(kTb, Member("vera"), pending.record.seq, "c2"));
  EXPECT_EQ(confirmed.status, ExchangeStatus::kConfirmed);
  EXPECT_EQ(confirmed.record.seq, pending.record.seq);
  EXPECT_EQ(confirmed.closed_by_seq, 2u);
  EXPECT_EQ(BalanceOf(*ledger, "kathy"), 120);
  EXPECT_EQ(BalanceOf(*ledger, "vera"), -120);
  ASSERT_OK_AND_ASSIGN(kathy, ledger->GetBalance(kTb, "kathy"));
  EXPECT_EQ(kathy.exchanges_given, 1);
  EXPECT_EQ(kathy.partners, 1);

  ASSERT_OK_AND_ASSIGN(std::vector<JournalEntry> journal,
                       WholeJournal(*ledger, kTb));
  ASSERT_EQ(journal.size(), 2u);
  EXPECT_EQ(journal[1].kind, EntryKind::kConfirm);
  EXPECT_EQ(journal[1].target_seq, 1u);
  EXPECT_EQ(journal[1].recorded_by, "member-vera");
  EXPECT_EQ(journal[1].minutes, 120);
  ASSERT_OK_AND_ASSIGN(Exchange got,
                       ledger->GetExchange(kTb, Coordinator(), 1));
  EXPECT_EQ(got.status, ExchangeStatus::kConfirmed);
  EXPECT_EQ(got.closed_by_seq, 2u);
  EXPECT_EQ(got.closed_by, "member-vera");
  EXPECT_EQ(got.closed_at_us, journal[1].recorded_at_us);
  // The confirm's own seq finds the exchange it confirmed.
  ASSERT_OK_AND_ASSIGN(Exchange by_confirm,
                       ledger->GetExchange(kTb, Coordinator(), 2));
  EXPECT_EQ(by_confirm.record.seq, 1u);
  EXPECT_EQ(by_confirm.closed_by_seq, 2u);
  EXPECT_STATUS(ledger->GetExchange(kTb, Coordinator(), 3),
                StatusCode::kNotFound, "seq:");
}

// `exchange show` of a reversed record says which entry reversed it, when,
// who and why; the reversal's own seq shows the same.
TEST(Ledger, AReversedExchangeSaysWhenWhoAndWhy) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger,
                       OpenWithPeople(dir, {"kathy", "vera", "olga"}));
  ASSERT_OK_AND_ASSIGN(Exchange gave,
                       ledger->RecordExchange(kTb, Coordinator(),
                                              Gave("r1", "kathy", "vera", 60)));
  ASSERT_OK_AND_ASSIGN(
      Exchange reversed,
      ledger->ReverseExchange(kTb, Actor::Coordinator("anne-coordinator"),
                              gave.record.seq, "v1", "entered twice"));
  const Seq reversal = reversed.closed_by_seq;
  ASSERT_NE(reversal, 0u);
  ASSERT_OK_AND_ASSIGN(std::vector<JournalEntry> journal,
                       WholeJournal(*ledger, kTb));
  ASSERT_EQ(journal.size(), 2u);
  for (const Seq seq : {gave.record.seq, reversal}) {
    ASSERT_OK_AND_ASSIGN(Exchange shown,
                         ledger->GetExchange(kTb, Coordinator(), seq));
    EXPECT_EQ(shown.record.seq, gave.record.seq);
    EXPECT_EQ(shown.status, ExchangeStatus::kReversed);
    EXPECT_EQ(shown.closed_by_seq, reversal);
    EXPECT_EQ(shown.closed_by, "anne-coordinator");
    EXPECT_EQ(shown.close_note, "entered twice");
    EXPECT_EQ(shown.closed_at_us, journal[1].recorded_at_us);
    // The parties may see it by either seq; nobody else by any.
    EXPECT_OK(ledger->GetExchange(kTb, Member("vera"), seq));
    EXPECT_STATUS(ledger->GetExchange(kTb, Member("olga"), seq),
                  StatusCode::kPermissionDenied, "seq:");
  }
}

TEST(Ledger, MemberSeesOnlyExchangesTheyTookPartIn) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger,
                       OpenWithPeople(dir, {"kathy", "vera", "olga"}));
  ASSERT_OK_AND_ASSIGN(Exchange kathy_gave_vera,
                       ledger->RecordExchange(kTb, Coordinator(),
                                              Gave("r1", "kathy", "vera", 60)));
  const Seq seq = kathy_gave_vera.record.seq;
  EXPECT_OK(ledger->GetExchange(kTb, Member("kathy"), seq));
  EXPECT_OK(ledger->GetExchange(kTb, Member("vera"), seq));
  EXPECT_OK(ledger->GetExchange(kTb, Coordinator(), seq));
  EXPECT_STATUS(ledger->GetExchange(kTb, Member("olga"), seq),
                StatusCode::kPermissionDenied,
                "seq: a MEMBER token sees only exchanges it took part in");
  // What does not exist is NOT_FOUND for everyone alike.
  EXPECT_STATUS(ledger->GetExchange(kTb, Member("olga"), seq + 1),
                StatusCode::kNotFound, "seq:");
}

TEST(Ledger, ReceiverMayLogAndGiverConfirms) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"kathy", "vera"}));
  ASSERT_OK_AND_ASSIGN(Exchange pending,
                       ledger->RecordExchange(kTb, Member("vera"),
                                              Gave("r1", "kathy", "vera", 30)));
  EXPECT_EQ(pending.status, ExchangeStatus::kPending);
  EXPECT_STATUS(
      ledger->ConfirmExchange(kTb, Member("vera"), pending.record.seq, "c1"),
      StatusCode::kPermissionDenied, "seq:");
  ASSERT_OK(
      ledger->ConfirmExchange(kTb, Member("kathy"), pending.record.seq, "c2"));
  EXPECT_EQ(BalanceOf(*ledger, "kathy"), 30);
}

TEST(Ledger, CoordinatorMayConfirmAMembersRecord) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"kathy", "vera"}));
  ASSERT_OK_AND_ASSIGN(Exchange pending,
                       ledger->RecordExchange(kTb, Member("kathy"),
                                              Gave("r1", "kathy", "vera", 45)));
  ASSERT_OK_AND_ASSIGN(
      Exchange confirmed,
      ledger->ConfirmExchange(kTb, Coordinator(), pending.record.seq, "c1"));
  EXPECT_EQ(confirmed.status, ExchangeStatus::kConfirmed);
  EXPECT_EQ(BalanceOf(*ledger, "vera"), -45);
}

TEST(Ledger, MemberMayNotActOnOthersExchanges) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob", "cat"}));
  ASSERT_OK_AND_ASSIGN(BooksState before, ReadBooksState(*ledger, kTb));
  EXPECT_STATUS(
      ledger->RecordExchange(kTb, Member("cat"), Gave("r1", "ann", "bob", 60)),
      StatusCode::kPermissionDenied, "giver_id:");
  ASSERT_OK_AND_ASSIGN(BooksState after, ReadBooksState(*ledger, kTb));
  ExpectSameBooks(before, after);

  ASSERT_OK_AND_ASSIGN(
      Exchange pending,
      ledger->RecordExchange(kTb, Member("ann"), Gave("r2", "ann", "bob", 60)));
  EXPECT_STATUS(
      ledger->ConfirmExchange(kTb, Member("cat"), pending.record.seq, "c1"),
      StatusCode::kPermissionDenied, "seq:");
  EXPECT_STATUS(ledger->RejectExchange(kTb, Member("cat"), pending.record.seq,
                                       "j1", "not mine"),
                StatusCode::kPermissionDenied, "seq:");
  ASSERT_OK_AND_ASSIGN(Exchange still, ledger->GetExchange(kTb, Coordinator(),
                                                           pending.record.seq));
  EXPECT_EQ(still.status, ExchangeStatus::kPending);
  ASSERT_OK_AND_ASSIGN(Timebank timebank, ledger->GetTimebank(kTb));
  EXPECT_EQ(timebank.last_seq, 1u);
}

TEST(Ledger, MembersMayNotLogWhenTheTimebankForbidsIt) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"},
                                                   {.members_may_log = false}));
  ASSERT_OK_AND_ASSIGN(BooksState before, ReadBooksState(*ledger, kTb));
  EXPECT_STATUS(
      ledger->RecordExchange(kTb, Member("ann"), Gave("r1", "ann", "bob", 60)),
      StatusCode::kPermissionDenied, "timebank_id:");
  ASSERT_OK_AND_ASSIGN(BooksState after, ReadBooksState(*ledger, kTb));
  ExpectSameBooks(before, after);
  EXPECT_OK(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r1", "ann", "bob", 60)));

  // Turning it on lets the same member log.
  ASSERT_OK(ledger->UpdateTimebankSettings(kTb, {.members_may_log = true}));
  EXPECT_OK(
      ledger->RecordExchange(kTb, Member("ann"), Gave("r2", "ann", "bob", 60)));
}

TEST(Ledger, RejectLeavesBalancesUntouchedAndIsFinal) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  ASSERT_OK_AND_ASSIGN(
      Exchange pending,
      ledger->RecordExchange(kTb, Member("ann"), Gave("r1", "ann", "bob", 60)));
  ASSERT_OK_AND_ASSIGN(
      Exchange rejected,
      ledger->RejectExchange(kTb, Member("bob"), pending.record.seq, "j1",
                             "that was someone else"));
  EXPECT_EQ(rejected.status, ExchangeStatus::kRejected);
  EXPECT_EQ(rejected.closed_by_seq, 2u);
  ASSERT_OK_AND_ASSIGN(AccountTotals ann, ledger->GetBalance(kTb, "ann"));
  EXPECT_EQ(ann, AccountTotals{});
  ASSERT_OK_AND_ASSIGN(std::vector<JournalEntry> journal,
                       WholeJournal(*ledger, kTb));
  ASSERT_EQ(journal.size(), 2u);
  EXPECT_EQ(journal[1].kind, EntryKind::kReject);
  EXPECT_EQ(journal[1].note, "that was someone else");

  ASSERT_OK_AND_ASSIGN(BooksState before, ReadBooksState(*ledger, kTb));
  EXPECT_STATUS(
      ledger->ConfirmExchange(kTb, Coordinator(), pending.record.seq, "c1"),
      StatusCode::kFailedPrecondition, "seq:");
  EXPECT_STATUS(
      ledger->RejectExchange(kTb, Coordinator(), pending.record.seq, "j2", ""),
      StatusCode::kFailedPrecondition, "seq:");
  EXPECT_STATUS(
      ledger->ReverseExchange(kTb, Coordinator(), pending.record.seq, "v1", ""),
      StatusCode::kFailedPrecondition, "seq:");
  ASSERT_OK_AND_ASSIGN(BooksState after, ReadBooksState(*ledger, kTb));
  ExpectSameBooks(before, after);
}

TEST(Ledger, RecorderMayWithdrawTheirOwnPendingRecord) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  ASSERT_OK_AND_ASSIGN(
      Exchange pending,
      ledger->RecordExchange(kTb, Member("ann"), Gave("r1", "ann", "bob", 60)));
  ASSERT_OK_AND_ASSIGN(
      Exchange rejected,
      ledger->RejectExchange(kTb, Member("ann"), pending.record.seq, "j1",
                             "logged by mistake"));
  EXPECT_EQ(rejected.status, ExchangeStatus::kRejected);
}

TEST(Ledger, ConfirmAndRejectNeedAPendingExchange) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  ASSERT_OK_AND_ASSIGN(
      Exchange confirmed,
      ledger->RecordExchange(kTb, Coordinator(), Gave("r1", "ann", "bob", 60)));
  ASSERT_OK_AND_ASSIGN(BooksState before, ReadBooksState(*ledger, kTb));
  EXPECT_STATUS(
      ledger->ConfirmExchange(kTb, Coordinator(), confirmed.record.seq, "c1"),
      StatusCode::kFailedPrecondition, "seq:");
  EXPECT_STATUS(
      ledger->ConfirmExchange(kTb, Member("bob"), confirmed.record.seq, "c2"),
      StatusCode::kFailedPrecondition, "seq:");
  EXPECT_STATUS(ledger->RejectExchange(kTb, Coordinator(), confirmed.record.seq,
                                       "j1", ""),
                StatusCode::kFailedPrecondition, "seq:");
  ASSERT_OK_AND_ASSIGN(BooksState after, ReadBooksState(*ledger, kTb));
  ExpectSameBooks(before, after);
}

TEST(Ledger, ReverseUndoesAConfirmedExchange) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  ASSERT_OK_AND_ASSIGN(
      Exchange e,
      ledger->RecordExchange(kTb, Coordinator(), Gave("r1", "ann", "bob", 60)));
  ASSERT_OK_AND_ASSIGN(Exchange reversed,
                       ledger->ReverseExchange(kTb, Coordinator(), e.record.seq,
                                               "v1", "wrong people"));
  EXPECT_EQ(reversed.status, ExchangeStatus::kReversed);
  EXPECT_EQ(reversed.record.seq, 1u);
  EXPECT_EQ(reversed.closed_by_seq, 2u);
  ASSERT_OK_AND_ASSIGN(AccountTotals ann, ledger->GetBalance(kTb, "ann"));
  EXPECT_EQ(ann, AccountTotals{});
  ASSERT_OK_AND_ASSIGN(AccountTotals bob, ledger->GetBalance(kTb, "bob"));
  EXPECT_EQ(bob, AccountTotals{});
  ASSERT_OK_AND_ASSIGN(std::vector<JournalEntry> journal,
                       WholeJournal(*ledger, kTb));
  ASSERT_EQ(journal.size(), 2u);
  EXPECT_EQ(journal[0].kind, EntryKind::kRecord);  // Nothing is edited.
  EXPECT_EQ(journal[1].kind, EntryKind::kReverse);
  EXPECT_EQ(journal[1].target_seq, 1u);
  EXPECT_EQ(journal[1].note, "wrong people");
  EXPECT_EQ(journal[1].giver_id, "ann");
  EXPECT_EQ(journal[1].minutes, 60);
  ASSERT_OK_AND_ASSIGN(Exchange got,
                       ledger->GetExchange(kTb, Coordinator(), 1));
  EXPECT_EQ(got.status, ExchangeStatus::kReversed);
}

TEST(Ledger, MembersMayNotReverse) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  ASSERT_OK_AND_ASSIGN(
      Exchange e,
      ledger->RecordExchange(kTb, Coordinator(), Gave("r1", "ann", "bob", 60)));
  ASSERT_OK_AND_ASSIGN(BooksState before, ReadBooksState(*ledger, kTb));
  EXPECT_STATUS(
      ledger->ReverseExchange(kTb, Member("ann"), e.record.seq, "v1", ""),
      StatusCode::kPermissionDenied, "seq:");
  EXPECT_STATUS(
      ledger->ReverseExchange(kTb, Member("bob"), e.record.seq, "v2", ""),
      StatusCode::kPermissionDenied, "seq:");
  ASSERT_OK_AND_ASSIGN(BooksState after, ReadBooksState(*ledger, kTb));
  ExpectSameBooks(before, after);
}

TEST(Ledger, ReverseNeedsAConfirmedExchange) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  ASSERT_OK_AND_ASSIGN(
      Exchange pending,
      ledger->RecordExchange(kTb, Member("ann"), Gave("r1", "ann", "bob", 60)));
  EXPECT_STATUS(
      ledger->ReverseExchange(kTb, Coordinator(), pending.record.seq, "v1", ""),
      StatusCode::kFailedPrecondition, "seq:");
  ASSERT_OK_AND_ASSIGN(Exchange still, ledger->GetExchange(kTb, Coordinator(),
                                                           pending.record.seq));
  EXPECT_EQ(still.status, ExchangeStatus::kPending);
}

TEST(Ledger, ExchangeCanBeReversedAtMostOnce) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  ASSERT_OK_AND_ASSIGN(
      Exchange e,
      ledger->RecordExchange(kTb, Coordinator(), Gave("r1", "ann", "bob", 60)));
  ASSERT_OK(
      ledger->ReverseExchange(kTb, Coordinator(), e.record.seq, "v1", ""));
  ASSERT_OK_AND_ASSIGN(BooksState before, ReadBooksState(*ledger, kTb));
  EXPECT_STATUS(
      ledger->ReverseExchange(kTb, Coordinator(), e.record.seq, "v2", ""),
      StatusCode::kFailedPrecondition, "seq:");
  ASSERT_OK_AND_ASSIGN(BooksState after, ReadBooksState(*ledger, kTb));
  ExpectSameBooks(before, after);
  EXPECT_EQ(BalanceOf(*ledger, "ann"), 0);
}

TEST(Ledger, ReversalEntryCannotItselfBeReversedConfirmedOrRejected) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  ASSERT_OK_AND_ASSIGN(
      Exchange e,
      ledger->RecordExchange(kTb, Coordinator(), Gave("r1", "ann", "bob", 60)));
  ASSERT_OK_AND_ASSIGN(
      Exchange reversed,
      ledger->ReverseExchange(kTb, Coordinator(), e.record.seq, "v1", ""));
  const Seq reversal_seq = reversed.closed_by_seq;
  ASSERT_EQ(reversal_seq, 2u);
  ASSERT_OK_AND_ASSIGN(BooksState before, ReadBooksState(*ledger, kTb));
  EXPECT_STATUS(
      ledger->ReverseExchange(kTb, Coordinator(), reversal_seq, "v2", ""),
      StatusCode::kFailedPrecondition, "seq:");
  EXPECT_STATUS(ledger->ConfirmExchange(kTb, Coordinator(), reversal_seq, "c2"),
                StatusCode::kFailedPrecondition, "seq:");
  EXPECT_STATUS(
      ledger->RejectExchange(kTb, Coordinator(), reversal_seq, "j2", ""),
      StatusCode::kFailedPrecondition, "seq:");
  ASSERT_OK_AND_ASSIGN(BooksState after, ReadBooksState(*ledger, kTb));
  ExpectSameBooks(before, after);
}

TEST(Ledger, CloseOfAMissingSeqIsNotFoundAndSeqZeroIsInvalid) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  EXPECT_STATUS(ledger->ConfirmExchange(kTb, Coordinator(), 99, "c1"),
                StatusCode::kNotFound, "seq:");
  EXPECT_STATUS(ledger->ReverseExchange(kTb, Coordinator(), 99, "v1", ""),
                StatusCode::kNotFound, "seq:");
  EXPECT_STATUS(ledger->RejectExchange(kTb, Coordinator(), 0, "j1", ""),
                StatusCode::kInvalidArgument, "seq:");
  EXPECT_STATUS(ledger->GetExchange(kTb, Coordinator(), 0),
                StatusCode::kInvalidArgument, "seq:");
  EXPECT_STATUS(ledger->GetExchange(kTb, Coordinator(), 1),
                StatusCode::kNotFound, "seq:");
  EXPECT_STATUS(ledger->ConfirmExchange(kTb, Coordinator(), 1, ""),
                StatusCode::kInvalidArgument, "request_id:");
  EXPECT_STATUS(
      ledger->RejectExchange(kTb, Coordinator(), 1, "j2", "bad\x01reason"),
      StatusCode::kInvalidArgument, "reason:");
}

// ---------------------------------------------------------------------------
// The rules on what may be recorded.

TEST(Ledger, SelfExchangeIsRefused) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  ASSERT_OK_AND_ASSIGN(BooksState before, ReadBooksState(*ledger, kTb));
  EXPECT_STATUS(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r1", "ann", "ann", 60)),
      StatusCode::kInvalidArgument, "receiver_id:");
  EXPECT_STATUS(
      ledger->RecordExchange(kTb, Member("ann"), Gave("r2", "ann", "ann", 60)),
      StatusCode::kInvalidArgument, "receiver_id:");
  ASSERT_OK_AND_ASSIGN(BooksState after, ReadBooksState(*ledger, kTb));
  ExpectSameBooks(before, after);
}

TEST(Ledger, MinutesMustBePositiveAndAtMostTheTimebankMaximum) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  ASSERT_OK_AND_ASSIGN(BooksState before, ReadBooksState(*ledger, kTb));
  for (int64_t minutes : {int64_t{0}, int64_t{-1}, int64_t{-60}, INT64_MIN,
                          int64_t{24 * 60 + 1}, int64_t{100'000}, INT64_MAX}) {
    EXPECT_STATUS(ledger->RecordExchange(kTb, Coordinator(),
                                         Gave("r1", "ann", "bob", minutes)),
                  StatusCode::kInvalidArgument, "minutes:")
        << minutes;
    EXPECT_STATUS(ledger->RecordExchange(kTb, Member("ann"),
                                         Gave("r1", "ann", "bob", minutes)),
                  StatusCode::kInvalidArgument, "minutes:")
        << minutes;
  }
  ASSERT_OK_AND_ASSIGN(BooksState after, ReadBooksState(*ledger, kTb));
  ExpectSameBooks(before, after);

  EXPECT_OK(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r1", "ann", "bob", 1)));
  EXPECT_OK(ledger->RecordExchange(kTb, Coordinator(),
                                   Gave("r2", "ann", "bob", 24 * 60)));
  ASSERT_OK(
      ledger->UpdateTimebankSettings(kTb, {.max_exchange_minutes = 3000}));
  EXPECT_OK(ledger->RecordExchange(kTb, Coordinator(),
                                   Gave("r3", "ann", "bob", 3000)));
  EXPECT_STATUS(ledger->RecordExchange(kTb, Coordinator(),
                                       Gave("r4", "ann", "bob", 3001)),
                StatusCode::kInvalidArgument, "minutes:");
}

TEST(Ledger, UnknownOrMalformedAccountIsRefused) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  ASSERT_OK_AND_ASSIGN(BooksState before, ReadBooksState(*ledger, kTb));
  EXPECT_STATUS(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r1", "zed", "bob", 60)),
      StatusCode::kNotFound, "giver_id:");
  EXPECT_STATUS(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r2", "ann", "zed", 60)),
      StatusCode::kNotFound, "receiver_id:");
  EXPECT_STATUS(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r3", "a/b", "bob", 60)),
      StatusCode::kInvalidArgument, "giver_id:");
  EXPECT_STATUS(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r4", "ann", "", 60)),
      StatusCode::kInvalidArgument, "receiver_id:");
  // An account of another timebank is not an account here.
  ASSERT_OK(ledger->CreateTimebank("other", "Other", {}));
  ASSERT_OK(ledger->OpenAccount("other", Person("cat")));
  EXPECT_STATUS(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r5", "ann", "cat", 60)),
      StatusCode::kNotFound, "receiver_id:");
  ASSERT_OK_AND_ASSIGN(BooksState after, ReadBooksState(*ledger, kTb));
  ExpectSameBooks(before, after);
}

TEST(Ledger, OccurredOnMustBeARealDateAtMostOneDayAhead) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  ASSERT_OK_AND_ASSIGN(BooksState before, ReadBooksState(*ledger, kTb));
  for (const char* date :
       {"2026-02-30", "2026-6-10", "10/06/2026", "", "2026-06-10T00",
        "1899-12-31", "2026-06-17", "2027-01-01"}) {
    EXPECT_STATUS(ledger->RecordExchange(kTb, Coordinator(),
                                         Gave("r1", "ann", "bob", 60, date)),
                  StatusCode::kInvalidArgument, "occurred_on:")
        << date;
  }
  ASSERT_OK_AND_ASSIGN(BooksState after, ReadBooksState(*ledger, kTb));
  ExpectSameBooks(before, after);
  // Today and tomorrow (members ahead of UTC) are fine, and so is the past.
  EXPECT_OK(ledger->RecordExchange(kTb, Coordinator(),
                                   Gave("r1", "ann", "bob", 60, kToday)));
  EXPECT_OK(ledger->RecordExchange(kTb, Coordinator(),
                                   Gave("r2", "ann", "bob", 60, "2026-06-16")));
  EXPECT_OK(ledger->RecordExchange(kTb, Coordinator(),
                                   Gave("r3", "ann", "bob", 60, "1950-01-01")));
}

TEST(Ledger, CategoryDescriptionAndRequestIdAreValidated) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  ASSERT_OK_AND_ASSIGN(BooksState before, ReadBooksState(*ledger, kTb));
  EXPECT_STATUS(
      ledger->RecordExchange(kTb, Coordinator(),
                             Gave("r1", "ann", "bob", 60, kToday, "")),
      StatusCode::kInvalidArgument, "category:");
  EXPECT_STATUS(
      ledger->RecordExchange(kTb, Coordinator(),
                             Gave("r1", "ann", "bob", 60, kToday, "car;wash")),
      StatusCode::kInvalidArgument, "category:");
  RecordExchangeInput long_description = Gave("r1", "ann", "bob", 60);
  long_description.description = std::string(1001, 'x');
  EXPECT_STATUS(ledger->RecordExchange(kTb, Coordinator(), long_description),
                StatusCode::kInvalidArgument, "description:");
  RecordExchangeInput bad_utf8 = Gave("r1", "ann", "bob", 60);
  bad_utf8.description = "caf\xC3";
  EXPECT_STATUS(ledger->RecordExchange(kTb, Coordinator(), bad_utf8),
                StatusCode::kInvalidArgument, "description:");
  RecordExchangeInput control = Gave("r1", "ann", "bob", 60);
  control.description = "a\x1b[31mred";
  EXPECT_STATUS(ledger->RecordExchange(kTb, Coordinator(), control),
                StatusCode::kInvalidArgument, "description:");
  EXPECT_STATUS(
      ledger->RecordExchange(kTb, Coordinator(), Gave("", "ann", "bob", 60)),
      StatusCode::kInvalidArgument, "request_id:");
  EXPECT_STATUS(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r 1", "ann", "bob", 60)),
      StatusCode::kInvalidArgument, "request_id:");
  ASSERT_OK_AND_ASSIGN(BooksState after, ReadBooksState(*ledger, kTb));
  ExpectSameBooks(before, after);

  RecordExchangeInput fine = Gave("r1", "ann", "bob", 60, kToday, "  IT Help ");
  fine.description = "Set up the printer.\nAnd the\tscanner.";
  ASSERT_OK_AND_ASSIGN(Exchange e,
                       ledger->RecordExchange(kTb, Coordinator(), fine));
  EXPECT_EQ(e.record.category, "it help");
  EXPECT_EQ(e.record.description, fine.description);
}

TEST(Ledger, BalanceFloorStopsAPersonReceivingBelowIt) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(
      auto ledger,
      OpenWithPeople(dir, {"ann", "bob"}, {.balance_floor_minutes = -120}));
  ASSERT_OK(ledger->RecordExchange(kTb, Coordinator(),
                                   Gave("r1", "ann", "bob", 100)));
  ASSERT_OK(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r2", "ann", "bob", 20)));
  EXPECT_EQ(BalanceOf(*ledger, "bob"), -120);  // Exactly at the floor is fine.
  ASSERT_OK_AND_ASSIGN(BooksState before, ReadBooksState(*ledger, kTb));
  EXPECT_STATUS(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r3", "ann", "bob", 1)),
      StatusCode::kFailedPrecondition, "receiver_id:");
  ASSERT_OK_AND_ASSIGN(BooksState after, ReadBooksState(*ledger, kTb));
  ExpectSameBooks(before, after);
  // Giving is always allowed, and brings bob back above the floor.
  ASSERT_OK(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r4", "bob", "ann", 30)));
  EXPECT_OK(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r3", "ann", "bob", 30)));
  EXPECT_EQ(BalanceOf(*ledger, "bob"), -120);
}

TEST(Ledger, BalanceFloorAppliesOnlyToPersonAccounts) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(
      auto ledger,
      OpenWithPeople(dir, {"ann"}, {.balance_floor_minutes = -60}));
  ASSERT_OK(ledger->OpenAccount(kTb, {.account_id = "council",
                                      .kind = AccountKind::kOrganisation,
                                      .display_name = "Council"}));
  ASSERT_OK(ledger->OpenAccount(kTb, {.account_id = "pot",
                                      .kind = AccountKind::kCommunityPot,
                                      .display_name = "Pot"}));
  EXPECT_OK(ledger->RecordExchange(kTb, Coordinator(),
                                   Gave("r1", "ann", "council", 600)));
  EXPECT_OK(ledger->RecordExchange(kTb, Coordinator(),
                                   Gave("r2", "ann", "pot", 600)));
  EXPECT_EQ(BalanceOf(*ledger, "council"), -600);
  EXPECT_EQ(BalanceOf(*ledger, "pot"), -600);
}

TEST(Ledger, BalanceFloorIsCheckedWhenAPendingRecordIsConfirmed) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(
      auto ledger,
      OpenWithPeople(dir, {"ann", "bob"}, {.balance_floor_minutes = -60}));
  // Pending records do not count, so logging is not refused...
  ASSERT_OK_AND_ASSIGN(
      Exchange pending,
      ledger->RecordExchange(kTb, Member("ann"), Gave("r1", "ann", "bob", 90)));
  ASSERT_OK_AND_ASSIGN(BooksState before, ReadBooksState(*ledger, kTb));
  // ...but confirming it would take bob below the floor.
  EXPECT_STATUS(
      ledger->ConfirmExchange(kTb, Member("bob"), pending.record.seq, "c1"),
      StatusCode::kFailedPrecondition, "receiver_id:");
  ASSERT_OK_AND_ASSIGN(BooksState after, ReadBooksState(*ledger, kTb));
  ExpectSameBooks(before, after);
  ASSERT_OK_AND_ASSIGN(Exchange still, ledger->GetExchange(kTb, Coordinator(),
                                                           pending.record.seq));
  EXPECT_EQ(still.status, ExchangeStatus::kPending);
}

TEST(Ledger, BalanceFloorAppliesToTheGiverWhenAnExchangeIsReversed) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger,
                       OpenWithPeople(dir, {"ann", "bob", "cat"},
                                      {.balance_floor_minutes = -60}));
  ASSERT_OK_AND_ASSIGN(
      Exchange gave,
      ledger->RecordExchange(kTb, Coordinator(), Gave("r1", "ann", "bob", 60)));
  ASSERT_OK(ledger->RecordExchange(kTb, Coordinator(),
                                   Gave("r2", "cat", "ann", 100)));
  EXPECT_EQ(BalanceOf(*ledger, "ann"), -40);
  ASSERT_OK_AND_ASSIGN(BooksState before, ReadBooksState(*ledger, kTb));
  // Undoing ann's 60 given would leave her at -100.
  EXPECT_STATUS(
      ledger->ReverseExchange(kTb, Coordinator(), gave.record.seq, "v1", ""),
      StatusCode::kFailedPrecondition, "giver_id:");
  ASSERT_OK_AND_ASSIGN(BooksState after, ReadBooksState(*ledger, kTb));
  ExpectSameBooks(before, after);
  ASSERT_OK_AND_ASSIGN(
      Exchange still, ledger->GetExchange(kTb, Coordinator(), gave.record.seq));
  EXPECT_EQ(still.status, ExchangeStatus::kConfirmed);
}

TEST(Ledger, ActorNameIsValidatedBeforeItReachesTheJournal) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  ASSERT_OK_AND_ASSIGN(BooksState before, ReadBooksState(*ledger, kTb));
  // recorded_by is stored in every entry; like every other stored string it
  // must be bounded (kActorNameMaxLength) and clean text.
  for (const std::string& name :
       {std::string(129, 'c'), std::string("coord\x1b[2J"),
        std::string("caf\xC3"), std::string()}) {
    EXPECT_STATUS(ledger->RecordExchange(kTb, ledger::Actor::Coordinator(name),
                                         Gave("r1", "ann", "bob", 60)),
                  StatusCode::kInvalidArgument, "")
        << "actor name of " << name.size() << " bytes";
  }
  ASSERT_OK_AND_ASSIGN(BooksState after, ReadBooksState(*ledger, kTb));
  ExpectSameBooks(before, after);
}

TEST(Ledger, EveryEntryWrittenCanBeReadBackAndVerified) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  // A huge actor name must be refused, or else stored so that it reads back:
  // an OK write that leaves an undecodable entry corrupts the journal.
  absl::StatusOr<Exchange> written = ledger->RecordExchange(
      kTb, ledger::Actor::Coordinator(std::string(70'000, 'c')),
      Gave("r1", "ann", "bob", 60));
  if (written.ok()) {
    EXPECT_OK(ledger->GetExchange(kTb, Coordinator(), written->record.seq));
    EXPECT_OK(ledger->ReadJournal(kTb, 1, 10));
  }
  ASSERT_OK_AND_ASSIGN(ledger::VerifyReport report, ledger->Verify(kTb));
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_OK(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r2", "bob", "ann", 5)));
}

// ---------------------------------------------------------------------------
// Idempotency.

TEST(Ledger, RecordRetryWithSameRequestIdReturnsTheOriginalSeq) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  const RecordExchangeInput input = Gave("r1", "ann", "bob", 60);
  ASSERT_OK_AND_ASSIGN(Exchange first,
                       ledger->RecordExchange(kTb, Coordinator(), input));
  ASSERT_OK(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r2", "bob", "ann", 10)));
  ASSERT_OK_AND_ASSIGN(BooksState before, ReadBooksState(*ledger, kTb));
  ASSERT_OK_AND_ASSIGN(Exchange retry,
                       ledger->RecordExchange(kTb, Coordinator(), input));
  EXPECT_EQ(retry.record.seq, first.record.seq);
  EXPECT_EQ(retry.record, first.record);
  ASSERT_OK_AND_ASSIGN(BooksState after, ReadBooksState(*ledger, kTb));
  ExpectSameBooks(before, after);  // Applied once only.
  EXPECT_EQ(BalanceOf(*ledger, "ann"), 50);

  // The category is compared after normalising, like the stored value.
  RecordExchangeInput same_normalised = input;
  same_normalised.category = " Gardening";
  ASSERT_OK_AND_ASSIGN(
      Exchange normalised,
      ledger->RecordExchange(kTb, Coordinator(), same_normalised));
  EXPECT_EQ(normalised.record.seq, first.record.seq);

  // A retry after a restart finds the original too.
  ledger->Close();
  ASSERT_OK_AND_ASSIGN(auto reopened, Ledger::Open(TestOptions(dir.path())));
  ASSERT_OK_AND_ASSIGN(Exchange after_restart,
                       reopened->RecordExchange(kTb, Coordinator(), input));
  EXPECT_EQ(after_restart.record.seq, first.record.seq);
  ASSERT_OK_AND_ASSIGN(Timebank timebank, reopened->GetTimebank(kTb));
  EXPECT_EQ(timebank.last_seq, 2u);
}

TEST(Ledger, RecordRetryReturnsTheOriginalEvenAfterTheMaximumIsLowered) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  const RecordExchangeInput input = Gave("r1", "ann", "bob", 120);
  ASSERT_OK_AND_ASSIGN(Exchange first,
                       ledger->RecordExchange(kTb, Coordinator(), input));
  // The reply was lost; meanwhile a coordinator lowers the largest exchange.
  ASSERT_OK(ledger->UpdateTimebankSettings(kTb, {.max_exchange_minutes = 60}));
  // The retry asks nothing new of the ledger: it must get the original
  // result, not a validation error for a request that already succeeded.
  absl::StatusOr<Exchange> retry =
      ledger->RecordExchange(kTb, Coordinator(), input);
  ASSERT_OK(retry);
  EXPECT_EQ(retry->record.seq, first.record.seq);
  // A new request over the new maximum is refused as before.
  EXPECT_STATUS(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r2", "ann", "bob", 120)),
      StatusCode::kInvalidArgument, "minutes:");
}

TEST(Ledger, MemberRecordRetryReturnsTheOriginalPendingRecord) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  const RecordExchangeInput input = Gave("r1", "ann", "bob", 60);
  ASSERT_OK_AND_ASSIGN(Exchange first,
                       ledger->RecordExchange(kTb, Member("ann"), input));
  ASSERT_OK_AND_ASSIGN(Exchange retry,
                       ledger->RecordExchange(kTb, Member("ann"), input));
  EXPECT_EQ(retry.record.seq, first.record.seq);
  EXPECT_EQ(retry.status, ExchangeStatus::kPending);
  ASSERT_OK_AND_ASSIGN(Timebank timebank, ledger->GetTimebank(kTb));
  EXPECT_EQ(timebank.last_seq, 1u);
}

TEST(Ledger, RequestIdReusedWithOtherContentIsAlreadyExists) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob", "cat"}));
  const RecordExchangeInput input = Gave("r1", "ann", "bob", 60);
  ASSERT_OK(ledger->RecordExchange(kTb, Coordinator(), input));
  ASSERT_OK_AND_ASSIGN(BooksState before, ReadBooksState(*ledger, kTb));
  std::vector<std::pair<std::string, RecordExchangeInput>> changed;
  changed.emplace_back("minutes", input).second.minutes = 61;
  changed.emplace_back("giver", input).second.giver_id = "cat";
  changed.emplace_back("receiver", input).second.receiver_id = "cat";
  changed.emplace_back("swapped", input).second = Gave("r1", "bob", "ann", 60);
  changed.emplace_back("date", input).second.occurred_on = "2026-06-11";
  changed.emplace_back("category", input).second.category = "befriending";
  changed.emplace_back("description", input).second.description = "more detail";
  for (const auto& [what, other] : changed) {
    EXPECT_STATUS(ledger->RecordExchange(kTb, Coordinator(), other),
                  StatusCode::kAlreadyExists, "request_id:")
        << what;
  }
  ASSERT_OK_AND_ASSIGN(BooksState after, ReadBooksState(*ledger, kTb));
  ExpectSameBooks(before, after);
}

TEST(Ledger, ConfirmRetryReturnsTheOriginalResult) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  ASSERT_OK_AND_ASSIGN(
      Exchange pending,
      ledger->RecordExchange(kTb, Member("ann"), Gave("r1", "ann", "bob", 60)));
  ASSERT_OK_AND_ASSIGN(
      Exchange first,
      ledger->ConfirmExchange(kTb, Member("bob"), pending.record.seq, "c1"));
  ASSERT_OK_AND_ASSIGN(BooksState before, ReadBooksState(*ledger, kTb));
  ASSERT_OK_AND_ASSIGN(
      Exchange retry,
      ledger->ConfirmExchange(kTb, Member("bob"), pending.record.seq, "c1"));
  EXPECT_EQ(retry.record.seq, first.record.seq);
  EXPECT_EQ(retry.closed_by_seq, first.closed_by_seq);
  EXPECT_EQ(retry.status, ExchangeStatus::kConfirmed);
  ASSERT_OK_AND_ASSIGN(BooksState after, ReadBooksState(*ledger, kTb));
  ExpectSameBooks(before, after);
  EXPECT_EQ(BalanceOf(*ledger, "ann"), 60);  // Counted once.

  // The same id to confirm another seq is a conflict.
  ASSERT_OK_AND_ASSIGN(
      Exchange other,
      ledger->RecordExchange(kTb, Member("ann"), Gave("r2", "ann", "bob", 30)));
  EXPECT_STATUS(
      ledger->ConfirmExchange(kTb, Member("bob"), other.record.seq, "c1"),
      StatusCode::kAlreadyExists, "request_id:");
  // Another kind of write is another request, checked from scratch: a
  // reject under the confirm's id meets a confirmed exchange.
  EXPECT_STATUS(
      ledger->RejectExchange(kTb, Member("bob"), pending.record.seq, "c1", ""),
      StatusCode::kFailedPrecondition, "seq:");
  // So is a request id of another caller: ann's record id confirms for bob.
  ASSERT_OK_AND_ASSIGN(
      Exchange confirmed,
      ledger->ConfirmExchange(kTb, Member("bob"), other.record.seq, "r2"));
  EXPECT_FALSE(confirmed.replayed);
  EXPECT_EQ(confirmed.status, ExchangeStatus::kConfirmed);
}

TEST(Ledger, ReverseRetryReturnsTheOriginalResult) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  ASSERT_OK_AND_ASSIGN(
      Exchange e,
      ledger->RecordExchange(kTb, Coordinator(), Gave("r1", "ann", "bob", 60)));
  ASSERT_OK_AND_ASSIGN(Exchange first,
                       ledger->ReverseExchange(kTb, Coordinator(), e.record.seq,
                                               "v1", "duplicate"));
  ASSERT_OK_AND_ASSIGN(BooksState before, ReadBooksState(*ledger, kTb));
  ASSERT_OK_AND_ASSIGN(Exchange retry,
                       ledger->ReverseExchange(kTb, Coordinator(), e.record.seq,
                                               "v1", "duplicate"));
  EXPECT_EQ(retry.record.seq, first.record.seq);
  EXPECT_EQ(retry.closed_by_seq, first.closed_by_seq);
  EXPECT_EQ(retry.status, ExchangeStatus::kReversed);
  ASSERT_OK_AND_ASSIGN(BooksState after, ReadBooksState(*ledger, kTb));
  ExpectSameBooks(before, after);
  EXPECT_STATUS(ledger->ReverseExchange(kTb, Coordinator(), e.record.seq, "v1",
                                        "another reason"),
                StatusCode::kAlreadyExists, "request_id:");
}

TEST(Ledger, RejectRetryReturnsTheOriginalResult) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  ASSERT_OK_AND_ASSIGN(
      Exchange pending,
      ledger->RecordExchange(kTb, Member("ann"), Gave("r1", "ann", "bob", 60)));
  ASSERT_OK_AND_ASSIGN(Exchange first,
                       ledger->RejectExchange(kTb, Member("bob"),
                                              pending.record.seq, "j1", "no"));
  ASSERT_OK_AND_ASSIGN(Exchange retry,
                       ledger->RejectExchange(kTb, Member("bob"),
                                              pending.record.seq, "j1", "no"));
  EXPECT_EQ(retry.closed_by_seq, first.closed_by_seq);
  ASSERT_OK_AND_ASSIGN(Timebank timebank, ledger->GetTimebank(kTb));
  EXPECT_EQ(timebank.last_seq, 2u);
}

TEST(Ledger, RequestIdsAreScopedToTheirTimebank) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  ASSERT_OK(ledger->CreateTimebank("other", "Other", {}));
  ASSERT_OK(ledger->OpenAccount("other", Person("ann")));
  ASSERT_OK(ledger->OpenAccount("other", Person("bob")));
  ASSERT_OK(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r1", "ann", "bob", 60)));
  ASSERT_OK_AND_ASSIGN(Exchange there,
                       ledger->RecordExchange("other", Coordinator(),
                                              Gave("r1", "ann", "bob", 90)));
  EXPECT_EQ(there.record.seq, 1u);
  EXPECT_EQ(there.record.minutes, 90);
}

// ---------------------------------------------------------------------------
// Bulk recording.

TEST(Ledger, RecordExchangesReportsEachItemAndKeepsSeqsGapless) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob", "cat"}));
  const std::vector<RecordExchangeInput> items = {
      Gave("b1", "ann", "bob", 60),                // 0 OK
      Gave("b2", "ann", "ann", 60),                // 1 self exchange
      Gave("b3", "bob", "cat", 30),                // 2 OK
      Gave("b4", "bob", "cat", 0),                 // 3 bad minutes
      Gave("b5", "ann", "zed", 10),                // 4 unknown account
      Gave("b1", "ann", "bob", 60),                // 5 retry of item 0
      Gave("b1", "ann", "bob", 61),                // 6 id reused, other content
      Gave("b6", "cat", "ann", 15),                // 7 OK
      Gave("b7", "cat", "ann", 15, "2026-07-01"),  // 8 future date
  };
  ASSERT_OK_AND_ASSIGN(auto results,
                       ledger->RecordExchanges(kTb, Coordinator(), items));
  ASSERT_EQ(results.size(), items.size());
  ASSERT_OK(results[0]);
  EXPECT_EQ(results[0]->record.seq, 1u);
  EXPECT_STATUS(results[1], StatusCode::kInvalidArgument, "receiver_id:");
  ASSERT_OK(results[2]);
  EXPECT_EQ(results[2]->record.seq, 2u);
  EXPECT_STATUS(results[3], StatusCode::kInvalidArgument, "minutes:");
  EXPECT_STATUS(results[4], StatusCode::kNotFound, "receiver_id:");
  ASSERT_OK(results[5]);
  EXPECT_EQ(results[5]->record.seq, 1u);
  EXPECT_STATUS(results[6], StatusCode::kAlreadyExists, "request_id:");
  ASSERT_OK(results[7]);
  EXPECT_EQ(results[7]->record.seq, 3u);
  EXPECT_EQ(results[7]->status, ExchangeStatus::kConfirmed);
  EXPECT_STATUS(results[8], StatusCode::kInvalidArgument, "occurred_on:");

  ASSERT_OK_AND_ASSIGN(std::vector<JournalEntry> journal,
                       WholeJournal(*ledger, kTb));
  ASSERT_EQ(journal.size(), 3u);
  for (size_t i = 0; i < journal.size(); ++i) EXPECT_EQ(journal[i].seq, i + 1);
  EXPECT_EQ(BalanceOf(*ledger, "ann"), 45);
  EXPECT_EQ(BalanceOf(*ledger, "bob"), -30);
  EXPECT_EQ(BalanceOf(*ledger, "cat"), -15);
  ASSERT_OK_AND_ASSIGN(ledger::VerifyReport report, ledger->Verify(kTb));
  EXPECT_TRUE(report.ok) << report.problem;

  // A member's bulk items are pending.
  ASSERT_OK_AND_ASSIGN(auto member_results,
                       ledger->RecordExchanges(kTb, Member("ann"),
                                               {Gave("m1", "ann", "bob", 5),
                                                Gave("m2", "cat", "ann", 5),
                                                Gave("m3", "bob", "cat", 5)}));
  ASSERT_OK(member_results[0]);
  EXPECT_EQ(member_results[0]->status, ExchangeStatus::kPending);
  EXPECT_EQ(member_results[0]->record.seq, 4u);
  ASSERT_OK(member_results[1]);
  EXPECT_EQ(member_results[1]->record.seq, 5u);
  EXPECT_STATUS(member_results[2], StatusCode::kPermissionDenied, "giver_id:");
  EXPECT_EQ(BalanceOf(*ledger, "ann"), 45);
}

TEST(Ledger, RecordExchangesAppliesItemsInOrderAgainstTheFloor) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(
      auto ledger,
      OpenWithPeople(dir, {"ann", "bob"}, {.balance_floor_minutes = -100}));
  ASSERT_OK_AND_ASSIGN(
      auto results,
      ledger->RecordExchanges(
          kTb, Coordinator(),
          {Gave("b1", "ann", "bob", 60), Gave("b2", "ann", "bob", 60),
           Gave("b3", "bob", "ann", 30), Gave("b4", "ann", "bob", 60)}));
  ASSERT_OK(results[0]);
  EXPECT_STATUS(results[1], StatusCode::kFailedPrecondition, "receiver_id:");
  ASSERT_OK(results[2]);
  ASSERT_OK(results[3]);
  EXPECT_EQ(results[3]->record.seq, 3u);
  EXPECT_EQ(BalanceOf(*ledger, "bob"), -90);
}

TEST(Ledger, RecordExchangesRefusesAnEmptyOrOversizedBatch) {
  TempDir dir;
  LedgerOptions options = TestOptions(dir.path());
  options.max_bulk_items = 3;
  ASSERT_OK_AND_ASSIGN(auto ledger, Ledger::Open(options));
  ASSERT_OK(ledger->CreateTimebank(kTb, "Test", {}));
  ASSERT_OK(ledger->OpenAccount(kTb, Person("ann")));
  ASSERT_OK(ledger->OpenAccount(kTb, Person("bob")));
  EXPECT_STATUS(ledger->RecordExchanges(kTb, Coordinator(), {}),
                StatusCode::kInvalidArgument, "items:");
  EXPECT_STATUS(ledger->RecordExchanges(
                    kTb, Coordinator(),
                    {Gave("b1", "ann", "bob", 1), Gave("b2", "ann", "bob", 1),
                     Gave("b3", "ann", "bob", 1), Gave("b4", "ann", "bob", 1)}),
                StatusCode::kInvalidArgument, "items:");
  ASSERT_OK_AND_ASSIGN(Timebank timebank, ledger->GetTimebank(kTb));
  EXPECT_EQ(timebank.last_seq, 0u);
  // An unknown timebank fails the whole call, not each item.
  EXPECT_STATUS(ledger->RecordExchanges("nowhere", Coordinator(),
                                        {Gave("b1", "ann", "bob", 1)}),
                StatusCode::kNotFound, "timebank_id:");
}

// A dry run of an import: every rule applied, nothing written, and the
// results are what the real call then returns.
TEST(Ledger, ValidateOnlyWritesNothingAndSaysWhatWouldHappen) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  ASSERT_OK(
      ledger->RecordExchange(kTb, Coordinator(), Gave("b0", "ann", "bob", 30)));
  const std::vector<RecordExchangeInput> items = {
      Gave("b0", "ann", "bob", 30), Gave("b1", "bob", "ann", 20),
      Gave("b2", "ann", "nobody", 10), Gave("b3", "ann", "bob", 2000)};
  ASSERT_OK_AND_ASSIGN(auto dry,
                       ledger->RecordExchanges(kTb, Coordinator(), items,
                                               {.validate_only = true}));
  ASSERT_EQ(dry.size(), 4u);
  ASSERT_OK(dry[0]);
  EXPECT_TRUE(dry[0]->replayed);
  ASSERT_OK(dry[1]);
  EXPECT_EQ(dry[1]->record.seq, 2u);
  EXPECT_STATUS(dry[2], StatusCode::kNotFound, "receiver_id:");
  EXPECT_STATUS(dry[3], StatusCode::kInvalidArgument, "minutes:");
  ASSERT_OK_AND_ASSIGN(std::vector<JournalEntry> journal,
                       WholeJournal(*ledger, kTb));
  EXPECT_EQ(journal.size(), 1u);
  EXPECT_EQ(BalanceOf(*ledger, "ann"), 30);
  // A retry of the dry run's new item is not a retry: nothing remembered it.
  ASSERT_OK_AND_ASSIGN(auto real,
                       ledger->RecordExchanges(kTb, Coordinator(), items));
  ASSERT_OK(real[1]);
  EXPECT_FALSE(real[1]->replayed);
  EXPECT_EQ(real[1]->record.seq, dry[1]->record.seq);
  EXPECT_EQ(real[2].status(), dry[2].status());
  EXPECT_EQ(real[3].status(), dry[3].status());
}

// All or nothing: one failing item and no item is recorded, while the other
// commands sharing its group commits keep everything they wrote.
TEST(Ledger, AllOrNothingRecordsEveryItemOrNoneAndSparesItsNeighbours) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  ASSERT_OK(
      ledger->RecordExchange(kTb, Coordinator(), Gave("a0", "ann", "bob", 5)));
  ASSERT_OK_AND_ASSIGN(
      auto none, ledger->RecordExchanges(
                     kTb, Coordinator(),
                     {Gave("a0", "ann", "bob", 5), Gave("a1", "bob", "ann", 20),
                      Gave("a2", "ann", "nobody", 10)},
                     {.all_or_nothing = true}));
  ASSERT_OK(none[0]);
  EXPECT_TRUE(none[0]->replayed);  // Recorded before, and still.
  EXPECT_STATUS(none[1], StatusCode::kAborted,
                "not recorded: item 2 (request_id 'a2') failed");
  EXPECT_STATUS(none[2], StatusCode::kNotFound, "receiver_id:");
  ASSERT_OK_AND_ASSIGN(std::vector<JournalEntry> journal,
                       WholeJournal(*ledger, kTb));
  EXPECT_EQ(journal.size(), 1u);

  constexpr int kThreads = 3;
  constexpr int kEach = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string id = absl::StrCat("n", t, "-", i);
        if (!ledger
                 ->RecordExchange(kTb, Coordinator(), Gave(id, "bob", "ann", 1))
                 .ok()) {
          ++failures;
        }
      }
    });
  }
  for (int i = 0; i < kEach; ++i) {
    absl::StatusOr<std::vector<absl::StatusOr<Exchange>>> failed =
        ledger->RecordExchanges(
            kTb, Coordinator(),
            {Gave(absl::StrCat("f", i, "a"), "ann", "bob", 7),
             Gave(absl::StrCat("f", i, "b"), "ann", "zed", 7)},
            {.all_or_nothing = true});
    if (!failed.ok() || (*failed)[0].ok()) ++failures;
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_OK_AND_ASSIGN(journal, WholeJournal(*ledger, kTb));
  EXPECT_EQ(journal.size(), 1u + kThreads * kEach);
  EXPECT_EQ(BalanceOf(*ledger, "ann"), 5 - kThreads * kEach);
  EXPECT_EQ(SumOfBalances(*ledger, kTb), 0);
  ASSERT_OK_AND_ASSIGN(ledger::VerifyReport report, ledger->Verify(kTb));
  EXPECT_TRUE(report.ok) << report.problem;

  // With nothing wrong, all go in together.
  ASSERT_OK_AND_ASSIGN(
      auto all, ledger->RecordExchanges(
                    kTb, Coordinator(),
                    {Gave("w1", "ann", "bob", 1), Gave("w2", "bob", "ann", 2)},
                    {.all_or_nothing = true}));
  ASSERT_OK(all[0]);
  ASSERT_OK(all[1]);
  EXPECT_EQ(all[1]->record.seq, all[0]->record.seq + 1);
}

TEST(Ledger, ConcurrentWritersGetGaplessSeqsAndBalancedBooks) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"a", "b", "c", "d"}));
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::atomic<int> failures{0};
  std::atomic<bool> writing{true};
  std::atomic<int> reader_problems{0};
  std::atomic<int> verifications{0};
  // Readers beside the writers: balances always sum to zero and a
  // verification never reports a problem in a consistent journal.
  std::thread reader([&] {
    while (writing.load()) {
      if (SumOfBalances(*ledger, kTb) != 0) ++reader_problems;
      absl::StatusOr<ledger::VerifyReport> report = ledger->Verify(kTb);
      if (!report.ok() || !report->ok) ++reader_problems;
      ++verifications;
    }
  });
  std::vector<std::thread> threads;
  const std::vector<std::string> ids = {"a", "b", "c", "d"};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string giver = ids[(t + i) % 4];
        const std::string receiver = ids[(t + i + 1 + i % 3) % 4];
        if (giver == receiver) continue;
        absl::StatusOr<Exchange> e = ledger->RecordExchange(
            kTb, Coordinator(),
            Gave("t" + std::to_string(t) + "-" + std::to_string(i), giver,
                 receiver, 1 + i));
        if (!e.ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  writing = false;
  reader.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(reader_problems.load(), 0)
      << "in " << verifications.load() << " reads";
  ASSERT_OK_AND_ASSIGN(std::vector<JournalEntry> journal,
                       WholeJournal(*ledger, kTb));
  for (size_t i = 0; i < journal.size(); ++i) ASSERT_EQ(journal[i].seq, i + 1);
  EXPECT_EQ(SumOfBalances(*ledger, kTb), 0);
  ASSERT_OK_AND_ASSIGN(ledger::VerifyReport report, ledger->Verify(kTb));
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.entries_checked, journal.size());
}

TEST(Ledger, CommitListenerSeesEveryCommittedEntryInOrder) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  std::mutex mu;
  std::vector<Seq> seen;
  const int id =
      ledger->AddCommitListener([&](const std::vector<JournalEntry>& entries) {
        std::lock_guard lock(mu);
        for (const JournalEntry& e : entries) seen.push_back(e.seq);
      });
  ASSERT_OK(ledger->RecordExchanges(
      kTb, Coordinator(),
      {Gave("b1", "ann", "bob", 1), Gave("b2", "bob", "ann", 2),
       Gave("b3", "ann", "ann", 3)}));
  ASSERT_OK(ledger->ReverseExchange(kTb, Coordinator(), 1, "v1", ""));
  ledger->RemoveCommitListener(id);
  ASSERT_OK(
      ledger->RecordExchange(kTb, Coordinator(), Gave("r4", "ann", "bob", 4)));
  std::lock_guard lock(mu);
  EXPECT_EQ(seen, (std::vector<Seq>{1, 2, 3}));
}

// ---------------------------------------------------------------------------
// Statements and the journal.

TEST(Ledger, ListExchangesPagesAStatementOfOneDayInSeqOrder) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob", "cat"}));
  ASSERT_OK(ledger->RecordExchange(kTb, Coordinator(),
                                   Gave("r1", "ann", "bob", 1)));  // 1
  ASSERT_OK(ledger->RecordExchange(kTb, Coordinator(),
                                   Gave("r2", "bob", "cat", 2)));  // 2
  ASSERT_OK(ledger->RecordExchange(kTb, Coordinator(),
                                   Gave("r3", "cat", "ann", 3)));  // 3
  ASSERT_OK(ledger->RecordExchange(kTb, Coordinator(),
                                   Gave("r4", "ann", "cat", 4)));  // 4
  ASSERT_OK(ledger->RecordExchange(kTb, Coordinator(),
                                   Gave("r5", "bob", "cat", 5)));  // 5
  ASSERT_OK(ledger->RecordExchange(kTb, Coordinator(),
                                   Gave("r6", "ann", "bob", 6)));       // 6
  ASSERT_OK(ledger->ReverseExchange(kTb, Coordinator(), 4, "v4", ""));  // 7
  ASSERT_OK(ledger->RecordExchange(kTb, Member("bob"),
                                   Gave("r8", "bob", "ann", 8)));  // 8

  // Every exchange is dated the same day, so seq decides.
  ASSERT_OK_AND_ASSIGN(
      auto ann_pages,
      StatementPages(*ledger, {.account_id = "ann", .oldest_first = true}, 2));
  EXPECT_EQ(ann_pages, (std::vector<std::vector<Seq>>{{1, 3}, {4, 6}, {8}}));
  ASSERT_OK_AND_ASSIGN(
      auto bob_pages,
      StatementPages(*ledger, {.account_id = "bob", .oldest_first = true}, 10));
  EXPECT_EQ(bob_pages, (std::vector<std::vector<Seq>>{{1, 2, 5, 6, 8}}));
  ASSERT_OK_AND_ASSIGN(auto ann_newest_first,
                       StatementPages(*ledger, {.account_id = "ann"}, 2));
  EXPECT_EQ(ann_newest_first,
            (std::vector<std::vector<Seq>>{{8, 6}, {4, 3}, {1}}));
  // The whole timebank lists exchanges only, not the reversal entry.
  ASSERT_OK_AND_ASSIGN(auto all_pages,
                       StatementPages(*ledger, {.oldest_first = true}, 3));
  std::vector<Seq> all;
  for (const auto& page : all_pages)
    all.insert(all.end(), page.begin(), page.end());
  EXPECT_EQ(all, (std::vector<Seq>{1, 2, 3, 4, 5, 6, 8}));
  for (const auto& page : all_pages) EXPECT_LE(page.size(), 3u);

  // Items carry their current status.
  ASSERT_OK_AND_ASSIGN(
      PageOf<Exchange> ann_all,
      ledger->ListExchanges(kTb, {.account_id = "ann", .oldest_first = true},
                            {}));
  ASSERT_EQ(ann_all.items.size(), 5u);
  EXPECT_EQ(ann_all.items[2].record.seq, 4u);
  EXPECT_EQ(ann_all.items[2].status, ExchangeStatus::kReversed);
  EXPECT_EQ(ann_all.items[2].closed_by_seq, 7u);
  EXPECT_EQ(ann_all.items[4].status, ExchangeStatus::kPending);
  EXPECT_EQ(ann_all.items[0].status, ExchangeStatus::kConfirmed);

  EXPECT_STATUS(ledger->ListExchanges(kTb, {.account_id = "zed"}, {}),
                StatusCode::kNotFound, "account_id:");
  EXPECT_STATUS(ledger->ListExchanges(kTb, {.account_id = "a b"}, {}),
                StatusCode::kInvalidArgument, "account_id:");
  EXPECT_STATUS(ledger->ListExchanges(kTb, {}, {.page_size = 1001}),
                StatusCode::kInvalidArgument, "page_size:");
  EXPECT_STATUS(ledger->ListExchanges(kTb, {}, {.page_token = "not-a-seq"}),
                StatusCode::kInvalidArgument, "page_token:");
}

TEST(Ledger, ListExchangesFiltersByInclusiveDateRange) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob", "cat"}));
  const std::vector<std::pair<std::string, std::string>> dated = {
      {"2026-04-30", "bob"}, {"2026-05-01", "bob"}, {"2026-05-15", "cat"},
      {"2026-05-31", "bob"}, {"2026-06-01", "bob"}, {"2026-05-20", "cat"}};
  for (size_t i = 0; i < dated.size(); ++i) {
    ASSERT_OK(
        ledger->RecordExchange(kTb, Coordinator(),
                               Gave("r" + std::to_string(i + 1), "ann",
                                    dated[i].second, 10, dated[i].first)));
  }
  for (const bool oldest_first : {true, false}) {
    SCOPED_TRACE(oldest_first ? "oldest first" : "newest first");
    ASSERT_OK_AND_ASSIGN(auto may,
                         StatementPages(*ledger,
                                        {.from_date = "2026-05-01",
                                         .to_date = "2026-05-31",
                                         .oldest_first = oldest_first},
                                        2));
    std::vector<Seq> may_seqs;
    for (const auto& page : may)
      may_seqs.insert(may_seqs.end(), page.begin(), page.end());
    // By date: seq 6 (20 May) was recorded after seq 4 (31 May).
    std::vector<Seq> by_date = {2, 3, 6, 4};
    if (!oldest_first) std::reverse(by_date.begin(), by_date.end());
    EXPECT_EQ(may_seqs, by_date);
  }

  ASSERT_OK_AND_ASSIGN(
      PageOf<Exchange> from_only,
      ledger->ListExchanges(kTb, {.from_date = "2026-05-31"}, {}));
  EXPECT_EQ(SeqsOf(from_only.items), (std::vector<Seq>{5, 4}));
  ASSERT_OK_AND_ASSIGN(
      PageOf<Exchange> to_only,
      ledger->ListExchanges(kTb, {.to_date = "2026-05-01"}, {}));
  EXPECT_EQ(SeqsOf(to_only.items), (std::vector<Seq>{2, 1}));
  ASSERT_OK_AND_ASSIGN(PageOf<Exchange> bob_may,
                       ledger->ListExchanges(kTb,
                                             {.account_id = "bob",
                                              .from_date = "2026-05-01",
                                              .to_date = "2026-05-31"},
                                             {}));
  EXPECT_EQ(SeqsOf(bob_may.items), (std::vector<Seq>{4, 2}));
  ASSERT_OK_AND_ASSIGN(
      PageOf<Exchange> one_day,
      ledger->ListExchanges(
          kTb, {.from_date = "2026-05-15", .to_date = "2026-05-15"}, {}));
  EXPECT_EQ(SeqsOf(one_day.items), (std::vector<Seq>{3}));

  EXPECT_STATUS(
      ledger->ListExchanges(
          kTb, {.from_date = "2026-06-01", .to_date = "2026-05-01"}, {}),
      StatusCode::kInvalidArgument, "to_date:");
  EXPECT_STATUS(ledger->ListExchanges(kTb, {.from_date = "2026-5-1"}, {}),
                StatusCode::kInvalidArgument, "from_date:");
  EXPECT_STATUS(ledger->ListExchanges(kTb, {.to_date = "2026-02-30"}, {}),
                StatusCode::kInvalidArgument, "to_date:");
}

// Paper forms entered late sit on the day of the work, in a statement built
// while the ledger runs and in one rebuilt from the journal after a
// restart; a page token keeps its place while exchanges are added.
TEST(Ledger, ListExchangesOrdersByTheDayOfTheWorkAcrossRestartsAndPages) {
  TempDir dir;
  std::vector<std::string> days = {"2026-06-01", "2026-03-05", "2026-06-01",
                                   "2025-12-31", "2026-03-05", "2026-01-20"};
  {
    ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
    for (size_t i = 0; i < days.size(); ++i) {
      ASSERT_OK(ledger->RecordExchange(
          kTb, Coordinator(),
          Gave(absl::StrCat("d", i), i % 2 ? "ann" : "bob",
               i % 2 ? "bob" : "ann", 10, days[i])));
    }
  }
  // Seqs 1..6 in the order of `days`; by day then seq:
  const std::vector<Seq> oldest = {4, 6, 2, 5, 1, 3};
  std::vector<Seq> newest(oldest.rbegin(), oldest.rend());
  for (const bool warm : {false, true}) {
    SCOPED_TRACE(warm ? "figures warmed at open" : "built on first use");
    LedgerOptions options = TestOptions(dir.path());
    options.warm_report_figures = warm;
    ASSERT_OK_AND_ASSIGN(auto ledger, Ledger::Open(options));
    for (const std::string account : {"", "ann"}) {
      ASSERT_OK_AND_ASSIGN(
          auto pages,
          StatementPages(*ledger, {.account_id = account, .oldest_first = true},
                         4));
      EXPECT_EQ(pages, (std::vector<std::vector<Seq>>{{4, 6, 2, 5}, {1, 3}}));
      ASSERT_OK_AND_ASSIGN(pages,
                           StatementPages(*ledger, {.account_id = account}, 4));
      EXPECT_EQ(pages, (std::vector<std::vector<Seq>>{{3, 1, 5, 2}, {6, 4}}));
    }
  }
  ASSERT_OK_AND_ASSIGN(auto ledger, Ledger::Open(TestOptions(dir.path())));
  ASSERT_OK_AND_ASSIGN(
      PageOf<Exchange> first,
      ledger->ListExchanges(kTb, {.oldest_first = true}, {.page_size = 3}));
  EXPECT_EQ(SeqsOf(first.items), (std::vector<Seq>{4, 6, 2}));
  // Recorded after the first page: one day before the page's end (it is
  // behind the reader and not repeated) and one after it (it is read).
  ASSERT_OK(ledger->RecordExchange(
      kTb, Coordinator(), Gave("late-1", "ann", "bob", 5, "2026-01-01")));
  ASSERT_OK(ledger->RecordExchange(
      kTb, Coordinator(), Gave("late-2", "ann", "bob", 5, "2026-05-01")));
  ASSERT_OK_AND_ASSIGN(
      PageOf<Exchange> rest,
      ledger->ListExchanges(
          kTb, {.oldest_first = true},
          {.page_size = 10, .page_token = first.next_page_token}));
  EXPECT_EQ(SeqsOf(rest.items), (std::vector<Seq>{5, 8, 1, 3}));
  EXPECT_EQ(rest.next_page_token, "");

  for (const char* token : {"5", "1:", ":2", "1:2:3", "x:1", "1:-2"}) {
    EXPECT_STATUS(ledger->ListExchanges(kTb, {}, {.page_token = token}),
                  StatusCode::kInvalidArgument, "page_token:")
        << token;
  }
}

TEST(Ledger, ReadJournalReadsFromASeqWithALimit) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob"}));
  for (int i = 1; i <= 5; ++i) {
    ASSERT_OK(ledger->RecordExchange(
        kTb, Coordinator(), Gave("r" + std::to_string(i), "ann", "bob", i)));
  }
  ASSERT_OK_AND_ASSIGN(std::vector<JournalEntry> middle,
                       ledger->ReadJournal(kTb, 2, 3));
  ASSERT_EQ(middle.size(), 3u);
  EXPECT_EQ(middle[0].seq, 2u);
  EXPECT_EQ(middle[2].seq, 4u);
  EXPECT_EQ(middle[0].minutes, 2);
  ASSERT_OK_AND_ASSIGN(std::vector<JournalEntry> past_end,
                       ledger->ReadJournal(kTb, 6, 10));
  EXPECT_TRUE(past_end.empty());
  // Each entry's hash chains onto the one before.
  ASSERT_OK_AND_ASSIGN(std::vector<JournalEntry> all,
                       ledger->ReadJournal(kTb, 1, 10));
  ledger::Hash previous{};
  for (const JournalEntry& e : all) {
    EXPECT_EQ(Hex(e.hash),
              Hex(ledger::ChainHash(previous, ledger::EncodeEntryBody(e))));
    previous = e.hash;
  }
  EXPECT_STATUS(ledger->ReadJournal(kTb, 0, 10), StatusCode::kInvalidArgument,
                "from_seq:");
  EXPECT_STATUS(ledger->ReadJournal(kTb, 1, 0), StatusCode::kInvalidArgument,
                "limit:");
  EXPECT_STATUS(ledger->ReadJournal(kTb, 1, 1001), StatusCode::kInvalidArgument,
                "limit:");
}

// ---------------------------------------------------------------------------
// Aggregates.

TEST(Ledger, MonthlyAggregatesFollowRecordsConfirmsAndReversals) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob", "cat"}));
  ASSERT_OK(ledger->RecordExchange(kTb, Coordinator(),
                                   Gave("r1", "ann", "bob", 60, "2026-04-10")));
  ASSERT_OK_AND_ASSIGN(
      Exchange may_ann,
      ledger->RecordExchange(kTb, Coordinator(),
                             Gave("r2", "ann", "bob", 30, "2026-05-02")));
  ASSERT_OK(ledger->RecordExchange(kTb, Coordinator(),
                                   Gave("r3", "bob", "cat", 45, "2026-05-20")));
  ASSERT_OK(ledger->RecordExchange(kTb, Coordinator(),
                                   Gave("r4", "cat", "ann", 20, "2026-06-01")));
  ASSERT_OK_AND_ASSIGN(
      Exchange pending,
      ledger->RecordExchange(kTb, Member("ann"),
                             Gave("r5", "ann", "cat", 15, "2026-06-02")));
  // The reversal happens in June but undoes May's exchange.
  ASSERT_OK(ledger->ReverseExchange(kTb, Coordinator(), may_ann.record.seq,
                                    "v2", ""));

  using Months = std::vector<std::pair<YearMonth, MonthTotals>>;
  ASSERT_OK_AND_ASSIGN(Months months,
                       ledger->TimebankMonths(kTb, 202601, 202612));
  EXPECT_EQ(months, (Months{{202604, {.minutes = 60, .exchanges = 1}},
                            {202605, {.minutes = 45, .exchanges = 1}},
                            {202606, {.minutes = 20, .exchanges = 1}}}));
  ASSERT_OK_AND_ASSIGN(Months may_only,
                       ledger->TimebankMonths(kTb, 202605, 202605));
  EXPECT_EQ(may_only, (Months{{202605, {.minutes = 45, .exchanges = 1}}}));
  ASSERT_OK_AND_ASSIGN(Months later,
                       ledger->TimebankMonths(kTb, 202607, 202712));
  EXPECT_TRUE(later.empty());

  // Rows that a reversal brought back to zero may be kept or dropped.
  const auto non_zero =
      [](std::vector<std::pair<YearMonth, AccountMonthTotals>> rows) {
        std::erase_if(rows, [](const auto& row) {
          return row.second == AccountMonthTotals{};
        });
        return rows;
      };
  using AccountRows = std::vector<std::pair<YearMonth, AccountMonthTotals>>;
  ASSERT_OK_AND_ASSIGN(AccountRows ann,
                       ledger->AccountMonths(kTb, "ann", 202601, 202612));
  EXPECT_EQ(non_zero(ann),
            (AccountRows{
                {202604, {.minutes_given = 60, .exchanges_given = 1}},
                {202606, {.minutes_received = 20, .exchanges_received = 1}}}));
  ASSERT_OK_AND_ASSIGN(AccountRows bob,
                       ledger->AccountMonths(kTb, "bob", 202601, 202612));
  EXPECT_EQ(
      non_zero(bob),
      (AccountRows{{202604, {.minutes_received = 60, .exchanges_received = 1}},
                   {202605, {.minutes_given = 45, .exchanges_given = 1}}}));

  // A pending record counts from its confirmation, in the month it happened.
  ASSERT_OK(
      ledger->ConfirmExchange(kTb, Member("cat"), pending.record.seq, "c5"));
  ASSERT_OK_AND_ASSIGN(months, ledger->TimebankMonths(kTb, 202606, 202606));
  EXPECT_EQ(months, (Months{{202606, {.minutes = 35, .exchanges = 2}}}));
  ASSERT_OK_AND_ASSIGN(ann, ledger->AccountMonths(kTb, "ann", 202606, 202606));
  EXPECT_EQ(ann, (AccountRows{{202606,
                               {.minutes_given = 15,
                                .minutes_received = 20,
                                .exchanges_given = 1,
                                .exchanges_received = 1}}}));

  EXPECT_STATUS(ledger->TimebankMonths("nowhere", 202601, 202612),
                StatusCode::kNotFound, "timebank_id:");
  EXPECT_STATUS(ledger->AccountMonths(kTb, "zed", 202601, 202612),
                StatusCode::kNotFound, "account_id:");
  ASSERT_OK_AND_ASSIGN(ledger::VerifyReport report, ledger->Verify(kTb));
  EXPECT_TRUE(report.ok) << report.problem;
}

// ---------------------------------------------------------------------------
// Verification and tampering.

// Five confirmed exchanges in kTb, a second timebank "other" with one, and
// the ledger closed.
void WriteFiveAndClose(const TempDir& dir) {
  ASSERT_OK_AND_ASSIGN(auto ledger, OpenWithPeople(dir, {"ann", "bob", "cat"}));
  for (int i = 1; i <= 5; ++i) {
    ASSERT_OK(ledger->RecordExchange(
        kTb, Coordinator(),
        Gave("r" + std::to_string(i), i % 2 ? "ann" : "bob",
             i % 3 ? "cat" : "bob", 10 * i)));
  }
  ASSERT_OK(ledger->CreateTimebank("other", "Other", {}));
  ASSERT_OK(ledger->OpenAccount("other", Person("ann")));
  ASSERT_OK(ledger->OpenAccount("other", Person("bob")));
  ASSERT_OK(ledger->RecordExchange("other", Coordinator(),
                                   Gave("o1", "ann", "bob", 5)));
  ASSERT_OK_AND_ASSIGN(ledger::VerifyReport report, ledger->Verify(kTb));
  ASSERT_TRUE(report.ok) << report.problem;
  ASSERT_EQ(report.entries_checked, 5u);
  ledger->Close();
}

// After a failed verification, every write to the timebank is refused, of
// every kind (exchanges and their closes, settings, accounts, reflections,
// actions, thresholds), the other timebank is unaffected, and reads still
// work.
void ExpectWritesRefused(Ledger& ledger) {
  constexpr StatusCode kFrozen = StatusCode::kFailedPrecondition;
  EXPECT_STATUS(
      ledger.RecordExchange(kTb, Coordinator(), Gave("w1", "ann", "bob", 5)),
      kFrozen, "timebank_id:");
  EXPECT_STATUS(
      ledger.RecordExchanges(kTb, Coordinator(), {Gave("w2", "ann", "bob", 5)}),
      kFrozen, "timebank_id:");
  EXPECT_STATUS(ledger.ConfirmExchange(kTb, Coordinator(), 1, "w3"), kFrozen,
                "timebank_id:");
  EXPECT_STATUS(ledger.RejectExchange(kTb, Coordinator(), 1, "w4", ""), kFrozen,
                "timebank_id:");
  EXPECT_STATUS(ledger.ReverseExchange(kTb, Coordinator(), 1, "w5", ""),
                kFrozen, "timebank_id:");
  EXPECT_STATUS(ledger.OpenAccount(kTb, Person("dan")), kFrozen,
                "timebank_id:");
  EXPECT_STATUS(
      ledger.UpdateAccount(kTb, {.account_id = "ann", .display_name = "Ann"}),
      kFrozen, "timebank_id:");
  EXPECT_STATUS(ledger.EraseAccount(kTb, "ann"), kFrozen, "timebank_id:");
  EXPECT_STATUS(ledger.UpdateTimebankSettings(kTb, {}), kFrozen,
                "timebank_id:");
  EXPECT_STATUS(
      ledger.SubmitReflection(
          kTb, Coordinator(),
          {.request_id = "w6", .stage = 2, .evidence = "After the audit"}),
      kFrozen, "timebank_id:");
  EXPECT_STATUS(
      ledger.AddAction(
          kTb, Coordinator(),
          {.request_id = "w7", .who = "Staff", .what = "Repair the books"}),
      kFrozen, "timebank_id:");
  EXPECT_STATUS(ledger.UpdateAction(
                    kTb, Coordinator(),
                    {.action_id = 1, .status = ledger::ActionStatus::kDone}),
                kFrozen, "timebank_id:");
  EXPECT_STATUS(ledger.SetThresholds(
                    kTb, {{"reciprocity.gave_and_received_share.stage3", 0.5}}),
                kFrozen, "timebank_id:");
  absl::StatusOr<Timebank> timebank = ledger.GetTimebank(kTb);
  ASSERT_OK(timebank);
  EXPECT_EQ(timebank->last_seq, 5u);
  EXPECT_OK(ledger.GetBalance(kTb, "ann"));
  EXPECT_OK(ledger.RecordExchange("other", Coordinator(),
                                  Gave("o2", "bob", "ann", 5)));
}

TEST(Ledger, VerifyDetectsAnAlteredJournalEntry) {
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(WriteFiveAndClose(dir));
  ASSERT_OK(ChangeStoredEntry(dir.path(), kTb, 3,
                              [](JournalEntry& e) { e.minutes += 60; }));
  ASSERT_OK_AND_ASSIGN(auto ledger, Ledger::Open(TestOptions(dir.path())));
  ASSERT_OK_AND_ASSIGN(ledger::VerifyReport report, ledger->Verify(kTb));
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 3u);
  EXPECT_EQ(report.entries_checked, 2u);
  EXPECT_FALSE(report.problem.empty());
  ExpectWritesRefused(*ledger);
  ASSERT_OK_AND_ASSIGN(ledger::VerifyReport other, ledger->Verify("other"));
  EXPECT_TRUE(other.ok) << other.problem;
}

// The stop outlives the process: a restart, planned or not, must not let
// writes pile onto a journal known to be altered.
TEST(Ledger, FailedVerificationStillRefusesWritesAfterReopen) {
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(WriteFiveAndClose(dir));
  ASSERT_OK(ChangeStoredEntry(dir.path(), kTb, 3,
                              [](JournalEntry& e) { e.minutes += 60; }));
  {
    ASSERT_OK_AND_ASSIGN(auto ledger, Ledger::Open(TestOptions(dir.path())));
    ASSERT_OK_AND_ASSIGN(ledger::VerifyReport report, ledger->Verify(kTb));
    ASSERT_FALSE(report.ok);
    ledger->Close();
  }
  ASSERT_OK_AND_ASSIGN(auto reopened, Ledger::Open(TestOptions(dir.path())));
  ExpectWritesRefused(*reopened);
}

TEST(Ledger, VerifyDetectsADeletedMiddleEntry) {
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(WriteFiveAndClose(dir));
  ASSERT_OK(EditDatabase(dir.path(), [](rocksdb::DB& db) {
    return db.Delete(Synced(), ledger::JournalKey(kTb, 3));
  }));
  ASSERT_OK_AND_ASSIGN(auto ledger, Ledger::Open(TestOptions(dir.path())));
  ASSERT_OK_AND_ASSIGN(ledger::VerifyReport report, ledger->Verify(kTb));
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 3u);
  EXPECT_NE(report.problem.find("gap"), std::string::npos) << report.problem;
  ExpectWritesRefused(*ledger);
}

TEST(Ledger, VerifyDetectsADeletedLastEntry) {
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(WriteFiveAndClose(dir));
  ASSERT_OK(EditDatabase(dir.path(), [](rocksdb::DB& db) {
    return db.Delete(Synced(), ledger::JournalKey(kTb, 5));
  }));
  ASSERT_OK_AND_ASSIGN(auto ledger, Ledger::Open(TestOptions(dir.path())));
  ASSERT_OK_AND_ASSIGN(ledger::VerifyReport report, ledger->Verify(kTb));
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 5u);
}

TEST(Ledger, VerifyDetectsAnAlteredAccountBalance) {
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(WriteFiveAndClose(dir));
  ASSERT_OK(ChangeStoredAccount(dir.path(), kTb, "ann", [](Account& a) {
    a.totals.minutes_given += 30;
  }));
  ASSERT_OK_AND_ASSIGN(auto ledger, Ledger::Open(TestOptions(dir.path())));
  ASSERT_OK_AND_ASSIGN(ledger::VerifyReport report, ledger->Verify(kTb));
  EXPECT_FALSE(report.ok);
  EXPECT_NE(report.problem.find("ann"), std::string::npos) << report.problem;
  EXPECT_EQ(report.entries_checked, 5u);
  ExpectWritesRefused(*ledger);
}

TEST(Ledger, VerifyDetectsAnEntryRewrittenWithAConsistentHashChain) {
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(WriteFiveAndClose(dir));
  // Change entry 3 and rehash it and everything after, including the chain
  // head: only the recomputed balances can show the change now.
  ASSERT_OK(EditDatabase(dir.path(), [](rocksdb::DB& db) -> rocksdb::Status {
    ledger::Hash previous{};
    for (Seq seq = 1; seq <= 5; ++seq) {
      std::string bytes;
      rocksdb::Status s =
          db.Get(rocksdb::ReadOptions(), ledger::JournalKey(kTb, seq), &bytes);
      if (!s.ok()) return s;
      absl::StatusOr<JournalEntry> entry = ledger::DecodeEntry(kTb, bytes);
      if (!entry.ok()) return rocksdb::Status::Corruption("decode");
      if (seq == 3) entry->minutes += 60;
      entry->hash =
          ledger::ChainHash(previous, ledger::EncodeEntryBody(*entry));
      previous = entry->hash;
      s = db.Put(Synced(), ledger::JournalKey(kTb, seq),
                 ledger::EncodeEntry(*entry));
      if (!s.ok()) return s;
    }
    std::string bytes;
    rocksdb::Status s =
        db.Get(rocksdb::ReadOptions(), ledger::TimebankKey(kTb), &bytes);
    if (!s.ok()) return s;
    absl::StatusOr<Timebank> timebank = ledger::DecodeTimebank(bytes);
    if (!timebank.ok()) return rocksdb::Status::Corruption("decode");
    timebank->last_hash = previous;
    return db.Put(Synced(), ledger::TimebankKey(kTb),
                  ledger::EncodeTimebank(*timebank));
  }));
  ASSERT_OK_AND_ASSIGN(auto ledger, Ledger::Open(TestOptions(dir.path())));
  ASSERT_OK_AND_ASSIGN(ledger::VerifyReport report, ledger->Verify(kTb));
  EXPECT_FALSE(report.ok);
  EXPECT_FALSE(report.problem.empty());
}

TEST(Ledger, TotalsThatWouldOverflowAreRefused) {
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(WriteFiveAndClose(dir));
  // Sums are far from int64 limits in real use (exchanges are capped at
  // 100000 minutes); put one there by hand to show the guard.
  ASSERT_OK(ChangeStoredAccount(dir.path(), kTb, "ann", [](Account& a) {
    a.totals.minutes_given = INT64_MAX - 10;
  }));
  ASSERT_OK(ChangeStoredAccount(dir.path(), kTb, "bob", [](Account& a) {
    a.totals.minutes_received = INT64_MAX - 10;
  }));
  ASSERT_OK_AND_ASSIGN(auto ledger, Ledger::Open(TestOptions(dir.path())));
  ASSERT_OK_AND_ASSIGN(BooksState before, ReadBooksState(*ledger, kTb));
  EXPECT_STATUS(
      ledger->RecordExchange(kTb, Coordinator(), Gave("x1", "ann", "cat", 60)),
      StatusCode::kFailedPrecondition, "minutes:");
  EXPECT_STATUS(
      ledger->RecordExchange(kTb, Coordinator(), Gave("x2", "cat", "bob", 60)),
      StatusCode::kFailedPrecondition, "minutes:");
  ASSERT_OK_AND_ASSIGN(BooksState after, ReadBooksState(*ledger, kTb));
  ExpectSameBooks(before, after);
  // Small enough amounts still fit.
  EXPECT_OK(
      ledger->RecordExchange(kTb, Coordinator(), Gave("x3", "ann", "cat", 10)));
}

}  // namespace
}  // namespace timebank::ledger_test
