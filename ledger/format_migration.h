// Brings a data directory written in an older ledger format up to the one
// this build writes (kFormatVersion in codec.h), before the ledger loads it.
//
// Format 1 -> 2: request ids move from one namespace per timebank
// (r<tb>\0<request_id>) to one per caller scope and kind of write
// (u<tb>\0<scope>\0<kind><request_id>, see RequestKey). A stored id belongs
// to the caller recorded on what it made: the journal entry's recorded_by
// (record, confirm, reject, reverse), the reflection's submitted_by, the
// action's created_by. Nothing else changes: every seq, entry and hash stays
// as it was.
//
// Crash safety: the new keys are written in batches while the old ones stay;
// one last synced batch deletes the old keys and sets the format version, so
// a migration killed at any moment runs again from the start on the next
// open and ends in the same state.
//
// Thread safety: run it before anything else uses the database.

#ifndef TIMEBANK_LEDGER_FORMAT_MIGRATION_H_
#define TIMEBANK_LEDGER_FORMAT_MIGRATION_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace rocksdb {
class DB;
}

namespace timebank::ledger {

// What a migration did, for its log line and for tests.
struct MigrationReport {
  std::string from_version;
  int64_t timebanks = 0;
  int64_t request_ids_moved = 0;
  // Format-1 request records that nothing stored names (there should be
  // none); they are dropped with the old namespace.
  int64_t request_ids_unclaimed = 0;
};

// Migrates a database whose stored format is `stored_version` to
// kFormatVersion. kFailedPrecondition for a version this build cannot read.
absl::StatusOr<MigrationReport> MigrateFormat(rocksdb::DB* db,
                                              std::string_view stored_version);

// The request scope (Actor::request_scope) of a caller that format 1
// recorded as `recorded_by`: "member:<account>" and "auditor:<token id>"
// stay themselves; coordinators and administrators share the staff scope.
std::string FormatOneRequestScope(std::string_view recorded_by);

}  // namespace timebank::ledger

#endif  // TIMEBANK_LEDGER_FORMAT_MIGRATION_H_
