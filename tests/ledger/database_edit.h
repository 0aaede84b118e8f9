// Direct access to a closed ledger's RocksDB database, for tests that play
// the part of a disk fault or an attacker: rewrite a stored journal entry or
// account behind the ledger's back, then reopen it and see what it notices.
// The ledger (or timebankd) must not have the directory open.
//
// Thread safety: plain functions; one edit of a directory at a time.

#ifndef TIMEBANK_TESTS_LEDGER_DATABASE_EDIT_H_
#define TIMEBANK_TESTS_LEDGER_DATABASE_EDIT_H_

#include <rocksdb/db.h>

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/types.h"

namespace timebank::ledger_test {

// Opens the database in `dir`, runs `edit` on it and closes it.
absl::Status EditDatabase(
    const std::string& dir,
    const std::function<rocksdb::Status(rocksdb::DB&)>& edit);

// Write options with a synced WAL, as the ledger itself writes.
rocksdb::WriteOptions Synced();

// Rewrites the stored value at `key` through `change`.
absl::Status ChangeStoredValue(
    const std::string& dir, const std::string& key,
    const std::function<absl::StatusOr<std::string>(const std::string&)>&
        change);

// Decodes journal entry `seq` of `tb`, changes it and stores it again with
// its old hash, as an attacker editing the disk would.
absl::Status ChangeStoredEntry(
    const std::string& dir, const std::string& tb, ledger::Seq seq,
    const std::function<void(ledger::JournalEntry&)>& change);

// The same for an account record (profile and running totals).
absl::Status ChangeStoredAccount(
    const std::string& dir, const std::string& tb,
    const std::string& account_id,
    const std::function<void(ledger::Account&)>& change);

}  // namespace timebank::ledger_test

#endif  // TIMEBANK_TESTS_LEDGER_DATABASE_EDIT_H_
