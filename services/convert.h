// Translation between proto messages and ledger domain types. Proto types
// stop here: the ledger never sees them.
// Thread safety: pure functions.

#ifndef TIMEBANK_SERVICES_CONVERT_H_
#define TIMEBANK_SERVICES_CONVERT_H_

#include <cstdint>
#include <limits>
#include <type_traits>

#include "absl/status/statusor.h"
#include "ledger/access.h"
#include "ledger/ledger.h"
#include "ledger/types.h"
#include "timebank/v1/access.pb.h"
#include "timebank/v1/ledger.pb.h"

namespace timebank::services {

// The ledger enum value with a proto enum value's number; the two number
// their values alike. Proto enums are open, so any int32 can arrive, and the
// ledger's range checks judge it (one rule, one message). What the adapter
// must not do is let a number that does not fit the ledger's uint8_t wrap
// onto a valid value (257 would become 1): every such number becomes 255,
// which no ledger enum names.
template <typename LedgerEnum>
LedgerEnum ToLedgerEnum(int number) {
  static_assert(std::is_same_v<std::underlying_type_t<LedgerEnum>, uint8_t>);
  constexpr int kNoValue = std::numeric_limits<uint8_t>::max();
  return static_cast<LedgerEnum>(number >= 0 && number < kNoValue ? number
                                                                  : kNoValue);
}

absl::StatusOr<ledger::TimebankSettings> ToSettings(
    const v1::TimebankSettings& proto);
void ToProto(const ledger::Timebank& timebank, v1::Timebank* out);
void ToProto(const ledger::Account& account, v1::Account* out);
void ToProto(const std::string& timebank_id, const std::string& account_id,
             const ledger::AccountTotals& totals, v1::Balance* out);
void ToProto(const ledger::Exchange& exchange, v1::Exchange* out);
void ToProto(const ledger::JournalEntry& entry, v1::JournalEntry* out);
void ToProto(const ledger::Token& token, v1::TokenInfo* out);

// ACCOUNT_KIND_UNSPECIFIED is a PERSON.
ledger::OpenAccountInput ToInput(const v1::OpenAccountRequest& request);
absl::StatusOr<ledger::UpdateAccountInput> ToInput(
    const v1::UpdateAccountRequest& request);
ledger::RecordExchangeInput ToInput(const v1::RecordExchangeRequest& request);
ledger::RecordExchangeInput ToInput(const v1::RecordExchangeItem& item);
ledger::NewToken ToInput(const v1::CreateTokenRequest& request);

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_CONVERT_H_
