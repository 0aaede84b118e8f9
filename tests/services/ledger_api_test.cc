// The Ledger service through the generated stubs of a running timebankd:
// every method, every error status the API promises (code and the field the
// message names), and idempotent retries.

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "tests/services/rpc_client.h"
#include "tests/services/shared_server_test.h"

namespace timebank::testing {
namespace {

class LedgerApiTest : public SharedServerTest<LedgerApiTest> {
 protected:
  // A new timebank with PERSON accounts kathy, olga and vera.
  std::string NewTimebank(const v1::TimebankSettings* settings = nullptr) {
    const std::string tb = UniqueId("api");
    v1::CreateTimebankRequest request;
    request.set_timebank_id(tb);
    request.set_name("Riverside " + tb);
    if (settings != nullptr) *request.mutable_settings() = *settings;
    Must(admin().Call(&v1::Ledger::Stub::CreateTimebank, request),
         "create " + tb);
    for (const char* account : {"kathy", "olga", "vera"}) {
      Must(admin().OpenAccount(tb, account), "open " + std::string(account));
    }
    return tb;
  }

  // A client holding a new MEMBER token for `account` of `tb`.
  Client Member(const std::string& tb, const std::string& account) const {
    return admin().WithToken(
        Must(admin().CreateToken(v1::ROLE_MEMBER, {tb}, account,
                                 "member-" + tb + "-" + account),
             "member token")
            .token());
  }

  // A client holding a new COORDINATOR token for `tb`.
  Client Coordinator(const std::string& tb) const {
    return admin().WithToken(
        Must(admin().CreateToken(v1::ROLE_COORDINATOR, {tb}, "",
                                 "coordinator-" + tb),
             "coordinator token")
            .token());
  }

  uint64_t LastSeq(const std::string& tb) const {
    return Must(admin().GetTimebank(tb), "get timebank").last_seq();
  }

  int64_t BalanceOf(const std::string& tb, const std::string& account) const {
    return Must(admin().GetBalance(tb, account), "get balance")
        .balance_minutes();
  }
};

std::vector<uint64_t> SeqsOf(const v1::ListExchangesResponse& page) {
  std::vector<uint64_t> seqs;
  for (const v1::Exchange& exchange : page.exchanges()) {
    seqs.push_back(exchange.seq());
  }
  return seqs;
}

// ---------------------------------------------------------------- timebanks

TEST_F(LedgerApiTest, CreateTimebankWithoutSettingsAppliesTheDefaults) {
  const std::string tb = UniqueId("defaults");
  Rpc<v1::Timebank> created = admin().CreateTimebank(tb, "Riverside Timebank");
  ASSERT_RPC_OK(created);
  EXPECT_EQ(created->timebank_id(), tb);
  EXPECT_EQ(created->name(), "Riverside Timebank");
  EXPECT_TRUE(created->settings().members_may_log());
  EXPECT_FALSE(created->settings().has_balance_floor());
  EXPECT_EQ(created->settings().max_exchange_minutes(), 1440);
  EXPECT_GT(created->created_at_unix_us(), 0);
  EXPECT_EQ(created->last_seq(), 0u);
  EXPECT_EQ(created->last_hash(), std::string(32, '\0'));
}

TEST_F(LedgerApiTest, GetTimebankReturnsWhatWasCreated) {
  v1::CreateTimebankRequest request;
  request.set_timebank_id(UniqueId("get"));
  request.set_name("Hillside");
  request.mutable_settings()->set_members_may_log(false);
  request.mutable_settings()->set_has_balance_floor(true);
  request.mutable_settings()->set_balance_floor_minutes(-600);
  request.mutable_settings()->set_max_exchange_minutes(240);
  ASSERT_RPC_OK(admin().Call(&v1::Ledger::Stub::CreateTimebank, request));

  Rpc<v1::Timebank> got = admin().GetTimebank(request.timebank_id());
  ASSERT_RPC_OK(got);
  EXPECT_EQ(got->name(), "Hillside");
  EXPECT_FALSE(got->settings().members_may_log());
  EXPECT_TRUE(got->settings().has_balance_floor());
  EXPECT_EQ(got->settings().balance_floor_minutes(), -600);
  EXPECT_EQ(got->settings().max_exchange_minutes(), 240);
}

TEST_F(LedgerApiTest, ListTimebanksIsOrderedById) {
  const std::string later = "zz-" + UniqueId("list");
  const std::string earlier = "aa-" + UniqueId("list");
  ASSERT_RPC_OK(admin().CreateTimebank(later));
  ASSERT_RPC_OK(admin().CreateTimebank(earlier));

  Rpc<v1::ListTimebanksResponse> listed = admin().Call(
      &v1::Ledger::Stub::ListTimebanks, v1::ListTimebanksRequest());
  ASSERT_RPC_OK(listed);
  std::vector<std::string> ids;
  for (const v1::Timebank& timebank : listed->timebanks()) {
    ids.push_back(timebank.timebank_id());
  }
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_NE(std::find(ids.begin(), ids.end(), earlier), ids.end());
  EXPECT_NE(std::find(ids.begin(), ids.end(), later), ids.end());
}

TEST_F(LedgerApiTest, UpdateTimebankReplacesTheSettings) {
  const std::string tb = NewTimebank();
  v1::UpdateTimebankRequest request;
  request.set_timebank_id(tb);
  request.mutable_settings()->set_members_may_log(false);
  request.mutable_settings()->set_has_balance_floor(true);
  request.mutable_settings()->set_balance_floor_minutes(-1200);
  Rpc<v1::Timebank> updated =
      Coordinator(tb).Call(&v1::Ledger::Stub::UpdateTimebank, request);
  ASSERT_RPC_OK(updated);
  EXPECT_FALSE(updated->settings().members_may_log());
  EXPECT_EQ(updated->settings().balance_floor_minutes(), -1200);
  // 0 in a request means the default.
  EXPECT_EQ(updated->settings().max_exchange_minutes(), 1440);

  Rpc<v1::Timebank> got = admin().GetTimebank(tb);
  ASSERT_RPC_OK(got);
  EXPECT_FALSE(got->settings().members_may_log());
  EXPECT_TRUE(got->settings().has_balance_floor());
  EXPECT_EQ(got->settings().balance_floor_minutes(), -1200);

  v1::UpdateTimebankRequest without_settings;
  without_settings.set_timebank_id(tb);
  EXPECT_RPC_ERROR(
      admin().Call(&v1::Ledger::Stub::UpdateTimebank, without_settings),
      INVALID_ARGUMENT, "settings");
  request.mutable_settings()->set_max_exchange_minutes(-5);
  EXPECT_RPC_ERROR(admin().Call(&v1::Ledger::Stub::UpdateTimebank, request),
                   INVALID_ARGUMENT, "settings.max_exchange_minutes");
}

// ----------------------------------------------------------------- accounts

TEST_F(LedgerApiTest, OpenAccountThenGetAccountReturnsItsFields) {
  const std::string tb = NewTimebank();
  v1::OpenAccountRequest request;
  request.set_timebank_id(tb);
  request.set_account_id("day-centre");
  request.set_display_name("Day Centre");
  request.set_kind(v1::ACCOUNT_KIND_ORGANISATION);
  request.add_skills("Gardening ");
  request.add_skills("it help");
  request.set_external_ref("crm-42");
  request.set_joined_on("2023-09-01");
  Rpc<v1::Account> opened =
      admin().Call(&v1::Ledger::Stub::OpenAccount, request);
  ASSERT_RPC_OK(opened);

  Rpc<v1::Account> got = admin().GetAccount(tb, "day-centre");
  ASSERT_RPC_OK(got);
  EXPECT_EQ(got->timebank_id(), tb);
  EXPECT_EQ(got->account_id(), "day-centre");
  EXPECT_EQ(got->kind(), v1::ACCOUNT_KIND_ORGANISATION);
  EXPECT_EQ(got->status(), v1::ACCOUNT_STATUS_ACTIVE);
  EXPECT_EQ(got->display_name(), "Day Centre");
  EXPECT_EQ(
      std::vector<std::string>(got->skills().begin(), got->skills().end()),
      (std::vector<std::string>{"gardening", "it help"}));
  EXPECT_EQ(got->external_ref(), "crm-42");
  EXPECT_EQ(got->joined_on(), "2023-09-01");
  EXPECT_FALSE(got->erased());
  EXPECT_GT(got->created_at_unix_us(), 0);
  EXPECT_EQ(got->balance().balance_minutes(), 0);
}

TEST_F(LedgerApiTest, UpdateAccountChangesOnlyTheFieldsThatAreSet) {
  const std::string tb = NewTimebank();
  v1::UpdateAccountRequest request;
  request.set_timebank_id(tb);
  request.set_account_id("kathy");
  request.set_external_ref("crm-7");
  request.set_replace_skills(true);
  request.add_skills("befriending");
  Rpc<v1::Account> updated =
      admin().Call(&v1::Ledger::Stub::UpdateAccount, request);
  ASSERT_RPC_OK(updated);
  EXPECT_EQ(updated->display_name(), "Name of kathy");
  EXPECT_EQ(updated->external_ref(), "crm-7");
  ASSERT_EQ(updated->skills_size(), 1);
  EXPECT_EQ(updated->skills(0), "befriending");
  EXPECT_EQ(updated->status(), v1::ACCOUNT_STATUS_ACTIVE);

  v1::UpdateAccountRequest rename;
  rename.set_timebank_id(tb);
  rename.set_account_id("kathy");
  rename.set_display_name("Kathy B.");
  ASSERT_RPC_OK(admin().Call(&v1::Ledger::Stub::UpdateAccount, rename));
  Rpc<v1::Account> got = admin().GetAccount(tb, "kathy");
  ASSERT_RPC_OK(got);
  EXPECT_EQ(got->display_name(), "Kathy B.");
  EXPECT_EQ(got->external_ref(), "crm-7");
  EXPECT_EQ(got->skills_size(), 1);

  v1::UpdateAccountRequest skills_without_replace;
  skills_without_replace.set_timebank_id(tb);
  skills_without_replace.set_account_id("kathy");
  skills_without_replace.add_skills("cooking");
  EXPECT_RPC_ERROR(
      admin().Call(&v1::Ledger::Stub::UpdateAccount, skills_without_replace),
      INVALID_ARGUMENT, "skills");
}

TEST_F(LedgerApiTest, EraseAccountPseudonymisesButKeepsTheBalanceAndJournal) {
  const std::string tb = NewTimebank();
  v1::UpdateAccountRequest details;
  details.set_timebank_id(tb);
  details.set_account_id("kathy");
  details.set_display_name("Kathy Brown");
  details.set_external_ref("crm-1");
  details.set_replace_skills(true);
  details.add_skills("gardening");
  ASSERT_RPC_OK(admin().Call(&v1::Ledger::Stub::UpdateAccount, details));
  Rpc<v1::Exchange> recorded =
      admin().RecordExchange(ExchangeRequest(tb, "e-1", "kathy", "vera", 90));
  ASSERT_RPC_OK(recorded);

  v1::EraseAccountRequest erase;
  erase.set_timebank_id(tb);
  erase.set_account_id("kathy");
  Rpc<v1::Account> erased =
      admin().Call(&v1::Ledger::Stub::EraseAccount, erase);
  ASSERT_RPC_OK(erased);
  EXPECT_TRUE(erased->erased());
  EXPECT_NE(erased->display_name(), "Kathy Brown");
  EXPECT_FALSE(erased->display_name().empty());
  EXPECT_EQ(erased->skills_size(), 0);
  EXPECT_EQ(erased->external_ref(), "");
  EXPECT_EQ(erased->balance().balance_minutes(), 90);
  // Harmless the second time.
  EXPECT_RPC_OK(admin().Call(&v1::Ledger::Stub::EraseAccount, erase));

  Rpc<v1::Exchange> exchange = admin().GetExchange(tb, recorded->seq());
  ASSERT_RPC_OK(exchange);
  EXPECT_EQ(exchange->giver_id(), "kathy");
  EXPECT_EQ(exchange->status(), v1::EXCHANGE_STATUS_CONFIRMED);
  EXPECT_EQ(BalanceOf(tb, "kathy"), 90);

  v1::UpdateAccountRequest rename;
  rename.set_timebank_id(tb);
  rename.set_account_id("kathy");
  rename.set_display_name("Kathy Again");
  EXPECT_RPC_ERROR(admin().Call(&v1::Ledger::Stub::UpdateAccount, rename),
                   FAILED_PRECONDITION, "account_id");
}

TEST_F(LedgerApiTest, ListAccountsPagesInAccountIdOrder) {
  const std::string tb = NewTimebank();
  ASSERT_RPC_OK(admin().OpenAccount(tb, "aaron"));
  ASSERT_RPC_OK(admin().OpenAccount(tb, "pot", v1::ACCOUNT_KIND_COMMUNITY_POT));

  std::vector<std::string> ids;
  std::string page_token;
  int pages = 0;
  do {
    v1::ListAccountsRequest request;
    request.set_timebank_id(tb);
    request.set_page_size(2);
    request.set_page_token(page_token);
    Rpc<v1::ListAccountsResponse> page =
        admin().Call(&v1::Ledger::Stub::ListAccounts, request);
    ASSERT_RPC_OK(page);
    EXPECT_LE(page->accounts_size(), 2);
    for (const v1::Account& account : page->accounts()) {
      ids.push_back(account.account_id());
    }
    page_token = page->next_page_token();
    ASSERT_LT(++pages, 10) << "paging does not end";
  } while (!page_token.empty());

  EXPECT_EQ(pages, 3);
  EXPECT_EQ(
      ids, (std::vector<std::string>{"aaron", "kathy", "olga", "pot", "vera"}));
}

// A member finds who to log time with by name, and learns nothing else
// about them; the names rule holds over gRPC as in the ledger.
TEST_F(LedgerApiTest, MembersFindEachOtherByNameAndSeeNothingElse) {
  const std::string tb = NewTimebank();
  v1::RecordExchangeRequest gave =
      ExchangeRequest(tb, "names-1", "vera", "olga", 60);
  Rpc<v1::Exchange> recorded = admin().RecordExchange(gave);
  ASSERT_RPC_OK(recorded);
  // Replies name both parties, for people.
  EXPECT_EQ(recorded->giver_name(), "Name of vera");
  EXPECT_EQ(recorded->receiver_name(), "Name of olga");
  v1::ListExchangesRequest statement;
  statement.set_timebank_id(tb);
  statement.set_account_id("olga");
  Rpc<v1::ListExchangesResponse> olgas =
      Member(tb, "olga").Call(&v1::Ledger::Stub::ListExchanges, statement);
  ASSERT_RPC_OK(olgas);
  ASSERT_EQ(olgas->exchanges_size(), 1);
  EXPECT_EQ(olgas->exchanges(0).giver_name(), "Name of vera");
  v1::ListAccountsRequest request;
  request.set_timebank_id(tb);
  request.set_query("OF VERA");  // rpc_client names her "Name of vera".
  Rpc<v1::ListAccountsResponse> found =
      Member(tb, "kathy").Call(&v1::Ledger::Stub::ListAccounts, request);
  ASSERT_RPC_OK(found);
  ASSERT_EQ(found->accounts_size(), 1);
  v1::Account only_names;
  only_names.set_timebank_id(tb);
  only_names.set_account_id("vera");
  only_names.set_display_name("Name of vera");
  EXPECT_EQ(found->accounts(0).SerializeAsString(),
            only_names.SerializeAsString())
      << found->accounts(0).DebugString();
  // A coordinator gets the whole account, balance included.
  Rpc<v1::ListAccountsResponse> full =
      Coordinator(tb).Call(&v1::Ledger::Stub::ListAccounts, request);
  ASSERT_RPC_OK(full);
  ASSERT_EQ(full->accounts_size(), 1);
  EXPECT_EQ(full->accounts(0).balance().balance_minutes(), 60);
  // Another timebank's member lists nothing here.
  const std::string other = NewTimebank();
  EXPECT_RPC_ERROR(
      Member(other, "kathy").Call(&v1::Ledger::Stub::ListAccounts, request),
      PERMISSION_DENIED, "timebank_id");

  v1::OpenAccountRequest twin;
  twin.set_timebank_id(tb);
  twin.set_account_id("vera-2");
  twin.set_display_name("name of  VERA");
  EXPECT_RPC_ERROR(admin().Call(&v1::Ledger::Stub::OpenAccount, twin),
                   ALREADY_EXISTS, "display_name");
  twin.set_allow_duplicate_name(true);
  EXPECT_RPC_OK(admin().Call(&v1::Ledger::Stub::OpenAccount, twin));
  twin.set_account_id("Vera");
  EXPECT_RPC_ERROR(admin().Call(&v1::Ledger::Stub::OpenAccount, twin),
                   ALREADY_EXISTS, "account_id");
}

// ---------------------------------------------------------------- exchanges

TEST_F(LedgerApiTest, CoordinatorRecordIsConfirmedAtOnce) {
  const std::string tb = NewTimebank();
  v1::RecordExchangeRequest request =
      ExchangeRequest(tb, "rec-1", "kathy", "vera", 120, "2024-03-15");
  request.set_category("Befriending ");
  request.set_description("Weekly visit and a cup of tea");
  Rpc<v1::Exchange> recorded = Coordinator(tb).RecordExchange(request);
  ASSERT_RPC_OK(recorded);
  EXPECT_EQ(recorded->timebank_id(), tb);
  EXPECT_EQ(recorded->seq(), 1u);
  EXPECT_EQ(recorded->giver_id(), "kathy");
  EXPECT_EQ(recorded->receiver_id(), "vera");
  EXPECT_EQ(recorded->minutes(), 120);
  EXPECT_EQ(recorded->category(), "befriending");
  EXPECT_EQ(recorded->description(), "Weekly visit and a cup of tea");
  EXPECT_EQ(recorded->occurred_on(), "2024-03-15");
  EXPECT_EQ(recorded->status(), v1::EXCHANGE_STATUS_CONFIRMED);
  EXPECT_EQ(recorded->hash().size(), 32u);
  EXPECT_GT(recorded->recorded_at_unix_us(), 0);
  EXPECT_EQ(recorded->recorded_by(), "coordinator-" + tb);  // The token's name.
  EXPECT_EQ(recorded->request_id(), "rec-1");
  EXPECT_EQ(recorded->closed_by_seq(), 0u);
  EXPECT_EQ(recorded->logged_by_account_id(), "");

  Rpc<v1::Exchange> got = admin().GetExchange(tb, 1);
  ASSERT_RPC_OK(got);
  EXPECT_EQ(got->SerializeAsString(), recorded->SerializeAsString());
  EXPECT_EQ(BalanceOf(tb, "kathy"), 120);
  EXPECT_EQ(BalanceOf(tb, "vera"), -120);
  Rpc<v1::Timebank> timebank = admin().GetTimebank(tb);
  ASSERT_RPC_OK(timebank);
  EXPECT_EQ(timebank->last_seq(), 1u);
  EXPECT_EQ(timebank->last_hash(), recorded->hash());
}

TEST_F(LedgerApiTest, MemberLoggedExchangeIsPendingUntilTheOtherPartyConfirms) {
  const std::string tb = NewTimebank();
  const Client kathy = Member(tb, "kathy");
  const Client vera = Member(tb, "vera");

  Rpc<v1::Exchange> logged =
      kathy.RecordExchange(ExchangeRequest(tb, "log-1", "kathy", "vera", 60));
  ASSERT_RPC_OK(logged);
  EXPECT_EQ(logged->status(), v1::EXCHANGE_STATUS_PENDING);
  EXPECT_EQ(logged->logged_by_account_id(), "kathy");
  EXPECT_EQ(BalanceOf(tb, "kathy"), 0);
  EXPECT_EQ(BalanceOf(tb, "vera"), 0);

  // The member who logged it cannot confirm it themselves.
  EXPECT_RPC_ERROR(kathy.ConfirmExchange(tb, logged->seq(), "conf-by-kathy"),
                   PERMISSION_DENIED, "seq");

  Rpc<v1::Exchange> confirmed =
      vera.ConfirmExchange(tb, logged->seq(), "conf-1");
  ASSERT_RPC_OK(confirmed);
  EXPECT_EQ(confirmed->seq(), logged->seq());
  EXPECT_EQ(confirmed->status(), v1::EXCHANGE_STATUS_CONFIRMED);
  EXPECT_EQ(confirmed->closed_by_seq(), logged->seq() + 1);
  // Who logged it stays on the exchange once it is confirmed.
  EXPECT_EQ(confirmed->logged_by_account_id(), "kathy");
  EXPECT_EQ(BalanceOf(tb, "kathy"), 60);
  EXPECT_EQ(BalanceOf(tb, "vera"), -60);
  Rpc<v1::Exchange> got = kathy.GetExchange(tb, logged->seq());
  ASSERT_RPC_OK(got);
  EXPECT_EQ(got->status(), v1::EXCHANGE_STATUS_CONFIRMED);
}

TEST_F(LedgerApiTest, CoordinatorConfirmsAnExchangeAMemberLogged) {
  const std::string tb = NewTimebank();
  Rpc<v1::Exchange> logged =
      Member(tb, "vera")
          .RecordExchange(ExchangeRequest(tb, "log-1", "olga", "vera", 45));
  ASSERT_RPC_OK(logged);
  Rpc<v1::Exchange> confirmed =
      Coordinator(tb).ConfirmExchange(tb, logged->seq(), "conf-1");
  ASSERT_RPC_OK(confirmed);
  EXPECT_EQ(confirmed->status(), v1::EXCHANGE_STATUS_CONFIRMED);
  EXPECT_EQ(BalanceOf(tb, "olga"), 45);
}

TEST_F(LedgerApiTest, RejectedExchangeNeverCounts) {
  const std::string tb = NewTimebank();
  Rpc<v1::Exchange> logged =
      Member(tb, "vera")
          .RecordExchange(ExchangeRequest(tb, "log-1", "vera", "kathy", 30));
  ASSERT_RPC_OK(logged);

  Rpc<v1::Exchange> rejected =
      Member(tb, "kathy")
          .RejectExchange(tb, logged->seq(), "rej-1", "that was not me");
  ASSERT_RPC_OK(rejected);
  EXPECT_EQ(rejected->status(), v1::EXCHANGE_STATUS_REJECTED);
  EXPECT_EQ(rejected->closed_by_seq(), logged->seq() + 1);
  EXPECT_EQ(BalanceOf(tb, "vera"), 0);
  EXPECT_EQ(BalanceOf(tb, "kathy"), 0);

  Rpc<std::vector<v1::JournalEntry>> journal = admin().ReadJournal(tb, 1, 2);
  ASSERT_RPC_OK(journal);
  EXPECT_EQ(journal.reply[1].kind(), v1::ENTRY_KIND_REJECT);
  EXPECT_EQ(journal.reply[1].target_seq(), logged->seq());
  EXPECT_EQ(journal.reply[1].note(), "that was not me");

  EXPECT_RPC_ERROR(admin().ConfirmExchange(tb, logged->seq(), "conf-late"),
                   FAILED_PRECONDITION, "seq");
}

// ledger.proto: RejectExchange is "allowed to a coordinator or to the party
// who did not log it".
TEST_F(LedgerApiTest, MemberMayWithdrawAnExchangeTheyLoggedButNotConfirmIt) {
  const std::string tb = NewTimebank();
  const Client kathy = Member(tb, "kathy");
  Rpc<v1::Exchange> logged =
      kathy.RecordExchange(ExchangeRequest(tb, "log-1", "kathy", "vera", 30));
  ASSERT_RPC_OK(logged);
  EXPECT_RPC_ERROR(kathy.ConfirmExchange(tb, logged->seq(), "conf-own"),
                   PERMISSION_DENIED, "seq");
  Rpc<v1::Exchange> withdrawn =
      kathy.RejectExchange(tb, logged->seq(), "rej-own");
  ASSERT_RPC_OK(withdrawn);
  EXPECT_EQ(withdrawn->status(), v1::EXCHANGE_STATUS_REJECTED);
  EXPECT_EQ(BalanceOf(tb, "kathy"), 0);
}

TEST_F(LedgerApiTest, ReverseUndoesAConfirmedExchange) {
  const std::string tb = NewTimebank();
  const Client coordinator = Coordinator(tb);
  Rpc<v1::Exchange> recorded = coordinator.RecordExchange(
      ExchangeRequest(tb, "rec-1", "kathy", "vera", 90));
  ASSERT_RPC_OK(recorded);

  Rpc<v1::Exchange> reversed = coordinator.ReverseExchange(
      tb, recorded->seq(), "rev-1", "entered twice");
  ASSERT_RPC_OK(reversed);
  EXPECT_EQ(reversed->seq(), recorded->seq());
  EXPECT_EQ(reversed->status(), v1::EXCHANGE_STATUS_REVERSED);
  EXPECT_EQ(reversed->closed_by_seq(), recorded->seq() + 1);
  EXPECT_EQ(BalanceOf(tb, "kathy"), 0);
  EXPECT_EQ(BalanceOf(tb, "vera"), 0);

  // The original stays in the journal, marked REVERSED.
  Rpc<v1::Exchange> got = admin().GetExchange(tb, recorded->seq());
  ASSERT_RPC_OK(got);
  EXPECT_EQ(got->status(), v1::EXCHANGE_STATUS_REVERSED);
  EXPECT_EQ(got->minutes(), 90);
  EXPECT_EQ(got->hash(), recorded->hash());
  Rpc<std::vector<v1::JournalEntry>> journal = admin().ReadJournal(tb, 1, 2);
  ASSERT_RPC_OK(journal);
  EXPECT_EQ(journal.reply[0].kind(), v1::ENTRY_KIND_RECORD);
  EXPECT_EQ(journal.reply[1].kind(), v1::ENTRY_KIND_REVERSE);
  EXPECT_EQ(journal.reply[1].target_seq(), recorded->seq());
  EXPECT_EQ(journal.reply[1].note(), "entered twice");
}

TEST_F(LedgerApiTest, ListExchangesGivesAStatementByAccountAndDates) {
  const std::string tb = NewTimebank();
  ASSERT_RPC_OK(admin().RecordExchange(
      ExchangeRequest(tb, "s-1", "kathy", "vera", 60, "2024-01-10")));
  ASSERT_RPC_OK(admin().RecordExchange(
      ExchangeRequest(tb, "s-2", "vera", "olga", 30, "2024-02-10")));
  ASSERT_RPC_OK(admin().RecordExchange(
      ExchangeRequest(tb, "s-3", "olga", "kathy", 45, "2024-03-10")));
  ASSERT_RPC_OK(Member(tb, "kathy")
                    .RecordExchange(ExchangeRequest(tb, "s-4", "kathy", "olga",
                                                    15, "2024-04-10")));

  Rpc<v1::ListExchangesResponse> kathy = admin().ListExchanges(tb, "kathy");
  ASSERT_RPC_OK(kathy);
  // Newest first by the day of the work.
  EXPECT_EQ(SeqsOf(kathy.reply), (std::vector<uint64_t>{4, 3, 1}));
  EXPECT_EQ(kathy->exchanges(0).status(), v1::EXCHANGE_STATUS_PENDING);
  EXPECT_EQ(kathy->next_page_token(), "");

  Rpc<v1::ListExchangesResponse> kathy_q1 =
      admin().ListExchanges(tb, "kathy", "2024-02-01", "2024-03-31");
  ASSERT_RPC_OK(kathy_q1);
  EXPECT_EQ(SeqsOf(kathy_q1.reply), (std::vector<uint64_t>{3}));

  Rpc<v1::ListExchangesResponse> inclusive =
      admin().ListExchanges(tb, "", "2024-02-10", "2024-03-10");
  ASSERT_RPC_OK(inclusive);
  EXPECT_EQ(SeqsOf(inclusive.reply), (std::vector<uint64_t>{3, 2}));

  Rpc<v1::ListExchangesResponse> whole =
      admin().ListExchanges(tb, "", "2024-02-01");
  ASSERT_RPC_OK(whole);
  EXPECT_EQ(SeqsOf(whole.reply), (std::vector<uint64_t>{4, 3, 2}));

  EXPECT_RPC_ERROR(admin().ListExchanges(tb, "kathy", "2024-13-01"),
                   INVALID_ARGUMENT, "from_date");
  EXPECT_RPC_ERROR(
      admin().ListExchanges(tb, "kathy", "2024-03-01", "2024-02-01"),
      INVALID_ARGUMENT, "to_date");
  EXPECT_RPC_ERROR(admin().ListExchanges(tb, "nobody"), NOT_FOUND,
                   "account_id");
}

// Exchanges of one day page newest first by seq.
TEST_F(LedgerApiTest, ListExchangesPagesNewestFirst) {
  const std::string tb = NewTimebank();
  for (int i = 1; i <= 7; ++i) {
    ASSERT_RPC_OK(admin().RecordExchange(ExchangeRequest(
        tb, "p-" + std::to_string(i), i % 2 == 0 ? "kathy" : "vera",
        i % 2 == 0 ? "vera" : "kathy", 10 * i)));
  }
  ASSERT_RPC_OK(
      admin().RecordExchange(ExchangeRequest(tb, "p-olga", "olga", "vera", 5)));

  for (const std::string account : {"", "kathy"}) {
    SCOPED_TRACE("account_id='" + account + "'");
    std::vector<uint64_t> seqs;
    std::string page_token;
    int pages = 0;
    do {
      Rpc<v1::ListExchangesResponse> page =
          admin().ListExchanges(tb, account, "", "", 3, page_token);
      ASSERT_RPC_OK(page);
      EXPECT_LE(page->exchanges_size(), 3);
      for (uint64_t seq : SeqsOf(page.reply)) seqs.push_back(seq);
      page_token = page->next_page_token();
      ASSERT_LT(++pages, 10) << "paging does not end";
    } while (!page_token.empty());
    std::vector<uint64_t> expected(account.empty() ? 8 : 7);
    std::iota(expected.rbegin(), expected.rend(), 1);
    EXPECT_EQ(seqs, expected);
  }
  EXPECT_RPC_ERROR(admin().ListExchanges(tb, "", "", "", 3, "not-a-token"),
                   INVALID_ARGUMENT, "page_token");
  EXPECT_RPC_ERROR(admin().ListExchanges(tb, "", "", "", -1), INVALID_ARGUMENT,
                   "page_size");
}

// ----------------------------------------------------------------- balances

TEST_F(LedgerApiTest, GetBalanceAddsUpOnlyConfirmedExchanges) {
  const std::string tb = NewTimebank();
  ASSERT_RPC_OK(
      admin().RecordExchange(ExchangeRequest(tb, "b-1", "kathy", "vera", 60)));
  ASSERT_RPC_OK(
      admin().RecordExchange(ExchangeRequest(tb, "b-2", "vera", "kathy", 30)));
  ASSERT_RPC_OK(
      admin().RecordExchange(ExchangeRequest(tb, "b-3", "kathy", "olga", 45)));
  Rpc<v1::Exchange> mistake =
      admin().RecordExchange(ExchangeRequest(tb, "b-4", "kathy", "vera", 20));
  ASSERT_RPC_OK(mistake);
  ASSERT_RPC_OK(admin().ReverseExchange(tb, mistake->seq(), "b-4-undo"));
  ASSERT_RPC_OK(Member(tb, "vera")
                    .RecordExchange(ExchangeRequest(tb, "b-5", "vera", "olga",
                                                    10)));  // Stays PENDING.

  Rpc<v1::Balance> kathy = admin().GetBalance(tb, "kathy");
  ASSERT_RPC_OK(kathy);
  EXPECT_EQ(kathy->timebank_id(), tb);
  EXPECT_EQ(kathy->account_id(), "kathy");
  EXPECT_EQ(kathy->minutes_given(), 105);
  EXPECT_EQ(kathy->minutes_received(), 30);
  EXPECT_EQ(kathy->balance_minutes(), 75);
  EXPECT_EQ(kathy->exchanges_given(), 2);
  EXPECT_EQ(kathy->exchanges_received(), 1);
  EXPECT_EQ(kathy->partners(), 2);

  Rpc<v1::Balance> vera = admin().GetBalance(tb, "vera");
  ASSERT_RPC_OK(vera);
  EXPECT_EQ(vera->minutes_given(), 30);
  EXPECT_EQ(vera->minutes_received(), 60);
  EXPECT_EQ(vera->balance_minutes(), -30);
  EXPECT_EQ(vera->exchanges_given(), 1);
  EXPECT_EQ(vera->exchanges_received(), 1);
  EXPECT_EQ(vera->partners(), 1);

  Rpc<v1::Balance> olga = admin().GetBalance(tb, "olga");
  ASSERT_RPC_OK(olga);
  EXPECT_EQ(olga->minutes_given(), 0);
  EXPECT_EQ(olga->minutes_received(), 45);
  EXPECT_EQ(olga->balance_minutes(), -45);
  EXPECT_EQ(olga->partners(), 1);

  // GetAccount carries the same totals.
  Rpc<v1::Account> account = admin().GetAccount(tb, "kathy");
  ASSERT_RPC_OK(account);
  EXPECT_EQ(account->balance().SerializeAsString(), kathy->SerializeAsString());
}

TEST_F(LedgerApiTest, SnapshotBalancesSumToZero) {
  const std::string tb = NewTimebank();
  ASSERT_RPC_OK(admin().OpenAccount(tb, "pot", v1::ACCOUNT_KIND_COMMUNITY_POT));
  ASSERT_RPC_OK(
      admin().RecordExchange(ExchangeRequest(tb, "z-1", "kathy", "vera", 60)));
  ASSERT_RPC_OK(
      admin().RecordExchange(ExchangeRequest(tb, "z-2", "olga", "pot", 25)));
  ASSERT_RPC_OK(
      admin().RecordExchange(ExchangeRequest(tb, "z-3", "pot", "vera", 15)));

  Rpc<v1::SnapshotBalancesResponse> snapshot = admin().SnapshotBalances(tb);
  ASSERT_RPC_OK(snapshot);
  EXPECT_EQ(snapshot->timebank_id(), tb);
  EXPECT_EQ(snapshot->as_of_seq(), 3u);
  std::vector<std::string> ids;
  int64_t sum = 0;
  for (const v1::AccountBalance& balance : snapshot->balances()) {
    ids.push_back(balance.account_id());
    sum += balance.balance_minutes();
    EXPECT_EQ(balance.balance_minutes(), BalanceOf(tb, balance.account_id()))
        << balance.account_id();
  }
  EXPECT_EQ(sum, 0);
  EXPECT_EQ(ids, (std::vector<std::string>{"kathy", "olga", "pot", "vera"}));
}

// --------------------------------------------------------------------- bulk

TEST_F(LedgerApiTest, RecordExchangesRecordsValidItemsAndReportsTheOthers) {
  const std::string tb = NewTimebank();
  v1::RecordExchangesRequest request;
  request.set_timebank_id(tb);
  *request.add_items() =
      ExchangeItem(ExchangeRequest(tb, "m-1", "kathy", "vera", 30));
  *request.add_items() =
      ExchangeItem(ExchangeRequest(tb, "m-2", "kathy", "vera", 0));
  *request.add_items() =
      ExchangeItem(ExchangeRequest(tb, "m-3", "kathy", "kathy", 5));
  *request.add_items() =
      ExchangeItem(ExchangeRequest(tb, "m-4", "nobody", "vera", 5));
  *request.add_items() =
      ExchangeItem(ExchangeRequest(tb, "m-5", "vera", "olga", 20));
  *request.add_items() =
      ExchangeItem(ExchangeRequest(tb, "m-6", "olga", "vera", 5, "2024-02-30"));
  *request.add_items() =
      ExchangeItem(ExchangeRequest(tb, "m-1", "kathy", "vera", 31));

  struct Expected {
    grpc::StatusCode code;
    std::string field;
  };
  const std::vector<Expected> expected = {
      {grpc::StatusCode::OK, ""},
      {grpc::StatusCode::INVALID_ARGUMENT, "minutes"},
      {grpc::StatusCode::INVALID_ARGUMENT, "receiver_id"},
      {grpc::StatusCode::NOT_FOUND, "giver_id"},
      {grpc::StatusCode::OK, ""},
      {grpc::StatusCode::INVALID_ARGUMENT, "occurred_on"},
      {grpc::StatusCode::ALREADY_EXISTS, "request_id"},
  };
  std::vector<uint64_t> first_seqs;
  for (int attempt = 0; attempt < 2; ++attempt) {
    SCOPED_TRACE(attempt == 0 ? "first call" : "retried call");
    Rpc<v1::RecordExchangesResponse> response =
        admin().Call(&v1::Ledger::Stub::RecordExchanges, request);
    ASSERT_RPC_OK(response);
    ASSERT_EQ(response->results_size(), static_cast<int>(expected.size()));
    std::vector<uint64_t> seqs;
    for (size_t i = 0; i < expected.size(); ++i) {
      SCOPED_TRACE("item " + std::to_string(i));
      const v1::RecordExchangeResult& result =
          response->results(static_cast<int>(i));
      EXPECT_EQ(result.request_id(),
                request.items(static_cast<int>(i)).request_id());
      if (expected[i].code == grpc::StatusCode::OK) {
        ASSERT_TRUE(result.has_exchange()) << result.error().message();
        EXPECT_EQ(result.exchange().status(), v1::EXCHANGE_STATUS_CONFIRMED);
        seqs.push_back(result.exchange().seq());
      } else {
        ASSERT_TRUE(result.has_error());
        EXPECT_EQ(result.error().code(), static_cast<int>(expected[i].code))
            << result.error().message();
        EXPECT_TRUE(
            result.error().message().starts_with(expected[i].field + ":"))
            << result.error().message();
      }
    }
    EXPECT_EQ(seqs, (std::vector<uint64_t>{1, 2}));
    EXPECT_EQ(LastSeq(tb), 2u);
  }
  EXPECT_EQ(BalanceOf(tb, "kathy"), 30);
  EXPECT_EQ(BalanceOf(tb, "vera"), -10);
  EXPECT_EQ(BalanceOf(tb, "olga"), -20);

  v1::RecordExchangesRequest empty;
  empty.set_timebank_id(tb);
  EXPECT_RPC_ERROR(admin().Call(&v1::Ledger::Stub::RecordExchanges, empty),
                   INVALID_ARGUMENT, "items");
  request.set_timebank_id("no-such-timebank");
  EXPECT_RPC_ERROR(admin().Call(&v1::Ledger::Stub::RecordExchanges, request),
                   NOT_FOUND, "timebank_id");
}

TEST_F(LedgerApiTest, RecordExchangesTreatsARepeatedItemAsARetry) {
  const std::string tb = NewTimebank();
  const v1::RecordExchangeItem item =
      ExchangeItem(ExchangeRequest(tb, "twice", "kathy", "vera", 25));
  v1::RecordExchangesRequest request;
  request.set_timebank_id(tb);
  *request.add_items() = item;
  *request.add_items() = item;
  Rpc<v1::RecordExchangesResponse> response =
      admin().Call(&v1::Ledger::Stub::RecordExchanges, request);
  ASSERT_RPC_OK(response);
  ASSERT_EQ(response->results_size(), 2);
  ASSERT_TRUE(response->results(0).has_exchange());
  ASSERT_TRUE(response->results(1).has_exchange())
      << response->results(1).error().message();
  EXPECT_EQ(response->results(1).exchange().seq(),
            response->results(0).exchange().seq());
  EXPECT_EQ(LastSeq(tb), 1u);
  EXPECT_EQ(BalanceOf(tb, "kathy"), 25);
}

// ------------------------------------------------------------------- verify

TEST_F(LedgerApiTest, VerifyJournalAcceptsAnIntactJournal) {
  const std::string tb = NewTimebank();
  ASSERT_RPC_OK(
      admin().RecordExchange(ExchangeRequest(tb, "v-1", "kathy", "vera", 60)));
  Rpc<v1::Exchange> logged =
      Member(tb, "olga")
          .RecordExchange(ExchangeRequest(tb, "v-2", "olga", "vera", 30));
  ASSERT_RPC_OK(logged);
  ASSERT_RPC_OK(admin().ConfirmExchange(tb, logged->seq(), "v-3"));
  ASSERT_RPC_OK(admin().ReverseExchange(tb, 1, "v-4"));

  Rpc<v1::VerifyJournalResponse> verified = admin().VerifyJournal(tb);
  ASSERT_RPC_OK(verified);
  EXPECT_TRUE(verified->ok()) << verified->problem();
  EXPECT_EQ(verified->entries_checked(), 4u);
  EXPECT_EQ(verified->first_bad_seq(), 0u);
  EXPECT_EQ(verified->problem(), "");
  // A passed verification leaves the timebank writable.
  EXPECT_RPC_OK(
      admin().RecordExchange(ExchangeRequest(tb, "v-5", "vera", "kathy", 5)));
}

// ------------------------------------------------------------------- errors

TEST_F(LedgerApiTest, InvalidArgumentNamesTheField) {
  const std::string tb = NewTimebank();
  EXPECT_RPC_ERROR(
      admin().RecordExchange(ExchangeRequest(tb, "i-1", "kathy", "vera", 0)),
      INVALID_ARGUMENT, "minutes");
  EXPECT_RPC_ERROR(
      admin().RecordExchange(ExchangeRequest(tb, "i-2", "kathy", "vera", -5)),
      INVALID_ARGUMENT, "minutes");
  EXPECT_RPC_ERROR(
      admin().RecordExchange(ExchangeRequest(tb, "i-3", "kathy", "vera", 1441)),
      INVALID_ARGUMENT, "minutes");
  EXPECT_RPC_ERROR(admin().RecordExchange(ExchangeRequest(
                       tb, "i-4", "kathy", "vera", 30, "2024-02-30")),
                   INVALID_ARGUMENT, "occurred_on");
  EXPECT_RPC_ERROR(admin().RecordExchange(ExchangeRequest(
                       tb, "i-5", "kathy", "vera", 30, "10/05/2024")),
                   INVALID_ARGUMENT, "occurred_on");
  EXPECT_RPC_ERROR(admin().RecordExchange(ExchangeRequest(
                       tb, "i-6", "kathy", "vera", 30, "2999-01-01")),
                   INVALID_ARGUMENT, "occurred_on");
  EXPECT_RPC_ERROR(
      admin().RecordExchange(ExchangeRequest(tb, "i-7", "kathy", "kathy", 30)),
      INVALID_ARGUMENT, "receiver_id");
  EXPECT_RPC_ERROR(
      admin().RecordExchange(ExchangeRequest(tb, "", "kathy", "vera", 30)),
      INVALID_ARGUMENT, "request_id");
  EXPECT_RPC_ERROR(admin().RecordExchange(
                       ExchangeRequest("Bad_ID", "i-8", "kathy", "vera", 30)),
                   INVALID_ARGUMENT, "timebank_id");
  EXPECT_RPC_ERROR(admin().CreateTimebank("Bad_ID"), INVALID_ARGUMENT,
                   "timebank_id");
  EXPECT_RPC_ERROR(admin().GetTimebank("Bad_ID"), INVALID_ARGUMENT,
                   "timebank_id");
  EXPECT_RPC_ERROR(admin().CreateTimebank(UniqueId("noname"), ""),
                   INVALID_ARGUMENT, "name");
  EXPECT_RPC_ERROR(admin().OpenAccount(tb, "has space"), INVALID_ARGUMENT,
                   "account_id");
  EXPECT_RPC_ERROR(admin().GetExchange(tb, 0), INVALID_ARGUMENT, "seq");
  EXPECT_RPC_ERROR(
      admin().SetAccountStatus(tb, "kathy", v1::ACCOUNT_STATUS_UNSPECIFIED),
      INVALID_ARGUMENT, "status");
  EXPECT_EQ(LastSeq(tb), 0u);
}

TEST_F(LedgerApiTest, NotFoundNamesTheField) {
  const std::string tb = NewTimebank();
  ASSERT_RPC_OK(
      admin().RecordExchange(ExchangeRequest(tb, "n-1", "kathy", "vera", 30)));

  EXPECT_RPC_ERROR(admin().GetTimebank("no-such-timebank"), NOT_FOUND,
                   "timebank_id");
  EXPECT_RPC_ERROR(admin().OpenAccount("no-such-timebank", "kathy"), NOT_FOUND,
                   "timebank_id");
  EXPECT_RPC_ERROR(admin().RecordExchange(ExchangeRequest(
                       "no-such-timebank", "n-2", "kathy", "vera", 30)),
                   NOT_FOUND, "timebank_id");
  EXPECT_RPC_ERROR(admin().GetAccount(tb, "nobody"), NOT_FOUND, "account_id");
  EXPECT_RPC_ERROR(admin().GetBalance(tb, "nobody"), NOT_FOUND, "account_id");
  EXPECT_RPC_ERROR(
      admin().SetAccountStatus(tb, "nobody", v1::ACCOUNT_STATUS_CLOSED),
      NOT_FOUND, "account_id");
  EXPECT_RPC_ERROR(
      admin().RecordExchange(ExchangeRequest(tb, "n-3", "nobody", "vera", 30)),
      NOT_FOUND, "giver_id");
  EXPECT_RPC_ERROR(
      admin().RecordExchange(ExchangeRequest(tb, "n-4", "kathy", "nobody", 30)),
      NOT_FOUND, "receiver_id");
  EXPECT_RPC_ERROR(admin().GetExchange(tb, 999), NOT_FOUND, "seq");
  EXPECT_RPC_ERROR(admin().ConfirmExchange(tb, 999, "n-5"), NOT_FOUND, "seq");
  EXPECT_RPC_ERROR(admin().RejectExchange(tb, 999, "n-6"), NOT_FOUND, "seq");
  EXPECT_RPC_ERROR(admin().ReverseExchange(tb, 999, "n-7"), NOT_FOUND, "seq");
  EXPECT_RPC_ERROR(admin().RevokeToken("0123456789abcdef"), NOT_FOUND,
                   "token_id");
  EXPECT_EQ(LastSeq(tb), 1u);
}

TEST_F(LedgerApiTest, AlreadyExistsNamesTheField) {
  const std::string tb = NewTimebank();
  EXPECT_RPC_ERROR(admin().CreateTimebank(tb), ALREADY_EXISTS, "timebank_id");
  EXPECT_RPC_ERROR(admin().OpenAccount(tb, "kathy"), ALREADY_EXISTS,
                   "account_id");

  ASSERT_RPC_OK(
      admin().RecordExchange(ExchangeRequest(tb, "a-1", "kathy", "vera", 30)));
  EXPECT_RPC_ERROR(
      admin().RecordExchange(ExchangeRequest(tb, "a-1", "kathy", "vera", 31)),
      ALREADY_EXISTS, "request_id");
  EXPECT_RPC_ERROR(
      admin().RecordExchange(ExchangeRequest(tb, "a-1", "vera", "kathy", 30)),
      ALREADY_EXISTS, "request_id");
  EXPECT_EQ(LastSeq(tb), 1u);
  EXPECT_EQ(BalanceOf(tb, "kathy"), 30);
  // Within its caller's scope, a request id belongs to one request of each
  // kind: the record's id may reverse it, and then names that reversal.
  ASSERT_RPC_OK(admin().ReverseExchange(tb, 1, "a-1"));
  EXPECT_RPC_ERROR(admin().ReverseExchange(tb, 1, "a-1", "other reason"),
                   ALREADY_EXISTS, "request_id");
  EXPECT_EQ(LastSeq(tb), 2u);
}

TEST_F(LedgerApiTest, FailedPreconditionNamesTheField) {
  v1::TimebankSettings settings;
  settings.set_members_may_log(true);
  settings.set_has_balance_floor(true);
  settings.set_balance_floor_minutes(-60);
  const std::string tb = NewTimebank(&settings);

  // The balance floor.
  ASSERT_RPC_OK(
      admin().RecordExchange(ExchangeRequest(tb, "f-1", "kathy", "vera", 60)));
  EXPECT_RPC_ERROR(
      admin().RecordExchange(ExchangeRequest(tb, "f-2", "kathy", "vera", 1)),
      FAILED_PRECONDITION, "receiver_id");
  EXPECT_EQ(BalanceOf(tb, "vera"), -60);

  // Confirming, rejecting or reversing in the wrong status.
  EXPECT_RPC_ERROR(admin().ConfirmExchange(tb, 1, "f-3"), FAILED_PRECONDITION,
                   "seq");
  EXPECT_RPC_ERROR(admin().RejectExchange(tb, 1, "f-4"), FAILED_PRECONDITION,
                   "seq");
  ASSERT_RPC_OK(admin().ReverseExchange(tb, 1, "f-5"));
  EXPECT_RPC_ERROR(admin().ReverseExchange(tb, 1, "f-6"), FAILED_PRECONDITION,
                   "seq");
  // Seq 2 is the reversal entry, not an exchange.
  EXPECT_RPC_ERROR(admin().ReverseExchange(tb, 2, "f-7"), FAILED_PRECONDITION,
                   "seq");
  Rpc<v1::Exchange> pending =
      Member(tb, "olga")
          .RecordExchange(ExchangeRequest(tb, "f-8", "olga", "kathy", 10));
  ASSERT_RPC_OK(pending);
  EXPECT_RPC_ERROR(admin().ReverseExchange(tb, pending->seq(), "f-9"),
                   FAILED_PRECONDITION, "seq");

  // Suspended and closed accounts take part in nothing new.
  ASSERT_RPC_OK(
      admin().SetAccountStatus(tb, "olga", v1::ACCOUNT_STATUS_SUSPENDED));
  EXPECT_RPC_ERROR(
      admin().RecordExchange(ExchangeRequest(tb, "f-10", "olga", "kathy", 10)),
      FAILED_PRECONDITION, "giver_id");
  EXPECT_RPC_ERROR(admin().ConfirmExchange(tb, pending->seq(), "f-11"),
                   FAILED_PRECONDITION, "giver_id");
  ASSERT_RPC_OK(
      admin().SetAccountStatus(tb, "vera", v1::ACCOUNT_STATUS_CLOSED));
  EXPECT_RPC_ERROR(
      admin().RecordExchange(ExchangeRequest(tb, "f-12", "kathy", "vera", 10)),
      FAILED_PRECONDITION, "receiver_id");
  EXPECT_EQ(LastSeq(tb), 3u);
}

TEST_F(LedgerApiTest, PermissionDeniedNamesTheField) {
  const std::string tb = NewTimebank();
  const Client kathy = Member(tb, "kathy");
  EXPECT_RPC_ERROR(
      kathy.RecordExchange(ExchangeRequest(tb, "d-1", "vera", "olga", 30)),
      PERMISSION_DENIED, "giver_id");
  EXPECT_RPC_ERROR(kathy.GetBalance(tb, "vera"), PERMISSION_DENIED,
                   "account_id");
  EXPECT_RPC_ERROR(Coordinator(tb).CreateTimebank(UniqueId("denied")),
                   PERMISSION_DENIED, "authorization");
  EXPECT_RPC_ERROR(kathy.GetTimebank(NewTimebank()), PERMISSION_DENIED,
                   "timebank_id");

  v1::UpdateTimebankRequest no_member_logging;
  no_member_logging.set_timebank_id(tb);
  no_member_logging.mutable_settings()->set_members_may_log(false);
  ASSERT_RPC_OK(
      admin().Call(&v1::Ledger::Stub::UpdateTimebank, no_member_logging));
  EXPECT_RPC_ERROR(
      kathy.RecordExchange(ExchangeRequest(tb, "d-2", "kathy", "vera", 30)),
      PERMISSION_DENIED, "timebank_id");
  EXPECT_EQ(LastSeq(tb), 0u);
}

TEST_F(LedgerApiTest, UnauthenticatedWithoutAValidToken) {
  const std::string tb = NewTimebank();
  const v1::RecordExchangeRequest request =
      ExchangeRequest(tb, "u-1", "kathy", "vera", 30);
  EXPECT_RPC_ERROR(admin().WithToken("").RecordExchange(request),
                   UNAUTHENTICATED, "authorization");
  EXPECT_RPC_ERROR(admin().WithToken("garbage").RecordExchange(request),
                   UNAUTHENTICATED, "authorization");
  EXPECT_RPC_ERROR(
      admin().WithToken("tbk_0123456789abcdef_0000").GetTimebank(tb),
      UNAUTHENTICATED, "authorization");
  // The right secret without the "Bearer " scheme.
  grpc::ClientContext context;
  context.AddMetadata("authorization", admin().token());
  v1::Timebank reply;
  v1::GetTimebankRequest get;
  get.set_timebank_id(tb);
  EXPECT_RPC_ERROR(admin().ledger().GetTimebank(&context, get, &reply),
                   UNAUTHENTICATED, "authorization");

  v1::CreateTokenResponse created = Must(
      admin().CreateToken(v1::ROLE_COORDINATOR, {tb}, "", UniqueId("revoked")),
      "create token");
  const Client revoked = admin().WithToken(created.token());
  ASSERT_RPC_OK(revoked.GetTimebank(tb));
  ASSERT_RPC_OK(admin().RevokeToken(created.info().token_id()));
  EXPECT_RPC_ERROR(revoked.RecordExchange(request), UNAUTHENTICATED,
                   "authorization");
  EXPECT_EQ(LastSeq(tb), 0u);
}

TEST_F(LedgerApiTest, FailedCallsChangeNothing) {
  v1::TimebankSettings settings;
  settings.set_members_may_log(true);
  settings.set_has_balance_floor(true);
  settings.set_balance_floor_minutes(-30);
  const std::string tb = NewTimebank(&settings);
  ASSERT_RPC_OK(
      admin().RecordExchange(ExchangeRequest(tb, "c-1", "kathy", "vera", 30)));
  ASSERT_RPC_OK(
      admin().SetAccountStatus(tb, "olga", v1::ACCOUNT_STATUS_SUSPENDED));
  const v1::Timebank before = Must(admin().GetTimebank(tb), "get timebank");
  const v1::SnapshotBalancesResponse balances_before =
      Must(admin().SnapshotBalances(tb), "snapshot");

  EXPECT_FALSE(
      admin()
          .RecordExchange(ExchangeRequest(tb, "c-2", "kathy", "vera", 1))
          .ok());
  EXPECT_FALSE(
      admin()
          .RecordExchange(ExchangeRequest(tb, "c-3", "olga", "vera", 1))
          .ok());
  EXPECT_FALSE(
      admin()
          .RecordExchange(ExchangeRequest(tb, "c-1", "kathy", "vera", 29))
          .ok());
  EXPECT_FALSE(
      admin()
          .RecordExchange(ExchangeRequest(tb, "c-4", "kathy", "vera", 0))
          .ok());
  EXPECT_FALSE(admin().ConfirmExchange(tb, 1, "c-5").ok());
  EXPECT_FALSE(Member(tb, "vera").ReverseExchange(tb, 1, "c-6").ok());
  EXPECT_FALSE(
      admin()
          .WithToken("")
          .RecordExchange(ExchangeRequest(tb, "c-7", "vera", "kathy", 5))
          .ok());

  const v1::Timebank after = Must(admin().GetTimebank(tb), "get timebank");
  EXPECT_EQ(after.last_seq(), before.last_seq());
  EXPECT_EQ(after.last_hash(), before.last_hash());
  EXPECT_EQ(Must(admin().SnapshotBalances(tb), "snapshot").SerializeAsString(),
            balances_before.SerializeAsString());
  // The request ids of failed calls stay free.
  EXPECT_RPC_OK(
      admin().RecordExchange(ExchangeRequest(tb, "c-4", "vera", "kathy", 5)));
}

// -------------------------------------------------------------- idempotency

TEST_F(LedgerApiTest, RetriedRecordExchangeReturnsTheOriginal) {
  const std::string tb = NewTimebank();
  const v1::RecordExchangeRequest request =
      ExchangeRequest(tb, "retry-1", "kathy", "vera", 75);
  Rpc<v1::Exchange> first = admin().RecordExchange(request);
  ASSERT_RPC_OK(first);
  Rpc<v1::Exchange> retry = admin().RecordExchange(request);
  ASSERT_RPC_OK(retry);
  EXPECT_EQ(retry->seq(), first->seq());
  EXPECT_EQ(retry->SerializeAsString(), first->SerializeAsString());
  EXPECT_EQ(LastSeq(tb), 1u);
  EXPECT_EQ(BalanceOf(tb, "kathy"), 75);
  EXPECT_EQ(BalanceOf(tb, "vera"), -75);
}

TEST_F(LedgerApiTest, RetriedConfirmExchangeReturnsTheOriginal) {
  const std::string tb = NewTimebank();
  Rpc<v1::Exchange> logged =
      Member(tb, "vera")
          .RecordExchange(ExchangeRequest(tb, "log-1", "vera", "kathy", 40));
  ASSERT_RPC_OK(logged);
  const Client kathy = Member(tb, "kathy");
  Rpc<v1::Exchange> first = kathy.ConfirmExchange(tb, logged->seq(), "conf-1");
  ASSERT_RPC_OK(first);
  Rpc<v1::Exchange> retry = kathy.ConfirmExchange(tb, logged->seq(), "conf-1");
  ASSERT_RPC_OK(retry);
  EXPECT_EQ(retry->SerializeAsString(), first->SerializeAsString());
  EXPECT_EQ(retry->closed_by_seq(), 2u);
  EXPECT_EQ(LastSeq(tb), 2u);
  EXPECT_EQ(BalanceOf(tb, "vera"), 40);
  EXPECT_EQ(BalanceOf(tb, "kathy"), -40);
}

TEST_F(LedgerApiTest, RetriedReverseExchangeReturnsTheOriginal) {
  const std::string tb = NewTimebank();
  ASSERT_RPC_OK(
      admin().RecordExchange(ExchangeRequest(tb, "r-1", "kathy", "vera", 50)));
  ASSERT_RPC_OK(
      admin().RecordExchange(ExchangeRequest(tb, "r-2", "kathy", "vera", 20)));
  Rpc<v1::Exchange> first = admin().ReverseExchange(tb, 1, "undo-1", "typo");
  ASSERT_RPC_OK(first);
  Rpc<v1::Exchange> retry = admin().ReverseExchange(tb, 1, "undo-1", "typo");
  ASSERT_RPC_OK(retry);
  EXPECT_EQ(retry->SerializeAsString(), first->SerializeAsString());
  EXPECT_EQ(retry->status(), v1::EXCHANGE_STATUS_REVERSED);
  EXPECT_EQ(LastSeq(tb), 3u);
  EXPECT_EQ(BalanceOf(tb, "kathy"), 20);
  EXPECT_EQ(BalanceOf(tb, "vera"), -20);
  // The same id for another exchange is another request.
  EXPECT_RPC_ERROR(admin().ReverseExchange(tb, 2, "undo-1", "typo"),
                   ALREADY_EXISTS, "request_id");
  EXPECT_EQ(BalanceOf(tb, "kathy"), 20);
}

}  // namespace
}  // namespace timebank::testing
