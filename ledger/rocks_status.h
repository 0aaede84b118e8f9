// The one place where RocksDB statuses become ledger statuses. Private to
// ledger/: RocksDB stays out of the headers other folders include.
//
// Thread safety: pure function.

#ifndef TIMEBANK_LEDGER_ROCKS_STATUS_H_
#define TIMEBANK_LEDGER_ROCKS_STATUS_H_

#include <rocksdb/status.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace timebank::ledger::internal {

// OK for OK; otherwise kUnavailable "storage: <what> failed: <RocksDB's
// reason>". A RocksDB error of fatal severity (a failed write-ahead log
// write or sync, in 7.8) leaves the database refusing writes until it is
// reopened, so the message then says so.
inline absl::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  const bool fatal = s.severity() >= rocksdb::Status::Severity::kFatalError;
  return absl::UnavailableError(
      absl::StrCat("storage: ", std::string(what), " failed: ", s.ToString(),
                   fatal ? "; restart the server to recover" : ""));
}

}  // namespace timebank::ledger::internal

#endif  // TIMEBANK_LEDGER_ROCKS_STATUS_H_
