// Backups taken while writers run, restored into new directories: the
// restored books verify, hold the original journal up to the backup's head
// entry for entry, and have the balances of that point. Also the refusals
// (no backup directory, a non-empty target, an unknown backup), pruning, the
// commit observer and the storage figures.

#include "ledger/backup.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ledger/ledger.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/test_util/status_assertions.h"
#include "tests/test_util/temp_dir.h"

namespace timebank::ledger_test {
namespace {

using absl::StatusCode;
using ledger::BackupInfo;
using ledger::CommitStats;
using ledger::Exchange;
using ledger::JournalHead;
using ledger::OpenAccountInput;
using ledger::RestoreRequest;
using timebank::testing::TempDir;

constexpr char kTb[] = "backed-up";
constexpr int kAccounts = 6;
constexpr int kWriters = 3;

std::string AccountName(int i) { return "m" + std::to_string(i); }

absl::StatusOr<std::unique_ptr<Ledger>> OpenWithAccounts(
    const std::string& dir, LedgerOptions options) {
  options.data_dir = dir;
  absl::StatusOr<std::unique_ptr<Ledger>> ledger = Ledger::Open(options);
  if (!ledger.ok()) return ledger;
  if (absl::StatusOr<Timebank> t =
          (*ledger)->CreateTimebank(kTb, "Backed up", {});
      !t.ok()) {
    return t.status();
  }
  for (int i = 0; i < kAccounts; ++i) {
    absl::StatusOr<Account> a = (*ledger)->OpenAccount(
        kTb, OpenAccountInput{.account_id = AccountName(i),
                              .display_name = "Member " + std::to_string(i),
                              .joined_on = "2026-01-01"});
    if (!a.ok()) return a.status();
  }
  return ledger;
}

// Balances computed from the journal entries with seq <= `head`: every
// RECORD here is a coordinator's, so CONFIRMED, and nothing is reversed.
std::map<std::string, int64_t> BalancesUpTo(
    const std::vector<JournalEntry>& journal, ledger::Seq head) {
  std::map<std::string, int64_t> balances;
  for (int i = 0; i < kAccounts; ++i) balances[AccountName(i)] = 0;
  for (const JournalEntry& entry : journal) {
    if (entry.seq > head) break;
    balances[entry.giver_id] += entry.minutes;
    balances[entry.receiver_id] -= entry.minutes;
  }
  return balances;
}

TEST(Backup, TakenWhileWritingRestoresToOneVerifiedJournalPosition) {
  TempDir data, backups, restored_parent;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Ledger> ledger,
                       OpenWithAccounts(data.path(), TestOptions(data.path())));
  std::atomic<bool> stop{false};
  std::atomic<int> recorded{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int n = 0; !stop && n < 100'000; ++n) {
        const int giver = (w + n) % kAccounts;
        const int receiver = (giver + 1 + n % (kAccounts - 1)) % kAccounts;
        absl::StatusOr<Exchange> done = ledger->RecordExchange(
            kTb, Coordinator(),
            Gave("w" + std::to_string(w) + "-" + std::to_string(n),
                 AccountName(giver), AccountName(receiver), 5 + n % 50));
        if (done.ok()) ++recorded;
      }
    });
  }
  while (recorded < 200) std::this_thread::yield();
  absl::StatusOr<BackupInfo> backup =
      ledger->CreateBackup({.backup_dir = backups.path()});
  const int recorded_at_backup_end = recorded;
  while (recorded < recorded_at_backup_end + 200) std::this_thread::yield();
  stop = true;
  for (std::thread& writer : writers) writer.join();
  ASSERT_OK(backup);
  EXPECT_TRUE(backup->verified);
  EXPECT_GT(backup->size_bytes, 0u);
  ASSERT_EQ(backup->journal_heads.size(), 1u);
  const JournalHead head = backup->journal_heads[0];
  EXPECT_EQ(head.timebank_id, kTb);
  EXPECT_GE(head.last_seq, 200u);
  ASSERT_OK_AND_ASSIGN(Timebank now, ledger->GetTimebank(kTb));
  // The writers went on after the backup: it is a point in the past.
  ASSERT_LT(head.last_seq, now.last_seq);
  ASSERT_OK_AND_ASSIGN(std::vector<JournalEntry> journal,
                       WholeJournal(*ledger, kTb));

  const std::string target = restored_parent.Join("restored");
  ASSERT_OK_AND_ASSIGN(BackupInfo restored,
                       ledger::RestoreBackup({.backup_dir = backups.path(),
                                              .backup_id = backup->backup_id,
                                              .data_dir = target}));
  EXPECT_TRUE(restored.verified);
  ASSERT_EQ(restored.journal_heads.size(), 1u);
  EXPECT_EQ(restored.journal_heads[0].last_seq, head.last_seq);
  EXPECT_EQ(Hex(restored.journal_heads[0].last_hash), Hex(head.last_hash));

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Ledger> copy,
                       Ledger::Open(TestOptions(target)));
  ASSERT_OK_AND_ASSIGN(ledger::VerifyReport report, copy->Verify(kTb));
  EXPECT_TRUE(report.ok) << report.problem;
  ASSERT_OK_AND_ASSIGN(std::vector<JournalEntry> copied,
                       WholeJournal(*copy, kTb));
  ASSERT_EQ(copied.size(), head.last_seq);
  for (size_t i = 0; i < copied.size(); ++i) {
    ASSERT_EQ(Hex(copied[i].hash), Hex(journal[i].hash)) << "seq " << i + 1;
  }
  ASSERT_OK_AND_ASSIGN(ledger::BalanceSnapshot snapshot,
                       copy->SnapshotBalances(kTb));
  EXPECT_EQ(snapshot.as_of_seq, head.last_seq);
  const std::map<std::string, int64_t> expected =
      BalancesUpTo(journal, head.last_seq);
  const std::map<std::string, int64_t> actual(snapshot.balances_minutes.begin(),
                                              snapshot.balances_minutes.end());
  EXPECT_EQ(actual, expected);
}

TEST(Backup, WithoutABackupDirectoryIsRefused) {
  TempDir data;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Ledger> ledger,
                       OpenWithAccounts(data.path(), TestOptions(data.path())));
  EXPECT_STATUS(ledger->CreateBackup({}), StatusCode::kFailedPrecondition,
                "backup_dir:");
}

TEST(Backup, KeepMaxDeletesTheOldest) {
  TempDir data, backups;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Ledger> ledger,
                       OpenWithAccounts(data.path(), TestOptions(data.path())));
  std::vector<uint32_t> ids;
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(ledger->RecordExchange(
        kTb, Coordinator(),
        Gave("keep-" + std::to_string(i), AccountName(0), AccountName(1), 30)));
    ASSERT_OK_AND_ASSIGN(
        BackupInfo info,
        ledger->CreateBackup({.backup_dir = backups.path(), .keep_max = 2}));
    ids.push_back(info.backup_id);
  }
  ASSERT_OK_AND_ASSIGN(std::vector<BackupInfo> kept,
                       ledger::ListBackups(backups.path()));
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].backup_id, ids[1]);
  EXPECT_EQ(kept[1].backup_id, ids[2]);
}

TEST(Backup, RelativeDirectoriesWork) {
  TempDir data, backups, target;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Ledger> ledger,
                       OpenWithAccounts(data.path(), TestOptions(data.path())));
  ASSERT_OK(ledger->RecordExchange(
      kTb, Coordinator(),
      Gave("relative", AccountName(0), AccountName(1), 30)));
  const std::string relative =
      std::filesystem::relative(backups.path()).string();
  ASSERT_NE(relative.front(), '/');
  ASSERT_OK_AND_ASSIGN(BackupInfo info,
                       ledger->CreateBackup({.backup_dir = relative}));
  EXPECT_TRUE(info.verified);
  ASSERT_OK_AND_ASSIGN(
      BackupInfo restored,
      ledger::RestoreBackup(
          {.backup_dir = relative,
           .data_dir = std::filesystem::relative(target.Join("r")).string()}));
  ASSERT_EQ(restored.journal_heads.size(), 1u);
  EXPECT_EQ(restored.journal_heads[0].last_seq, 1u);
}

TEST(Restore, RefusesANonEmptyDirectoryAndChangesNothing) {
  TempDir data, backups, other;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Ledger> ledger,
                       OpenWithAccounts(data.path(), TestOptions(data.path())));
  ASSERT_OK(ledger->CreateBackup({.backup_dir = backups.path()}));
  const std::string keep = other.Join("keep.txt");
  std::ofstream(keep) << "mine\n";
  EXPECT_STATUS(ledger::RestoreBackup(
                    {.backup_dir = backups.path(), .data_dir = other.path()}),
                StatusCode::kFailedPrecondition, "data_dir:");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(other.path()),
                          std::filesystem::directory_iterator()),
            1);
}

TEST(Restore, UnknownBackupOrDirectoryIsNotFound) {
  TempDir data, backups, target;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Ledger> ledger,
                       OpenWithAccounts(data.path(), TestOptions(data.path())));
  ASSERT_OK_AND_ASSIGN(BackupInfo info,
                       ledger->CreateBackup({.backup_dir = backups.path()}));
  EXPECT_STATUS(ledger::RestoreBackup({.backup_dir = backups.path(),
                                       .backup_id = info.backup_id + 7,
                                       .data_dir = target.Join("x")}),
                StatusCode::kNotFound, "backup_id:");
  EXPECT_STATUS(ledger::RestoreBackup({.backup_dir = target.Join("none"),
                                       .data_dir = target.Join("y")}),
                StatusCode::kNotFound, "backup_dir:");
  EXPECT_FALSE(std::filesystem::exists(target.Join("x")));
}

TEST(Restore, NewestBackupByDefault) {
  TempDir data, backups, target;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Ledger> ledger,
                       OpenWithAccounts(data.path(), TestOptions(data.path())));
  ASSERT_OK(ledger->CreateBackup({.backup_dir = backups.path()}));
  ASSERT_OK(ledger->RecordExchange(
      kTb, Coordinator(), Gave("newest", AccountName(2), AccountName(3), 45)));
  ASSERT_OK_AND_ASSIGN(BackupInfo second,
                       ledger->CreateBackup({.backup_dir = backups.path()}));
  ASSERT_OK_AND_ASSIGN(BackupInfo restored,
                       ledger::RestoreBackup({.backup_dir = backups.path(),
                                              .data_dir = target.Join("r")}));
  EXPECT_EQ(restored.backup_id, second.backup_id);
  ASSERT_EQ(restored.journal_heads.size(), 1u);
  EXPECT_EQ(restored.journal_heads[0].last_seq, 1u);
}

TEST(CommitObserver, SeesEveryCommitWithItsCommandsAndEntries) {
  TempDir data;
  std::mutex mu;
  std::vector<CommitStats> seen;
  LedgerOptions options = TestOptions(data.path());
  options.commit_observer = [&](const CommitStats& stats) {
    std::lock_guard lock(mu);
    seen.push_back(stats);
  };
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Ledger> ledger,
                       OpenWithAccounts(data.path(), options));
  {
    std::lock_guard lock(mu);
    seen.clear();
  }
  std::vector<RecordExchangeInput> items;
  for (int i = 0; i < 5; ++i) {
    items.push_back(
        Gave("bulk-" + std::to_string(i), AccountName(0), AccountName(1), 10));
  }
  ASSERT_OK(ledger->RecordExchanges(kTb, Coordinator(), items));
  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].ok);
  EXPECT_EQ(seen[0].commands, 1u);
  EXPECT_EQ(seen[0].entries, 5u);
  EXPECT_GE(seen[0].write_us, 0);
}

TEST(Storage, HealthyLedgerReportsOkAndReadsProperties) {
  TempDir data;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Ledger> ledger,
                       OpenWithAccounts(data.path(), TestOptions(data.path())));
  EXPECT_OK(ledger->StorageStatus());
  EXPECT_OK(ledger->CheckStorage());
  const ledger::StorageProperties properties = ledger->GetStorageProperties();
  EXPECT_EQ(properties.write_stopped, 0);
  EXPECT_GE(properties.pending_compaction_bytes, 0);
  EXPECT_GT(properties.memtable_bytes, 0);
}

}  // namespace
}  // namespace timebank::ledger_test
