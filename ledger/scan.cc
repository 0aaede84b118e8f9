#include "ledger/scan.h"

#include <rocksdb/db.h>

#include <memory>

#include "ledger/rocks_status.h"

namespace timebank::ledger {

absl::Status ScanPrefix(
    rocksdb::DB* db, const rocksdb::Snapshot* snapshot, std::string_view prefix,
    std::string_view start,
    const std::function<bool(std::string_view key_rest,
                             std::string_view value)>& visit,
    bool bulk) {
  rocksdb::ReadOptions options;
  options.snapshot = snapshot;
  if (bulk) {
    options.readahead_size = 4 << 20;
    options.fill_cache = false;
  }
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(options));
  const rocksdb::Slice first =
      start.empty() ? rocksdb::Slice(prefix.data(), prefix.size())
                    : rocksdb::Slice(start.data(), start.size());
  for (it->Seek(first); it->Valid(); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    if (key.substr(0, prefix.size()) != prefix) break;
    const std::string_view value(it->value().data(), it->value().size());
    if (!visit(key.substr(prefix.size()), value)) break;
  }
  return internal::FromRocks(it->status(), "read");
}

}  // namespace timebank::ledger
