// Backups of a ledger's database with RocksDB's BackupEngine: online,
// incremental (table files already in the backup directory are shared, not
// copied again) and checksummed. A backup holds the whole database, tokens
// included, but never the admin.token file beside it.
//
// Ledger::CreateBackup (ledger.h) takes one while the server writes; the
// free functions below read a backup directory and restore from it, with no
// ledger open on it.
//
// Thread safety: the free functions may be called from any thread, but only
// one process may write to a backup directory at a time.

#ifndef TIMEBANK_LEDGER_BACKUP_H_
#define TIMEBANK_LEDGER_BACKUP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/types.h"

namespace timebank::ledger {

struct BackupOptions {
  // Where backups live; created if missing. A directory on another disk than
  // the data directory survives the loss of that disk.
  std::string backup_dir;
  // After a backup succeeds, delete the oldest ones so that at most this
  // many remain; 0 keeps them all.
  int keep_max = 0;
};

// Where one timebank's journal stands inside a backup.
struct JournalHead {
  std::string timebank_id;
  Seq last_seq = 0;
  Hash last_hash{};
};

struct BackupInfo {
  uint32_t backup_id = 0;
  int64_t created_at_unix_s = 0;
  uint64_t size_bytes = 0;  // Its files, some shared with other backups.
  uint32_t files = 0;
  // Filled by CreateBackup and RestoreBackup, which read the backup; empty
  // in ListBackups.
  std::vector<JournalHead> journal_heads;
  // Every timebank's journal in the backup passed verification (verify.h).
  bool verified = false;
  int64_t duration_ms = 0;  // Taking (or restoring) and checking it.
};

// The backups in `backup_dir`, oldest first. kNotFound if there is none
// there; the heads are not read.
absl::StatusOr<std::vector<BackupInfo>> ListBackups(
    const std::string& backup_dir);

struct RestoreRequest {
  std::string backup_dir;
  uint32_t backup_id = 0;  // 0: the newest backup.
  // Must be missing or empty: a restore never overwrites a ledger.
  std::string data_dir;
};

// Rebuilds a data directory from a backup, then opens it, reads every
// timebank's journal head and verifies every journal. kFailedPrecondition if
// the data directory is not empty, kNotFound for an unknown backup,
// kDataLoss if the restored books do not verify (the directory is then left
// for inspection).
absl::StatusOr<BackupInfo> RestoreBackup(const RestoreRequest& request);

}  // namespace timebank::ledger

#endif  // TIMEBANK_LEDGER_BACKUP_H_
