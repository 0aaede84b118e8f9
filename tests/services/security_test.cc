// Security promises of a real timebankd that the access matrix does not
// show: token secrets never reach the log, even at debug level and for
// refused tokens; and tamper evidence end to end, from an entry altered on
// disk to the administrator's repair.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/ledger/database_edit.h"
#include "tests/services/rpc_client.h"
#include "tests/services/server_process.h"
#include "tests/test_util/status_assertions.h"
#include "tests/test_util/temp_dir.h"

namespace timebank::testing {
namespace {

using LedgerStub = v1::Ledger::Stub;

// The secret part of "tbk_<id>_<secret>".
std::string SecretOf(const std::string& token) {
  return token.substr(token.rfind('_') + 1);
}

// The same token with the last character of its secret changed.
std::string WithWrongSecret(const std::string& token) {
  std::string wrong = token;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  return wrong;
}

TEST(TokenSecrets, NeverAppearInTheServerLogEvenAtDebugLevel) {
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<ServerProcess> server,
      ServerProcess::Start({.extra_args = {"--log-level", "debug"}}));
  std::vector<std::string> secrets = {server->admin_token()};
  {
    const Client admin(server->NewChannel(), server->admin_token());
    ASSERT_RPC_OK(admin.CreateTimebank("riverside"));
    ASSERT_RPC_OK(admin.OpenAccount("riverside", "kathy"));
    ASSERT_RPC_OK(admin.OpenAccount("riverside", "vera"));
    const auto make = [&](v1::Role role, const std::string& account,
                          const std::string& name) {
      const v1::CreateTokenResponse created =
          Must(admin.CreateToken(role, {"riverside"}, account, name), name);
      secrets.push_back(created.token());
      return created;
    };
    const Client coordinator =
        admin.WithToken(make(v1::ROLE_COORDINATOR, "", "coordinator").token());
    const v1::CreateTokenResponse member_token =
        make(v1::ROLE_MEMBER, "kathy", "kathy-phone");
    const Client member = admin.WithToken(member_token.token());
    const Client auditor =
        admin.WithToken(make(v1::ROLE_AUDITOR, "", "council").token());

    // Calls that succeed, and calls refused for every reason there is.
    EXPECT_RPC_OK(coordinator.RecordExchange(
        ExchangeRequest("riverside", "s-1", "kathy", "vera", 30)));
    EXPECT_RPC_CODE(coordinator.RecordExchange(ExchangeRequest(
                        "riverside", "s-2", "kathy", "vera", 0)),
                    INVALID_ARGUMENT);
    EXPECT_RPC_OK(coordinator.ReadJournal("riverside", 1, 1));
    EXPECT_RPC_OK(member.GetBalance("riverside", "kathy"));
    EXPECT_RPC_CODE(member.GetBalance("riverside", "vera"), PERMISSION_DENIED);
    EXPECT_RPC_OK(auditor.VerifyJournal("riverside"));
    EXPECT_RPC_CODE(auditor.GetBalance("riverside", "kathy"),
                    PERMISSION_DENIED);
    for (const std::string& token : std::vector<std::string>(secrets)) {
      const std::string wrong = WithWrongSecret(token);
      secrets.push_back(wrong);
      EXPECT_RPC_CODE(admin.WithToken(wrong).GetTimebank("riverside"),
                      UNAUTHENTICATED);
    }
    const std::string garbage = "not-a-token-5f0c2a9e77d14b3c";
    secrets.push_back(garbage);
    EXPECT_RPC_CODE(admin.WithToken(garbage).GetTimebank("riverside"),
                    UNAUTHENTICATED);
    ASSERT_RPC_OK(admin.RevokeToken(member_token.info().token_id()));
    EXPECT_RPC_CODE(member.GetBalance("riverside", "kathy"), UNAUTHENTICATED);
    // The secret without the "Bearer " scheme.
    grpc::ClientContext context;
    context.AddMetadata("authorization", SecretOf(server->admin_token()));
    v1::GetTimebankRequest get;
    get.set_timebank_id("riverside");
    v1::Timebank reply;
    EXPECT_RPC_CODE(admin.ledger().GetTimebank(&context, get, &reply),
                    UNAUTHENTICATED);
  }
  EXPECT_EQ(server->Stop(), 0);
  const std::string log = server->ReadLog();

  // The log did record the refusals at debug level, so it had every chance
  // to leak a secret.
  EXPECT_NE(log.find(" debug "), std::string::npos) << log;
  EXPECT_NE(log.find("code=UNAUTHENTICATED"), std::string::npos) << log;
  EXPECT_NE(log.find("code=PERMISSION_DENIED"), std::string::npos) << log;
  for (const std::string& token : secrets) {
    EXPECT_EQ(log.find(SecretOf(token)), std::string::npos)
        << "the log holds the secret of " << token << ":\n"
        << log;
  }
}

// A journal entry altered on disk: VerifyJournal names its seq, the server
// refuses writes to that timebank (reads go on, other timebanks are not
// affected) even after a restart, and the administrator's repair, restoring
// the data directory from a backup and restarting, brings back a verified,
// writable timebank.
TEST(TamperEvidence, AlteredEntryStopsWritesUntilABackupIsRestored) {
  constexpr int kExchanges = 5;
  constexpr uint64_t kAlteredSeq = 3;
  TempDir dir;
  const std::string data_dir = dir.Join("data");
  const std::string backup_dir = dir.Join("backup");
  const ServerProcessOptions options{.data_dir = data_dir};
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> server,
                         ServerProcess::Start(options));
    {
      const Client admin(server->NewChannel(), server->admin_token());
      for (const std::string tb : {"riverside", "hillside"}) {
        ASSERT_RPC_OK(admin.CreateTimebank(tb));
        ASSERT_RPC_OK(admin.OpenAccount(tb, "kathy"));
        ASSERT_RPC_OK(admin.OpenAccount(tb, "vera"));
      }
      for (int i = 1; i <= kExchanges; ++i) {
        ASSERT_RPC_OK(admin.RecordExchange(ExchangeRequest(
            "riverside", "t-" + std::to_string(i), "kathy", "vera", 10 * i)));
      }
    }
    ASSERT_EQ(server->Stop(), 0) << server->ReadLog();
  }
  // The administrator's backup: a copy of the stopped server's directory.
  std::filesystem::copy(data_dir, backup_dir,
                        std::filesystem::copy_options::recursive);
  ASSERT_OK(ledger_test::ChangeStoredEntry(
      data_dir, "riverside", kAlteredSeq,
      [](ledger::JournalEntry& entry) { entry.minutes += 60; }));

  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> server,
                         ServerProcess::Start(options));
    const Client admin(server->NewChannel(), server->admin_token());
    Rpc<v1::VerifyJournalResponse> verified = admin.VerifyJournal("riverside");
    ASSERT_RPC_OK(verified);
    EXPECT_FALSE(verified->ok());
    EXPECT_EQ(verified->first_bad_seq(), kAlteredSeq);
    EXPECT_EQ(verified->entries_checked(), kAlteredSeq - 1);
    EXPECT_FALSE(verified->problem().empty());

    const v1::Timebank before = Must(admin.GetTimebank("riverside"), "get");
    EXPECT_RPC_ERROR(admin.RecordExchange(ExchangeRequest("riverside", "t-late",
                                                          "kathy", "vera", 5)),
                     FAILED_PRECONDITION, "timebank_id");
    EXPECT_RPC_ERROR(admin.ReverseExchange("riverside", 1, "t-undo"),
                     FAILED_PRECONDITION, "timebank_id");
    EXPECT_RPC_ERROR(admin.OpenAccount("riverside", "olga"),
                     FAILED_PRECONDITION, "timebank_id");
    // The assessment's writes pass the same guard.
    v1::SubmitReflectionRequest reflection;
    reflection.set_timebank_id("riverside");
    reflection.set_request_id("t-reflect");
    reflection.set_principle(v1::PRINCIPLE_RECIPROCITY);
    reflection.set_perspective(v1::PERSPECTIVE_STAFF);
    reflection.set_stage(2);
    reflection.set_evidence("Written after the tampering");
    EXPECT_RPC_ERROR(
        admin.Call(&v1::Assessment::Stub::SubmitReflection, reflection),
        FAILED_PRECONDITION, "timebank_id");
    v1::AddActionRequest action;
    action.set_timebank_id("riverside");
    action.set_request_id("t-action");
    action.set_who("the coordinators");
    action.set_what("Carry on regardless");
    EXPECT_RPC_ERROR(admin.Call(&v1::Assessment::Stub::AddAction, action),
                     FAILED_PRECONDITION, "timebank_id");
    v1::SetThresholdsRequest thresholds;
    thresholds.set_timebank_id("riverside");
    EXPECT_RPC_ERROR(
        admin.Call(&v1::Assessment::Stub::SetThresholds, thresholds),
        FAILED_PRECONDITION, "timebank_id");
    EXPECT_EQ(Must(admin.GetTimebank("riverside"), "get").SerializeAsString(),
              before.SerializeAsString());
    EXPECT_RPC_OK(admin.GetBalance("riverside", "kathy"));
    EXPECT_RPC_OK(admin.RecordExchange(
        ExchangeRequest("hillside", "h-1", "kathy", "vera", 5)));

    // An auditor learns where, without the names a problem may carry.
    const Client auditor = admin.WithToken(
        Must(admin.CreateToken(v1::ROLE_AUDITOR, {"riverside"}, "", "council"),
             "auditor")
            .token());
    Rpc<v1::VerifyJournalResponse> audited = auditor.VerifyJournal("riverside");
    ASSERT_RPC_OK(audited);
    EXPECT_FALSE(audited->ok());
    EXPECT_EQ(audited->first_bad_seq(), kAlteredSeq);
    for (const char* name : {"kathy", "vera"}) {
      EXPECT_EQ(audited->problem().find(name), std::string::npos)
          << audited->problem();
    }
  }

  // A restart alone is no repair: the stop is on disk.
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> server,
                         ServerProcess::Start(options));
    const Client admin(server->NewChannel(), server->admin_token());
    EXPECT_RPC_ERROR(admin.RecordExchange(ExchangeRequest(
                         "riverside", "t-restarted", "kathy", "vera", 5)),
                     FAILED_PRECONDITION, "timebank_id");
    EXPECT_RPC_OK(admin.RecordExchange(
        ExchangeRequest("hillside", "h-2", "kathy", "vera", 5)));
  }

  // The administrator's action: stop, restore the backup, start again.
  std::filesystem::remove_all(data_dir);
  std::filesystem::copy(backup_dir, data_dir,
                        std::filesystem::copy_options::recursive);
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> server,
                         ServerProcess::Start(options));
    const Client admin(server->NewChannel(), server->admin_token());
    Rpc<v1::VerifyJournalResponse> verified = admin.VerifyJournal("riverside");
    ASSERT_RPC_OK(verified);
    EXPECT_TRUE(verified->ok()) << verified->problem();
    EXPECT_EQ(verified->entries_checked(), static_cast<uint64_t>(kExchanges));
    Rpc<v1::Exchange> recorded = admin.RecordExchange(
        ExchangeRequest("riverside", "t-after", "kathy", "vera", 5));
    ASSERT_RPC_OK(recorded);
    EXPECT_EQ(recorded->seq(), kExchanges + 1u);
  }
}

}  // namespace
}  // namespace timebank::testing
