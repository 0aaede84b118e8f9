// Request ids belong to the caller that sent them and to the kind of write,
// through a real timebankd: a member who retries someone else's request id
// learns nothing and changes nothing of theirs, a member cannot pre-empt or
// cancel a coordinator's import row, ids of different kinds never block each
// other, and the scopes that are shared (a timebank's coordinators and
// administrators; all the tokens of one member) are shared.

#include <gtest/gtest.h>

#include <string>

#include "tests/services/rpc_client.h"
#include "tests/services/shared_server_test.h"

namespace timebank::testing {
namespace {

using LedgerStub = v1::Ledger::Stub;
using AssessmentStub = v1::Assessment::Stub;

class RequestScopeTest : public SharedServerTest<RequestScopeTest> {
 protected:
  // A timebank where members may log, with accounts kathy, vera, mia and
  // patrick, a coordinator and member tokens for mia, patrick and kathy.
  void SetUp() override {
    SharedServerTest::SetUp();
    if (HasFatalFailure()) return;
    tb_ = UniqueId("scope");
    v1::CreateTimebankRequest create;
    create.set_timebank_id(tb_);
    create.set_name("Riverside");
    create.mutable_settings()->set_members_may_log(true);
    Must(admin().Call(&LedgerStub::CreateTimebank, create), "create timebank");
    for (const char* id : {"kathy", "vera", "mia", "patrick"}) {
      Must(admin().OpenAccount(tb_, id), id);
    }
    coordinator_.emplace(admin().WithToken(NewToken(v1::ROLE_COORDINATOR, "")));
    mia_.emplace(admin().WithToken(NewToken(v1::ROLE_MEMBER, "mia")));
    patrick_.emplace(admin().WithToken(NewToken(v1::ROLE_MEMBER, "patrick")));
    kathy_.emplace(admin().WithToken(NewToken(v1::ROLE_MEMBER, "kathy")));
  }

  std::string NewToken(v1::Role role, const std::string& account) {
    return Must(admin().CreateToken(
                    role, {tb_}, account,
                    UniqueId(account.empty() ? "staff" : account)),
                "token")
        .token();
  }

  uint64_t LastSeq() {
    return Must(admin().GetTimebank(tb_), "timebank").last_seq();
  }

  const Client& coordinator() const { return *coordinator_; }
  const Client& mia() const { return *mia_; }
  const Client& patrick() const { return *patrick_; }
  const Client& kathy() const { return *kathy_; }

  std::string tb_;
  std::optional<Client> coordinator_, mia_, patrick_, kathy_;
};

// The attack: a coordinator confirmed patrick's pending exchange with the
// CLI's derived id "cli-confirm-<seq>"; mia, party to nothing, sends the same
// confirm and reject. Before request ids were scoped, the retry was answered
// (description included) before her rights were checked.
TEST_F(RequestScopeTest,
       MemberRetryingAnotherCallersIdIsRefusedAndLearnsNothing) {
  v1::RecordExchangeRequest logged =
      ExchangeRequest(tb_, "p-1", "patrick", "kathy", 60);
  logged.set_description("Drove Patrick to the HIV clinic");
  const v1::Exchange pending = Must(patrick().RecordExchange(logged), "log");
  ASSERT_EQ(pending.status(), v1::EXCHANGE_STATUS_PENDING);
  const std::string confirm_id = "cli-confirm-" + std::to_string(pending.seq());
  Must(coordinator().ConfirmExchange(tb_, pending.seq(), confirm_id),
       "confirm");
  const uint64_t last_seq = LastSeq();

  const Rpc<v1::Exchange> confirm =
      mia().ConfirmExchange(tb_, pending.seq(), confirm_id);
  EXPECT_RPC_ERROR(confirm, PERMISSION_DENIED, "seq");
  EXPECT_EQ(confirm.status.error_message().find("clinic"), std::string::npos);
  EXPECT_EQ(confirm->description(), "");
  EXPECT_RPC_ERROR(mia().RejectExchange(tb_, pending.seq(), confirm_id),
                   PERMISSION_DENIED, "seq");
  EXPECT_RPC_ERROR(mia().GetExchange(tb_, pending.seq()), PERMISSION_DENIED,
                   "seq");
  // The coordinator's id was not used up for mia either: a record of her
  // own under it is simply a new request.
  v1::RecordExchangeRequest own =
      ExchangeRequest(tb_, "p-1", "mia", "vera", 30);
  const v1::Exchange mine = Must(mia().RecordExchange(own), "mia's own record");
  EXPECT_EQ(mine.giver_id(), "mia");
  EXPECT_EQ(mine.seq(), last_seq + 1);
}

// A member cannot pre-empt a coordinator's import row by logging the same
// exchange under the row's (computable) request id and withdrawing it: the
// import's id lives in the staff scope, so the row is recorded, confirmed.
TEST_F(RequestScopeTest, MemberCannotCancelACoordinatorsImportRow) {
  const std::string row_id = "import-5a17c2d0e9b3f481";
  const v1::Exchange logged = Must(
      kathy().RecordExchange(ExchangeRequest(tb_, row_id, "kathy", "vera", 90)),
      "kathy logs the row's exchange");
  Must(kathy().RejectExchange(tb_, logged.seq(), "withdraw"), "withdraw");

  v1::RecordExchangesRequest import;
  import.set_timebank_id(tb_);
  *import.add_items() =
      ExchangeItem(ExchangeRequest(tb_, row_id, "kathy", "vera", 90));
  const Rpc<v1::RecordExchangesResponse> first =
      coordinator().Call(&LedgerStub::RecordExchanges, import);
  ASSERT_RPC_OK(first);
  ASSERT_EQ(first->results_size(), 1);
  ASSERT_TRUE(first->results(0).has_exchange());
  EXPECT_NE(first->results(0).exchange().seq(), logged.seq());
  EXPECT_EQ(first->results(0).exchange().status(),
            v1::EXCHANGE_STATUS_CONFIRMED);
  EXPECT_FALSE(first->results(0).already_recorded());

  // Run again, the import says the row was recorded before.
  const Rpc<v1::RecordExchangesResponse> again =
      coordinator().Call(&LedgerStub::RecordExchanges, import);
  ASSERT_RPC_OK(again);
  ASSERT_TRUE(again->results(0).has_exchange());
  EXPECT_EQ(again->results(0).exchange().seq(),
            first->results(0).exchange().seq());
  EXPECT_TRUE(again->results(0).already_recorded());
  EXPECT_EQ(Must(kathy().GetBalance(tb_, "kathy"), "balance").balance_minutes(),
            90);
}

// Reflections sent as "cli-reverse-2" by an auditor and a member once made
// the coordinator's `exchange reverse --seq 2` fail with ALREADY_EXISTS.
TEST_F(RequestScopeTest, IdsOfOtherKindsAndOtherCallersNeverBlockAWrite) {
  Must(coordinator().RecordExchange(
           ExchangeRequest(tb_, "x-1", "kathy", "vera", 30)),
       "first");
  const v1::Exchange second = Must(coordinator().RecordExchange(ExchangeRequest(
                                       tb_, "x-2", "vera", "kathy", 45)),
                                   "second");
  const std::string id = "cli-reverse-" + std::to_string(second.seq());
  const Client auditor = admin().WithToken(NewToken(v1::ROLE_AUDITOR, ""));
  v1::SubmitReflectionRequest reflection;
  reflection.set_timebank_id(tb_);
  reflection.set_request_id(id);
  reflection.set_principle(v1::PRINCIPLE_RECIPROCITY);
  reflection.set_perspective(v1::PERSPECTIVE_COUNCIL);
  reflection.set_stage(2);
  reflection.set_evidence("Seen at the quarterly review");
  ASSERT_RPC_OK(auditor.Call(&AssessmentStub::SubmitReflection, reflection));
  reflection.set_perspective(v1::PERSPECTIVE_MEMBER);
  ASSERT_RPC_OK(kathy().Call(&AssessmentStub::SubmitReflection, reflection));
  // The same id for the coordinator's own reflection: another kind of write.
  reflection.set_perspective(v1::PERSPECTIVE_STAFF);
  ASSERT_RPC_OK(
      coordinator().Call(&AssessmentStub::SubmitReflection, reflection));

  const Rpc<v1::Exchange> reversed =
      coordinator().ReverseExchange(tb_, second.seq(), id);
  ASSERT_RPC_OK(reversed);
  EXPECT_EQ(reversed->status(), v1::EXCHANGE_STATUS_REVERSED);
  // The same id may confirm, reject and reverse: each kind keeps its own.
  const v1::Exchange logged =
      Must(kathy().RecordExchange(ExchangeRequest(tb_, id, "kathy", "mia", 15)),
           "log");
  ASSERT_RPC_OK(coordinator().ConfirmExchange(tb_, logged.seq(), id));
}

// Coordinators and administrators share one scope, so one can finish (or
// safely repeat) another's import; all of a member's tokens share theirs.
TEST_F(RequestScopeTest, StaffShareOneScopeAndAMembersTokensShareTheirs) {
  const Client other_coordinator =
      admin().WithToken(NewToken(v1::ROLE_COORDINATOR, ""));
  const v1::RecordExchangeRequest row =
      ExchangeRequest(tb_, "import-row-1", "kathy", "vera", 60);
  const v1::Exchange first = Must(coordinator().RecordExchange(row), "first");
  const uint64_t last_seq = LastSeq();
  const Rpc<v1::Exchange> by_other = other_coordinator.RecordExchange(row);
  ASSERT_RPC_OK(by_other);
  EXPECT_EQ(by_other->seq(), first.seq());
  const Rpc<v1::Exchange> by_admin = admin().RecordExchange(row);
  ASSERT_RPC_OK(by_admin);
  EXPECT_EQ(by_admin->seq(), first.seq());
  EXPECT_EQ(LastSeq(), last_seq);
  EXPECT_RPC_ERROR(other_coordinator.RecordExchange(ExchangeRequest(
                       tb_, "import-row-1", "kathy", "vera", 61)),
                   ALREADY_EXISTS, "request_id");

  const Client mia_laptop = admin().WithToken(NewToken(v1::ROLE_MEMBER, "mia"));
  const v1::RecordExchangeRequest logged =
      ExchangeRequest(tb_, "m-1", "mia", "vera", 30);
  const v1::Exchange from_phone = Must(mia().RecordExchange(logged), "phone");
  const Rpc<v1::Exchange> from_laptop = mia_laptop.RecordExchange(logged);
  ASSERT_RPC_OK(from_laptop);
  EXPECT_EQ(from_laptop->seq(), from_phone.seq());
  // Patrick's "m-1" is his own.
  const Rpc<v1::Exchange> patricks = patrick().RecordExchange(
      ExchangeRequest(tb_, "m-1", "patrick", "vera", 30));
  ASSERT_RPC_OK(patricks);
  EXPECT_NE(patricks->seq(), from_phone.seq());
}

}  // namespace
}  // namespace timebank::testing
