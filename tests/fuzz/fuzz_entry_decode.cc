// libFuzzer target for the stored-value decoders of ledger/codec.h, which
// read whatever RocksDB hands back: after a disk fault or tampering, that is
// arbitrary bytes. The contract checked, for every decoder:
//   - any input is decoded or rejected with a status, never a crash;
//   - a decoded value re-encodes to bytes that decode to the same value, and
//     those bytes are a fixed point of Encode(Decode(.));
//   - the calendar days a decoded value carries can be used the way
//     VerifyJournal and the services use them (MonthOf, FormatDate).
//
// Input: one selector byte (which decoder, modulo their number), then the
// stored value. Journal entries are decoded for the timebank kTimebankId.
// Seeds: tests/fuzz/corpus/fuzz_entry_decode (made by fuzz_make_seeds).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/status/statusor.h"
#include "ledger/access.h"
#include "ledger/civil_date.h"
#include "ledger/codec.h"
#include "tests/fuzz/fuzz_check.h"

namespace timebank::ledger {
namespace {

constexpr std::string_view kTimebankId = "riverside";

// A stored day goes through what its readers do with it: VerifyJournal
// takes MonthOf(occurred_on), the services FormatDate. The day of a corrupt
// value can be any int32, so this checks only that both are defined for it
// (UBSan reports any signed overflow).
void UseStoredDay(int32_t days) {
  const std::string text = FormatDate(days);
  const YearMonth month = MonthOf(days);
  FUZZ_CHECK(!text.empty());
  if (days >= 0) FUZZ_CHECK(month % 100 >= 1 && month % 100 <= 12);
}

void UseStoredDays(const JournalEntry& e) { UseStoredDay(e.occurred_on); }
void UseStoredDays(const Account& a) { UseStoredDay(a.joined_on); }
void UseStoredDays(const Reflection& r) { UseStoredDay(r.reflected_on); }
void UseStoredDays(const Action& a) {
  if (a.due_on != 0) UseStoredDay(a.due_on);
}
template <typename T>
void UseStoredDays(const T&) {}

// Decode, re-encode, decode again: both decodes must agree, seen through
// the canonical encoding (which also covers types without operator==).
template <typename T, typename Decode, typename Encode>
void CheckRoundTrip(std::string_view bytes, Decode decode, Encode encode) {
  const absl::StatusOr<T> first = decode(bytes);
  if (!first.ok()) {
    FUZZ_CHECK(first.status().code() == absl::StatusCode::kDataLoss);
    return;
  }
  UseStoredDays(*first);
  const std::string encoded = encode(*first);
  const absl::StatusOr<T> second = decode(encoded);
  FUZZ_CHECK(second.ok());
  FUZZ_CHECK(encode(*second) == encoded);
  // Thresholds hold doubles, and a NaN never equals itself: for them the
  // bitwise comparison of the encodings above is the check.
  if constexpr (requires(const T& a, const T& b) { a == b; } &&
                !std::is_same_v<T, ThresholdOverrides>) {
    FUZZ_CHECK(*second == *first);
  }
}

void DecodeOne(uint8_t selector, std::string_view bytes) {
  switch (selector % 12) {
    case 0:
      return CheckRoundTrip<JournalEntry>(
          bytes, [](std::string_view b) { return DecodeEntry(kTimebankId, b); },
          [](const JournalEntry& e) {
            // The body is the entry without its hash: it must be a prefix.
            const std::string whole = EncodeEntry(e);
            FUZZ_CHECK(whole.rfind(EncodeEntryBody(e), 0) == 0);
            return whole;
          });
    case 1:
      return CheckRoundTrip<Account>(bytes, DecodeAccount, EncodeAccount);
    case 2:
      return CheckRoundTrip<Timebank>(bytes, DecodeTimebank, EncodeTimebank);
    case 3:
      return CheckRoundTrip<Token>(bytes, DecodeToken, EncodeToken);
    case 4:
      return CheckRoundTrip<Reflection>(bytes, DecodeReflection,
                                        EncodeReflection);
    case 5:
      return CheckRoundTrip<Action>(bytes, DecodeAction, EncodeAction);
    case 6:
      return CheckRoundTrip<ThresholdOverrides>(bytes, DecodeThresholds,
                                                EncodeThresholds);
    case 7:
      return CheckRoundTrip<RequestRecord>(bytes, DecodeRequestRecord,
                                           EncodeRequestRecord);
    case 8:
      return CheckRoundTrip<ExchangeState>(bytes, DecodeExchangeState,
                                           EncodeExchangeState);
    case 9:
      return CheckRoundTrip<MonthTotals>(bytes, DecodeMonthTotals,
                                         EncodeMonthTotals);
    case 10:
      return CheckRoundTrip<AccountMonthTotals>(bytes, DecodeAccountMonthTotals,
                                                EncodeAccountMonthTotals);
    case 11:
      return CheckRoundTrip<PairTotals>(bytes, DecodePairTotals,
                                        EncodePairTotals);
  }
}

}  // namespace
}  // namespace timebank::ledger

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1,
                               size - 1);
  timebank::ledger::DecodeOne(data[0], bytes);
  return 0;
}
