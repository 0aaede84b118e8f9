// The rules of the ledger: each function validates one command against the
// state a Draft shows and, only if every check passes, applies it to the
// Draft. A failed command leaves the Draft as it was; a storage error while
// reading fails the command with kUnavailable and the caller must abandon
// the whole Draft.
//
// Thread safety: as Draft (one writer thread).

#ifndef TIMEBANK_LEDGER_RULES_H_
#define TIMEBANK_LEDGER_RULES_H_

#include <string>

#include "absl/status/statusor.h"
#include "ledger/draft.h"
#include "ledger/types.h"

namespace timebank::ledger {

// Largest values a timebank may set, so sums stay far from int64 limits.
inline constexpr int64_t kMaxExchangeMinutesLimit = 100'000;
inline constexpr int64_t kBalanceFloorLimitMinutes = -1'000'000'000;

absl::Status CheckSettings(const TimebankSettings& settings);

// The guard every write to a timebank passes (Ledger::Impl::Run applies it
// before any command): FAILED_PRECONDITION naming timebank_id once its
// journal failed verification.
absl::Status CheckWritesAllowed(const Draft& draft, const std::string& tb);

// Who is writing: its name goes into the hash-chained journal and its scope
// into request keys, so both must be clean.
absl::Status CheckActor(const Actor& actor);

absl::StatusOr<Timebank> ApplyCreateTimebank(Draft& draft,
                                             const std::string& timebank_id,
                                             const std::string& name,
                                             const TimebankSettings& settings);
absl::StatusOr<Timebank> ApplyUpdateSettings(Draft& draft,
                                             const std::string& timebank_id,
                                             const TimebankSettings& settings);
// The input's kind and status have passed CheckAccountKind and
// CheckAccountStatus (Ledger::OpenAccount and UpdateAccount check them before
// queueing the write).
absl::StatusOr<Account> ApplyOpenAccount(Draft& draft,
                                         const std::string& timebank_id,
                                         const OpenAccountInput& input);
absl::StatusOr<Account> ApplyUpdateAccount(Draft& draft,
                                           const std::string& timebank_id,
                                           const UpdateAccountInput& input);
absl::StatusOr<Account> ApplyEraseAccount(Draft& draft,
                                          const std::string& timebank_id,
                                          const std::string& account_id);
absl::StatusOr<Exchange> ApplyRecord(Draft& draft,
                                     const std::string& timebank_id,
                                     const Actor& actor,
                                     const RecordExchangeInput& input);
// Confirm, reject and reverse act on the record at `seq`.
absl::StatusOr<Exchange> ApplyClose(Draft& draft,
                                    const std::string& timebank_id,
                                    const Actor& actor, EntryKind kind, Seq seq,
                                    const std::string& request_id,
                                    const std::string& reason);

}  // namespace timebank::ledger

#endif  // TIMEBANK_LEDGER_RULES_H_
