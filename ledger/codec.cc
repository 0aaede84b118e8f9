#include "ledger/codec.h"

#include <openssl/evp.h>

#include <cstring>

#include "absl/status/status.h"
#include "ledger/access.h"

namespace timebank::ledger {
namespace {

constexpr uint8_t kValueVersion = 1;
// Decoded strings and lists can be no longer than the ledger ever writes;
// anything longer is corruption, not data.
constexpr uint64_t kMaxDecodedString = uint64_t{64} * 1024;
constexpr uint64_t kMaxDecodedList = 1024;

void PutBigEndian(std::string* out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    out->push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  }
}

// tag then rest. Built by appending: GCC 12 at -O3 misreads
// `"t" + std::string(rest)` as an overlapping copy (-Wrestrict).
std::string Tagged(char tag, std::string_view rest) {
  std::string key;
  key.reserve(rest.size() + 1);
  key.push_back(tag);
  key.append(rest);
  return key;
}

std::string Prefixed(char tag, std::string_view tb) {
  std::string key;
  key.reserve(tb.size() + 2);
  key.push_back(tag);
  key.append(tb);
  key.push_back('\0');
  return key;
}

// Appends fields in a fixed order: varints for integers (zig-zag for signed),
// length-prefixed bytes for strings.
class Writer {
 public:
  Writer() { out_.push_back(static_cast<char>(kValueVersion)); }
  void U64(uint64_t value) {
    while (value >= 0x80) {
      out_.push_back(static_cast<char>((value & 0x7F) | 0x80));
      value >>= 7;
    }
    out_.push_back(static_cast<char>(value));
  }
  void I64(int64_t value) {
    U64((static_cast<uint64_t>(value) << 1) ^
        static_cast<uint64_t>(value >> 63));
  }
  void Bytes(std::string_view value) {
    U64(value.size());
    out_.append(value);
  }
  void Double(double value) {
    uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    U64(bits);
  }
  void Fixed(const Hash& hash) {
    out_.append(reinterpret_cast<const char*>(hash.data()), hash.size());
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Reads what Writer wrote; every read fails cleanly past the end.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {
    if (in_.empty() || static_cast<uint8_t>(in_[0]) != kValueVersion) {
      ok_ = false;
    } else {
      in_.remove_prefix(1);
    }
  }
  uint64_t U64() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) return Fail();
      const auto byte = static_cast<uint8_t>(in_[0]);
      in_.remove_prefix(1);
      value |= static_cast<uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    return Fail();
  }
  int64_t I64() {
    const uint64_t raw = U64();
    return static_cast<int64_t>((raw >> 1) ^ (~(raw & 1) + 1));
  }
  std::string Bytes() {
    const uint64_t size = U64();
    if (!ok_ || size > kMaxDecodedString || size > in_.size()) {
      Fail();
      return {};
    }
    std::string value(in_.substr(0, size));
    in_.remove_prefix(size);
    return value;
  }
  double Double() {
    const uint64_t bits = U64();
    double value = 0;
    std::memcpy(&value, &bits, sizeof value);
    return value;
  }
  Hash Fixed() {
    Hash hash{};
    if (in_.size() < hash.size()) {
      Fail();
      return hash;
    }
    std::memcpy(hash.data(), in_.data(), hash.size());
    in_.remove_prefix(hash.size());
    return hash;
  }
  template <typename Enum>
  Enum EnumIn(uint64_t low, uint64_t high) {
    const uint64_t raw = U64();
    if (raw < low || raw > high) Fail();
    return static_cast<Enum>(ok_ ? raw : low);
  }
  int32_t I32() {
    const int64_t value = I64();
    if (value < INT32_MIN || value > INT32_MAX) Fail();
    return static_cast<int32_t>(value);
  }
  // Done and everything consumed.
  absl::Status Finish(std::string_view what) const {
    if (!ok_ || !in_.empty()) {
      return absl::DataLossError(std::string(what) +
                                 ": malformed stored value");
    }
    return absl::OkStatus();
  }
  bool ok() const { return ok_; }

 private:
  uint64_t Fail() {
    ok_ = false;
    in_ = {};
    return 0;
  }
  std::string_view in_;
  bool ok_ = true;
};

}  // namespace

std::string TimebankKey(std::string_view tb) { return Tagged('t', tb); }
std::string TimebankPrefix() { return "t"; }
std::string AccountKey(std::string_view tb, std::string_view account) {
  return Prefixed('a', tb).append(account);
}
std::string AccountPrefix(std::string_view tb) { return Prefixed('a', tb); }
std::string JournalKey(std::string_view tb, Seq seq) {
  std::string key = Prefixed('j', tb);
  PutBigEndian(&key, seq, 8);
  return key;
}
std::string JournalPrefix(std::string_view tb) { return Prefixed('j', tb); }
std::string StateKey(std::string_view tb, Seq seq) {
  std::string key = StatePrefix(tb);
  PutBigEndian(&key, seq, 8);
  return key;
}
std::string StatePrefix(std::string_view tb) { return Prefixed('s', tb); }
RequestKind RequestKindOfClose(EntryKind kind) {
  switch (kind) {
    case EntryKind::kConfirm:
      return RequestKind::kConfirm;
    case EntryKind::kReject:
      return RequestKind::kReject;
    case EntryKind::kReverse:
      return RequestKind::kReverse;
    case EntryKind::kRecord:
      break;
  }
  return RequestKind::kRecord;
}
std::string RequestKey(std::string_view tb, std::string_view scope,
                       RequestKind kind, std::string_view request_id) {
  std::string key = RequestPrefix(tb).append(scope);
  key.push_back('\0');
  key.push_back(static_cast<char>(kind));
  return key.append(request_id);
}
std::string RequestPrefix(std::string_view tb) { return Prefixed('u', tb); }
std::string FormatOneRequestKey(std::string_view tb,
                                std::string_view request_id) {
  return FormatOneRequestPrefix(tb).append(request_id);
}
std::string FormatOneRequestPrefix(std::string_view tb) {
  return Prefixed('r', tb);
}
std::string TimebankMonthKey(std::string_view tb, YearMonth month) {
  std::string key = Prefixed('n', tb);
  PutBigEndian(&key, static_cast<uint32_t>(month), 4);
  return key;
}
std::string TimebankMonthPrefix(std::string_view tb) {
  return Prefixed('n', tb);
}
std::string AccountMonthKey(std::string_view tb, std::string_view account,
                            YearMonth month) {
  std::string key = AccountMonthPrefix(tb, account);
  PutBigEndian(&key, static_cast<uint32_t>(month), 4);
  return key;
}
std::string AllAccountMonthsPrefix(std::string_view tb) {
  return Prefixed('m', tb);
}
std::string AccountMonthPrefix(std::string_view tb, std::string_view account) {
  std::string key = AllAccountMonthsPrefix(tb).append(account);
  key.push_back('\0');
  return key;
}
std::string CategoryMonthKey(std::string_view tb, YearMonth month,
                             std::string_view category) {
  std::string key = Prefixed('c', tb);
  PutBigEndian(&key, static_cast<uint32_t>(month), 4);
  return key.append(category);
}
std::string CategoryMonthPrefix(std::string_view tb) {
  return Prefixed('c', tb);
}
std::string PairKey(std::string_view tb, std::string_view low,
                    std::string_view high) {
  std::string key = Prefixed('p', tb).append(low);
  key.push_back('\0');
  return key.append(high);
}
std::string PairPrefix(std::string_view tb) { return Prefixed('p', tb); }
std::string PairMonthKey(std::string_view tb, YearMonth month,
                         std::string_view low, std::string_view high) {
  std::string key = PairMonthPrefix(tb);
  PutBigEndian(&key, static_cast<uint32_t>(month), 4);
  key.append(low);
  key.push_back('\0');
  return key.append(high);
}
std::string PairMonthPrefix(std::string_view tb) { return Prefixed('q', tb); }
std::string ReflectionKey(std::string_view tb, uint64_t id) {
  std::string key = ReflectionPrefix(tb);
  PutBigEndian(&key, id, 8);
  return key;
}
std::string ReflectionPrefix(std::string_view tb) { return Prefixed('f', tb); }
std::string ActionVersionKey(std::string_view tb, uint64_t version) {
  std::string key = ActionVersionPrefix(tb);
  PutBigEndian(&key, version, 8);
  return key;
}
std::string ActionVersionPrefix(std::string_view tb) {
  return Prefixed('e', tb);
}
std::string ThresholdsKey(std::string_view tb) { return Tagged('h', tb); }
std::string AccessKey(std::string_view token_id) {
  return Tagged('k', token_id);
}
std::string AccessPrefix() { return "k"; }
std::string VerifyFailedKey(std::string_view tb) { return Tagged('x', tb); }

uint64_t DecodeBigEndian64(std::string_view eight_bytes) {
  uint64_t value = 0;
  for (char c : eight_bytes.substr(0, 8)) {
    value = (value << 8) | static_cast<uint8_t>(c);
  }
  return value;
}

uint32_t DecodeBigEndian32(std::string_view four_bytes) {
  return static_cast<uint32_t>(DecodeBigEndian64(four_bytes.substr(0, 4)));
}

std::string EncodeEntryBody(const JournalEntry& entry) {
  Writer w;
  w.U64(entry.seq);
  w.U64(static_cast<uint64_t>(entry.kind));
  w.I64(entry.recorded_at_us);
  w.Bytes(entry.recorded_by);
  w.Bytes(entry.recorder_account);
  w.Bytes(entry.request_id);
  w.U64(entry.target_seq);
  w.U64(static_cast<uint64_t>(entry.initial_status));
  w.Bytes(entry.giver_id);
  w.Bytes(entry.receiver_id);
  w.I64(entry.minutes);
  w.Bytes(entry.category);
  w.Bytes(entry.description);
  w.I64(entry.occurred_on);
  w.Bytes(entry.note);
  // The timebank id is part of what is hashed, so an entry copied into
  // another timebank's journal does not verify there.
  w.Bytes(entry.timebank_id);
  return w.Take();
}

std::string EncodeEntry(const JournalEntry& entry) {
  std::string bytes = EncodeEntryBody(entry);
  bytes.append(reinterpret_cast<const char*>(entry.hash.data()),
               entry.hash.size());
  return bytes;
}

absl::StatusOr<JournalEntry> DecodeEntry(std::string_view tb,
                                         std::string_view bytes) {
  JournalEntry e;
  Reader r(bytes);
  e.seq = r.U64();
  e.kind = r.EnumIn<EntryKind>(1, 4);
  e.recorded_at_us = r.I64();
  e.recorded_by = r.Bytes();
  e.recorder_account = r.Bytes();
  e.request_id = r.Bytes();
  e.target_seq = r.U64();
  e.initial_status = r.EnumIn<ExchangeStatus>(1, 4);
  e.giver_id = r.Bytes();
  e.receiver_id = r.Bytes();
  e.minutes = r.I64();
  e.category = r.Bytes();
  e.description = r.Bytes();
  e.occurred_on = r.I32();
  e.note = r.Bytes();
  e.timebank_id = r.Bytes();
  e.hash = r.Fixed();
  if (absl::Status s = r.Finish("journal entry"); !s.ok()) return s;
  if (e.timebank_id != tb) {
    return absl::DataLossError("journal entry: belongs to another timebank");
  }
  return e;
}

Hash Sha256(std::string_view bytes) {
  Hash out{};
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), out.data(), &size, EVP_sha256(),
             nullptr);
  return out;
}

Hash ChainHash(const Hash& previous, std::string_view body) {
  Hash out{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned int size = 0;
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, previous.data(), previous.size());
  EVP_DigestUpdate(ctx, body.data(), body.size());
  EVP_DigestFinal_ex(ctx, out.data(), &size);
  EVP_MD_CTX_free(ctx);
  return out;
}

std::string EncodeTimebank(const Timebank& t) {
  Writer w;
  w.Bytes(t.id);
  w.Bytes(t.name);
  w.U64(t.settings.members_may_log ? 1 : 0);
  w.U64(t.settings.balance_floor_minutes.has_value() ? 1 : 0);
  w.I64(t.settings.balance_floor_minutes.value_or(0));
  w.I64(t.settings.max_exchange_minutes);
  w.I64(t.created_at_us);
  w.U64(t.last_seq);
  w.Fixed(t.last_hash);
  w.U64(t.last_reflection_id);
  w.U64(t.last_action_id);
  w.U64(t.last_action_version);
  return w.Take();
}

absl::StatusOr<Timebank> DecodeTimebank(std::string_view bytes) {
  Timebank t;
  Reader r(bytes);
  t.id = r.Bytes();
  t.name = r.Bytes();
  t.settings.members_may_log = r.U64() != 0;
  const bool has_floor = r.U64() != 0;
  const int64_t floor = r.I64();
  if (has_floor) t.settings.balance_floor_minutes = floor;
  t.settings.max_exchange_minutes = r.I64();
  t.created_at_us = r.I64();
  t.last_seq = r.U64();
  t.last_hash = r.Fixed();
  t.last_reflection_id = r.U64();
  t.last_action_id = r.U64();
  t.last_action_version = r.U64();
  if (absl::Status s = r.Finish("timebank"); !s.ok()) return s;
  return t;
}

std::string EncodeAccount(const Account& a) {
  Writer w;
  w.Bytes(a.timebank_id);
  w.Bytes(a.id);
  w.U64(static_cast<uint64_t>(a.kind));
  w.U64(static_cast<uint64_t>(a.status));
  w.Bytes(a.display_name);
  w.U64(a.skills.size());
  for (const std::string& skill : a.skills) w.Bytes(skill);
  w.Bytes(a.external_ref);
  w.I64(a.joined_on);
  w.U64(a.erased ? 1 : 0);
  w.I64(a.created_at_us);
  w.I64(a.totals.minutes_given);
  w.I64(a.totals.minutes_received);
  w.I64(a.totals.exchanges_given);
  w.I64(a.totals.exchanges_received);
  w.I64(a.totals.partners);
  return w.Take();
}

absl::StatusOr<Account> DecodeAccount(std::string_view bytes) {
  Account a;
  Reader r(bytes);
  a.timebank_id = r.Bytes();
  a.id = r.Bytes();
  a.kind = r.EnumIn<AccountKind>(1, 3);
  a.status = r.EnumIn<AccountStatus>(1, 3);
  a.display_name = r.Bytes();
  const uint64_t skills = r.U64();
  if (skills > kMaxDecodedList) {
    return absl::DataLossError("account: malformed stored value");
  }
  for (uint64_t i = 0; r.ok() && i < skills; ++i) a.skills.push_back(r.Bytes());
  a.external_ref = r.Bytes();
  a.joined_on = r.I32();
  a.erased = r.U64() != 0;
  a.created_at_us = r.I64();
  a.totals.minutes_given = r.I64();
  a.totals.minutes_received = r.I64();
  a.totals.exchanges_given = r.I64();
  a.totals.exchanges_received = r.I64();
  a.totals.partners = r.I64();
  if (absl::Status s = r.Finish("account"); !s.ok()) return s;
  return a;
}

std::string EncodeRequestRecord(const RequestRecord& record) {
  Writer w;
  w.U64(record.seq);
  w.Fixed(record.fingerprint);
  return w.Take();
}

absl::StatusOr<RequestRecord> DecodeRequestRecord(std::string_view bytes) {
  RequestRecord record;
  Reader r(bytes);
  record.seq = r.U64();
  record.fingerprint = r.Fixed();
  if (absl::Status s = r.Finish("request record"); !s.ok()) return s;
  return record;
}

std::string EncodeExchangeState(const ExchangeState& state) {
  Writer w;
  w.U64(static_cast<uint64_t>(state.status));
  w.U64(state.closed_by_seq);
  return w.Take();
}

absl::StatusOr<ExchangeState> DecodeExchangeState(std::string_view bytes) {
  ExchangeState state;
  Reader r(bytes);
  state.status = r.EnumIn<ExchangeStatus>(1, 4);
  state.closed_by_seq = r.U64();
  if (absl::Status s = r.Finish("exchange state"); !s.ok()) return s;
  return state;
}

std::string EncodeMonthTotals(const MonthTotals& totals) {
  Writer w;
  w.I64(totals.minutes);
  w.I64(totals.exchanges);
  return w.Take();
}

absl::StatusOr<MonthTotals> DecodeMonthTotals(std::string_view bytes) {
  MonthTotals totals;
  Reader r(bytes);
  totals.minutes = r.I64();
  totals.exchanges = r.I64();
  if (absl::Status s = r.Finish("month totals"); !s.ok()) return s;
  return totals;
}

std::string EncodeAccountMonthTotals(const AccountMonthTotals& totals) {
  Writer w;
  w.I64(totals.minutes_given);
  w.I64(totals.minutes_received);
  w.I64(totals.exchanges_given);
  w.I64(totals.exchanges_received);
  return w.Take();
}

absl::StatusOr<AccountMonthTotals> DecodeAccountMonthTotals(
    std::string_view bytes) {
  AccountMonthTotals totals;
  Reader r(bytes);
  totals.minutes_given = r.I64();
  totals.minutes_received = r.I64();
  totals.exchanges_given = r.I64();
  totals.exchanges_received = r.I64();
  if (absl::Status s = r.Finish("account month totals"); !s.ok()) return s;
  return totals;
}

std::string EncodePairTotals(const PairTotals& totals) {
  Writer w;
  w.I64(totals.low_to_high_exchanges);
  w.I64(totals.high_to_low_exchanges);
  w.I64(totals.low_to_high_minutes);
  w.I64(totals.high_to_low_minutes);
  return w.Take();
}

absl::StatusOr<PairTotals> DecodePairTotals(std::string_view bytes) {
  PairTotals totals;
  Reader r(bytes);
  totals.low_to_high_exchanges = r.I64();
  totals.high_to_low_exchanges = r.I64();
  totals.low_to_high_minutes = r.I64();
  totals.high_to_low_minutes = r.I64();
  if (absl::Status s = r.Finish("pair totals"); !s.ok()) return s;
  return totals;
}

std::string EncodeToken(const Token& token) {
  Writer w;
  w.Bytes(token.id);
  w.Bytes(token.name);
  w.U64(static_cast<uint64_t>(token.role));
  w.U64(token.timebank_ids.size());
  for (const std::string& tb : token.timebank_ids) w.Bytes(tb);
  w.Bytes(token.account_id);
  w.I64(token.created_at_us);
  w.I64(token.expires_at_us);
  w.U64(token.revoked ? 1 : 0);
  w.Fixed(token.secret_hash);
  return w.Take();
}

absl::StatusOr<Token> DecodeToken(std::string_view bytes) {
  Token token;
  Reader r(bytes);
  token.id = r.Bytes();
  token.name = r.Bytes();
  token.role = r.EnumIn<Role>(1, 4);
  const uint64_t timebanks = r.U64();
  if (timebanks > kMaxDecodedList) {
    return absl::DataLossError("token: malformed stored value");
  }
  for (uint64_t i = 0; r.ok() && i < timebanks; ++i) {
    token.timebank_ids.push_back(r.Bytes());
  }
  token.account_id = r.Bytes();
  token.created_at_us = r.I64();
  token.expires_at_us = r.I64();
  token.revoked = r.U64() != 0;
  token.secret_hash = r.Fixed();
  if (absl::Status s = r.Finish("token"); !s.ok()) return s;
  return token;
}

std::string EncodeReflection(const Reflection& reflection) {
  Writer w;
  w.Bytes(reflection.timebank_id);
  w.U64(reflection.id);
  w.U64(static_cast<uint64_t>(reflection.principle));
  w.U64(static_cast<uint64_t>(reflection.perspective));
  w.I64(reflection.stage);
  w.U64(static_cast<uint64_t>(reflection.rag));
  w.Bytes(reflection.evidence);
  w.Bytes(reflection.author);
  w.I64(reflection.reflected_on);
  w.I64(reflection.submitted_at_us);
  w.Bytes(reflection.submitted_by);
  w.Bytes(reflection.request_id);
  return w.Take();
}

absl::StatusOr<Reflection> DecodeReflection(std::string_view bytes) {
  Reflection x;
  Reader r(bytes);
  x.timebank_id = r.Bytes();
  x.id = r.U64();
  x.principle = r.EnumIn<Principle>(1, 4);
  x.perspective = r.EnumIn<Perspective>(1, 4);
  x.stage = r.I32();
  x.rag = r.EnumIn<Rag>(0, 3);
  x.evidence = r.Bytes();
  x.author = r.Bytes();
  x.reflected_on = r.I32();
  x.submitted_at_us = r.I64();
  x.submitted_by = r.Bytes();
  x.request_id = r.Bytes();
  if (absl::Status s = r.Finish("reflection"); !s.ok()) return s;
  return x;
}

std::string EncodeAction(const Action& a) {
  Writer w;
  w.Bytes(a.timebank_id);
  w.U64(a.id);
  w.U64(a.principle ? static_cast<uint64_t>(*a.principle) : 0);
  w.Bytes(a.who);
  w.Bytes(a.what);
  w.Bytes(a.how);
  w.I64(a.due_on);
  w.U64(static_cast<uint64_t>(a.status));
  w.Bytes(a.note);
  w.I64(a.created_at_us);
  w.I64(a.updated_at_us);
  w.Bytes(a.created_by);
  w.Bytes(a.updated_by);
  w.Bytes(a.request_id);
  return w.Take();
}

absl::StatusOr<Action> DecodeAction(std::string_view bytes) {
  Action a;
  Reader r(bytes);
  a.timebank_id = r.Bytes();
  a.id = r.U64();
  const uint64_t principle = r.U64();
  if (principle > 4)
    return absl::DataLossError("action: malformed stored value");
  if (principle != 0) a.principle = static_cast<Principle>(principle);
  a.who = r.Bytes();
  a.what = r.Bytes();
  a.how = r.Bytes();
  a.due_on = r.I32();
  a.status = r.EnumIn<ActionStatus>(1, 4);
  a.note = r.Bytes();
  a.created_at_us = r.I64();
  a.updated_at_us = r.I64();
  a.created_by = r.Bytes();
  a.updated_by = r.Bytes();
  a.request_id = r.Bytes();
  if (absl::Status s = r.Finish("action"); !s.ok()) return s;
  return a;
}

std::string EncodeThresholds(const ThresholdOverrides& overrides) {
  Writer w;
  w.U64(overrides.size());
  for (const auto& [name, value] : overrides) {
    w.Bytes(name);
    w.Double(value);
  }
  return w.Take();
}

absl::StatusOr<ThresholdOverrides> DecodeThresholds(std::string_view bytes) {
  ThresholdOverrides overrides;
  Reader r(bytes);
  const uint64_t count = r.U64();
  if (count > kMaxDecodedList) {
    return absl::DataLossError("thresholds: malformed stored value");
  }
  for (uint64_t i = 0; r.ok() && i < count; ++i) {
    std::string name = r.Bytes();
    overrides[name] = r.Double();
  }
  if (absl::Status s = r.Finish("thresholds"); !s.ok()) return s;
  return overrides;
}

}  // namespace timebank::ledger
