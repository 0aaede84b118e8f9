// Translation between proto messages and ledger domain types. Proto types
// stop here: the ledger never sees them.
// Thread safety: pure functions.

#ifndef TIMEBANK_SERVICES_CONVERT_H_
#define TIMEBANK_SERVICES_CONVERT_H_

#include "absl/status/statusor.h"
#include "ledger/access.h"
#include "ledger/ledger.h"
#include "ledger/types.h"
#include "timebank/v1/access.pb.h"
#include "timebank/v1/ledger.pb.h"

namespace timebank::services {

absl::StatusOr<ledger::TimebankSettings> ToSettings(
    const v1::TimebankSettings& proto);
void ToProto(const ledger::Timebank& timebank, v1::Timebank* out);
void ToProto(const ledger::Account& account, v1::Account* out);
void ToProto(const std::string& timebank_id, const std::string& account_id,
             const ledger::AccountTotals& totals, v1::Balance* out);
void ToProto(const ledger::Exchange& exchange, v1::Exchange* out);
void ToProto(const ledger::JournalEntry& entry, v1::JournalEntry* out);
void ToProto(const ledger::Token& token, v1::TokenInfo* out);

absl::StatusOr<ledger::OpenAccountInput> ToInput(
    const v1::OpenAccountRequest& request);
absl::StatusOr<ledger::UpdateAccountInput> ToInput(
    const v1::UpdateAccountRequest& request);
ledger::RecordExchangeInput ToInput(const v1::RecordExchangeRequest& request);
ledger::RecordExchangeInput ToInput(const v1::RecordExchangeItem& item);
absl::StatusOr<ledger::NewToken> ToInput(const v1::CreateTokenRequest& request);

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_CONVERT_H_
