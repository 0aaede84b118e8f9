// Writes the seed corpora of fuzz_entry_decode, fuzz_validation and
// fuzz_request_parse: a few small inputs, so the fuzzers start from values
// that get past the first checks. The seeds are committed under
// tests/fuzz/corpus; run this again when the stored format or the protos
// change:
//   build-fuzz/tests/fuzz/fuzz_make_seeds tests/fuzz/corpus
// (fuzz_hours's seeds are plain text, written by hand.)

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "ledger/access.h"
#include "ledger/civil_date.h"
#include "ledger/codec.h"
#include "timebank/v1/access.pb.h"
#include "timebank/v1/ledger.pb.h"

namespace timebank {
namespace {

namespace fs = std::filesystem;

// The selector bytes of the targets (see their LLVMFuzzerTestOneInput).
enum DecodeSelector : char {
  kEntry = 0,
  kAccount,
  kTimebank,
  kToken,
  kReflection,
  kAction,
  kThresholds,
  kRequestRecord,
  kExchangeState,
  kMonthTotals,
  kAccountMonthTotals,
  kPairTotals,
};
enum RequestParseSelector : char {
  kParseBulk = 0,
  kParseCreateToken,
  kParseOpenAccount,
  kParseUpdateAccount,
};
enum ValidationSelector : char {
  kIds = 0,
  kTexts,
  kTags,
  kDates,
  kRecordRequest,
  kRecordItem,
  kOpenAccount,
  kUpdateAccount,
  kCreateToken,
  kCreateTimebank,
};

bool Write(const fs::path& dir, std::string_view name, char selector,
           std::string_view bytes) {
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.put(selector);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

ledger::Hash HashOf(uint8_t first) {
  ledger::Hash hash{};
  for (size_t i = 0; i < hash.size(); ++i) {
    hash[i] = static_cast<uint8_t>(first + i);
  }
  return hash;
}

bool WriteDecodeSeeds(const fs::path& dir) {
  using namespace ledger;  // NOLINT: seed values name many ledger types.
  const int32_t day = *ParseDate("2026-03-14");
  const JournalEntry record{.timebank_id = "riverside",
                            .seq = 7,
                            .recorded_at_us = 1'773'500'000'000'000,
                            .recorded_by = "coord",
                            .request_id = "req-7",
                            .giver_id = "kathy",
                            .receiver_id = "vera",
                            .minutes = 90,
                            .category = "gardening",
                            .description = "Front garden",
                            .occurred_on = day,
                            .hash = HashOf(1)};
  JournalEntry reverse = record;
  reverse.seq = 8;
  reverse.kind = EntryKind::kReverse;
  reverse.target_seq = 7;
  reverse.note = "entered twice";
  const Account account{
      .timebank_id = "riverside",
      .id = "kathy",
      .display_name = "Kathy",
      .skills = {"gardening", "it help"},
      .joined_on = day,
      .totals = {.minutes_given = 90, .exchanges_given = 1, .partners = 1}};
  const Timebank timebank{.id = "riverside",
                          .name = "Riverside",
                          .settings = {.balance_floor_minutes = -1200},
                          .last_seq = 8,
                          .last_hash = HashOf(9)};
  const Token token{.id = "0123456789abcdef",
                    .name = "kathy-member",
                    .timebank_ids = {"riverside"},
                    .account_id = "kathy",
                    .secret_hash = HashOf(3)};
  const Reflection reflection{.timebank_id = "riverside",
                              .id = 1,
                              .stage = 3,
                              .rag = Rag::kAmber,
                              .evidence = "People swap skills",
                              .author = "vera",
                              .reflected_on = day};
  const Action action{.timebank_id = "riverside",
                      .id = 2,
                      .principle = Principle::kReciprocity,
                      .who = "council",
                      .what = "Swap fair",
                      .due_on = day + 30};
  return Write(dir, "entry-record", kEntry, EncodeEntry(record)) &&
         Write(dir, "entry-reverse", kEntry, EncodeEntry(reverse)) &&
         Write(dir, "account", kAccount, EncodeAccount(account)) &&
         Write(dir, "timebank", kTimebank, EncodeTimebank(timebank)) &&
         Write(dir, "token", kToken, EncodeToken(token)) &&
         Write(dir, "reflection", kReflection, EncodeReflection(reflection)) &&
         Write(dir, "action", kAction, EncodeAction(action)) &&
         Write(dir, "thresholds", kThresholds,
               EncodeThresholds(
                   {{"reciprocity.gave_and_received_share.stage2", 0.25}})) &&
         Write(dir, "request-record", kRequestRecord,
               EncodeRequestRecord({.seq = 7, .fingerprint = HashOf(5)})) &&
         Write(dir, "exchange-state", kExchangeState,
               EncodeExchangeState({.status = ExchangeStatus::kReversed,
                                    .closed_by_seq = 8})) &&
         Write(dir, "month-totals", kMonthTotals,
               EncodeMonthTotals({.minutes = 90, .exchanges = 1})) &&
         Write(dir, "account-month-totals", kAccountMonthTotals,
               EncodeAccountMonthTotals(
                   {.minutes_given = 90, .exchanges_given = 1})) &&
         Write(dir, "pair-totals", kPairTotals,
               EncodePairTotals(
                   {.low_to_high_exchanges = 1, .low_to_high_minutes = 90}));
}

// Requests that the validation checks accept, for the seeds of
// fuzz_validation and fuzz_request_parse.
struct SeedRequests {
  v1::RecordExchangeRequest record;
  v1::RecordExchangeItem item;
  v1::OpenAccountRequest open;
  v1::UpdateAccountRequest update;
  v1::CreateTokenRequest token;
  v1::CreateTimebankRequest timebank;
};

SeedRequests MakeSeedRequests() {
  SeedRequests seeds;
  v1::RecordExchangeRequest& record = seeds.record;
  record.set_timebank_id("riverside");
  record.set_request_id("req-7");
  record.set_giver_id("kathy");
  record.set_receiver_id("vera");
  record.set_minutes(90);
  record.set_category("Gardening ");
  record.set_description("Front garden\nand hedge");
  record.set_occurred_on("2026-03-14");
  v1::RecordExchangeItem& item = seeds.item;
  item.set_request_id("req-8");
  item.set_giver_id("vera");
  item.set_receiver_id("kathy");
  item.set_minutes(30);
  item.set_category("it help");
  item.set_occurred_on("2026-03-15");
  v1::OpenAccountRequest& open = seeds.open;
  open.set_timebank_id("riverside");
  open.set_account_id("kathy");
  open.set_kind(v1::ACCOUNT_KIND_PERSON);
  open.set_display_name("Kathy \xC3\x96zt\xC3\xBCrk");
  open.add_skills("gardening");
  open.add_skills("IT help");
  open.set_joined_on("2026-01-02");
  v1::UpdateAccountRequest& update = seeds.update;
  update.set_account_id("kathy");
  update.set_display_name("Kathy O.");
  update.set_status(v1::ACCOUNT_STATUS_SUSPENDED);
  update.set_replace_skills(true);
  update.add_skills("baking");
  v1::CreateTokenRequest& token = seeds.token;
  token.set_role(v1::ROLE_MEMBER);
  token.add_timebank_ids("riverside");
  token.set_account_id("kathy");
  token.set_name("kathy-member");
  v1::CreateTimebankRequest& timebank = seeds.timebank;
  timebank.set_timebank_id("riverside");
  timebank.set_name("Riverside Timebank");
  timebank.mutable_settings()->set_has_balance_floor(true);
  timebank.mutable_settings()->set_balance_floor_minutes(-1200);
  timebank.mutable_settings()->set_max_exchange_minutes(480);
  return seeds;
}

bool WriteValidationSeeds(const fs::path& dir) {
  const SeedRequests seeds = MakeSeedRequests();
  const v1::RecordExchangeRequest& record = seeds.record;
  const v1::RecordExchangeItem& item = seeds.item;
  const v1::OpenAccountRequest& open = seeds.open;
  const v1::UpdateAccountRequest& update = seeds.update;
  const v1::CreateTokenRequest& token = seeds.token;
  const v1::CreateTimebankRequest& timebank = seeds.timebank;
  return Write(dir, "ids", kIds, "kathy.o@riverside-1") &&
         Write(dir, "text", kTexts,
               "Front garden \xC3\xA9\n\t\xF0\x9F\x8C\xB1") &&
         Write(dir, "tags", kTags, " Gardening ,it help,diy & repairs") &&
         Write(dir, "date", kDates, "2024-02-29") &&
         Write(dir, "record-request", kRecordRequest,
               record.SerializeAsString()) &&
         Write(dir, "record-item", kRecordItem, item.SerializeAsString()) &&
         Write(dir, "open-account", kOpenAccount, open.SerializeAsString()) &&
         Write(dir, "update-account", kUpdateAccount,
               update.SerializeAsString()) &&
         Write(dir, "create-token", kCreateToken, token.SerializeAsString()) &&
         Write(dir, "create-timebank", kCreateTimebank,
               timebank.SerializeAsString());
}

// fuzz_request_parse: a bulk request whose last item is not UTF-8, and
// whole requests of the other types.
bool WriteRequestParseSeeds(const fs::path& dir) {
  const SeedRequests seeds = MakeSeedRequests();
  v1::RecordExchangesRequest bulk;
  bulk.set_timebank_id("riverside");
  *bulk.add_items() = seeds.item;
  *bulk.add_items() = seeds.item;
  bulk.mutable_items(1)->set_description("Hedge \xC3\x28");
  return Write(dir, "bulk-not-utf8", kParseBulk, bulk.SerializeAsString()) &&
         Write(dir, "create-token", kParseCreateToken,
               seeds.token.SerializeAsString()) &&
         Write(dir, "open-account", kParseOpenAccount,
               seeds.open.SerializeAsString()) &&
         Write(dir, "update-account", kParseUpdateAccount,
               seeds.update.SerializeAsString());
}

}  // namespace
}  // namespace timebank

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path root = argv[1];
  const std::filesystem::path decode = root / "fuzz_entry_decode";
  const std::filesystem::path validation = root / "fuzz_validation";
  const std::filesystem::path request_parse = root / "fuzz_request_parse";
  std::filesystem::create_directories(decode);
  std::filesystem::create_directories(validation);
  std::filesystem::create_directories(request_parse);
  if (!timebank::WriteDecodeSeeds(decode) ||
      !timebank::WriteValidationSeeds(validation) ||
      !timebank::WriteRequestParseSeeds(request_parse)) {
    std::fprintf(stderr, "could not write the seeds under %s\n", argv[1]);
    return 1;
  }
  return 0;
}
