// Journal archives: a timebank's journal as newline-delimited JSON (one
// JournalEntry per line, in the proto3 JSON mapping with proto field names,
// as `timebank journal export` writes it), and the plan that replays such a
// file into another timebank through the ordinary write calls, so every rule
// and every idempotency check applies as it would to a person's writes.
//
// The replay cannot copy the journal byte for byte: the target's seqs,
// timestamps, recorders and hashes are its own. What it keeps is what the
// books mean: every exchange that counts in the source counts in the target
// with the same giver, receiver, minutes, category, description and date, in
// journal order, and every reversal is replayed as a reversal of the same
// exchange, so the balances match. Exchanges still PENDING, or REJECTED, in
// the source never counted there and are not replayed; a PENDING one that
// was later confirmed is recorded at the point it was confirmed.
//
// Request ids are derived from the source timebank and entry, so running the
// same import again (after an interruption, say) records nothing twice.
//
// Thread safety: pure functions.

#ifndef TIMEBANK_CLIENT_JOURNAL_REPLAY_H_
#define TIMEBANK_CLIENT_JOURNAL_REPLAY_H_

#include <cstdint>
#include <istream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "timebank/v1/ledger.pb.h"

namespace timebank::client {

// One line of an archive; INVALID_ARGUMENT naming the line when it is not a
// JournalEntry.
absl::StatusOr<timebank::v1::JournalEntry> ParseArchiveLine(
    std::string_view line, int line_number);
// The archive line of an entry, without the newline.
absl::StatusOr<std::string> ArchiveLine(
    const timebank::v1::JournalEntry& entry);

// Reads a whole archive: every non-empty line, in order.
absl::StatusOr<std::vector<timebank::v1::JournalEntry>> ReadArchive(
    std::istream& in);

struct ReplayStep {
  enum class Kind { kRecord, kReverse };
  Kind kind = Kind::kRecord;
  // The source entry this step replays (the RECORD for kRecord, the REVERSE
  // for kReverse).
  uint64_t source_seq = 0;
  // kRecord: the exchange to record, with its derived request id.
  timebank::v1::RecordExchangeItem record;
  // kReverse: the source seq of the RECORD it undoes, its derived request id
  // and the reason given.
  uint64_t reversed_source_seq = 0;
  std::string request_id;
  std::string reason;
};

struct ReplayPlan {
  std::string source_timebank_id;
  uint64_t entries = 0;
  std::vector<ReplayStep> steps;
  uint64_t skipped_pending = 0;   // Still PENDING at the end of the archive.
  uint64_t skipped_rejected = 0;  // PENDING, then REJECTED.
  std::set<std::string> account_ids;  // Every account a step names.
};

// Plans the replay of a whole journal. INVALID_ARGUMENT, naming the seq, if
// the entries do not start at seq 1, skip a seq, mix timebanks, or act on a
// record that is not there or not in the state the action needs.
absl::StatusOr<ReplayPlan> PlanReplay(
    const std::vector<timebank::v1::JournalEntry>& entries);

}  // namespace timebank::client

#endif  // TIMEBANK_CLIENT_JOURNAL_REPLAY_H_
