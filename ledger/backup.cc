#include "ledger/backup.h"

#include <rocksdb/db.h>
#include <rocksdb/utilities/backup_engine.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"
#include "ledger/codec.h"
#include "ledger/ledger.h"
#include "ledger/ledger_impl.h"
#include "ledger/rocks_status.h"
#include "ledger/scan.h"
#include "ledger/status_macros.h"
#include "ledger/validation.h"
#include "ledger/verify.h"

namespace timebank::ledger {
namespace {

using internal::FromRocks;

// Written into every backup's metadata, so a backup directory says what it
// holds.
constexpr char kBackupMetadata[] = "timebank ledger format 1";

int64_t MillisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now() - start)
      .count();
}

absl::Status FromBackupEngine(const rocksdb::IOStatus& s,
                              std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  if (s.IsNotFound()) {
    return FieldNotFound("backup_id",
                         absl::StrCat(std::string(what), ": ", s.ToString()));
  }
  return absl::UnavailableError(
      absl::StrCat("backup: ", std::string(what), " failed: ", s.ToString()));
}

BackupInfo InfoOf(const rocksdb::BackupInfo& info) {
  return BackupInfo{.backup_id = info.backup_id,
                    .created_at_unix_s = info.timestamp,
                    .size_bytes = info.size,
                    .files = info.number_files};
}

absl::StatusOr<std::vector<JournalHead>> ReadJournalHeads(rocksdb::DB* db) {
  std::vector<JournalHead> heads;
  absl::Status decode_error;
  RETURN_IF_ERROR(
      ScanPrefix(db, nullptr, TimebankPrefix(), "",
                 [&](std::string_view, std::string_view value) {
                   absl::StatusOr<Timebank> timebank = DecodeTimebank(value);
                   if (!timebank.ok()) {
                     decode_error = timebank.status();
                     return false;
                   }
                   heads.push_back({.timebank_id = timebank->id,
                                    .last_seq = timebank->last_seq,
                                    .last_hash = timebank->last_hash});
                   return true;
                 }));
  RETURN_IF_ERROR(decode_error);
  return heads;
}

absl::Status NotVerified(const std::string& timebank_id,
                         const VerifyReport& report) {
  return absl::DataLossError(absl::StrCat(
      "backup: timebank ", timebank_id, " does not verify: ", report.problem));
}

// Reads the heads of a database and verifies every timebank's journal in it.
absl::Status ReadAndVerify(rocksdb::DB* db, BackupInfo* info) {
  ASSIGN_OR_RETURN(info->journal_heads, ReadJournalHeads(db));
  for (const JournalHead& head : info->journal_heads) {
    ASSIGN_OR_RETURN(VerifyReport report, VerifyTimebank(db, head.timebank_id));
    if (!report.ok) return NotVerified(head.timebank_id, report);
  }
  info->verified = true;
  return absl::OkStatus();
}

// The same through an open ledger, as the server will see the books.
absl::Status ReadAndVerify(Ledger& ledger, BackupInfo* info) {
  for (const Timebank& timebank : ledger.ListTimebanks()) {
    info->journal_heads.push_back({.timebank_id = timebank.id,
                                   .last_seq = timebank.last_seq,
                                   .last_hash = timebank.last_hash});
    ASSIGN_OR_RETURN(VerifyReport report, ledger.Verify(timebank.id));
    if (!report.ok) return NotVerified(timebank.id, report);
  }
  info->verified = true;
  return absl::OkStatus();
}

// Opens a backup read-only, as BackupEngine lays it out, and checks it.
absl::Status CheckBackup(rocksdb::BackupEngine& engine, BackupInfo* info) {
  rocksdb::BackupInfo details;
  RETURN_IF_ERROR(FromRocks(engine.GetBackupInfo(info->backup_id, &details,
                                                 /*include_file_details=*/true),
                            "backup info"));
  rocksdb::Options options;
  options.env = details.env_for_open.get();
  rocksdb::DB* raw = nullptr;
  RETURN_IF_ERROR(FromRocks(
      rocksdb::DB::OpenForReadOnly(options, details.name_for_open, &raw),
      "open backup"));
  std::unique_ptr<rocksdb::DB> db(raw);
  return ReadAndVerify(db.get(), info);
}

absl::Status CheckEmptyTarget(const std::string& data_dir) {
  if (data_dir.empty()) return FieldInvalid("data_dir", "is required");
  std::error_code error;
  if (std::filesystem::exists(data_dir, error) &&
      !std::filesystem::is_empty(data_dir, error)) {
    return FieldPrecondition(
        "data_dir", absl::StrCat(data_dir,
                                 " is not empty; restore only into a new "
                                 "directory"));
  }
  if (error) {
    return FieldInvalid("data_dir", absl::StrCat("cannot read ", data_dir, ": ",
                                                 error.message()));
  }
  std::filesystem::create_directories(data_dir, error);
  if (error) {
    return FieldInvalid("data_dir", absl::StrCat("cannot create ", data_dir,
                                                 ": ", error.message()));
  }
  return absl::OkStatus();
}

// RocksDB opens a backup read-only only by an absolute path.
absl::StatusOr<std::string> Absolute(std::string_view field,
                                     const std::string& path) {
  std::error_code error;
  const std::filesystem::path absolute = std::filesystem::absolute(path, error);
  if (error) {
    return FieldInvalid(field, absl::StrCat(path, ": ", error.message()));
  }
  return absolute.lexically_normal().string();
}

}  // namespace

absl::StatusOr<BackupInfo> Ledger::CreateBackup(const BackupOptions& options) {
  if (options.backup_dir.empty()) {
    return FieldPrecondition("backup_dir", "no backup directory is configured");
  }
  std::unique_lock lock(impl_->backup_mu_, std::try_to_lock);
  if (!lock.owns_lock()) {
    return FieldPrecondition("backup", "another backup is running; try later");
  }
  const auto started = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(const std::string backup_dir,
                   Absolute("backup_dir", options.backup_dir));
  rocksdb::BackupEngine* raw = nullptr;
  RETURN_IF_ERROR(FromBackupEngine(
      rocksdb::BackupEngine::Open(rocksdb::BackupEngineOptions(backup_dir),
                                  rocksdb::Env::Default(), &raw),
      "open"));
  std::unique_ptr<rocksdb::BackupEngine> engine(raw);
  rocksdb::CreateBackupOptions create;
  // Flushing first keeps the write-ahead log in the backup short, so a
  // restore replays little.
  create.flush_before_backup = true;
  BackupInfo info;
  RETURN_IF_ERROR(FromBackupEngine(
      engine->CreateNewBackupWithMetadata(create, impl_->db_.get(),
                                          kBackupMetadata, &info.backup_id),
      "create"));
  if (absl::Status checked = CheckBackup(*engine, &info); !checked.ok()) {
    // A backup that does not read back must never be restored.
    engine->DeleteBackup(info.backup_id);
    return checked;
  }
  rocksdb::BackupInfo stored;
  RETURN_IF_ERROR(
      FromRocks(engine->GetBackupInfo(info.backup_id, &stored), "backup info"));
  info.created_at_unix_s = stored.timestamp;
  info.size_bytes = stored.size;
  info.files = stored.number_files;
  if (options.keep_max > 0) {
    RETURN_IF_ERROR(FromBackupEngine(
        engine->PurgeOldBackups(static_cast<uint32_t>(options.keep_max)),
        "purge"));
  }
  info.duration_ms = MillisecondsSince(started);
  return info;
}

absl::StatusOr<std::vector<BackupInfo>> ListBackups(
    const std::string& backup_dir) {
  if (backup_dir.empty()) return FieldInvalid("backup_dir", "is required");
  std::error_code error;
  if (!std::filesystem::is_directory(backup_dir, error)) {
    return FieldNotFound("backup_dir",
                         absl::StrCat(backup_dir, " holds no backups"));
  }
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  RETURN_IF_ERROR(FromBackupEngine(rocksdb::BackupEngineReadOnly::Open(
                                       rocksdb::BackupEngineOptions(backup_dir),
                                       rocksdb::Env::Default(), &raw),
                                   "open"));
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  std::vector<rocksdb::BackupInfo> stored;
  engine->GetBackupInfo(&stored);
  std::vector<BackupInfo> out;
  out.reserve(stored.size());
  for (const rocksdb::BackupInfo& info : stored) out.push_back(InfoOf(info));
  return out;
}

absl::StatusOr<BackupInfo> RestoreBackup(const RestoreRequest& request) {
  const auto started = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(std::vector<BackupInfo> backups,
                   ListBackups(request.backup_dir));
  if (backups.empty()) {
    return FieldNotFound("backup_dir",
                         absl::StrCat(request.backup_dir, " holds no backups"));
  }
  BackupInfo info = backups.back();
  if (request.backup_id != 0) {
    auto it = std::find_if(backups.begin(), backups.end(), [&](const auto& b) {
      return b.backup_id == request.backup_id;
    });
    if (it == backups.end()) {
      return FieldNotFound("backup_id",
                           absl::StrCat("no backup ", request.backup_id, " in ",
                                        request.backup_dir));
    }
    info = *it;
  }
  RETURN_IF_ERROR(CheckEmptyTarget(request.data_dir));
  rocksdb::BackupEngineReadOnly* raw = nullptr;
  RETURN_IF_ERROR(
      FromBackupEngine(rocksdb::BackupEngineReadOnly::Open(
                           rocksdb::BackupEngineOptions(request.backup_dir),
                           rocksdb::Env::Default(), &raw),
                       "open"));
  std::unique_ptr<rocksdb::BackupEngineReadOnly> engine(raw);
  // Checksums first: a damaged backup is refused before anything is written.
  RETURN_IF_ERROR(FromBackupEngine(
      engine->VerifyBackup(info.backup_id, /*verify_with_checksum=*/true),
      "verify"));
  RETURN_IF_ERROR(FromBackupEngine(
      engine->RestoreDBFromBackup(rocksdb::RestoreOptions(), info.backup_id,
                                  request.data_dir, request.data_dir),
      "restore"));
  // Open through the ledger, as the server will: this replays the restored
  // write-ahead log and checks the format version.
  ASSIGN_OR_RETURN(std::unique_ptr<Ledger> ledger,
                   Ledger::Open({.data_dir = request.data_dir}));
  absl::Status checked = ReadAndVerify(*ledger, &info);
  ledger->Close();
  RETURN_IF_ERROR(checked);
  info.duration_ms = MillisecondsSince(started);
  return info;
}

}  // namespace timebank::ledger
