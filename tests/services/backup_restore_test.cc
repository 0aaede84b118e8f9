// Backup and restore as an operator does them: `timebank admin backup` (the
// Admin.CreateBackup rpc) while writers load the server, `timebankd restore`
// into a new directory, a second server started on it, and the two compared:
// the restored journal is the original's up to the backup's head, entry for
// entry; it verifies; its balances are those at that seq.

#include <gtest/gtest.h>

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
    const std::string id = "w" + std::to_string(writer) + "-" + std::to_string(n);
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
  while (acknowledged < 2000) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const int before = acknowledged;
  // Through the CLI, as the README and the backup CronJob do it.
  const CommandRun backup = RunCommand(
      {TIMEBANK_CLI_PATH, "admin", "backup", "--json", "--server", server.address(),
       "--token-file", server.data_dir() + "/admin.token"},
      work.path());
  const int after = acknowledged;
  while (acknowledged < after + 500) std::this_thread::sleep_for(std::chrono::milliseconds(5));
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
  EXPECT_NE(restore.out.find(std::string(kTb) + " "), std::string::npos) << restore;
  std::filesystem::copy_file(server.data_dir() + "/admin.token",
                             restored_dir + "/admin.token");
  absl::StatusOr<std::unique_ptr<ServerProcess>> second =
      ServerProcess::Start({.data_dir = restored_dir});
  ASSERT_TRUE(second.ok()) << second.status();
  const Client copy((*second)->NewChannel(), (*second)->admin_token());

  const uint64_t head = Must(copy.GetTimebank(kTb), "restored timebank").last_seq();
  const uint64_t now = Must(admin.GetTimebank(kTb), "timebank").last_seq();
  // Everything acknowledged before the backup began is in it.
  EXPECT_GE(head, static_cast<uint64_t>(before));
  EXPECT_LT(head, now) << "the backup should be a point before the writes ended";
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
  Rpc<v1::Exchange> next = copy.RecordExchange(
      ExchangeRequest(kTb, "after-restore", AccountName(0), AccountName(1), 15));
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
  ASSERT_RPC_OK(admin.Call(&v1::Admin::Stub::CreateBackup, v1::CreateBackupRequest(),
                           std::chrono::seconds(60)));
  const std::string occupied = work.Join("occupied");
  std::filesystem::create_directories(occupied);
  std::ofstream(occupied + "/notes.txt") << "keep me\n";
  const CommandRun refused = RunCommand(
      {TIMEBANKD_PATH, "restore", "--backup-dir", backup_dir, "--data-dir", occupied},
      work.path());
  EXPECT_EQ(refused.exit_code, 1) << refused;
  EXPECT_NE(refused.err.find("data_dir:"), std::string::npos) << refused;
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(occupied),
                          std::filesystem::directory_iterator()),
            1);
}

TEST(BackupRestore, WithoutABackupDirTheServerRefusesAndNamesTheFlag) {
  absl::StatusOr<std::unique_ptr<ServerProcess>> started = ServerProcess::Start();
  ASSERT_TRUE(started.ok()) << started.status();
  const Client admin((*started)->NewChannel(), (*started)->admin_token());
  EXPECT_RPC_ERROR(
      admin.Call(&v1::Admin::Stub::CreateBackup, v1::CreateBackupRequest()),
      FAILED_PRECONDITION, "backup_dir");
  EXPECT_RPC_ERROR(
      admin.Call(&v1::Admin::Stub::ListBackups, v1::ListBackupsRequest()),
      FAILED_PRECONDITION, "backup_dir");
}

}  // namespace
}  // namespace timebank::testing
