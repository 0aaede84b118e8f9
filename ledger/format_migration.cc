#include "ledger/format_migration.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/codec.h"
#include "ledger/ledger_impl.h"
#include "ledger/scan.h"
#include "ledger/status_macros.h"
#include "ledger/validation.h"
#include "spdlog/spdlog.h"

namespace timebank::ledger {
namespace {

// New keys go to RocksDB in batches of this many, so a large journal does
// not need one batch the size of its request index.
constexpr size_t kKeysPerBatch = 10'000;

// The first key after every key that starts with `prefix`.
std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) {
    prefix.pop_back();
  }
  if (!prefix.empty()) prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

// Moves one timebank's format-1 request records to their scoped keys.
class RequestMover {
 public:
  RequestMover(rocksdb::DB* db, std::string tb, MigrationReport* report)
      : db_(db), tb_(std::move(tb)), report_(report) {}

  absl::Status Run() {
    ASSIGN_OR_RETURN(const int64_t stored, CountStored());
    RETURN_IF_ERROR(MoveJournalRequests());
    RETURN_IF_ERROR(MoveReflectionRequests());
    RETURN_IF_ERROR(MoveActionRequests());
    RETURN_IF_ERROR(Flush());
    report_->request_ids_moved += moved_;
    report_->request_ids_unclaimed += stored - moved_;
    return absl::OkStatus();
  }

 private:
  absl::StatusOr<int64_t> CountStored() {
    int64_t count = 0;
    RETURN_IF_ERROR(ScanPrefix(db_, nullptr, FormatOneRequestPrefix(tb_), "",
                               [&](std::string_view, std::string_view) {
                                 ++count;
                                 return true;
                               }));
    return count;
  }

  absl::Status MoveJournalRequests() {
    absl::Status failed;
    RETURN_IF_ERROR(ScanPrefix(
        db_, nullptr, JournalPrefix(tb_), "",
        [&](std::string_view, std::string_view value) {
          absl::StatusOr<JournalEntry> entry = DecodeEntry(tb_, value);
          if (!entry.ok()) {
            failed = entry.status();
            return false;
          }
          if (entry->request_id.empty()) return true;
          const bool record = entry->kind == EntryKind::kRecord;
          failed = Move(
              entry->request_id, FormatOneRequestScope(entry->recorded_by),
              record ? RequestKind::kRecord : RequestKindOfClose(entry->kind),
              record ? entry->seq : entry->target_seq);
          return failed.ok();
        },
        /*bulk=*/true));
    return failed;
  }

  absl::Status MoveReflectionRequests() {
    absl::Status failed;
    RETURN_IF_ERROR(ScanPrefix(
        db_, nullptr, ReflectionPrefix(tb_), "",
        [&](std::string_view, std::string_view value) {
          absl::StatusOr<Reflection> reflection = DecodeReflection(value);
          if (!reflection.ok()) {
            failed = reflection.status();
            return false;
          }
          failed = Move(reflection->request_id,
                        FormatOneRequestScope(reflection->submitted_by),
                        RequestKind::kReflection, reflection->id);
          return failed.ok();
        }));
    return failed;
  }

  // Every version of an action carries the request id that created it; the
  // first version names its creator.
  absl::Status MoveActionRequests() {
    absl::Status failed;
    std::set<uint64_t> seen;
    RETURN_IF_ERROR(
        ScanPrefix(db_, nullptr, ActionVersionPrefix(tb_), "",
                   [&](std::string_view, std::string_view value) {
                     absl::StatusOr<Action> action = DecodeAction(value);
                     if (!action.ok()) {
                       failed = action.status();
                       return false;
                     }
                     if (!seen.insert(action->id).second) return true;
                     failed = Move(action->request_id,
                                   FormatOneRequestScope(action->created_by),
                                   RequestKind::kAction, action->id);
                     return failed.ok();
                   }));
    return failed;
  }

  // Copies the format-1 record of `request_id` to its scoped key when it
  // names `made` (the seq or id the request produced).
  absl::Status Move(const std::string& request_id, const std::string& scope,
                    RequestKind kind, uint64_t made) {
    if (request_id.empty()) return absl::OkStatus();
    std::string bytes;
    const rocksdb::Status found = db_->Get(
        rocksdb::ReadOptions(), FormatOneRequestKey(tb_, request_id), &bytes);
    if (found.IsNotFound()) return absl::OkStatus();
    RETURN_IF_ERROR(internal::FromRocks(found, "read"));
    ASSIGN_OR_RETURN(const RequestRecord record, DecodeRequestRecord(bytes));
    if (record.seq != made) return absl::OkStatus();
    RETURN_IF_ERROR(internal::FromRocks(
        batch_.Put(RequestKey(tb_, scope, kind, request_id), bytes), "batch"));
    ++moved_;
    if (static_cast<size_t>(batch_.Count()) >= kKeysPerBatch) return Flush();
    return absl::OkStatus();
  }

  absl::Status Flush() {
    if (batch_.Count() == 0) return absl::OkStatus();
    rocksdb::WriteOptions sync;
    sync.sync = true;
    RETURN_IF_ERROR(internal::FromRocks(db_->Write(sync, &batch_), "write"));
    batch_.Clear();
    spdlog::info("format migration: timebank={} request_ids_moved={}", tb_,
                 moved_);
    return absl::OkStatus();
  }

  rocksdb::DB* db_;
  std::string tb_;
  MigrationReport* report_;
  rocksdb::WriteBatch batch_;
  int64_t moved_ = 0;
};

absl::StatusOr<std::vector<std::string>> TimebankIds(rocksdb::DB* db) {
  std::vector<std::string> ids;
  absl::Status failed;
  RETURN_IF_ERROR(ScanPrefix(db, nullptr, TimebankPrefix(), "",
                             [&](std::string_view, std::string_view value) {
                               absl::StatusOr<Timebank> timebank =
                                   DecodeTimebank(value);
                               if (!timebank.ok()) {
                                 failed = timebank.status();
                                 return false;
                               }
                               ids.push_back(timebank->id);
                               return true;
                             }));
  RETURN_IF_ERROR(failed);
  return ids;
}

}  // namespace

std::string FormatOneRequestScope(std::string_view recorded_by) {
  if (recorded_by.starts_with("member:") ||
      recorded_by.starts_with("auditor:")) {
    return std::string(recorded_by);
  }
  return std::string(kStaffRequestScope);
}

absl::StatusOr<MigrationReport> MigrateFormat(rocksdb::DB* db,
                                              std::string_view stored_version) {
  if (stored_version != "1") {
    return FieldPrecondition(
        "data_dir",
        absl::StrCat("was written in ledger format version ",
                     std::string(stored_version), "; this build reads version ",
                     std::string(kFormatVersion)));
  }
  MigrationReport report{.from_version = std::string(stored_version)};
  spdlog::info("format migration: from={} to={} started", stored_version,
               kFormatVersion);
  ASSIGN_OR_RETURN(const std::vector<std::string> timebanks, TimebankIds(db));
  rocksdb::WriteBatch finish;
  for (const std::string& tb : timebanks) {
    RETURN_IF_ERROR(RequestMover(db, tb, &report).Run());
    const std::string old_prefix = FormatOneRequestPrefix(tb);
    RETURN_IF_ERROR(internal::FromRocks(
        finish.DeleteRange(old_prefix, PrefixEnd(old_prefix)), "batch"));
    ++report.timebanks;
  }
  RETURN_IF_ERROR(internal::FromRocks(
      finish.Put(std::string(kFormatKey), std::string(kFormatVersion)),
      "batch"));
  rocksdb::WriteOptions sync;
  sync.sync = true;
  RETURN_IF_ERROR(internal::FromRocks(db->Write(sync, &finish), "write"));
  spdlog::info(
      "format migration: from={} to={} done timebanks={} request_ids_moved={} "
      "request_ids_unclaimed={}",
      stored_version, kFormatVersion, report.timebanks,
      report.request_ids_moved, report.request_ids_unclaimed);
  return report;
}

}  // namespace timebank::ledger
