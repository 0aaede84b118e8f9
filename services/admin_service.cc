#include "services/admin_service.h"

#include <spdlog/spdlog.h>

#include "ledger/status_macros.h"
#include "ledger/validation.h"
#include "services/serve.h"

namespace timebank::services {
namespace {

absl::Status NoBackupDir() {
  return ledger::FieldPrecondition(
      "backup_dir",
      "this server has no backup directory; start timebankd "
      "with --backup-dir");
}

}  // namespace

void ToProto(const ledger::BackupInfo& info, v1::Backup* out) {
  out->set_backup_id(info.backup_id);
  out->set_created_at_unix_s(info.created_at_unix_s);
  out->set_size_bytes(info.size_bytes);
  out->set_files(info.files);
  for (const ledger::JournalHead& head : info.journal_heads) {
    v1::JournalHead* proto = out->add_journal_heads();
    proto->set_timebank_id(head.timebank_id);
    proto->set_last_seq(head.last_seq);
    proto->set_last_hash(
        std::string(head.last_hash.begin(), head.last_hash.end()));
  }
  out->set_verified(info.verified);
  out->set_duration_ms(info.duration_ms);
}

grpc::Status AdminService::CreateBackup(grpc::ServerContext* context,
                                        const v1::CreateBackupRequest*,
                                        v1::Backup* reply) {
  return Serve([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Principal caller,
                     authorizer_->Authorize(*context, "Admin.CreateBackup"));
    if (settings_.backup_dir.empty()) return NoBackupDir();
    spdlog::info("event=backup_started by={}", caller.token.id);
    absl::StatusOr<ledger::BackupInfo> backup = ledger_->CreateBackup(
        {.backup_dir = settings_.backup_dir, .keep_max = settings_.keep_max});
    if (!backup.ok()) {
      // Refusals (one already running) are not failures of a backup.
      if (backup.status().code() != absl::StatusCode::kFailedPrecondition) {
        metrics_->CountBackup(false, 0, 0);
        spdlog::error("event=backup_failed error=\"{}\"",
                      backup.status().ToString());
      }
      return backup.status();
    }
    metrics_->CountBackup(true, static_cast<double>(backup->duration_ms) / 1000,
                          backup->size_bytes);
    spdlog::info(
        "event=backup_done backup_id={} timebanks={} size_bytes={} files={} "
        "ms={}",
        backup->backup_id, backup->journal_heads.size(), backup->size_bytes,
        backup->files, backup->duration_ms);
    ToProto(*backup, reply);
    return absl::OkStatus();
  });
}

grpc::Status AdminService::ListBackups(grpc::ServerContext* context,
                                       const v1::ListBackupsRequest*,
                                       v1::ListBackupsResponse* reply) {
  return Serve([&]() -> absl::Status {
    RETURN_IF_ERROR(
        authorizer_->Authorize(*context, "Admin.ListBackups").status());
    if (settings_.backup_dir.empty()) return NoBackupDir();
    reply->set_backup_dir(settings_.backup_dir);
    absl::StatusOr<std::vector<ledger::BackupInfo>> backups =
        ledger::ListBackups(settings_.backup_dir);
    // A directory with no backups yet is an empty list, not an error.
    if (backups.status().code() == absl::StatusCode::kNotFound) {
      return absl::OkStatus();
    }
    RETURN_IF_ERROR(backups.status());
    for (const ledger::BackupInfo& info : *backups) {
      ToProto(info, reply->add_backups());
    }
    return absl::OkStatus();
  });
}

}  // namespace timebank::services
