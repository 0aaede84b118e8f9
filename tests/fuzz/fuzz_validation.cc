// libFuzzer target for what checks untrusted input before the ledger acts on
// it: the validation functions of ledger/validation.h, ParseDate of
// ledger/civil_date.h, and the services' conversion of proto requests
// (services/convert.h) followed by the checks the ledger's rules run on the
// converted values. Nothing may crash, and:
//   - an id or text a Check* function accepts has only the allowed bytes and
//     length; a rejection is INVALID_ARGUMENT and names its field;
//   - IsValidUtf8 agrees with an independent table-driven validator;
//   - NormaliseTag is idempotent;
//   - a date ParseDate accepts formats back to the same text, and every day
//     in the accepted range survives FormatDate then ParseDate;
//   - ToInput copies what it is given, fails only with INVALID_ARGUMENT, and
//     converts an enum number so that the ledger's rule accepts exactly the
//     numbers the proto enum names (no out-of-range number aliases).
//
// Input: one selector byte (which check, modulo their number), then the text
// or the serialised request. Seeds: tests/fuzz/corpus/fuzz_validation.

#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "ledger/access.h"
#include "ledger/civil_date.h"
#include "ledger/validation.h"
#include "services/convert.h"
#include "tests/fuzz/fuzz_check.h"
#include "timebank/v1/access.pb.h"
#include "timebank/v1/ledger.pb.h"

namespace timebank {
namespace {

using ledger::Lines;
using ledger::TextRule;

// A rejection is INVALID_ARGUMENT with a message that starts "field: ".
void CheckNamesField(const absl::Status& status, std::string_view field) {
  if (status.ok()) return;
  FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  const std::string prefix = std::string(field) + ": ";
  // absl::string_view is not std::string_view here (Debian's abseil).
  FUZZ_CHECK(std::string(status.message()).rfind(prefix, 0) == 0);
}

bool AllOf(std::string_view text, bool (*allowed)(char)) {
  for (char c : text) {
    if (!allowed(c)) return false;
  }
  return true;
}
bool IsLowerOrDigit(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool IsAlnum(char c) { return IsLowerOrDigit(c) || (c >= 'A' && c <= 'Z'); }

// Well-formed UTF-8 as in Table 3-7 of the Unicode standard, written
// independently of IsValidUtf8: byte ranges instead of decoded values.
bool ReferenceUtf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  auto in = [&](size_t at, unsigned lo, unsigned hi) {
    return at < n && p[at] >= lo && p[at] <= hi;
  };
  while (i < n) {
    const unsigned b = p[i];
    if (b <= 0x7F) {
      i += 1;
    } else if (b >= 0xC2 && b <= 0xDF && in(i + 1, 0x80, 0xBF)) {
      i += 2;
    } else if (b == 0xE0 && in(i + 1, 0xA0, 0xBF) && in(i + 2, 0x80, 0xBF)) {
      i += 3;
    } else if (((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) &&
               in(i + 1, 0x80, 0xBF) && in(i + 2, 0x80, 0xBF)) {
      i += 3;
    } else if (b == 0xED && in(i + 1, 0x80, 0x9F) && in(i + 2, 0x80, 0xBF)) {
      i += 3;
    } else if (b == 0xF0 && in(i + 1, 0x90, 0xBF) && in(i + 2, 0x80, 0xBF) &&
               in(i + 3, 0x80, 0xBF)) {
      i += 4;
    } else if (b >= 0xF1 && b <= 0xF3 && in(i + 1, 0x80, 0xBF) &&
               in(i + 2, 0x80, 0xBF) && in(i + 3, 0x80, 0xBF)) {
      i += 4;
    } else if (b == 0xF4 && in(i + 1, 0x80, 0x8F) && in(i + 2, 0x80, 0xBF) &&
               in(i + 3, 0x80, 0xBF)) {
      i += 4;
    } else {
      return false;
    }
  }
  return true;
}

void CheckIds(std::string_view text) {
  const absl::Status timebank = ledger::CheckTimebankId("tb", text);
  CheckNamesField(timebank, "tb");
  if (timebank.ok()) {
    FUZZ_CHECK(!text.empty() && text.size() <= ledger::kTimebankIdMaxLength);
    FUZZ_CHECK(
        AllOf(text, [](char c) { return IsLowerOrDigit(c) || c == '-'; }));
  }
  const absl::Status account = ledger::CheckAccountId("account", text);
  CheckNamesField(account, "account");
  if (account.ok()) {
    FUZZ_CHECK(!text.empty() && text.size() <= ledger::kAccountIdMaxLength);
    FUZZ_CHECK(text.front() != '.');
    FUZZ_CHECK(AllOf(text, [](char c) {
      return IsAlnum(c) || c == '.' || c == '_' || c == '@' || c == '-';
    }));
  }
  const absl::Status request = ledger::CheckRequestId("request", text);
  CheckNamesField(request, "request");
  if (request.ok()) {
    FUZZ_CHECK(!text.empty() && text.size() <= ledger::kRequestIdMaxLength);
    FUZZ_CHECK(AllOf(text, [](char c) { return c > ' ' && c <= '~'; }));
  }
}

void CheckTexts(std::string_view text) {
  const bool utf8 = ledger::IsValidUtf8(text);
  FUZZ_CHECK(utf8 == ReferenceUtf8(text));
  for (TextRule rule : {TextRule::kRequired, TextRule::kOptional}) {
    const absl::Status single = ledger::CheckText(
        "text", text, ledger::kNameMaxLength, rule, Lines::kSingle);
    const absl::Status multi = ledger::CheckText(
        "text", text, ledger::kNameMaxLength, rule, Lines::kMulti);
    CheckNamesField(single, "text");
    CheckNamesField(multi, "text");
    // Multi-line allows strictly more than single-line.
    if (single.ok()) FUZZ_CHECK(multi.ok());
    if (multi.ok()) {
      FUZZ_CHECK(utf8 && text.size() <= ledger::kNameMaxLength);
      FUZZ_CHECK(rule == TextRule::kOptional || !text.empty());
      for (char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        FUZZ_CHECK(byte >= 0x20 || c == '\n' || c == '\t');
        FUZZ_CHECK(byte != 0x7F);
      }
    }
  }
}

void CheckTags(std::string_view text) {
  const std::string tag = ledger::NormaliseTag(text);
  FUZZ_CHECK(ledger::NormaliseTag(tag) == tag);
  const absl::Status status = ledger::CheckTag("category", tag);
  CheckNamesField(status, "category");
  if (status.ok()) {
    FUZZ_CHECK(!tag.empty() && tag.size() <= ledger::kCategoryMaxLength);
    FUZZ_CHECK(AllOf(tag, [](char c) {
      return IsLowerOrDigit(c) || c == ' ' || c == '-' || c == '_' ||
             c == '/' || c == '&';
    }));
  }
  // Skills: the text split at commas, as a client might send them.
  std::vector<std::string> skills;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ',') {
      skills.push_back(ledger::NormaliseTag(text.substr(start, i - start)));
      start = i + 1;
    }
  }
  const absl::Status all = ledger::CheckSkills("skills", skills);
  CheckNamesField(all, "skills");
  if (all.ok()) FUZZ_CHECK(skills.size() <= ledger::kSkillsMax);
}

void CheckDates(std::string_view text) {
  const std::optional<int32_t> days = ledger::ParseDate(text);
  static const int32_t kFirst = *ledger::ParseDate("1900-01-01");
  static const int32_t kLast = *ledger::ParseDate("2999-12-31");
  if (days) {
    FUZZ_CHECK(*days >= kFirst && *days <= kLast);
    FUZZ_CHECK(ledger::FormatDate(*days) == text);
    const int year = std::stoi(std::string(text.substr(0, 4)));
    const int month = std::stoi(std::string(text.substr(5, 2)));
    FUZZ_CHECK(ledger::MonthOf(*days) == year * 100 + month);
  }
  // Any day in range: the first four bytes pick one.
  if (text.size() >= 4) {
    uint32_t raw = 0;
    std::memcpy(&raw, text.data(), sizeof raw);
    const auto span = static_cast<uint32_t>(kLast - kFirst + 1);
    const int32_t day = kFirst + static_cast<int32_t>(raw % span);
    const std::string formatted = ledger::FormatDate(day);
    const std::optional<int32_t> again = ledger::ParseDate(formatted);
    FUZZ_CHECK(again.has_value() && *again == day);
  }
}

// The shape checks ledger/rules.cc runs on a RecordExchangeInput before it
// looks at any state.
void CheckRecordInput(const ledger::RecordExchangeInput& input) {
  CheckNamesField(ledger::CheckRequestId("request_id", input.request_id),
                  "request_id");
  CheckNamesField(ledger::CheckAccountId("giver_id", input.giver_id),
                  "giver_id");
  CheckNamesField(ledger::CheckAccountId("receiver_id", input.receiver_id),
                  "receiver_id");
  CheckNamesField(
      ledger::CheckTag("category", ledger::NormaliseTag(input.category)),
      "category");
  CheckNamesField(ledger::CheckText("description", input.description,
                                    ledger::kDescriptionMaxLength,
                                    TextRule::kOptional, Lines::kMulti),
                  "description");
  (void)ledger::ParseDate(input.occurred_on);
}

template <typename Message>
bool Parse(std::string_view bytes, Message* message) {
  return message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

void CheckRecordRequest(std::string_view bytes) {
  v1::RecordExchangeRequest request;
  if (!Parse(bytes, &request)) return;
  const ledger::RecordExchangeInput input = services::ToInput(request);
  FUZZ_CHECK(input.request_id == request.request_id());
  FUZZ_CHECK(input.giver_id == request.giver_id());
  FUZZ_CHECK(input.receiver_id == request.receiver_id());
  FUZZ_CHECK(input.minutes == request.minutes());
  FUZZ_CHECK(input.category == request.category());
  FUZZ_CHECK(input.description == request.description());
  FUZZ_CHECK(input.occurred_on == request.occurred_on());
  CheckRecordInput(input);
}

void CheckRecordItem(std::string_view bytes) {
  v1::RecordExchangeItem item;
  if (!Parse(bytes, &item)) return;
  const ledger::RecordExchangeInput input = services::ToInput(item);
  FUZZ_CHECK(input.request_id == item.request_id());
  FUZZ_CHECK(input.minutes == item.minutes());
  FUZZ_CHECK(input.occurred_on == item.occurred_on());
  CheckRecordInput(input);
}

void CheckOpenAccount(std::string_view bytes) {
  v1::OpenAccountRequest request;
  if (!Parse(bytes, &request)) return;
  const ledger::OpenAccountInput input = services::ToInput(request);
  // Whatever number arrives, the ledger's rule accepts exactly the kinds
  // there are (UNSPECIFIED is a PERSON): no number aliases onto one.
  const absl::Status kind = ledger::CheckAccountKind(input.kind);
  FUZZ_CHECK(kind.ok() == (request.kind() >= 0 && request.kind() <= 3));
  if (!kind.ok()) {
    CheckNamesField(kind, "kind");
    return;
  }
  FUZZ_CHECK(request.kind() == 0 ? input.kind == ledger::AccountKind::kPerson
                                 : static_cast<int>(input.kind) ==
                                       static_cast<int>(request.kind()));
  FUZZ_CHECK(input.account_id == request.account_id());
  FUZZ_CHECK(static_cast<int>(input.skills.size()) == request.skills_size());
  CheckNamesField(ledger::CheckAccountId("account_id", input.account_id),
                  "account_id");
  CheckNamesField(
      ledger::CheckText("display_name", input.display_name,
                        ledger::kNameMaxLength, TextRule::kRequired),
      "display_name");
  std::vector<std::string> skills;
  for (const std::string& skill : input.skills) {
    skills.push_back(ledger::NormaliseTag(skill));
  }
  CheckNamesField(ledger::CheckSkills("skills", skills), "skills");
  (void)ledger::ParseDate(input.joined_on);
}

void CheckUpdateAccount(std::string_view bytes) {
  v1::UpdateAccountRequest request;
  if (!Parse(bytes, &request)) return;
  const absl::StatusOr<ledger::UpdateAccountInput> input =
      services::ToInput(request);
  if (!input.ok()) {
    FUZZ_CHECK(input.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  FUZZ_CHECK(input->display_name.has_value() == request.has_display_name());
  if (input->status) {
    const absl::Status status = ledger::CheckAccountStatus(*input->status);
    FUZZ_CHECK(status.ok() == (request.status() >= 1 && request.status() <= 3));
    CheckNamesField(status, "status");
    if (status.ok()) {
      FUZZ_CHECK(static_cast<int>(*input->status) ==
                 static_cast<int>(request.status()));
    }
  }
  FUZZ_CHECK(input->skills.has_value() == request.replace_skills());
}

void CheckCreateToken(std::string_view bytes) {
  v1::CreateTokenRequest request;
  if (!Parse(bytes, &request)) return;
  const ledger::NewToken input = services::ToInput(request);
  const bool known_role =
      request.role() >= v1::ROLE_ADMIN && request.role() <= v1::ROLE_AUDITOR;
  const absl::Status role = ledger::CheckRole(input.role);
  FUZZ_CHECK(role.ok() == known_role);
  if (!role.ok()) {
    CheckNamesField(role, "role");
    return;
  }
  FUZZ_CHECK(static_cast<int>(input.role) == static_cast<int>(request.role()));
  FUZZ_CHECK(static_cast<int>(input.timebank_ids.size()) ==
             request.timebank_ids_size());
  FUZZ_CHECK(input.expires_at_us == request.expires_at_unix_us());
}

void CheckCreateTimebank(std::string_view bytes) {
  v1::CreateTimebankRequest request;
  if (!Parse(bytes, &request)) return;
  CheckNamesField(ledger::CheckTimebankId("timebank_id", request.timebank_id()),
                  "timebank_id");
  const absl::StatusOr<ledger::TimebankSettings> settings =
      services::ToSettings(request.settings());
  if (!settings.ok()) {
    CheckNamesField(settings.status(), "settings.balance_floor_minutes");
    return;
  }
  // What was set is what the ledger gets; 0 means the default largest
  // exchange. CheckSettings (ledger/rules.cc) judges the values later.
  const v1::TimebankSettings& proto = request.settings();
  FUZZ_CHECK(settings->members_may_log == proto.members_may_log());
  FUZZ_CHECK(settings->balance_floor_minutes.has_value() ==
             proto.has_balance_floor());
  FUZZ_CHECK(settings->balance_floor_minutes.value_or(0) ==
             proto.balance_floor_minutes());
  FUZZ_CHECK(settings->max_exchange_minutes ==
             (proto.max_exchange_minutes() != 0
                  ? proto.max_exchange_minutes()
                  : ledger::kDefaultMaxExchangeMinutes));
}

}  // namespace
}  // namespace timebank

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Invalid UTF-8 in a proto3 string makes protobuf log an error for every
  // such input; the parse result is all this target needs.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace timebank;  // NOLINT: only the entry point.
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1,
                              size - 1);
  switch (data[0] % 10) {
    case 0:
      CheckIds(rest);
      break;
    case 1:
      CheckTexts(rest);
      break;
    case 2:
      CheckTags(rest);
      break;
    case 3:
      CheckDates(rest);
      break;
    case 4:
      CheckRecordRequest(rest);
      break;
    case 5:
      CheckRecordItem(rest);
      break;
    case 6:
      CheckOpenAccount(rest);
      break;
    case 7:
      CheckUpdateAccount(rest);
      break;
    case 8:
      CheckCreateToken(rest);
      break;
    case 9:
      CheckCreateTimebank(rest);
      break;
  }
  return 0;
}
