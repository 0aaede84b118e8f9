// Opening a format-1 data directory migrates it to the current format:
// every seq, entry and hash as it was, and every stored request id moved to
// the scope of the caller recorded on what it made, so retries still find
// their originals and nobody else's. A migration cut short (some keys moved,
// the old ones still there, the format still 1) finishes on the next open.
//
// The format-1 directory is made by writing through today's code and then
// putting the request records back where format 1 kept them
// (r<tb>\0<request_id>), with format version "1": the two formats differ in
// nothing else.

#include "ledger/format_migration.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "ledger/codec.h"
#include "ledger/ledger.h"
#include "tests/ledger/database_edit.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/test_util/status_assertions.h"
#include "tests/test_util/temp_dir.h"

namespace timebank::ledger_test {
namespace {

using ledger::Actor;
using ledger::OpenAccountInput;
using timebank::testing::TempDir;

constexpr char kTb[] = "riverside";

// The callers as timebankd names them.
Actor Staff() { return Actor::Coordinator("coordinator:0123456789abcdef"); }
Actor Kathy() { return Actor::Member("member:kathy", "kathy"); }
Actor Auditor() {
  return Actor::Auditor("auditor:fedcba9876543210", "fedcba9876543210");
}

// Writes one of everything that stores a request id, and closes.
void WriteBooks(const std::string& dir) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Ledger> ledger,
                       Ledger::Open(TestOptions(dir)));
  ledger::TimebankSettings settings;
  settings.members_may_log = true;
  ASSERT_OK(ledger->CreateTimebank(kTb, "Riverside", settings));
  for (const char* id : {"kathy", "vera", "mia"}) {
    ASSERT_OK(ledger->OpenAccount(
        kTb, OpenAccountInput{.account_id = id, .display_name = id}));
  }
  ASSERT_OK(
      ledger->RecordExchange(kTb, Staff(), Gave("c-1", "kathy", "vera", 60)));
  ASSERT_OK(
      ledger->RecordExchange(kTb, Kathy(), Gave("k-1", "kathy", "mia", 30)));
  ASSERT_OK(ledger->ConfirmExchange(kTb, Staff(), 2, "cli-confirm-2"));
  ASSERT_OK(ledger->ReverseExchange(kTb, Staff(), 1, "cli-reverse-1", "typo"));
  ASSERT_OK(ledger->SubmitReflection(
      kTb, Kathy(), {.request_id = "k-r", .stage = 3, .evidence = "We help"}));
  ASSERT_OK(
      ledger->SubmitReflection(kTb, Auditor(),
                               {.request_id = "a-r",
                                .perspective = ledger::Perspective::kCouncil,
                                .stage = 2,
                                .evidence = "Seen at review"}));
  ASSERT_OK(ledger->AddAction(
      kTb, Staff(), {.request_id = "s-a", .who = "Staff", .what = "Buddies"}));
  ASSERT_OK(ledger->UpdateAction(
      kTb, Staff(), {.action_id = 1, .status = ledger::ActionStatus::kDone}));
  ledger->Close();
}

// Puts the directory back into format 1. With `keep_moved`, the scoped keys
// stay as well: the state a migration killed part-way leaves behind.
absl::Status MakeFormatOne(const std::string& dir, bool keep_moved) {
  return EditDatabase(dir, [&](rocksdb::DB& db) {
    rocksdb::WriteBatch batch;
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator({}));
    const std::string prefix = ledger::RequestPrefix(kTb);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
         it->Next()) {
      // u<tb>\0<scope>\0<kind:1><request_id>
      std::string rest = it->key().ToString().substr(prefix.size());
      const std::string request_id = rest.substr(rest.find('\0') + 2);
      batch.Put(ledger::FormatOneRequestKey(kTb, request_id), it->value());
      if (!keep_moved) batch.Delete(it->key());
    }
    batch.Put(std::string(ledger::kFormatKey), "1");
    return db.Write(Synced(), &batch);
  });
}

// The keys under `prefix`, in order.
absl::StatusOr<std::vector<std::string>> KeysUnder(const std::string& dir,
                                                   const std::string& prefix) {
  std::vector<std::string> keys;
  absl::Status s = EditDatabase(dir, [&](rocksdb::DB& db) {
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator({}));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix);
         it->Next()) {
      keys.push_back(it->key().ToString());
    }
    return it->status();
  });
  if (!s.ok()) return s;
  return keys;
}

absl::StatusOr<std::string> StoredFormat(const std::string& dir) {
  std::string format;
  absl::Status s = EditDatabase(dir, [&](rocksdb::DB& db) {
    return db.Get({}, std::string(ledger::kFormatKey), &format);
  });
  if (!s.ok()) return s;
  return format;
}

// Opens the migrated directory and checks everything the migration keeps.
void ExpectMigrated(const std::string& dir,
                    const std::vector<JournalEntry>& journal_before) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Ledger> ledger,
                       Ledger::Open(TestOptions(dir)));
  ASSERT_OK_AND_ASSIGN(std::vector<JournalEntry> journal,
                       WholeJournal(*ledger, kTb));
  ASSERT_EQ(journal.size(), journal_before.size());
  for (size_t i = 0; i < journal.size(); ++i) {
    EXPECT_EQ(journal[i].seq, journal_before[i].seq);
    EXPECT_EQ(Hex(journal[i].hash), Hex(journal_before[i].hash));
    EXPECT_EQ(journal[i].request_id, journal_before[i].request_id);
  }
  ASSERT_OK_AND_ASSIGN(ledger::VerifyReport report, ledger->Verify(kTb));
  EXPECT_TRUE(report.ok) << report.problem;

  // Each retry finds its original, in its own caller's scope.
  ASSERT_OK_AND_ASSIGN(
      ledger::Exchange staff_retry,
      ledger->RecordExchange(kTb, Staff(), Gave("c-1", "kathy", "vera", 60)));
  EXPECT_EQ(staff_retry.record.seq, 1u);
  EXPECT_TRUE(staff_retry.replayed);
  ASSERT_OK_AND_ASSIGN(
      ledger::Exchange member_retry,
      ledger->RecordExchange(kTb, Kathy(), Gave("k-1", "kathy", "mia", 30)));
  EXPECT_EQ(member_retry.record.seq, 2u);
  EXPECT_TRUE(member_retry.replayed);
  ASSERT_OK_AND_ASSIGN(
      ledger::Exchange confirm_retry,
      ledger->ConfirmExchange(kTb, Staff(), 2, "cli-confirm-2"));
  EXPECT_TRUE(confirm_retry.replayed);
  ASSERT_OK_AND_ASSIGN(
      ledger::Exchange reverse_retry,
      ledger->ReverseExchange(kTb, Staff(), 1, "cli-reverse-1", "typo"));
  EXPECT_TRUE(reverse_retry.replayed);
  ASSERT_OK_AND_ASSIGN(
      ledger::Reflection reflection_retry,
      ledger->SubmitReflection(
          kTb, Kathy(),
          {.request_id = "k-r", .stage = 3, .evidence = "We help"}));
  EXPECT_EQ(reflection_retry.id, 1u);
  ASSERT_OK_AND_ASSIGN(
      ledger::Action action_retry,
      ledger->AddAction(
          kTb, Staff(),
          {.request_id = "s-a", .who = "Staff", .what = "Buddies"}));
  EXPECT_EQ(action_retry.id, 1u);
  ASSERT_OK_AND_ASSIGN(Timebank timebank, ledger->GetTimebank(kTb));
  EXPECT_EQ(timebank.last_seq, journal_before.size());
  EXPECT_EQ(timebank.last_reflection_id, 2u);

  // Kathy's id now belongs to Kathy alone: the staff's "k-1" is new.
  ASSERT_OK_AND_ASSIGN(
      ledger::Exchange staff_k1,
      ledger->RecordExchange(kTb, Staff(), Gave("k-1", "vera", "mia", 15)));
  EXPECT_FALSE(staff_k1.replayed);
  EXPECT_EQ(staff_k1.record.seq, journal_before.size() + 1);
  ledger->Close();

  EXPECT_EQ(StoredFormat(dir).value_or(""),
            std::string(ledger::kFormatVersion));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> old_keys,
                       KeysUnder(dir, ledger::FormatOneRequestPrefix(kTb)));
  EXPECT_TRUE(old_keys.empty()) << old_keys.size() << " format-1 keys left";
}

absl::StatusOr<std::vector<JournalEntry>> JournalOf(const std::string& dir) {
  absl::StatusOr<std::unique_ptr<Ledger>> ledger =
      Ledger::Open(TestOptions(dir));
  if (!ledger.ok()) return ledger.status();
  absl::StatusOr<std::vector<JournalEntry>> journal =
      WholeJournal(**ledger, kTb);
  (*ledger)->Close();
  return journal;
}

TEST(FormatMigration, FormatOneDirectoryOpensWithEveryEntryAndRetryKept) {
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(WriteBooks(dir.path()));
  ASSERT_OK_AND_ASSIGN(std::vector<JournalEntry> before, JournalOf(dir.path()));
  ASSERT_EQ(before.size(), 4u);
  ASSERT_OK(MakeFormatOne(dir.path(), /*keep_moved=*/false));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> scoped,
                       KeysUnder(dir.path(), ledger::RequestPrefix(kTb)));
  ASSERT_TRUE(scoped.empty());
  ASSERT_EQ(StoredFormat(dir.path()).value_or(""), "1");
  ASSERT_NO_FATAL_FAILURE(ExpectMigrated(dir.path(), before));
}

TEST(FormatMigration, AMigrationCutShortFinishesOnTheNextOpen) {
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(WriteBooks(dir.path()));
  ASSERT_OK_AND_ASSIGN(std::vector<JournalEntry> before, JournalOf(dir.path()));
  ASSERT_OK(MakeFormatOne(dir.path(), /*keep_moved=*/true));
  ASSERT_NO_FATAL_FAILURE(ExpectMigrated(dir.path(), before));
}

TEST(FormatMigration, MovesEveryStoredRequestIdAndNamesTheScopes) {
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(WriteBooks(dir.path()));
  ASSERT_OK(MakeFormatOne(dir.path(), /*keep_moved=*/false));
  ASSERT_OK(EditDatabase(dir.path(), [](rocksdb::DB& db) {
    absl::StatusOr<ledger::MigrationReport> report =
        ledger::MigrateFormat(&db, "1");
    if (!report.ok())
      return rocksdb::Status::Corruption(report.status().ToString());
    // c-1, k-1, cli-confirm-2, cli-reverse-1, k-r, a-r, s-a.
    if (report->request_ids_moved != 7 || report->request_ids_unclaimed != 0 ||
        report->timebanks != 1) {
      return rocksdb::Status::Corruption("unexpected migration report");
    }
    return rocksdb::Status::OK();
  }));
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> scoped,
                       KeysUnder(dir.path(), ledger::RequestPrefix(kTb)));
  std::vector<std::string> expected = {
      ledger::RequestKey(kTb, "staff", ledger::RequestKind::kRecord, "c-1"),
      ledger::RequestKey(kTb, "member:kathy", ledger::RequestKind::kRecord,
                         "k-1"),
      ledger::RequestKey(kTb, "staff", ledger::RequestKind::kConfirm,
                         "cli-confirm-2"),
      ledger::RequestKey(kTb, "staff", ledger::RequestKind::kReverse,
                         "cli-reverse-1"),
      ledger::RequestKey(kTb, "member:kathy", ledger::RequestKind::kReflection,
                         "k-r"),
      ledger::RequestKey(kTb, "auditor:fedcba9876543210",
                         ledger::RequestKind::kReflection, "a-r"),
      ledger::RequestKey(kTb, "staff", ledger::RequestKind::kAction, "s-a"),
  };
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(scoped, expected);
}

TEST(FormatMigration, UnknownFormatVersionIsRefused) {
  TempDir dir;
  ASSERT_NO_FATAL_FAILURE(WriteBooks(dir.path()));
  ASSERT_OK(EditDatabase(dir.path(), [](rocksdb::DB& db) {
    return db.Put(Synced(), std::string(ledger::kFormatKey), "7");
  }));
  EXPECT_STATUS(Ledger::Open(TestOptions(dir.path())),
                absl::StatusCode::kFailedPrecondition, "data_dir:");
}

TEST(FormatMigration, FormatOneScopesFollowTheRecordedCaller) {
  EXPECT_EQ(ledger::FormatOneRequestScope("member:kathy"), "member:kathy");
  EXPECT_EQ(ledger::FormatOneRequestScope("auditor:0123456789abcdef"),
            "auditor:0123456789abcdef");
  EXPECT_EQ(ledger::FormatOneRequestScope("coordinator:0123456789abcdef"),
            "staff");
  EXPECT_EQ(ledger::FormatOneRequestScope("admin:0123456789abcdef"), "staff");
}

}  // namespace
}  // namespace timebank::ledger_test
