// Backup and restore as an operator does them: `timebank admin backup` (the
// Admin.CreateBackup rpc) while writers load the server, `timebankd restore`
// into a new directory, a second server started on it, and the two compared:
// the restored journal is the original's up to the backup's head, entry for
// entry; it verifies; its balances are those at that seq.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>
#include <vector>

#include "tests/services/command.h"
#include "tests/services/rpc_client.h"
#include "tests/services/server_process.h"
#include "tests/test_util/temp_dir.h"

#ifndef TIMEBANKD_PATH
#error "TIMEBANKD_PATH must name the timebankd binary"
#endif
#ifndef TIMEBANK_CLI_PATH
#error "TIMEBANK_CLI_PATH must name the timebank CLI binary"
#endif

namespace timebank::testing {
namespace {

constexpr char kTb[] = "backed-up";
constexpr int kAccounts = 8;
constexpr int kWriters = 3;  // Writer 0 records in bulk.
constexpr int kBulkItems = 20;

std::string AccountName(int i) { return "m" + std::to_string(i); }

void OpenAccounts(const Client& admin) {
  Must(admin.CreateTimebank(kTb), "create timebank");
  for (int i = 0; i < kAccounts; ++i) {
    Must(admin.OpenAccount(kTb, AccountName(i)), "open account");
  }
}

// Records until told to stop; counts acknowledged exchanges.
void Write(const Client& client, int writer, const std::atomic<bool>& stop,
           std::atomic<int>& acknowledged) {
  for (int n = 0; !stop && n < 200'000; ++n) {
    const int giver = (writer * 3 + n) % kAccounts;
    const int receiver = (giver + 1 + n % (kAccounts - 1)) % kAccounts;
    const std::string id =
        "w" + std::to_string(writer) + "-" + std::to_string(n);
    v1::RecordExchangeRequest request = ExchangeRequest(
        kTb, id, AccountName(giver), AccountName(receiver), 5 + n % 60);
    if (writer != 0) {
      if (client.RecordExchange(request).ok()) ++acknowledged;
      continue;
    }
    v1::RecordExchangesRequest bulk;
    bulk.set_timebank_id(kTb);
    for (int i = 0; i < kBulkItems; ++i) {
      request.set_request_id(id + "-" + std::to_string(i));
      *bulk.add_items() = ExchangeItem(request);
    }
    if (client.Call(&v1::Ledger::Stub::RecordExchanges, bulk).ok()) {
      acknowledged += kBulkItems;
    }
  }
}

std::vector<v1::JournalEntry> Journal(const Client& client, uint64_t count) {
  Rpc<std::vector<v1::JournalEntry>> read =
      client.ReadJournal(kTb, 1, count, std::chrono::seconds(60));
  EXPECT_RPC_OK(read);
  return read.reply;
}

TEST(BackupRestore, BackupUnderLoadRestoresIntoASecondServerThatAgrees) {
  TempDir work;
  const std::string backup_dir = work.Join("backups");
  absl::StatusOr<std::unique_ptr<ServerProcess>> started = ServerProcess::Start(
      {.extra_args = {"--backup-dir", backup_dir, "--writer-threads", "2"}});
  ASSERT_TRUE(started.ok()) << started.status();
  ServerProcess& server = **started;
  const Client admin(server.NewChannel(), server.admin_token());
  OpenAccounts(admin);

  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      Write(Client(server.NewChannel(), server.admin_token()), w, stop,
            acknowledged);
    });
  }
  while (acknowledged < 2000)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const int before = acknowledged;
  // Through the CLI, as docs/operations.md and the backup CronJob do it.
  const CommandRun backup = RunCommand(
      {TIMEBANK_CLI_PATH, "admin", "backup", "--json", "--server",
       server.address(), "--token-file", server.data_dir() + "/admin.token"},
      work.path());
  const int after = acknowledged;
  while (acknowledged < after + 500)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  for (std::thread& writer : writers) writer.join();
  ASSERT_EQ(backup.exit_code, 0) << backup;
  EXPECT_GT(after, before) << "writes did not go on during the backup";

  Rpc<v1::ListBackupsResponse> listed =
      admin.Call(&v1::Admin::Stub::ListBackups, v1::ListBackupsRequest());
  ASSERT_RPC_OK(listed);
  ASSERT_EQ(listed->backups_size(), 1);
  EXPECT_EQ(listed->backup_dir(), backup_dir);
  const uint32_t backup_id = listed->backups(0).backup_id();
  std::cout << "backup under load: " << backup.out << "\n";

  // Offline restore into a new directory, then a second server on it.
  const std::string restored_dir = work.Join("restored");
  const CommandRun restore = RunCommand(
      {TIMEBANKD_PATH, "restore", "--backup-dir", backup_dir, "--backup-id",
       std::to_string(backup_id), "--data-dir", restored_dir},
      work.path());
  ASSERT_EQ(restore.exit_code, 0) << restore;
  EXPECT_NE(restore.out.find(std::string(kTb) + " "), std::string::npos)
      << restore;
  std::filesystem::copy_file(server.data_dir() + "/admin.token",
                             restored_dir + "/admin.token");
  absl::StatusOr<std::unique_ptr<ServerProcess>> second =
      ServerProcess::Start({.data_dir = restored_dir});
  ASSERT_TRUE(second.ok()) << second.status();
  const Client copy((*second)->NewChannel(), (*second)->admin_token());

  const uint64_t head =
      Must(copy.GetTimebank(kTb), "restored timebank").last_seq();
  const uint64_t now = Must(admin.GetTimebank(kTb), "timebank").last_seq();
  // Everything acknowledged before the backup began is in it.
  EXPECT_GE(head, static_cast<uint64_t>(before));
  EXPECT_LT(head, now)
      << "the backup should be a point before the writes ended";
  Rpc<v1::VerifyJournalResponse> verified = copy.VerifyJournal(kTb);
  ASSERT_RPC_OK(verified);
  EXPECT_TRUE(verified->ok()) << verified->problem();
  EXPECT_EQ(verified->entries_checked(), head);

  const std::vector<v1::JournalEntry> original = Journal(admin, head);
  const std::vector<v1::JournalEntry> restored = Journal(copy, head);
  ASSERT_EQ(original.size(), head);
  ASSERT_EQ(restored.size(), head);
  std::map<std::string, int64_t> expected;
  for (int i = 0; i < kAccounts; ++i) expected[AccountName(i)] = 0;
  for (uint64_t i = 0; i < head; ++i) {
    ASSERT_EQ(restored[i].SerializeAsString(), original[i].SerializeAsString())
        << "seq " << i + 1;
    expected[original[i].giver_id()] += original[i].minutes();
    expected[original[i].receiver_id()] -= original[i].minutes();
  }
  Rpc<v1::SnapshotBalancesResponse> snapshot = copy.SnapshotBalances(kTb);
  ASSERT_RPC_OK(snapshot);
  EXPECT_EQ(snapshot->as_of_seq(), head);
  std::map<std::string, int64_t> actual;
  for (const v1::AccountBalance& balance : snapshot->balances()) {
    actual[balance.account_id()] = balance.balance_minutes();
  }
  EXPECT_EQ(actual, expected);
  // The restored server takes writes from where its journal ends.
  Rpc<v1::Exchange> next = copy.RecordExchange(ExchangeRequest(
      kTb, "after-restore", AccountName(0), AccountName(1), 15));
  ASSERT_RPC_OK(next);
  EXPECT_EQ(next->seq(), head + 1);
}

TEST(BackupRestore, RestoreRefusesANonEmptyDirectory) {
  TempDir work;
  const std::string backup_dir = work.Join("backups");
  absl::StatusOr<std::unique_ptr<ServerProcess>> started =
      ServerProcess::Start({.extra_args = {"--backup-dir", backup_dir}});
  ASSERT_TRUE(started.ok()) << started.status();
  const Client admin((*started)->NewChannel(), (*started)->admin_token());
  ASSERT_RPC_OK(admin.Call(&v1::Admin::Stub::CreateBackup,
                           v1::CreateBackupRequest(),
                           std::chrono::seconds(60)));
  const std::string occupied = work.Join("occupied");
  std::filesystem::create_directories(occupied);
  std::ofstream(occupied + "/notes.txt") << "keep me\n";
  const CommandRun refused =
      RunCommand({TIMEBANKD_PATH, "restore", "--backup-dir", backup_dir,
                  "--data-dir", occupied},
                 work.path());
  EXPECT_EQ(refused.exit_code, 1) << refused;
  EXPECT_NE(refused.err.find("data_dir:"), std::string::npos) << refused;
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(occupied),
                          std::filesystem::directory_iterator()),
            1);
}

TEST(BackupRestore, WithoutABackupDirTheServerRefusesAndNamesTheFlag) {
  absl::StatusOr<std::unique_ptr<ServerProcess>> started =
      ServerProcess::Start();
  ASSERT_TRUE(started.ok()) << started.status();
  const Client admin((*started)->NewChannel(), (*started)->admin_token());
  EXPECT_RPC_ERROR(
      admin.Call(&v1::Admin::Stub::CreateBackup, v1::CreateBackupRequest()),
      FAILED_PRECONDITION, "backup_dir");
  EXPECT_RPC_ERROR(
      admin.Call(&v1::Admin::Stub::ListBackups, v1::ListBackupsRequest()),
      FAILED_PRECONDITION, "backup_dir");
}

// `timebankd admin-token` with these flags, run to the end.
CommandRun MintAdminToken(const std::string& data_dir, const std::string& name,
                          const std::string& out, const std::string& work_dir) {
  return RunCommand({TIMEBANKD_PATH, "admin-token", "--data-dir", data_dir,
                     "--name", name, "--out", out},
                    work_dir, std::chrono::seconds(60));
}

mode_t PermissionsOf(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

// The machine is lost with every token file on it; what is left is a backup.
// The operator restores it, mints an ADMIN token into the stopped directory,
// and administers the restored server with it.
TEST(BackupRestore, AnAdminTokenMintedAfterARestoreAdministersTheServer) {
  TempDir work;
  const std::string backup_dir = work.Join("backups");
  {
    absl::StatusOr<std::unique_ptr<ServerProcess>> lost =
        ServerProcess::Start({.extra_args = {"--backup-dir", backup_dir}});
    ASSERT_TRUE(lost.ok()) << lost.status();
    const Client admin((*lost)->NewChannel(), (*lost)->admin_token());
    Must(admin.CreateTimebank(kTb), "create timebank");
    Must(admin.OpenAccount(kTb, "kathy"), "open account");
    ASSERT_RPC_OK(admin.Call(&v1::Admin::Stub::CreateBackup,
                             v1::CreateBackupRequest(),
                             std::chrono::seconds(60)));
    ASSERT_EQ((*lost)->Stop(), 0) << (*lost)->ReadLog();
  }  // Its data directory, admin.token included, is gone with it.

  const std::string restored_dir = work.Join("restored");
  const CommandRun restore =
      RunCommand({TIMEBANKD_PATH, "restore", "--backup-dir", backup_dir,
                  "--data-dir", restored_dir},
                 work.path());
  ASSERT_EQ(restore.exit_code, 0) << restore;
  EXPECT_NE(restore.out.find("timebankd admin-token"), std::string::npos)
      << restore;
  ASSERT_FALSE(std::filesystem::exists(restored_dir + "/admin.token"));

  const std::string token_file = restored_dir + "/admin.token";
  const CommandRun minted =
      MintAdminToken(restored_dir, "admin-restored", token_file, work.path());
  ASSERT_EQ(minted.exit_code, 0) << minted;
  EXPECT_EQ(PermissionsOf(token_file), 0600u);
  const std::string token = ReadWholeFile(token_file).value_or("");
  ASSERT_TRUE(token.starts_with("tbk_")) << token;
  const std::string secret = token.substr(token.rfind('_') + 1, 64);
  ASSERT_EQ(secret.size(), 64u);
  EXPECT_EQ(minted.out.find(secret), std::string::npos) << minted;
  EXPECT_EQ(minted.err.find(secret), std::string::npos) << minted;
  EXPECT_NE(minted.out.find("event=admin_token_minted"), std::string::npos)
      << minted;

  // ServerProcess signs in with <data-dir>/admin.token: the minted one.
  absl::StatusOr<std::unique_ptr<ServerProcess>> restored =
      ServerProcess::Start({.data_dir = restored_dir});
  ASSERT_TRUE(restored.ok()) << restored.status();
  const Client admin((*restored)->NewChannel(), (*restored)->admin_token());
  Rpc<v1::ListTokensResponse> tokens = admin.ListTokens();
  ASSERT_RPC_OK(tokens);
  std::vector<std::string> admins;
  for (const v1::TokenInfo& info : tokens->tokens()) {
    if (info.role() == v1::ROLE_ADMIN && !info.revoked())
      admins.push_back(info.name());
  }
  std::sort(admins.begin(), admins.end());
  EXPECT_EQ(admins, (std::vector<std::string>{"admin", "admin-restored"}));
  EXPECT_RPC_OK(admin.GetAccount(kTb, "kathy"));
  EXPECT_RPC_OK(admin.CreateTimebank("after-restore"));
}

TEST(BackupRestore, AdminTokenIsRefusedWhileAServerHoldsTheDirectory) {
  TempDir work;
  absl::StatusOr<std::unique_ptr<ServerProcess>> server =
      ServerProcess::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string out = work.Join("second.token");
  const CommandRun refused =
      MintAdminToken((*server)->data_dir(), "second", out, work.path());
  EXPECT_NE(refused.exit_code, 0) << refused;
  EXPECT_NE(refused.exit_code, -1) << refused;
  EXPECT_NE(refused.err.find("data_dir"), std::string::npos) << refused;
  EXPECT_NE(refused.err.find("in use by another process"), std::string::npos)
      << refused;
  EXPECT_FALSE(std::filesystem::exists(out));
  const Client admin((*server)->NewChannel(), (*server)->admin_token());
  Rpc<v1::ListTokensResponse> tokens = admin.ListTokens();
  ASSERT_RPC_OK(tokens);
  EXPECT_EQ(tokens->tokens_size(), 1);
}

// Nothing is minted when the token could not be handed over: an out file
// that exists (it may hold the only copy of another secret) is left as it
// is, and a directory that holds no ledger is not made into one.
TEST(BackupRestore, AdminTokenNeverOverwritesAFileNorMakesALedger) {
  TempDir work;
  const std::string data_dir = work.Join("data");
  {
    absl::StatusOr<std::unique_ptr<ServerProcess>> server =
        ServerProcess::Start({.data_dir = data_dir});
    ASSERT_TRUE(server.ok()) << server.status();
    ASSERT_EQ((*server)->Stop(), 0);
  }
  const std::string taken = work.Join("taken.token");
  std::ofstream(taken) << "keep me\n";
  const CommandRun overwrite =
      MintAdminToken(data_dir, "second", taken, work.path());
  EXPECT_NE(overwrite.exit_code, 0) << overwrite;
  EXPECT_NE(overwrite.exit_code, -1) << overwrite;
  EXPECT_NE(overwrite.err.find("out: "), std::string::npos) << overwrite;
  EXPECT_EQ(ReadWholeFile(taken).value_or(""), "keep me\n");

  const std::string nowhere = work.Join("no-ledger");
  const CommandRun missing =
      MintAdminToken(nowhere, "second", work.Join("new.token"), work.path());
  EXPECT_NE(missing.exit_code, 0) << missing;
  EXPECT_NE(missing.exit_code, -1) << missing;
  EXPECT_NE(missing.err.find("data_dir"), std::string::npos) << missing;
  EXPECT_FALSE(std::filesystem::exists(nowhere));
  EXPECT_FALSE(std::filesystem::exists(work.Join("new.token")));

  const CommandRun taken_name =
      MintAdminToken(data_dir, "admin", work.Join("new.token"), work.path());
  EXPECT_NE(taken_name.exit_code, 0) << taken_name;
  EXPECT_NE(taken_name.err.find("name: "), std::string::npos) << taken_name;
  EXPECT_FALSE(std::filesystem::exists(work.Join("new.token")));

  absl::StatusOr<std::unique_ptr<ServerProcess>> server =
      ServerProcess::Start({.data_dir = data_dir});
  ASSERT_TRUE(server.ok()) << server.status();
  const Client admin((*server)->NewChannel(), (*server)->admin_token());
  Rpc<v1::ListTokensResponse> tokens = admin.ListTokens();
  ASSERT_RPC_OK(tokens);
  EXPECT_EQ(tokens->tokens_size(), 1) << "a refused run minted a token";
}

}  // namespace
}  // namespace timebank::testing
