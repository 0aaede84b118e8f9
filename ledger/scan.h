// Ordered scans over one key prefix of the ledger's RocksDB database.
// Thread safety: as rocksdb::DB (any thread).

#ifndef TIMEBANK_LEDGER_SCAN_H_
#define TIMEBANK_LEDGER_SCAN_H_

#include <functional>
#include <string_view>

#include "absl/status/status.h"

namespace rocksdb {
class DB;
class Snapshot;
}  // namespace rocksdb

namespace timebank::ledger {

// Calls `visit` for each key starting with `prefix`, from `start` (or the
// prefix itself when empty) in key order, until it returns false. The key
// passed is without the prefix. `snapshot` may be null (latest state).
// A `bulk` scan reads ahead in large steps and leaves the block cache to
// the hot keys: for reading a whole journal once.
absl::Status ScanPrefix(
    rocksdb::DB* db, const rocksdb::Snapshot* snapshot, std::string_view prefix,
    std::string_view start,
    const std::function<bool(std::string_view key_rest,
                             std::string_view value)>& visit,
    bool bulk = false);

}  // namespace timebank::ledger

#endif  // TIMEBANK_LEDGER_SCAN_H_
