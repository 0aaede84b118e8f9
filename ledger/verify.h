// Verification of one timebank's books: the journal's hash chain and
// sequence, and every stored total recomputed from the journal alone.
// Thread safety: reads a RocksDB snapshot; safe beside the writer.

#ifndef TIMEBANK_LEDGER_VERIFY_H_
#define TIMEBANK_LEDGER_VERIFY_H_

#include <string>

#include "absl/status/statusor.h"
#include "ledger/types.h"

namespace rocksdb {
class DB;
}

namespace timebank::ledger {

// A report with ok=false names the first discrepancy; a status error means
// the check itself could not run (storage failure).
absl::StatusOr<VerifyReport> VerifyTimebank(rocksdb::DB* db,
                                            const std::string& tb);

}  // namespace timebank::ledger

#endif  // TIMEBANK_LEDGER_VERIFY_H_
