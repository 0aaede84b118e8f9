#include "ledger/codec.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "tests/ledger/ledger_fixture.h"
#include "tests/test_util/status_assertions.h"

namespace timebank::ledger {
namespace {

using absl::StatusCode;

using ledger_test::Hex;

Hash HashOf(uint8_t first) {
  Hash hash{};
  for (size_t i = 0; i < hash.size(); ++i)
    hash[i] = static_cast<uint8_t>(first + i);
  return hash;
}

// A record with every field set to something other than its default.
JournalEntry FullEntry() {
  return JournalEntry{.timebank_id = "north-leeds",
                      .seq = 300,
                      .kind = EntryKind::kReverse,
                      .recorded_at_us = 1'781'524'800'123'456,
                      .recorded_by = "coord",
                      .recorder_account = "kathy",
                      .request_id = "req-1",
                      .target_seq = 299,
                      .initial_status = ExchangeStatus::kPending,
                      .giver_id = "kathy",
                      .receiver_id = "vera",
                      .minutes = 120,
                      .category = "gardening",
                      .description = "weeding\nand \xC3\xA9 mowing",
                      .occurred_on = 20'619,
                      .note = "entered twice",
                      .hash = HashOf(7)};
}

Account FullAccount() {
  return Account{.timebank_id = "north-leeds",
                 .id = "kathy",
                 .kind = AccountKind::kCommunityPot,
                 .status = AccountStatus::kSuspended,
                 .display_name = "Kathy \xC3\x96zt\xC3\xBCrk",
                 .skills = {"gardening", "it help", ""},
                 .external_ref = "crm:42",
                 .joined_on = -3,
                 .erased = true,
                 .created_at_us = 1'781'524'800'000'001,
                 .totals = {.minutes_given = 90,
                            .minutes_received = 3'000,
                            .exchanges_given = 2,
                            .exchanges_received = 7,
                            .partners = 4}};
}

Timebank FullTimebank(std::optional<int64_t> floor) {
  return Timebank{.id = "north-leeds",
                  .name = "North Leeds Timebank",
                  .settings = {.members_may_log = false,
                               .balance_floor_minutes = floor,
                               .max_exchange_minutes = 100'000},
                  .created_at_us = 1'781'524'800'000'002,
                  .last_seq = 1ull << 40,
                  .last_hash = HashOf(200)};
}

void ExpectSameAccount(const Account& a, const Account& b) {
  EXPECT_EQ(a.timebank_id, b.timebank_id);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.display_name, b.display_name);
  EXPECT_EQ(a.skills, b.skills);
  EXPECT_EQ(a.external_ref, b.external_ref);
  EXPECT_EQ(a.joined_on, b.joined_on);
  EXPECT_EQ(a.erased, b.erased);
  EXPECT_EQ(a.created_at_us, b.created_at_us);
  EXPECT_EQ(a.totals, b.totals);
}

void ExpectSameTimebank(const Timebank& a, const Timebank& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.settings.members_may_log, b.settings.members_may_log);
  EXPECT_EQ(a.settings.balance_floor_minutes, b.settings.balance_floor_minutes);
  EXPECT_EQ(a.settings.max_exchange_minutes, b.settings.max_exchange_minutes);
  EXPECT_EQ(a.created_at_us, b.created_at_us);
  EXPECT_EQ(a.last_seq, b.last_seq);
  EXPECT_EQ(Hex(a.last_hash), Hex(b.last_hash));
}

// Every decoder, applied to the same bytes; each must return a value or a
// kDataLoss error, never crash.
std::vector<
    std::pair<std::string, std::function<absl::Status(std::string_view)>>>
AllDecoders() {
  return {
      {"entry",
       [](std::string_view b) {
         return DecodeEntry("north-leeds", b).status();
       }},
      {"account", [](std::string_view b) { return DecodeAccount(b).status(); }},
      {"timebank",
       [](std::string_view b) { return DecodeTimebank(b).status(); }},
      {"request",
       [](std::string_view b) { return DecodeRequestRecord(b).status(); }},
      {"state",
       [](std::string_view b) { return DecodeExchangeState(b).status(); }},
      {"month",
       [](std::string_view b) { return DecodeMonthTotals(b).status(); }},
      {"account month",
       [](std::string_view b) { return DecodeAccountMonthTotals(b).status(); }},
      {"pair", [](std::string_view b) { return DecodePairTotals(b).status(); }},
  };
}

TEST(Codec, EntryRoundTripsEveryField) {
  const JournalEntry entry = FullEntry();
  ASSERT_OK_AND_ASSIGN(JournalEntry decoded,
                       DecodeEntry("north-leeds", EncodeEntry(entry)));
  EXPECT_EQ(decoded, entry);

  JournalEntry extremes = FullEntry();
  extremes.seq = UINT64_MAX;
  extremes.target_seq = UINT64_MAX - 1;
  extremes.minutes = INT64_MIN;
  extremes.recorded_at_us = INT64_MAX;
  extremes.occurred_on = INT32_MIN;
  extremes.description = std::string(1000, 'd');
  ASSERT_OK_AND_ASSIGN(decoded,
                       DecodeEntry("north-leeds", EncodeEntry(extremes)));
  EXPECT_EQ(decoded, extremes);
}

TEST(Codec, EntryOfAnotherTimebankDoesNotDecode) {
  EXPECT_STATUS(DecodeEntry("south-leeds", EncodeEntry(FullEntry())),
                StatusCode::kDataLoss, "journal entry");
}

TEST(Codec, AccountRoundTripsEveryField) {
  const Account account = FullAccount();
  ASSERT_OK_AND_ASSIGN(Account decoded, DecodeAccount(EncodeAccount(account)));
  ExpectSameAccount(account, decoded);
}

TEST(Codec, TimebankRoundTripsWithAndWithoutFloor) {
  for (std::optional<int64_t> floor :
       {std::optional<int64_t>(), std::optional<int64_t>(0),
        std::optional<int64_t>(-1'200)}) {
    const Timebank timebank = FullTimebank(floor);
    ASSERT_OK_AND_ASSIGN(Timebank decoded,
                         DecodeTimebank(EncodeTimebank(timebank)));
    ExpectSameTimebank(timebank, decoded);
  }
}

TEST(Codec, SmallValuesRoundTrip) {
  const RequestRecord request{.seq = 77, .fingerprint = HashOf(3)};
  ASSERT_OK_AND_ASSIGN(RequestRecord r,
                       DecodeRequestRecord(EncodeRequestRecord(request)));
  EXPECT_EQ(r.seq, request.seq);
  EXPECT_EQ(Hex(r.fingerprint), Hex(request.fingerprint));

  const ExchangeState state{.status = ExchangeStatus::kReversed,
                            .closed_by_seq = 99};
  ASSERT_OK_AND_ASSIGN(ExchangeState s,
                       DecodeExchangeState(EncodeExchangeState(state)));
  EXPECT_EQ(s, state);

  const MonthTotals month{.minutes = -5, .exchanges = 3};
  ASSERT_OK_AND_ASSIGN(MonthTotals m,
                       DecodeMonthTotals(EncodeMonthTotals(month)));
  EXPECT_EQ(m, month);

  const AccountMonthTotals account_month{.minutes_given = 1,
                                         .minutes_received = 2,
                                         .exchanges_given = 3,
                                         .exchanges_received = 4};
  ASSERT_OK_AND_ASSIGN(
      AccountMonthTotals am,
      DecodeAccountMonthTotals(EncodeAccountMonthTotals(account_month)));
  EXPECT_EQ(am, account_month);

  const PairTotals pair{.low_to_high_exchanges = 5,
                        .high_to_low_exchanges = 6,
                        .low_to_high_minutes = INT64_MAX,
                        .high_to_low_minutes = INT64_MIN};
  ASSERT_OK_AND_ASSIGN(PairTotals p, DecodePairTotals(EncodePairTotals(pair)));
  EXPECT_EQ(p, pair);
}

TEST(Codec, EveryTruncationOfAStoredValueIsDataLoss) {
  const std::vector<std::pair<std::string, std::string>> encoded = {
      {"entry", EncodeEntry(FullEntry())},
      {"account", EncodeAccount(FullAccount())},
      {"timebank", EncodeTimebank(FullTimebank(-60))},
      {"request", EncodeRequestRecord({.seq = 1, .fingerprint = HashOf(1)})},
      {"state", EncodeExchangeState({.status = ExchangeStatus::kConfirmed,
                                     .closed_by_seq = 300})},
      {"month", EncodeMonthTotals({.minutes = 300, .exchanges = 2})},
      {"account month", EncodeAccountMonthTotals({300, 200, 2, 1})},
      {"pair", EncodePairTotals({1, 2, 300, 400})},
  };
  const auto decoders = AllDecoders();
  for (size_t i = 0; i < encoded.size(); ++i) {
    const auto& [what, bytes] = encoded[i];
    ASSERT_EQ(decoders[i].first, what);
    ASSERT_OK(decoders[i].second(bytes)) << what;
    for (size_t length = 0; length < bytes.size(); ++length) {
      EXPECT_STATUS(
          decoders[i].second(std::string_view(bytes).substr(0, length)),
          StatusCode::kDataLoss, "")
          << what << " cut to " << length << " of " << bytes.size() << " bytes";
    }
    EXPECT_STATUS(decoders[i].second(bytes + "x"), StatusCode::kDataLoss, "")
        << what << " with a trailing byte";
    std::string other_version = bytes;
    other_version[0] = 2;
    EXPECT_STATUS(decoders[i].second(other_version), StatusCode::kDataLoss, "")
        << what << " with encoding version 2";
  }
}

TEST(Codec, HugeLengthsAndCountsAreDataLossNotAllocations) {
  // Version byte, then a string length of 2^63 written as a varint.
  std::string huge_length("\x01", 1);
  for (int i = 0; i < 9; ++i) huge_length.push_back('\xFF');
  huge_length.push_back('\x7F');
  for (const auto& [what, decode] : AllDecoders()) {
    EXPECT_STATUS(decode(huge_length), StatusCode::kDataLoss, "") << what;
  }
  // An account claiming 2^40 skills, written field by field.
  std::string many_skills("\x01", 1);
  auto put_bytes = [&](std::string_view s) {
    many_skills.push_back(static_cast<char>(s.size()));
    many_skills.append(s);
  };
  put_bytes("tb");
  put_bytes("ann");
  many_skills.push_back('\x01');  // kind
  many_skills.push_back('\x01');  // status
  put_bytes("Ann");
  for (int i = 0; i < 5; ++i) many_skills.push_back('\x80');
  many_skills.push_back('\x20');  // 2^40
  EXPECT_STATUS(DecodeAccount(many_skills), StatusCode::kDataLoss, "account");
}

TEST(Codec, RandomBytesNeverCrashADecoder) {
  const uint32_t seed = 20260615;
  std::printf("Codec random bytes seed: %u\n", seed);
  std::mt19937 random(seed);
  const auto decoders = AllDecoders();
  const std::vector<std::string> valid = {EncodeEntry(FullEntry()),
                                          EncodeAccount(FullAccount()),
                                          EncodeTimebank(FullTimebank(-60))};
  for (int round = 0; round < 20'000; ++round) {
    std::string bytes;
    if (round % 2 == 0) {
      // Pure noise, mostly with the right version byte so decoding goes deep.
      const size_t length = random() % 120;
      for (size_t i = 0; i < length; ++i)
        bytes.push_back(static_cast<char>(random()));
      if (!bytes.empty() && random() % 4 != 0) bytes[0] = 1;
    } else {
      // A valid value with a few bytes changed.
      bytes = valid[random() % valid.size()];
      const int flips = 1 + static_cast<int>(random() % 3);
      for (int f = 0; f < flips; ++f) {
        bytes[random() % bytes.size()] = static_cast<char>(random());
      }
    }
    for (const auto& [what, decode] : decoders) {
      const absl::Status s = decode(bytes);
      EXPECT_TRUE(s.ok() || s.code() == StatusCode::kDataLoss)
          << what << ": " << s;
    }
  }
}

TEST(Codec, ChainHashChangesWhenAnyFieldChanges) {
  const JournalEntry base = FullEntry();
  const Hash previous = HashOf(50);
  const Hash base_hash = ChainHash(previous, EncodeEntryBody(base));
  const std::vector<std::pair<std::string, std::function<void(JournalEntry&)>>>
      changes = {
          {"timebank_id",
           [](JournalEntry& e) { e.timebank_id = "north-leedz"; }},
          {"seq", [](JournalEntry& e) { e.seq += 1; }},
          {"kind", [](JournalEntry& e) { e.kind = EntryKind::kConfirm; }},
          {"recorded_at_us", [](JournalEntry& e) { e.recorded_at_us += 1; }},
          {"recorded_by",
           [](JournalEntry& e) { e.recorded_by = "coordinator-2"; }},
          {"recorder_account",
           [](JournalEntry& e) { e.recorder_account = ""; }},
          {"request_id", [](JournalEntry& e) { e.request_id = "req-2"; }},
          {"target_seq", [](JournalEntry& e) { e.target_seq = 298; }},
          {"initial_status",
           [](JournalEntry& e) {
             e.initial_status = ExchangeStatus::kConfirmed;
           }},
          {"giver_id", [](JournalEntry& e) { e.giver_id = "vera"; }},
          {"receiver_id", [](JournalEntry& e) { e.receiver_id = "kathy"; }},
          {"minutes", [](JournalEntry& e) { e.minutes = 121; }},
          {"category", [](JournalEntry& e) { e.category = "befriending"; }},
          {"description", [](JournalEntry& e) { e.description += " "; }},
          {"occurred_on", [](JournalEntry& e) { e.occurred_on -= 1; }},
          {"note", [](JournalEntry& e) { e.note = "entered once"; }},
          // Moving bytes between adjacent strings must not hash the same.
          {"giver/receiver boundary",
           [](JournalEntry& e) {
             e.giver_id = "kathyv";
             e.receiver_id = "era";
           }},
      };
  for (const auto& [field, change] : changes) {
    JournalEntry changed = base;
    change(changed);
    EXPECT_NE(Hex(ChainHash(previous, EncodeEntryBody(changed))),
              Hex(base_hash))
        << field;
  }
  EXPECT_NE(Hex(ChainHash(HashOf(51), EncodeEntryBody(base))), Hex(base_hash))
      << "previous hash";
  JournalEntry other_hash = base;
  other_hash.hash = HashOf(9);
  EXPECT_EQ(EncodeEntryBody(other_hash), EncodeEntryBody(base))
      << "the body must not include the entry's own hash";
  EXPECT_EQ(Hex(ChainHash(previous, EncodeEntryBody(base))), Hex(base_hash))
      << "the hash must be deterministic";
}

TEST(Codec, ChainHashIsSha256OfPreviousThenBody) {
  const Hash previous = HashOf(1);
  const std::string body = "body bytes";
  const std::string joined =
      std::string(reinterpret_cast<const char*>(previous.data()),
                  previous.size()) +
      body;
  EXPECT_EQ(Hex(ChainHash(previous, body)), Hex(Sha256(joined)));
  EXPECT_EQ(Hex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Codec, JournalKeysSortBySeqNumerically) {
  std::vector<Seq> seqs = {1,      2,      255,        256,
                           65'535, 65'536, 1ull << 32, UINT64_MAX};
  for (size_t i = 1; i < seqs.size(); ++i) {
    EXPECT_LT(JournalKey("tb", seqs[i - 1]), JournalKey("tb", seqs[i]))
        << seqs[i - 1] << " vs " << seqs[i];
  }
  for (Seq seq : seqs) {
    const std::string key = JournalKey("tb", seq);
    EXPECT_EQ(DecodeBigEndian64(
                  std::string_view(key).substr(JournalPrefix("tb").size())),
              seq);
  }
  EXPECT_LT(TimebankMonthKey("tb", 202612), TimebankMonthKey("tb", 202701));
  EXPECT_EQ(DecodeBigEndian32(std::string_view(TimebankMonthKey("tb", 202611))
                                  .substr(TimebankMonthPrefix("tb").size())),
            202611u);
}

TEST(Codec, OnePrefixNeverCoversAnotherTimebankOrAccount) {
  const auto starts_with = [](const std::string& key,
                              const std::string& prefix) {
    return key.compare(0, prefix.size(), prefix) == 0;
  };
  EXPECT_TRUE(starts_with(JournalKey("tb", 1), JournalPrefix("tb")));
  EXPECT_FALSE(starts_with(JournalKey("tb2", 1), JournalPrefix("tb")));
  EXPECT_FALSE(starts_with(AccountKey("tb2", "ann"), AccountPrefix("tb")));
  EXPECT_FALSE(starts_with(AccountMonthKey("tb", "anna", 202606),
                           AccountMonthPrefix("tb", "ann")));
  EXPECT_TRUE(starts_with(AccountMonthKey("tb", "ann", 202606),
                          AllAccountMonthsPrefix("tb")));
  EXPECT_FALSE(starts_with(StateKey("tb2", 1), StatePrefix("tb")));
  EXPECT_FALSE(starts_with(PairKey("tb2", "a", "b"), PairPrefix("tb")));
  EXPECT_NE(PairKey("tb", "a", "bc"), PairKey("tb", "ab", "c"));
  constexpr RequestKind kRecord = RequestKind::kRecord;
  EXPECT_FALSE(starts_with(RequestKey("tbx", "staff", kRecord, "r"),
                           RequestPrefix("tb")));
  // Scope, kind and id never run into each other.
  EXPECT_NE(RequestKey("tb", "member:a", kRecord, "x"),
            RequestKey("tb", "member:ax", kRecord, ""));
  EXPECT_NE(RequestKey("tb", "staff", kRecord, "r"),
            RequestKey("tb", "staff", RequestKind::kReverse, "r"));
  EXPECT_NE(RequestKey("tb", "staff", kRecord, "r"),
            RequestKey("tb", "member:kathy", kRecord, "r"));
}

}  // namespace
}  // namespace timebank::ledger
