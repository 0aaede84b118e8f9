// The on-disk format: RocksDB keys and the binary encoding of every stored
// value. Pure functions; thread-safe.
//
// Key layout (one RocksDB column family; ids never contain '\0', so '\0'
// separates parts and keeps prefix order; numbers are big-endian so that
// byte order is numeric order):
//   !format                          format version ("2")
//   t<tb>                            Timebank (settings, chain head)
//   a<tb>\0<account>                 Account with its running totals
//   j<tb>\0<seq:8>                   JournalEntry (hash-chained)
//   s<tb>\0<seq:8>                   ExchangeState of a record whose status
//                                    changed since it was written
//   u<tb>\0<scope>\0<kind:1><id>     RequestRecord: what a request id made,
//                                    per caller scope and kind of write
//   i<tb>\0<account>\0<seq:8>        statement index of earlier versions: no
//                                    longer written and read by nothing (an
//                                    account's exchanges in date order are
//                                    held in memory, ExchangeDates)
//   n<tb>\0<yyyymm:4>                MonthTotals of the timebank
//   m<tb>\0<account>\0<yyyymm:4>     AccountMonthTotals
//   c<tb>\0<yyyymm:4><category>      MonthTotals of one category
//   p<tb>\0<low>\0<high>             PairTotals of two accounts
//   q<tb>\0<yyyymm:4><low>\0<high>    PairTotals of two accounts in a month
//   k<token id>                      access Token (secret stored hashed)
//   f<tb>\0<id:8>                     Reflection (append-only)
//   e<tb>\0<version:8>                Action, one value per change
//   (append-only) h<tb>                            threshold overrides of the
//   assessment
//
// Format 1 kept request ids as r<tb>\0<request_id>, one namespace per
// timebank; opening a format-1 directory moves them (format_migration.h).
//
// Values begin with a one-byte encoding version; decoders reject anything
// malformed with kDataLoss rather than trusting it.

#ifndef TIMEBANK_LEDGER_CODEC_H_
#define TIMEBANK_LEDGER_CODEC_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "ledger/assessment.h"
#include "ledger/types.h"

namespace timebank::ledger {

inline constexpr std::string_view kFormatKey = "!format";
inline constexpr std::string_view kFormatVersion = "2";

std::string TimebankKey(std::string_view tb);
std::string TimebankPrefix();  // All timebanks.
std::string AccountKey(std::string_view tb, std::string_view account);
std::string AccountPrefix(std::string_view tb);
std::string JournalKey(std::string_view tb, Seq seq);
std::string JournalPrefix(std::string_view tb);
std::string StateKey(std::string_view tb, Seq seq);
std::string StatePrefix(std::string_view tb);
// The kind of write a request id was sent for: ids of different kinds never
// meet, so no write of one kind can block or answer a write of another.
enum class RequestKind : char {
  kRecord = 'x',
  kConfirm = 'c',
  kReject = 'j',
  kReverse = 'v',
  kReflection = 'f',
  kAction = 'e',
};
// The kind of a close (confirm, reject, reverse) entry's request.
RequestKind RequestKindOfClose(EntryKind kind);
std::string RequestKey(std::string_view tb, std::string_view scope,
                       RequestKind kind, std::string_view request_id);
std::string RequestPrefix(std::string_view tb);
// Format 1's request key, read only by the format migration.
std::string FormatOneRequestKey(std::string_view tb,
                                std::string_view request_id);
std::string FormatOneRequestPrefix(std::string_view tb);
std::string TimebankMonthKey(std::string_view tb, YearMonth month);
std::string TimebankMonthPrefix(std::string_view tb);
std::string AccountMonthKey(std::string_view tb, std::string_view account,
                            YearMonth month);
std::string AccountMonthPrefix(std::string_view tb, std::string_view account);
std::string AllAccountMonthsPrefix(std::string_view tb);
std::string CategoryMonthKey(std::string_view tb, YearMonth month,
                             std::string_view category);
std::string CategoryMonthPrefix(std::string_view tb);
std::string PairKey(std::string_view tb, std::string_view low,
                    std::string_view high);
std::string PairPrefix(std::string_view tb);
std::string PairMonthKey(std::string_view tb, YearMonth month,
                         std::string_view low, std::string_view high);
std::string PairMonthPrefix(std::string_view tb);
std::string ReflectionKey(std::string_view tb, uint64_t id);
std::string ReflectionPrefix(std::string_view tb);
std::string ActionVersionKey(std::string_view tb, uint64_t version);
std::string ActionVersionPrefix(std::string_view tb);
std::string ThresholdsKey(std::string_view tb);
std::string AccessKey(std::string_view token_id);
std::string AccessPrefix();
// Present once a verification of the timebank failed: its value is the first
// bad seq, in decimal. Writes stay refused while it exists.
std::string VerifyFailedKey(std::string_view tb);

// The trailing big-endian number of a key built above.
uint64_t DecodeBigEndian64(std::string_view eight_bytes);
uint32_t DecodeBigEndian32(std::string_view four_bytes);

// What a request_id produced, to answer retries.
struct RequestRecord {
  Seq seq = 0;
  Hash fingerprint{};  // SHA-256 of the request's content.
};

// Status of a record after a confirm, reject or reverse.
struct ExchangeState {
  ExchangeStatus status = ExchangeStatus::kConfirmed;
  Seq closed_by_seq = 0;
  bool operator==(const ExchangeState&) const = default;
};

// The bytes the chain hashes: every field but the hash.
std::string EncodeEntryBody(const JournalEntry& entry);
// Body followed by the 32-byte hash.
std::string EncodeEntry(const JournalEntry& entry);
absl::StatusOr<JournalEntry> DecodeEntry(std::string_view tb,
                                         std::string_view bytes);
// SHA-256(previous || body).
Hash ChainHash(const Hash& previous, std::string_view body);
Hash Sha256(std::string_view bytes);

std::string EncodeTimebank(const Timebank& timebank);
absl::StatusOr<Timebank> DecodeTimebank(std::string_view bytes);
std::string EncodeAccount(const Account& account);
absl::StatusOr<Account> DecodeAccount(std::string_view bytes);
std::string EncodeRequestRecord(const RequestRecord& record);
absl::StatusOr<RequestRecord> DecodeRequestRecord(std::string_view bytes);
std::string EncodeExchangeState(const ExchangeState& state);
absl::StatusOr<ExchangeState> DecodeExchangeState(std::string_view bytes);
std::string EncodeMonthTotals(const MonthTotals& totals);
absl::StatusOr<MonthTotals> DecodeMonthTotals(std::string_view bytes);
std::string EncodeAccountMonthTotals(const AccountMonthTotals& totals);
absl::StatusOr<AccountMonthTotals> DecodeAccountMonthTotals(
    std::string_view bytes);
std::string EncodePairTotals(const PairTotals& totals);
absl::StatusOr<PairTotals> DecodePairTotals(std::string_view bytes);

std::string EncodeReflection(const Reflection& reflection);
absl::StatusOr<Reflection> DecodeReflection(std::string_view bytes);
std::string EncodeAction(const Action& action);
absl::StatusOr<Action> DecodeAction(std::string_view bytes);
std::string EncodeThresholds(const ThresholdOverrides& overrides);
absl::StatusOr<ThresholdOverrides> DecodeThresholds(std::string_view bytes);

}  // namespace timebank::ledger

#endif  // TIMEBANK_LEDGER_CODEC_H_
