#include "tests/ledger/database_edit.h"

#include <memory>

#include "ledger/codec.h"

namespace timebank::ledger_test {

absl::Status EditDatabase(
    const std::string& dir,
    const std::function<rocksdb::Status(rocksdb::DB&)>& edit) {
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, &raw);
  if (!s.ok()) return absl::InternalError("open: " + s.ToString());
  std::unique_ptr<rocksdb::DB> db(raw);
  s = edit(*db);
  if (!s.ok()) return absl::InternalError("edit: " + s.ToString());
  s = db->Close();
  if (!s.ok()) return absl::InternalError("close: " + s.ToString());
  return absl::OkStatus();
}

rocksdb::WriteOptions Synced() {
  rocksdb::WriteOptions options;
  options.sync = true;
  return options;
}

absl::Status ChangeStoredValue(
    const std::string& dir, const std::string& key,
    const std::function<absl::StatusOr<std::string>(const std::string&)>&
        change) {
  absl::Status change_status;
  absl::Status edited = EditDatabase(dir, [&](rocksdb::DB& db) {
    std::string value;
    rocksdb::Status s = db.Get(rocksdb::ReadOptions(), key, &value);
    if (!s.ok()) return s;
    absl::StatusOr<std::string> changed = change(value);
    if (!changed.ok()) {
      change_status = changed.status();
      return rocksdb::Status::Aborted("change failed");
    }
    return db.Put(Synced(), key, *changed);
  });
  if (!change_status.ok()) return change_status;
  return edited;
}

absl::Status ChangeStoredEntry(
    const std::string& dir, const std::string& tb, ledger::Seq seq,
    const std::function<void(ledger::JournalEntry&)>& change) {
  return ChangeStoredValue(
      dir, ledger::JournalKey(tb, seq),
      [&](const std::string& bytes) -> absl::StatusOr<std::string> {
        absl::StatusOr<ledger::JournalEntry> entry =
            ledger::DecodeEntry(tb, bytes);
        if (!entry.ok()) return entry.status();
        change(*entry);
        return ledger::EncodeEntry(*entry);
      });
}

absl::Status ChangeStoredAccount(
    const std::string& dir, const std::string& tb,
    const std::string& account_id,
    const std::function<void(ledger::Account&)>& change) {
  return ChangeStoredValue(
      dir, ledger::AccountKey(tb, account_id),
      [&](const std::string& bytes) -> absl::StatusOr<std::string> {
        absl::StatusOr<ledger::Account> account = ledger::DecodeAccount(bytes);
        if (!account.ok()) return account.status();
        change(*account);
        return ledger::EncodeAccount(*account);
      });
}

}  // namespace timebank::ledger_test
