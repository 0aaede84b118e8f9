// Hostile and malformed input over gRPC against a real timebankd: for every
// rpc that takes user input, every field, a table of bad values (empty and
// over-long strings, invalid UTF-8, control characters, ids with path or
// control characters, zero, negative and overflowing numbers, impossible
// dates, unknown enum values, page sizes and tokens out of range). Each must
// be refused with the promised code and a message that begins with the
// field's name, and must change nothing a client can read: the journal's
// length and head hash, every account and balance, tokens, timebanks,
// reflections, the action plan and the thresholds.
//
// The limits are read from the headers that define them, never typed here.

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <functional>
#include <future>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "ledger/access.h"
#include "ledger/civil_date.h"
#include "ledger/report.h"
#include "ledger/rules.h"
#include "ledger/types.h"
#include "ledger/validation.h"
#include "tests/ledger/database_edit.h"
#include "tests/services/rpc_client.h"
#include "tests/services/server_process.h"
#include "tests/services/shared_server_test.h"
#include "tests/test_util/status_assertions.h"
#include "tests/test_util/temp_dir.h"
#include "timebank/v1/admin.grpc.pb.h"

namespace timebank::testing {
namespace {

using grpc::StatusCode;
using AssessmentStub = v1::Assessment::Stub;
using LedgerStub = v1::Ledger::Stub;

constexpr char kTimebank[] = "hostile";
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int32_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int32_t kInt32Min = std::numeric_limits<int32_t>::min();
constexpr uint64_t kUint64Max = std::numeric_limits<uint64_t>::max();

// ------------------------------------------------------------- bad values

struct Bad {
  std::string label;
  std::string value;
};

std::string Repeat(std::string_view unit, size_t times) {
  std::string out;
  for (size_t i = 0; i < times; ++i) out += unit;
  return out;
}

// Bytes that are not UTF-8, or are UTF-8 only in forms the standard forbids.
// They are refused while the request is parsed, before any handler runs
// (see InvalidUtf8IsRefusedByFieldNameInEveryRpc), so the tables below,
// which go through the generated stubs, leave them out.
std::vector<Bad> NotUtf8() {
  return {{"invalid UTF-8", "a\xC3\x28"},
          {"truncated UTF-8", "a\xE2\x82"},
          {"overlong UTF-8 '/'", "\xC0\xAF"},
          {"UTF-16 surrogate", "\xED\xA0\x80"},
          {"lone continuation byte", "\x80"}};
}

// Free text of at most `max_bytes`.
std::vector<Bad> BadText(size_t max_bytes, ledger::TextRule rule,
                         ledger::Lines lines) {
  std::vector<Bad> bad;
  bad.push_back({"over-long by one byte", std::string(max_bytes + 1, 'x')});
  // The limit is in bytes: two-byte characters reach it at half the count.
  bad.push_back({"over-long in two-byte characters",
                 Repeat("\xC3\xA9", max_bytes / 2 + 1)});
  bad.push_back({"control character",
                 "a\x01"
                 "b"});
  bad.push_back({"NUL", std::string("a\0b", 3)});
  bad.push_back({"escape sequence", "a\x1B[31mred"});
  bad.push_back({"DEL", "a\x7F"});
  bad.push_back({"carriage return", "a\rb"});
  if (lines == ledger::Lines::kSingle) {
    bad.push_back({"newline", "a\nb"});
    bad.push_back({"tab", "a\tb"});
  }
  if (rule == ledger::TextRule::kRequired) bad.push_back({"empty", ""});
  return bad;
}

std::vector<Bad> BadTimebankIds() {
  std::vector<Bad> bad;
  bad.insert(bad.end(), {{"empty", ""},
                         {"../x", "../x"},
                         {"a/b", "a/b"},
                         {"newline", "a\nb"},
                         {"NUL", std::string(1, '\0')},
                         {"upper case", "Riverside"},
                         {"space", "river side"},
                         {"non-ASCII", "caf\xC3\xA9"},
                         {"over-long",
                          std::string(ledger::kTimebankIdMaxLength + 1, 'a')}});
  return bad;
}

// Every bad account id but the empty one, for fields where empty means "all".
std::vector<Bad> BadNonEmptyAccountIds() {
  std::vector<Bad> bad;
  bad.insert(bad.end(), {{"../x", "../x"},
                         {"a/b", "a/b"},
                         {"newline", "a\nb"},
                         {"NUL", std::string(1, '\0')},
                         {"embedded NUL", std::string("a\0b", 3)},
                         {"leading dot", ".hidden"},
                         {"space", "a b"},
                         {"non-ASCII", "caf\xC3\xA9"},
                         {"over-long",
                          std::string(ledger::kAccountIdMaxLength + 1, 'a')}});
  return bad;
}

std::vector<Bad> BadAccountIds() {
  std::vector<Bad> bad = BadNonEmptyAccountIds();
  bad.push_back({"empty", ""});
  return bad;
}

std::vector<Bad> BadRequestIds() {
  std::vector<Bad> bad;
  bad.insert(bad.end(), {{"empty", ""},
                         {"space", "a b"},
                         {"newline", "a\nb"},
                         {"NUL", std::string(1, '\0')},
                         {"DEL", "a\x7F"},
                         {"non-ASCII", "caf\xC3\xA9"},
                         {"over-long",
                          std::string(ledger::kRequestIdMaxLength + 1, 'r')}});
  return bad;
}

std::vector<Bad> BadTags() {
  std::vector<Bad> bad;
  bad.insert(bad.end(),
             {{"empty", ""},
              {"only spaces", "   "},
              {"newline", "a\nb"},
              {"NUL", std::string(1, '\0')},
              {"../x", "../x"},
              {"punctuation", "garden!"},
              {"non-ASCII", "caf\xC3\xA9"},
              {"over-long", std::string(ledger::kCategoryMaxLength + 1, 'g')}});
  return bad;
}

// "YYYY-MM-DD" of the UTC day `days_ahead` from now.
std::string UtcDatePlusDays(int days_ahead) {
  const std::time_t t = std::chrono::system_clock::to_time_t(
      std::chrono::system_clock::now() + std::chrono::hours(24 * days_ahead));
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &tm);
  return text;
}

// Not a real day as YYYY-MM-DD. Empty is bad only where a date is required.
std::vector<Bad> BadDates(ledger::TextRule rule) {
  std::vector<Bad> bad = {
      {"30 February", "2024-02-30"},
      {"29 February of a common year", "2023-02-29"},
      {"month 13", "2024-13-01"},
      {"month 0", "2024-00-10"},
      {"day 0", "2024-05-00"},
      {"no leading zeros", "2024-5-1"},
      {"two-digit year", "24-05-01"},
      {"slashes", "2024/05/01"},
      {"day first", "01-05-2024"},
      {"trailing newline", "2024-05-01\n"},
      {"trailing text", "2024-05-01x"},
      {"leading space", " 2024-05-01"},
      {"sign", "+024-05-01"},
      {"NUL", std::string("2024-05-0\0", 10)},
      {"before the first year",
       std::to_string(ledger::kMinYear - 1) + "-12-31"},
      {"after the last year", std::to_string(ledger::kMaxYear + 1) + "-01-01"},
      {"not a date", "yesterday"},
  };
  if (rule == ledger::TextRule::kRequired) bad.push_back({"empty", ""});
  return bad;
}

std::vector<Bad> BadSeqTokens() {
  return {{"letters", "abc"},
          {"negative", "-1"},
          {"trailing text", "12x"},
          {"past uint64", "18446744073709551616"},
          {"NUL", std::string(1, '\0')},
          {"path", "../x"}};
}

std::vector<int32_t> BadPageSizes() {
  return {-1, ledger::kPageSizeMax + 1, kInt32Min, kInt32Max};
}

// Raw numbers no enum of the API defines. 256 and 257 would wrap onto 0 and
// 1 if converted carelessly to the ledger's uint8_t enums.
std::vector<int> UnknownEnumValues() { return {99, -1, kInt32Max, 256, 257}; }

// ------------------------------------------------------------------ cases

// One bad request: the code and the field its refusal must name.
struct Case {
  std::string what;
  StatusCode code;
  std::string field;
  std::function<grpc::Status()> call;
};

template <typename Request>
using Caller = std::function<grpc::Status(const Request&)>;

// A case for each of `values`, set into a copy of `base` by `set`.
template <typename Request, typename Value>
void AddCases(std::vector<Case>* cases, const std::string& rpc,
              const std::string& field, const std::vector<Value>& values,
              const Request& base,
              const std::function<void(Request&, const Value&)>& set,
              const Caller<Request>& call,
              StatusCode code = StatusCode::INVALID_ARGUMENT) {
  for (const Value& value : values) {
    Request request = base;
    set(request, value);
    std::string label;
    if constexpr (std::is_same_v<Value, Bad>) {
      label = value.label;
    } else {
      label = ::testing::PrintToString(value);
    }
    cases->push_back({rpc + " " + field + " = " + label, code, field,
                      [call, request] { return call(request); }});
  }
}

// The status of the only item of a RecordExchanges reply, so per-item
// refusals are checked like whole-call ones.
grpc::Status OnlyItemStatus(const Rpc<v1::RecordExchangesResponse>& rpc) {
  if (!rpc.ok()) return rpc.status;
  if (rpc->results_size() != 1) {
    return grpc::Status(StatusCode::INTERNAL, "expected exactly one result");
  }
  const v1::RecordExchangeResult& result = rpc->results(0);
  if (result.has_exchange()) return grpc::Status::OK;
  return grpc::Status(static_cast<StatusCode>(result.error().code()),
                      result.error().message());
}

// Reads a WatchJournal stream to its end and returns how it ended.
grpc::Status WatchToEnd(const Client& client,
                        const v1::WatchJournalRequest& request) {
  std::unique_ptr<grpc::ClientContext> context =
      client.NewContext(std::chrono::seconds(5));
  std::unique_ptr<grpc::ClientReader<v1::JournalEntry>> stream =
      client.ledger().WatchJournal(context.get(), request);
  v1::JournalEntry entry;
  while (stream->Read(&entry)) {
  }
  return stream->Finish();
}

// A timebank with members logging allowed, accounts kathy and vera, a
// confirmed exchange (seq 1), a pending one (seq 2), a reflection and an
// action: something for every request to aim at.
class HostileInputTest : public SharedServerTest<HostileInputTest> {
 protected:
  static void SetUpTestSuite() {
    SharedServerTest::SetUpTestSuite();
    if (!server_started()) return;
    try {
      const Client admin(server().NewChannel(), server().admin_token());
      v1::CreateTimebankRequest create;
      create.set_timebank_id(kTimebank);
      create.set_name("Hostile Input");
      create.mutable_settings()->set_members_may_log(true);
      Must(admin.Call(&LedgerStub::CreateTimebank, create), "create");
      Must(admin.OpenAccount(kTimebank, "kathy"), "open kathy");
      Must(admin.OpenAccount(kTimebank, "vera"), "open vera");
      confirmed_seq_ = Must(admin.RecordExchange(ExchangeRequest(
                                kTimebank, "h-1", "kathy", "vera", 60)),
                            "record")
                           .seq();
      const Client vera =
          admin.WithToken(Must(admin.CreateToken(v1::ROLE_MEMBER, {kTimebank},
                                                 "vera", "hostile-vera"),
                               "member token")
                              .token());
      pending_seq_ = Must(vera.RecordExchange(ExchangeRequest(
                              kTimebank, "h-2", "vera", "kathy", 30)),
                          "log")
                         .seq();
      v1::SubmitReflectionRequest reflection;
      reflection.set_timebank_id(kTimebank);
      reflection.set_request_id("h-r");
      reflection.set_principle(v1::PRINCIPLE_RECIPROCITY);
      reflection.set_perspective(v1::PERSPECTIVE_MEMBER);
      reflection.set_stage(2);
      reflection.set_evidence("We swap lifts to the shops");
      reflection.set_reflected_on("2024-03-01");
      Must(admin.Call(&AssessmentStub::SubmitReflection, reflection),
           "reflection");
      action_id_ =
          Must(admin.Call(&AssessmentStub::AddAction, BaseAction()), "action")
              .action_id();
      v1::GetThresholdsRequest thresholds;
      thresholds.set_timebank_id(kTimebank);
      metric_ = Must(admin.Call(&AssessmentStub::GetThresholds, thresholds),
                     "thresholds")
                    .thresholds(0)
                    .metric();
    } catch (const std::exception& e) {
      world_error_ = e.what();
    }
  }

  void SetUp() override {
    SharedServerTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(world_error_.empty()) << world_error_;
  }

  static v1::AddActionRequest BaseAction() {
    v1::AddActionRequest action;
    action.set_timebank_id(kTimebank);
    action.set_request_id("h-a");
    action.set_who("the day centre staff");
    action.set_what("Start a lunch club");
    action.set_status(v1::ACTION_STATUS_PLANNED);
    return action;
  }

  // Everything a refused request might have changed, as bytes.
  std::string Books() const {
    std::string books = Must(admin().GetTimebank(kTimebank), "get timebank")
                            .SerializeAsString();
    v1::ListAccountsRequest accounts;
    accounts.set_timebank_id(kTimebank);
    accounts.set_page_size(ledger::kPageSizeMax);
    books += Must(admin().Call(&LedgerStub::ListAccounts, accounts), "accounts")
                 .SerializeAsString();
    books += Must(admin().Call(&LedgerStub::ListTimebanks,
                               v1::ListTimebanksRequest()),
                  "timebanks")
                 .SerializeAsString();
    books += Must(admin().ListTokens(), "tokens").SerializeAsString();
    v1::ListReflectionsRequest reflections;
    reflections.set_timebank_id(kTimebank);
    books += Must(admin().Call(&AssessmentStub::ListReflections, reflections),
                  "reflections")
                 .SerializeAsString();
    v1::ListActionsRequest actions;
    actions.set_timebank_id(kTimebank);
    books +=
        Must(admin().Call(&AssessmentStub::ListActions, actions), "actions")
            .SerializeAsString();
    v1::GetThresholdsRequest thresholds;
    thresholds.set_timebank_id(kTimebank);
    books += Must(admin().Call(&AssessmentStub::GetThresholds, thresholds),
                  "thresholds")
                 .SerializeAsString();
    return books;
  }

  // Every case is refused as it says, and the books stay as they were.
  void ExpectRefusedChangingNothing(const std::vector<Case>& cases) {
    ASSERT_FALSE(cases.empty());
    const std::string before = Books();
    for (const Case& c : cases) {
      SCOPED_TRACE(c.what);
      EXPECT_PRED_FORMAT3(RpcFailedWithFormatter, c.call(), c.code, c.field);
      EXPECT_TRUE(Books() == before) << c.what << " changed the books";
    }
  }

  // A caller of a unary method with the admin token.
  template <typename Stub, typename Request, typename Reply>
  Caller<Request> Via(grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                   const Request&, Reply*)) {
    const Client* client = &admin();
    return [client, method](const Request& request) {
      return client->Call(method, request).status;
    };
  }

  static inline uint64_t confirmed_seq_ = 0;
  static inline uint64_t pending_seq_ = 0;
  static inline uint64_t action_id_ = 0;
  static inline std::string metric_;
  static inline std::string world_error_;
};

std::vector<int64_t> BadMaxExchangeMinutes() {
  return {-1, ledger::kMaxExchangeMinutesLimit + 1, kInt64Max, kInt64Min};
}
std::vector<int64_t> BadBalanceFloors() {
  return {1, ledger::kBalanceFloorLimitMinutes - 1, kInt64Min, kInt64Max};
}

TEST_F(HostileInputTest, CreateAndUpdateTimebankRefuseEveryBadField) {
  std::vector<Case> cases;
  v1::CreateTimebankRequest create;
  create.set_timebank_id("fresh-timebank");
  create.set_name("Fresh");
  const auto create_call = Via(&LedgerStub::CreateTimebank);
  AddCases<v1::CreateTimebankRequest, Bad>(
      &cases, "CreateTimebank", "timebank_id", BadTimebankIds(), create,
      [](auto& r, const Bad& b) { r.set_timebank_id(b.value); }, create_call);
  AddCases<v1::CreateTimebankRequest, Bad>(
      &cases, "CreateTimebank", "name",
      BadText(ledger::kNameMaxLength, ledger::TextRule::kRequired,
              ledger::Lines::kSingle),
      create, [](auto& r, const Bad& b) { r.set_name(b.value); }, create_call);
  AddCases<v1::CreateTimebankRequest, int64_t>(
      &cases, "CreateTimebank", "settings.max_exchange_minutes",
      BadMaxExchangeMinutes(), create,
      [](auto& r, const int64_t& v) {
        r.mutable_settings()->set_max_exchange_minutes(v);
      },
      create_call);
  AddCases<v1::CreateTimebankRequest, int64_t>(
      &cases, "CreateTimebank", "settings.balance_floor_minutes",
      BadBalanceFloors(), create,
      [](auto& r, const int64_t& v) {
        r.mutable_settings()->set_has_balance_floor(true);
        r.mutable_settings()->set_balance_floor_minutes(v);
      },
      create_call);
  // A floor without has_balance_floor would silently be no floor at all.
  AddCases<v1::CreateTimebankRequest, int64_t>(
      &cases, "CreateTimebank", "settings.balance_floor_minutes", {-60}, create,
      [](auto& r, const int64_t& v) {
        r.mutable_settings()->set_balance_floor_minutes(v);
      },
      create_call);

  v1::UpdateTimebankRequest update;
  update.set_timebank_id(kTimebank);
  update.mutable_settings()->set_members_may_log(true);
  const auto update_call = Via(&LedgerStub::UpdateTimebank);
  AddCases<v1::UpdateTimebankRequest, Bad>(
      &cases, "UpdateTimebank", "timebank_id", BadTimebankIds(), update,
      [](auto& r, const Bad& b) { r.set_timebank_id(b.value); }, update_call);
  AddCases<v1::UpdateTimebankRequest, int64_t>(
      &cases, "UpdateTimebank", "settings.max_exchange_minutes",
      BadMaxExchangeMinutes(), update,
      [](auto& r, const int64_t& v) {
        r.mutable_settings()->set_max_exchange_minutes(v);
      },
      update_call);
  AddCases<v1::UpdateTimebankRequest, int64_t>(
      &cases, "UpdateTimebank", "settings.balance_floor_minutes",
      BadBalanceFloors(), update,
      [](auto& r, const int64_t& v) {
        r.mutable_settings()->set_has_balance_floor(true);
        r.mutable_settings()->set_balance_floor_minutes(v);
      },
      update_call);
  AddCases<v1::UpdateTimebankRequest, Bad>(
      &cases, "UpdateTimebank", "settings", {{"missing", ""}}, update,
      [](auto& r, const Bad&) { r.clear_settings(); }, update_call);
  ExpectRefusedChangingNothing(cases);
}

TEST_F(HostileInputTest, AccountRpcsRefuseEveryBadField) {
  std::vector<Case> cases;
  v1::OpenAccountRequest open;
  open.set_timebank_id(kTimebank);
  open.set_account_id("newcomer");
  open.set_display_name("New Comer");
  open.set_kind(v1::ACCOUNT_KIND_PERSON);
  const auto open_call = Via(&LedgerStub::OpenAccount);
  AddCases<v1::OpenAccountRequest, Bad>(
      &cases, "OpenAccount", "timebank_id", BadTimebankIds(), open,
      [](auto& r, const Bad& b) { r.set_timebank_id(b.value); }, open_call);
  AddCases<v1::OpenAccountRequest, Bad>(
      &cases, "OpenAccount", "account_id", BadAccountIds(), open,
      [](auto& r, const Bad& b) { r.set_account_id(b.value); }, open_call);
  AddCases<v1::OpenAccountRequest, Bad>(
      &cases, "OpenAccount", "display_name",
      BadText(ledger::kNameMaxLength, ledger::TextRule::kRequired,
              ledger::Lines::kSingle),
      open, [](auto& r, const Bad& b) { r.set_display_name(b.value); },
      open_call);
  AddCases<v1::OpenAccountRequest, Bad>(
      &cases, "OpenAccount", "external_ref",
      BadText(ledger::kExternalRefMaxLength, ledger::TextRule::kOptional,
              ledger::Lines::kSingle),
      open, [](auto& r, const Bad& b) { r.set_external_ref(b.value); },
      open_call);
  AddCases<v1::OpenAccountRequest, Bad>(
      &cases, "OpenAccount", "skills", BadTags(), open,
      [](auto& r, const Bad& b) {
        r.add_skills("gardening");
        r.add_skills(b.value);
      },
      open_call);
  AddCases<v1::OpenAccountRequest, int64_t>(
      &cases, "OpenAccount", "skills",
      {static_cast<int64_t>(ledger::kSkillsMax) + 1}, open,
      [](auto& r, const int64_t& count) {
        for (int64_t i = 0; i < count; ++i) {
          r.add_skills("skill " + std::to_string(i));
        }
      },
      open_call);
  AddCases<v1::OpenAccountRequest, Bad>(
      &cases, "OpenAccount", "joined_on", BadDates(ledger::TextRule::kOptional),
      open, [](auto& r, const Bad& b) { r.set_joined_on(b.value); }, open_call);
  AddCases<v1::OpenAccountRequest, int>(
      &cases, "OpenAccount", "kind", UnknownEnumValues(), open,
      [](auto& r, const int& v) {
        r.set_kind(static_cast<v1::AccountKind>(v));
      },
      open_call);

  v1::UpdateAccountRequest update;
  update.set_timebank_id(kTimebank);
  update.set_account_id("kathy");
  const auto update_call = Via(&LedgerStub::UpdateAccount);
  AddCases<v1::UpdateAccountRequest, Bad>(
      &cases, "UpdateAccount", "account_id", BadAccountIds(), update,
      [](auto& r, const Bad& b) {
        r.set_account_id(b.value);
        r.set_display_name("Kathy");
      },
      update_call);
  AddCases<v1::UpdateAccountRequest, Bad>(
      &cases, "UpdateAccount", "display_name",
      BadText(ledger::kNameMaxLength, ledger::TextRule::kRequired,
              ledger::Lines::kSingle),
      update, [](auto& r, const Bad& b) { r.set_display_name(b.value); },
      update_call);
  AddCases<v1::UpdateAccountRequest, Bad>(
      &cases, "UpdateAccount", "external_ref",
      BadText(ledger::kExternalRefMaxLength, ledger::TextRule::kOptional,
              ledger::Lines::kSingle),
      update, [](auto& r, const Bad& b) { r.set_external_ref(b.value); },
      update_call);
  AddCases<v1::UpdateAccountRequest, Bad>(
      &cases, "UpdateAccount", "skills", BadTags(), update,
      [](auto& r, const Bad& b) {
        r.set_replace_skills(true);
        r.add_skills(b.value);
      },
      update_call);
  AddCases<v1::UpdateAccountRequest, Bad>(
      &cases, "UpdateAccount", "skills", {{"without replace_skills", "ok"}},
      update, [](auto& r, const Bad& b) { r.add_skills(b.value); },
      update_call);
  std::vector<int> bad_statuses = UnknownEnumValues();
  bad_statuses.push_back(v1::ACCOUNT_STATUS_UNSPECIFIED);
  AddCases<v1::UpdateAccountRequest, int>(
      &cases, "UpdateAccount", "status", bad_statuses, update,
      [](auto& r, const int& v) {
        r.set_status(static_cast<v1::AccountStatus>(v));
      },
      update_call);

  v1::GetAccountRequest get;
  get.set_timebank_id(kTimebank);
  AddCases<v1::GetAccountRequest, Bad>(
      &cases, "GetAccount", "account_id", BadAccountIds(), get,
      [](auto& r, const Bad& b) { r.set_account_id(b.value); },
      Via(&LedgerStub::GetAccount));
  v1::GetBalanceRequest balance;
  balance.set_timebank_id(kTimebank);
  AddCases<v1::GetBalanceRequest, Bad>(
      &cases, "GetBalance", "account_id", BadAccountIds(), balance,
      [](auto& r, const Bad& b) { r.set_account_id(b.value); },
      Via(&LedgerStub::GetBalance));
  v1::EraseAccountRequest erase;
  erase.set_timebank_id(kTimebank);
  AddCases<v1::EraseAccountRequest, Bad>(
      &cases, "EraseAccount", "account_id", BadAccountIds(), erase,
      [](auto& r, const Bad& b) { r.set_account_id(b.value); },
      Via(&LedgerStub::EraseAccount));

  v1::ListAccountsRequest list;
  list.set_timebank_id(kTimebank);
  const auto list_call = Via(&LedgerStub::ListAccounts);
  AddCases<v1::ListAccountsRequest, int>(
      &cases, "ListAccounts", "page_size", BadPageSizes(), list,
      [](auto& r, const int& v) { r.set_page_size(v); }, list_call);
  AddCases<v1::ListAccountsRequest, Bad>(
      &cases, "ListAccounts", "page_token", BadNonEmptyAccountIds(), list,
      [](auto& r, const Bad& b) { r.set_page_token(b.value); }, list_call);
  ExpectRefusedChangingNothing(cases);
}

// The fields RecordExchange and the items of RecordExchanges share, set
// through `set` into whichever request the caller builds.
template <typename Request>
void AddExchangeFieldCases(
    std::vector<Case>* cases, const std::string& rpc, const Request& base,
    const Caller<Request>& call,
    const std::function<v1::RecordExchangeItem*(Request&)>& item_of) {
  using SetField =
      std::function<void(v1::RecordExchangeItem&, const std::string&)>;
  const auto text = [&](const std::string& field,
                        const std::vector<Bad>& values, const SetField& set) {
    AddCases<Request, Bad>(
        cases, rpc, field, values, base,
        [item_of, set](Request& r, const Bad& b) { set(*item_of(r), b.value); },
        call);
  };
  text("request_id", BadRequestIds(),
       [](auto& item, const std::string& v) { item.set_request_id(v); });
  text("giver_id", BadAccountIds(),
       [](auto& item, const std::string& v) { item.set_giver_id(v); });
  text("receiver_id", BadAccountIds(),
       [](auto& item, const std::string& v) { item.set_receiver_id(v); });
  text("category", BadTags(),
       [](auto& item, const std::string& v) { item.set_category(v); });
  text("description",
       BadText(ledger::kDescriptionMaxLength, ledger::TextRule::kOptional,
               ledger::Lines::kMulti),
       [](auto& item, const std::string& v) { item.set_description(v); });
  std::vector<Bad> dates = BadDates(ledger::TextRule::kRequired);
  // A day of slack is allowed for members ahead of UTC; two days is not.
  dates.push_back({"the day after tomorrow", UtcDatePlusDays(2)});
  text("occurred_on", dates,
       [](auto& item, const std::string& v) { item.set_occurred_on(v); });
  AddCases<Request, int64_t>(
      cases, rpc, "minutes",
      {0, -1, kInt64Min, kInt64Max, ledger::kDefaultMaxExchangeMinutes + 1},
      base,
      [item_of](Request& r, const int64_t& v) { item_of(r)->set_minutes(v); },
      call);
  AddCases<Request, Bad>(
      cases, rpc, "receiver_id", {{"the giver", "kathy"}}, base,
      [item_of](Request& r, const Bad& b) {
        item_of(r)->set_receiver_id(b.value);
      },
      call);
}

TEST_F(HostileInputTest, RecordExchangeRefusesEveryBadField) {
  std::vector<Case> cases;
  // The request as an item, so both rpcs share one table.
  struct Single {
    std::string timebank_id = kTimebank;
    v1::RecordExchangeItem item;
  };
  Single base;
  base.item = ExchangeItem(
      ExchangeRequest(kTimebank, "h-new", "kathy", "vera", 30, "2024-05-01"));
  const Client* client = &admin();
  const Caller<Single> record = [client](const Single& s) {
    v1::RecordExchangeRequest request;
    request.set_timebank_id(s.timebank_id);
    request.set_request_id(s.item.request_id());
    request.set_giver_id(s.item.giver_id());
    request.set_receiver_id(s.item.receiver_id());
    request.set_minutes(s.item.minutes());
    request.set_category(s.item.category());
    request.set_description(s.item.description());
    request.set_occurred_on(s.item.occurred_on());
    return client->RecordExchange(request).status;
  };
  AddExchangeFieldCases<Single>(&cases, "RecordExchange", base, record,
                                [](Single& s) { return &s.item; });
  AddCases<Single, Bad>(
      &cases, "RecordExchange", "timebank_id", BadTimebankIds(), base,
      [](Single& s, const Bad& b) { s.timebank_id = b.value; }, record);
  ExpectRefusedChangingNothing(cases);
}

TEST_F(HostileInputTest, RecordExchangesRefusesEveryBadItemField) {
  std::vector<Case> cases;
  v1::RecordExchangesRequest base;
  base.set_timebank_id(kTimebank);
  *base.add_items() = ExchangeItem(
      ExchangeRequest(kTimebank, "h-bulk", "kathy", "vera", 30, "2024-05-01"));
  const Client* client = &admin();
  const Caller<v1::RecordExchangesRequest> record =
      [client](const v1::RecordExchangesRequest& request) {
        return OnlyItemStatus(
            client->Call(&LedgerStub::RecordExchanges, request));
      };
  AddExchangeFieldCases<v1::RecordExchangesRequest>(
      &cases, "RecordExchanges", base, record,
      [](v1::RecordExchangesRequest& r) { return r.mutable_items(0); });
  AddCases<v1::RecordExchangesRequest, Bad>(
      &cases, "RecordExchanges", "timebank_id", BadTimebankIds(), base,
      [](auto& r, const Bad& b) { r.set_timebank_id(b.value); }, record);
  AddCases<v1::RecordExchangesRequest, Bad>(
      &cases, "RecordExchanges", "items", {{"none", ""}}, base,
      [](auto& r, const Bad&) { r.clear_items(); }, record);
  ExpectRefusedChangingNothing(cases);
}

TEST_F(HostileInputTest, ConfirmRejectAndReverseRefuseEveryBadField) {
  std::vector<Case> cases;
  const auto add_common = [&]<typename Request>(const std::string& rpc,
                                                Request base,
                                                const Caller<Request>& call) {
    AddCases<Request, Bad>(
        &cases, rpc, "timebank_id", BadTimebankIds(), base,
        [](Request& r, const Bad& b) { r.set_timebank_id(b.value); }, call);
    AddCases<Request, Bad>(
        &cases, rpc, "request_id", BadRequestIds(), base,
        [](Request& r, const Bad& b) { r.set_request_id(b.value); }, call);
    AddCases<Request, uint64_t>(
        &cases, rpc, "seq", {0}, base,
        [](Request& r, const uint64_t& v) { r.set_seq(v); }, call);
    AddCases<Request, uint64_t>(
        &cases, rpc, "seq", {kUint64Max}, base,
        [](Request& r, const uint64_t& v) { r.set_seq(v); }, call,
        StatusCode::NOT_FOUND);
  };
  const auto add_reason = [&]<typename Request>(const std::string& rpc,
                                                Request base,
                                                const Caller<Request>& call) {
    AddCases<Request, Bad>(
        &cases, rpc, "reason",
        BadText(ledger::kDescriptionMaxLength, ledger::TextRule::kOptional,
                ledger::Lines::kMulti),
        base, [](Request& r, const Bad& b) { r.set_reason(b.value); }, call);
  };
  v1::ConfirmExchangeRequest confirm;
  confirm.set_timebank_id(kTimebank);
  confirm.set_seq(pending_seq_);
  confirm.set_request_id("h-confirm");
  add_common("ConfirmExchange", confirm, Via(&LedgerStub::ConfirmExchange));

  v1::RejectExchangeRequest reject;
  reject.set_timebank_id(kTimebank);
  reject.set_seq(pending_seq_);
  reject.set_request_id("h-reject");
  add_common("RejectExchange", reject, Via(&LedgerStub::RejectExchange));
  add_reason("RejectExchange", reject, Via(&LedgerStub::RejectExchange));

  v1::ReverseExchangeRequest reverse;
  reverse.set_timebank_id(kTimebank);
  reverse.set_seq(confirmed_seq_);
  reverse.set_request_id("h-reverse");
  add_common("ReverseExchange", reverse, Via(&LedgerStub::ReverseExchange));
  add_reason("ReverseExchange", reverse, Via(&LedgerStub::ReverseExchange));
  ExpectRefusedChangingNothing(cases);
}

TEST_F(HostileInputTest, ReadsOfTheJournalRefuseEveryBadField) {
  std::vector<Case> cases;
  v1::GetExchangeRequest get;
  get.set_timebank_id(kTimebank);
  get.set_seq(confirmed_seq_);
  const auto get_call = Via(&LedgerStub::GetExchange);
  AddCases<v1::GetExchangeRequest, Bad>(
      &cases, "GetExchange", "timebank_id", BadTimebankIds(), get,
      [](auto& r, const Bad& b) { r.set_timebank_id(b.value); }, get_call);
  AddCases<v1::GetExchangeRequest, uint64_t>(
      &cases, "GetExchange", "seq", {0}, get,
      [](auto& r, const uint64_t& v) { r.set_seq(v); }, get_call);
  AddCases<v1::GetExchangeRequest, uint64_t>(
      &cases, "GetExchange", "seq", {kUint64Max}, get,
      [](auto& r, const uint64_t& v) { r.set_seq(v); }, get_call,
      StatusCode::NOT_FOUND);

  v1::ListExchangesRequest list;
  list.set_timebank_id(kTimebank);
  const auto list_call = Via(&LedgerStub::ListExchanges);
  AddCases<v1::ListExchangesRequest, Bad>(
      &cases, "ListExchanges", "timebank_id", BadTimebankIds(), list,
      [](auto& r, const Bad& b) { r.set_timebank_id(b.value); }, list_call);
  AddCases<v1::ListExchangesRequest, Bad>(
      &cases, "ListExchanges", "account_id", BadNonEmptyAccountIds(), list,
      [](auto& r, const Bad& b) { r.set_account_id(b.value); }, list_call);
  AddCases<v1::ListExchangesRequest, Bad>(
      &cases, "ListExchanges", "from_date",
      BadDates(ledger::TextRule::kOptional), list,
      [](auto& r, const Bad& b) { r.set_from_date(b.value); }, list_call);
  AddCases<v1::ListExchangesRequest, Bad>(
      &cases, "ListExchanges", "to_date", BadDates(ledger::TextRule::kOptional),
      list, [](auto& r, const Bad& b) { r.set_to_date(b.value); }, list_call);
  AddCases<v1::ListExchangesRequest, Bad>(
      &cases, "ListExchanges", "to_date", {{"before from_date", "2024-01-01"}},
      list,
      [](auto& r, const Bad& b) {
        r.set_from_date("2024-02-01");
        r.set_to_date(b.value);
      },
      list_call);
  AddCases<v1::ListExchangesRequest, int>(
      &cases, "ListExchanges", "page_size", BadPageSizes(), list,
      [](auto& r, const int& v) { r.set_page_size(v); }, list_call);
  AddCases<v1::ListExchangesRequest, Bad>(
      &cases, "ListExchanges", "page_token", BadSeqTokens(), list,
      [](auto& r, const Bad& b) { r.set_page_token(b.value); }, list_call);

  AddCases<v1::GetTimebankRequest, Bad>(
      &cases, "GetTimebank", "timebank_id", BadTimebankIds(), {},
      [](auto& r, const Bad& b) { r.set_timebank_id(b.value); },
      Via(&LedgerStub::GetTimebank));
  AddCases<v1::SnapshotBalancesRequest, Bad>(
      &cases, "SnapshotBalances", "timebank_id", BadTimebankIds(), {},
      [](auto& r, const Bad& b) { r.set_timebank_id(b.value); },
      Via(&LedgerStub::SnapshotBalances));
  AddCases<v1::VerifyJournalRequest, Bad>(
      &cases, "VerifyJournal", "timebank_id", BadTimebankIds(), {},
      [](auto& r, const Bad& b) { r.set_timebank_id(b.value); },
      Via(&LedgerStub::VerifyJournal));

  const Client* client = &admin();
  const Caller<v1::WatchJournalRequest> watch =
      [client](const v1::WatchJournalRequest& request) {
        return WatchToEnd(*client, request);
      };
  v1::WatchJournalRequest follow;
  follow.set_timebank_id(kTimebank);
  follow.set_from_seq(1);
  AddCases<v1::WatchJournalRequest, Bad>(
      &cases, "WatchJournal", "timebank_id", BadTimebankIds(), follow,
      [](auto& r, const Bad& b) { r.set_timebank_id(b.value); }, watch);
  const uint64_t last_seq =
      Must(admin().GetTimebank(kTimebank), "get timebank").last_seq();
  AddCases<v1::WatchJournalRequest, uint64_t>(
      &cases, "WatchJournal", "from_seq", {last_seq + 2, kUint64Max}, follow,
      [](auto& r, const uint64_t& v) { r.set_from_seq(v); }, watch);
  ExpectRefusedChangingNothing(cases);
}

TEST_F(HostileInputTest, TokenRpcsRefuseEveryBadField) {
  std::vector<Case> cases;
  v1::CreateTokenRequest create;
  create.set_role(v1::ROLE_COORDINATOR);
  create.add_timebank_ids(kTimebank);
  create.set_name("hostile-token");
  const auto create_call = Via(&v1::Access::Stub::CreateToken);
  AddCases<v1::CreateTokenRequest, Bad>(
      &cases, "CreateToken", "name",
      BadText(ledger::kActorNameMaxLength, ledger::TextRule::kRequired,
              ledger::Lines::kSingle),
      create, [](auto& r, const Bad& b) { r.set_name(b.value); }, create_call);
  AddCases<v1::CreateTokenRequest, Bad>(
      &cases, "CreateToken", "timebank_ids", BadTimebankIds(), create,
      [](auto& r, const Bad& b) { r.set_timebank_ids(0, b.value); },
      create_call);
  std::vector<int> bad_roles = UnknownEnumValues();
  bad_roles.push_back(v1::ROLE_UNSPECIFIED);
  AddCases<v1::CreateTokenRequest, int>(
      &cases, "CreateToken", "role", bad_roles, create,
      [](auto& r, const int& v) { r.set_role(static_cast<v1::Role>(v)); },
      create_call);
  AddCases<v1::CreateTokenRequest, Bad>(
      &cases, "CreateToken", "account_id", BadAccountIds(), create,
      [](auto& r, const Bad& b) {
        r.set_role(v1::ROLE_MEMBER);
        r.set_account_id(b.value);
      },
      create_call);
  AddCases<v1::CreateTokenRequest, int64_t>(
      &cases, "CreateToken", "expires_at_unix_us", {-1, 1, kInt64Min}, create,
      [](auto& r, const int64_t& v) { r.set_expires_at_unix_us(v); },
      create_call);

  v1::RevokeTokenRequest revoke;
  AddCases<v1::RevokeTokenRequest, Bad>(
      &cases, "RevokeToken", "token_id",
      {{"empty", ""},
       {"../x", "../x"},
       {"NUL", std::string(1, '\0')},
       {"one short", std::string(ledger::kTokenIdLength - 1, 'f')},
       {"one over", std::string(ledger::kTokenIdLength + 1, 'f')},
       {"upper case", std::string(ledger::kTokenIdLength, 'F')},
       {"not hexadecimal", std::string(ledger::kTokenIdLength, 'g')},
       {"over-long", std::string(ledger::kRequestIdMaxLength + 1, 'f')}},
      revoke, [](auto& r, const Bad& b) { r.set_token_id(b.value); },
      Via(&v1::Access::Stub::RevokeToken));
  AddCases<v1::RevokeTokenRequest, Bad>(
      &cases, "RevokeToken", "token_id",
      {{"well-formed, no such token",
        std::string(ledger::kTokenIdLength, 'f')}},
      revoke, [](auto& r, const Bad& b) { r.set_token_id(b.value); },
      Via(&v1::Access::Stub::RevokeToken), StatusCode::NOT_FOUND);
  ExpectRefusedChangingNothing(cases);
}

TEST_F(HostileInputTest, ReportAndAssessmentRefuseEveryBadField) {
  std::vector<Case> cases;
  v1::GetReciprocityReportRequest report;
  report.set_timebank_id(kTimebank);
  report.set_from("2024-01-01");
  report.set_to("2024-12-31");
  const auto report_call = Via(&AssessmentStub::GetReciprocityReport);
  AddCases<v1::GetReciprocityReportRequest, Bad>(
      &cases, "GetReciprocityReport", "timebank_id", BadTimebankIds(), report,
      [](auto& r, const Bad& b) { r.set_timebank_id(b.value); }, report_call);
  AddCases<v1::GetReciprocityReportRequest, Bad>(
      &cases, "GetReciprocityReport", "from",
      BadDates(ledger::TextRule::kRequired), report,
      [](auto& r, const Bad& b) { r.set_from(b.value); }, report_call);
  AddCases<v1::GetReciprocityReportRequest, Bad>(
      &cases, "GetReciprocityReport", "to",
      BadDates(ledger::TextRule::kRequired), report,
      [](auto& r, const Bad& b) { r.set_to(b.value); }, report_call);
  AddCases<v1::GetReciprocityReportRequest, Bad>(
      &cases, "GetReciprocityReport", "to", {{"before from", "2023-12-31"}},
      report, [](auto& r, const Bad& b) { r.set_to(b.value); }, report_call);
  AddCases<v1::GetReciprocityReportRequest, int>(
      &cases, "GetReciprocityReport", "granularity", UnknownEnumValues(),
      report,
      [](auto& r, const int& v) {
        r.set_granularity(static_cast<v1::Granularity>(v));
      },
      report_call);
  // Monthly from the first year allowed is far more periods than a report
  // may hold.
  AddCases<v1::GetReciprocityReportRequest, Bad>(
      &cases, "GetReciprocityReport", "granularity",
      {{"too many months", std::to_string(ledger::kMinYear) + "-01-01"}},
      report, [](auto& r, const Bad& b) { r.set_from(b.value); }, report_call);
  AddCases<v1::GetReciprocityReportRequest, int>(
      &cases, "GetReciprocityReport", "top_categories",
      {-1, ledger::kTopCategoriesMax + 1, kInt32Min, kInt32Max}, report,
      [](auto& r, const int& v) { r.set_top_categories(v); }, report_call);

  v1::AssessPrinciplesRequest assess;
  assess.set_timebank_id(kTimebank);
  assess.set_from("2024-01-01");
  assess.set_to("2024-12-31");
  const auto assess_call = Via(&AssessmentStub::AssessPrinciples);
  AddCases<v1::AssessPrinciplesRequest, Bad>(
      &cases, "AssessPrinciples", "timebank_id", BadTimebankIds(), assess,
      [](auto& r, const Bad& b) { r.set_timebank_id(b.value); }, assess_call);
  AddCases<v1::AssessPrinciplesRequest, Bad>(
      &cases, "AssessPrinciples", "from", BadDates(ledger::TextRule::kOptional),
      assess, [](auto& r, const Bad& b) { r.set_from(b.value); }, assess_call);
  AddCases<v1::AssessPrinciplesRequest, Bad>(
      &cases, "AssessPrinciples", "to", BadDates(ledger::TextRule::kOptional),
      assess, [](auto& r, const Bad& b) { r.set_to(b.value); }, assess_call);

  v1::SetThresholdsRequest thresholds;
  thresholds.set_timebank_id(kTimebank);
  v1::ThresholdSetting* setting = thresholds.add_thresholds();
  setting->set_metric(metric_);
  setting->set_stage(2);
  const auto set_call = Via(&AssessmentStub::SetThresholds);
  AddCases<v1::SetThresholdsRequest, int>(
      &cases, "SetThresholds", "thresholds.stage", {0, 1, 5, -1, kInt32Max},
      thresholds,
      [](auto& r, const int& v) { r.mutable_thresholds(0)->set_stage(v); },
      set_call);
  std::vector<Bad> bad_metrics;
  bad_metrics.insert(bad_metrics.end(), {{"empty", ""},
                                         {"unknown", "no.such_metric"},
                                         {"NUL", std::string(1, '\0')}});
  AddCases<v1::SetThresholdsRequest, Bad>(
      &cases, "SetThresholds", "thresholds.metric", bad_metrics, thresholds,
      [](auto& r, const Bad& b) {
        r.mutable_thresholds(0)->set_metric(b.value);
        r.mutable_thresholds(0)->set_value(0.5);
      },
      set_call);
  AddCases<v1::SetThresholdsRequest, double>(
      &cases, "SetThresholds", "thresholds.value",
      {std::nan(""), std::numeric_limits<double>::infinity(),
       -std::numeric_limits<double>::infinity(), -1.0},
      thresholds,
      [](auto& r, const double& v) { r.mutable_thresholds(0)->set_value(v); },
      set_call);
  ExpectRefusedChangingNothing(cases);
}

TEST_F(HostileInputTest, ReflectionRpcsRefuseEveryBadField) {
  std::vector<Case> cases;
  v1::SubmitReflectionRequest submit;
  submit.set_timebank_id(kTimebank);
  submit.set_request_id("h-r-new");
  submit.set_principle(v1::PRINCIPLE_SOCIAL_NETWORKS);
  submit.set_perspective(v1::PERSPECTIVE_FAMILY);
  submit.set_stage(3);
  submit.set_evidence("Neighbours know each other now");
  submit.set_reflected_on("2024-04-01");
  const auto submit_call = Via(&AssessmentStub::SubmitReflection);
  AddCases<v1::SubmitReflectionRequest, Bad>(
      &cases, "SubmitReflection", "timebank_id", BadTimebankIds(), submit,
      [](auto& r, const Bad& b) { r.set_timebank_id(b.value); }, submit_call);
  AddCases<v1::SubmitReflectionRequest, Bad>(
      &cases, "SubmitReflection", "request_id", BadRequestIds(), submit,
      [](auto& r, const Bad& b) { r.set_request_id(b.value); }, submit_call);
  std::vector<int> bad_principles = UnknownEnumValues();
  bad_principles.push_back(v1::PRINCIPLE_UNSPECIFIED);
  AddCases<v1::SubmitReflectionRequest, int>(
      &cases, "SubmitReflection", "principle", bad_principles, submit,
      [](auto& r, const int& v) {
        r.set_principle(static_cast<v1::Principle>(v));
      },
      submit_call);
  std::vector<int> bad_perspectives = UnknownEnumValues();
  bad_perspectives.push_back(v1::PERSPECTIVE_UNSPECIFIED);
  AddCases<v1::SubmitReflectionRequest, int>(
      &cases, "SubmitReflection", "perspective", bad_perspectives, submit,
      [](auto& r, const int& v) {
        r.set_perspective(static_cast<v1::Perspective>(v));
      },
      submit_call);
  AddCases<v1::SubmitReflectionRequest, int>(
      &cases, "SubmitReflection", "stage", {0, 5, -1, kInt32Max}, submit,
      [](auto& r, const int& v) { r.set_stage(v); }, submit_call);
  AddCases<v1::SubmitReflectionRequest, int>(
      &cases, "SubmitReflection", "rag", UnknownEnumValues(), submit,
      [](auto& r, const int& v) { r.set_rag(static_cast<v1::Rag>(v)); },
      submit_call);
  AddCases<v1::SubmitReflectionRequest, Bad>(
      &cases, "SubmitReflection", "evidence",
      BadText(ledger::kEvidenceMaxLength, ledger::TextRule::kRequired,
              ledger::Lines::kMulti),
      submit, [](auto& r, const Bad& b) { r.set_evidence(b.value); },
      submit_call);
  AddCases<v1::SubmitReflectionRequest, Bad>(
      &cases, "SubmitReflection", "author",
      BadText(ledger::kNameMaxLength, ledger::TextRule::kOptional,
              ledger::Lines::kSingle),
      submit, [](auto& r, const Bad& b) { r.set_author(b.value); },
      submit_call);
  AddCases<v1::SubmitReflectionRequest, Bad>(
      &cases, "SubmitReflection", "reflected_on",
      BadDates(ledger::TextRule::kOptional), submit,
      [](auto& r, const Bad& b) { r.set_reflected_on(b.value); }, submit_call);

  v1::ListReflectionsRequest list;
  list.set_timebank_id(kTimebank);
  const auto list_call = Via(&AssessmentStub::ListReflections);
  AddCases<v1::ListReflectionsRequest, int>(
      &cases, "ListReflections", "principle", UnknownEnumValues(), list,
      [](auto& r, const int& v) {
        r.set_principle(static_cast<v1::Principle>(v));
      },
      list_call);
  AddCases<v1::ListReflectionsRequest, int>(
      &cases, "ListReflections", "perspective", UnknownEnumValues(), list,
      [](auto& r, const int& v) {
        r.set_perspective(static_cast<v1::Perspective>(v));
      },
      list_call);
  AddCases<v1::ListReflectionsRequest, Bad>(
      &cases, "ListReflections", "from_date",
      BadDates(ledger::TextRule::kOptional), list,
      [](auto& r, const Bad& b) { r.set_from_date(b.value); }, list_call);
  AddCases<v1::ListReflectionsRequest, Bad>(
      &cases, "ListReflections", "to_date",
      BadDates(ledger::TextRule::kOptional), list,
      [](auto& r, const Bad& b) { r.set_to_date(b.value); }, list_call);
  AddCases<v1::ListReflectionsRequest, int>(
      &cases, "ListReflections", "page_size", BadPageSizes(), list,
      [](auto& r, const int& v) { r.set_page_size(v); }, list_call);
  AddCases<v1::ListReflectionsRequest, Bad>(
      &cases, "ListReflections", "page_token", BadSeqTokens(), list,
      [](auto& r, const Bad& b) { r.set_page_token(b.value); }, list_call);
  ExpectRefusedChangingNothing(cases);
}

TEST_F(HostileInputTest, ActionPlanRpcsRefuseEveryBadField) {
  std::vector<Case> cases;
  v1::AddActionRequest add = BaseAction();
  add.set_request_id("h-a-new");
  const auto add_call = Via(&AssessmentStub::AddAction);
  AddCases<v1::AddActionRequest, Bad>(
      &cases, "AddAction", "timebank_id", BadTimebankIds(), add,
      [](auto& r, const Bad& b) { r.set_timebank_id(b.value); }, add_call);
  AddCases<v1::AddActionRequest, Bad>(
      &cases, "AddAction", "request_id", BadRequestIds(), add,
      [](auto& r, const Bad& b) { r.set_request_id(b.value); }, add_call);
  AddCases<v1::AddActionRequest, int>(
      &cases, "AddAction", "principle", UnknownEnumValues(), add,
      [](auto& r, const int& v) {
        r.set_principle(static_cast<v1::Principle>(v));
      },
      add_call);
  AddCases<v1::AddActionRequest, int>(
      &cases, "AddAction", "status", UnknownEnumValues(), add,
      [](auto& r, const int& v) {
        r.set_status(static_cast<v1::ActionStatus>(v));
      },
      add_call);
  AddCases<v1::AddActionRequest, Bad>(
      &cases, "AddAction", "who",
      BadText(ledger::kNameMaxLength, ledger::TextRule::kRequired,
              ledger::Lines::kSingle),
      add, [](auto& r, const Bad& b) { r.set_who(b.value); }, add_call);
  AddCases<v1::AddActionRequest, Bad>(
      &cases, "AddAction", "what",
      BadText(ledger::kPlanTextMaxLength, ledger::TextRule::kRequired,
              ledger::Lines::kMulti),
      add, [](auto& r, const Bad& b) { r.set_what(b.value); }, add_call);
  AddCases<v1::AddActionRequest, Bad>(
      &cases, "AddAction", "how",
      BadText(ledger::kPlanTextMaxLength, ledger::TextRule::kOptional,
              ledger::Lines::kMulti),
      add, [](auto& r, const Bad& b) { r.set_how(b.value); }, add_call);
  AddCases<v1::AddActionRequest, Bad>(
      &cases, "AddAction", "due_on", BadDates(ledger::TextRule::kOptional), add,
      [](auto& r, const Bad& b) { r.set_due_on(b.value); }, add_call);

  v1::ListActionsRequest list;
  list.set_timebank_id(kTimebank);
  const auto list_call = Via(&AssessmentStub::ListActions);
  AddCases<v1::ListActionsRequest, int>(
      &cases, "ListActions", "principle", UnknownEnumValues(), list,
      [](auto& r, const int& v) {
        r.set_principle(static_cast<v1::Principle>(v));
      },
      list_call);
  std::vector<int> bad_statuses = UnknownEnumValues();
  bad_statuses.push_back(v1::ACTION_STATUS_UNSPECIFIED);
  AddCases<v1::ListActionsRequest, int>(
      &cases, "ListActions", "statuses", bad_statuses, list,
      [](auto& r, const int& v) {
        r.add_statuses(v1::ACTION_STATUS_PLANNED);
        r.add_statuses(static_cast<v1::ActionStatus>(v));
      },
      list_call);
  AddCases<v1::ListActionsRequest, int>(
      &cases, "ListActions", "page_size", BadPageSizes(), list,
      [](auto& r, const int& v) { r.set_page_size(v); }, list_call);
  AddCases<v1::ListActionsRequest, Bad>(
      &cases, "ListActions", "page_token", BadSeqTokens(), list,
      [](auto& r, const Bad& b) { r.set_page_token(b.value); }, list_call);

  v1::UpdateActionRequest update;
  update.set_timebank_id(kTimebank);
  update.set_action_id(action_id_);
  const auto update_call = Via(&AssessmentStub::UpdateAction);
  AddCases<v1::UpdateActionRequest, uint64_t>(
      &cases, "UpdateAction", "action_id", {0, kUint64Max}, update,
      [](auto& r, const uint64_t& v) {
        r.set_action_id(v);
        r.set_note("a note");
      },
      update_call, StatusCode::NOT_FOUND);
  std::vector<int> bad_update_statuses = UnknownEnumValues();
  bad_update_statuses.push_back(v1::ACTION_STATUS_UNSPECIFIED);
  AddCases<v1::UpdateActionRequest, int>(
      &cases, "UpdateAction", "status", bad_update_statuses, update,
      [](auto& r, const int& v) {
        r.set_status(static_cast<v1::ActionStatus>(v));
      },
      update_call);
  AddCases<v1::UpdateActionRequest, Bad>(
      &cases, "UpdateAction", "note",
      BadText(ledger::kPlanTextMaxLength, ledger::TextRule::kOptional,
              ledger::Lines::kMulti),
      update, [](auto& r, const Bad& b) { r.set_note(b.value); }, update_call);
  AddCases<v1::UpdateActionRequest, Bad>(
      &cases, "UpdateAction", "who",
      BadText(ledger::kNameMaxLength, ledger::TextRule::kRequired,
              ledger::Lines::kSingle),
      update, [](auto& r, const Bad& b) { r.set_who(b.value); }, update_call);
  AddCases<v1::UpdateActionRequest, Bad>(
      &cases, "UpdateAction", "what",
      BadText(ledger::kPlanTextMaxLength, ledger::TextRule::kRequired,
              ledger::Lines::kMulti),
      update, [](auto& r, const Bad& b) { r.set_what(b.value); }, update_call);
  AddCases<v1::UpdateActionRequest, Bad>(
      &cases, "UpdateAction", "how",
      BadText(ledger::kPlanTextMaxLength, ledger::TextRule::kOptional,
              ledger::Lines::kMulti),
      update, [](auto& r, const Bad& b) { r.set_how(b.value); }, update_call);
  AddCases<v1::UpdateActionRequest, Bad>(
      &cases, "UpdateAction", "due_on", BadDates(ledger::TextRule::kOptional),
      update, [](auto& r, const Bad& b) { r.set_due_on(b.value); },
      update_call);
  ExpectRefusedChangingNothing(cases);
}

// Sends `wire` as the request of `method` through a generic stub: what a
// client that does not check UTF-8, or a broken one, could send.
grpc::Status SendBytes(const ServerProcess& server, const std::string& token,
                       const std::string& method, const std::string& wire) {
  grpc::Slice slice(wire);
  const grpc::ByteBuffer sent(&slice, 1);
  grpc::ByteBuffer received;
  grpc::GenericStub stub(server.NewChannel());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kCallTimeout);
  context.AddMetadata("authorization", "Bearer " + token);
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &sent, &received,
                 [&done](grpc::Status status) { done.set_value(status); });
  return done.get_future().get();
}

// One string field somewhere in a request type, reached through singular or
// repeated message fields, and the name a refusal gives it.
struct StringField {
  std::vector<const google::protobuf::FieldDescriptor*> path;
  std::string name;
};

// Every string field of `type` and of the messages it holds, `depth` deep.
void CollectStringFields(const google::protobuf::Descriptor& type,
                         StringField prefix, int depth,
                         std::vector<StringField>* out) {
  using google::protobuf::FieldDescriptor;
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor* field = type.field(i);
    StringField here = prefix;
    here.path.push_back(field);
    here.name += field->name();
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      out->push_back(here);
    } else if (field->type() == FieldDescriptor::TYPE_MESSAGE && depth > 0) {
      if (field->is_repeated()) here.name += "[0]";
      here.name += ".";
      CollectStringFields(*field->message_type(), here, depth - 1, out);
    }
  }
}

// A request of `type` whose only set field is `field`, holding `value`.
std::string RequestWith(const google::protobuf::Descriptor& type,
                        const StringField& field, const std::string& value) {
  std::unique_ptr<google::protobuf::Message> request(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(&type)
          ->New());
  google::protobuf::Message* at = request.get();
  for (size_t i = 0; i + 1 < field.path.size(); ++i) {
    const google::protobuf::Reflection* r = at->GetReflection();
    at = field.path[i]->is_repeated() ? r->AddMessage(at, field.path[i])
                                      : r->MutableMessage(at, field.path[i]);
  }
  const google::protobuf::FieldDescriptor* leaf = field.path.back();
  if (leaf->is_repeated()) {
    at->GetReflection()->AddString(at, leaf, value);
  } else {
    at->GetReflection()->SetString(at, leaf, value);
  }
  std::string wire;
  EXPECT_TRUE(request->SerializePartialToString(&wire));
  return wire;
}

// Every service of the API, from the files that define them.
std::vector<const google::protobuf::ServiceDescriptor*> EveryService() {
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  for (const google::protobuf::FileDescriptor* file :
       {v1::GetTimebankRequest::descriptor()->file(),
        v1::WhoAmIRequest::descriptor()->file(),
        v1::AddActionRequest::descriptor()->file(),
        v1::CreateBackupRequest::descriptor()->file()}) {
    for (int i = 0; i < file->service_count(); ++i) {
      services.push_back(file->service(i));
    }
  }
  return services;
}

// proto3 string fields must hold UTF-8. The protobuf parser refuses a request
// where one does not before any handler runs; the server then names the
// field (proto/request_traits.h). Every string field of every rpc, at any
// depth, is refused with INVALID_ARGUMENT and its name, and nothing changes.
TEST_F(HostileInputTest, InvalidUtf8IsRefusedByFieldNameInEveryRpc) {
  const std::string token = server().admin_token();
  const std::string before = Books();
  int refusals = 0;
  for (const google::protobuf::ServiceDescriptor* service : EveryService()) {
    for (int m = 0; m < service->method_count(); ++m) {
      const google::protobuf::MethodDescriptor& method = *service->method(m);
      const std::string path = "/" + service->full_name() + "/" + method.name();
      std::vector<StringField> fields;
      CollectStringFields(*method.input_type(), {}, 3, &fields);
      for (const StringField& field : fields) {
        for (const Bad& bad : NotUtf8()) {
          SCOPED_TRACE(path + " " + field.name + " with " + bad.label);
          const grpc::Status status =
              SendBytes(server(), token, path,
                        RequestWith(*method.input_type(), field, bad.value));
          EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
          EXPECT_EQ(status.error_message(),
                    field.name + ": must be valid UTF-8");
          ++refusals;
        }
      }
    }
  }
  EXPECT_TRUE(Books() == before) << "the books changed";
  // Every service has string fields; a walk that found none proves nothing.
  EXPECT_GE(refusals,
            static_cast<int>(EveryService().size() * NotUtf8().size()));
}

// Bytes that are no request at all are refused as the request.
TEST_F(HostileInputTest, BytesThatAreNoRequestAreRefused) {
  const grpc::Status status = SendBytes(server(), server().admin_token(),
                                        "/timebank.v1.Ledger/RecordExchange",
                                        "\x0A\x0C"
                                        "riverside");
  EXPECT_EQ(status.error_code(), StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "request: is not a serialised timebank.v1.RecordExchangeRequest");
  // The same path with whole bytes is served.
  v1::GetTimebankRequest get;
  get.set_timebank_id(kTimebank);
  EXPECT_RPC_OK(SendBytes(server(), server().admin_token(),
                          "/timebank.v1.Ledger/GetTimebank",
                          get.SerializeAsString()));
}

// The tables above would prove nothing if the base requests were refused
// too: each is accepted once its bad field is put right.
TEST_F(HostileInputTest, TheBaseRequestsAreAccepted) {
  const std::string tb = UniqueId("hostile-ok");
  v1::CreateTimebankRequest create;
  create.set_timebank_id(tb);
  create.set_name("Fresh");
  ASSERT_RPC_OK(admin().Call(&LedgerStub::CreateTimebank, create));
  v1::OpenAccountRequest open;
  open.set_timebank_id(tb);
  open.set_account_id("newcomer");
  open.set_display_name("New Comer");
  open.set_kind(v1::ACCOUNT_KIND_PERSON);
  open.add_skills("gardening");
  open.set_joined_on("2024-01-01");
  EXPECT_RPC_OK(admin().Call(&LedgerStub::OpenAccount, open));
  EXPECT_RPC_OK(admin().OpenAccount(tb, "vera"));
  v1::RecordExchangeRequest record =
      ExchangeRequest(tb, "h-new", "newcomer", "vera", 30, "2024-05-01");
  record.set_occurred_on(UtcDatePlusDays(1));
  EXPECT_RPC_OK(admin().RecordExchange(record));
  v1::RecordExchangesRequest bulk;
  bulk.set_timebank_id(tb);
  *bulk.add_items() = ExchangeItem(
      ExchangeRequest(tb, "h-bulk", "newcomer", "vera", 30, "2024-05-01"));
  EXPECT_RPC_OK(
      OnlyItemStatus(admin().Call(&LedgerStub::RecordExchanges, bulk)));
  v1::AddActionRequest action = BaseAction();
  action.set_timebank_id(tb);
  EXPECT_RPC_OK(admin().Call(&AssessmentStub::AddAction, action));
  v1::ListActionsRequest list;
  list.set_timebank_id(tb);
  list.set_principle(v1::PRINCIPLE_UNSPECIFIED);
  list.add_statuses(v1::ACTION_STATUS_PLANNED);
  Rpc<v1::ListActionsResponse> listed =
      admin().Call(&AssessmentStub::ListActions, list);
  ASSERT_RPC_OK(listed);
  EXPECT_EQ(listed->actions_size(), 1);
}

// Totals near the int64 limit cannot be reached through the API, whose
// exchanges are capped; put them there on disk to show that the overflow
// guard holds for calls over gRPC, and that a refused call changes nothing.
TEST(HostileStoredTotals, ExchangesThatWouldOverflowATotalAreRefused) {
  constexpr int64_t kHeadroom = 5;
  TempDir dir;
  const ServerProcessOptions options{.data_dir = dir.Join("data")};
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> server,
                         ServerProcess::Start(options));
    {
      const Client admin(server->NewChannel(), server->admin_token());
      ASSERT_RPC_OK(admin.CreateTimebank(kTimebank));
      for (const char* account : {"kathy", "olga", "vera"}) {
        ASSERT_RPC_OK(admin.OpenAccount(kTimebank, account));
      }
    }
    ASSERT_EQ(server->Stop(), 0) << server->ReadLog();
  }
  ASSERT_OK(ledger_test::ChangeStoredAccount(
      options.data_dir, kTimebank, "kathy", [](ledger::Account& account) {
        account.totals.minutes_given = kInt64Max - kHeadroom;
      }));
  ASSERT_OK(ledger_test::ChangeStoredAccount(
      options.data_dir, kTimebank, "vera", [](ledger::Account& account) {
        account.totals.minutes_received = kInt64Max - kHeadroom;
      }));

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> server,
                       ServerProcess::Start(options));
  const Client admin(server->NewChannel(), server->admin_token());
  const std::string before =
      Must(admin.GetTimebank(kTimebank), "get").SerializeAsString() +
      Must(admin.SnapshotBalances(kTimebank), "snapshot").SerializeAsString();
  EXPECT_RPC_ERROR(admin.RecordExchange(ExchangeRequest(
                       kTimebank, "o-1", "kathy", "olga", kHeadroom + 1)),
                   FAILED_PRECONDITION, "minutes");
  EXPECT_RPC_ERROR(admin.RecordExchange(ExchangeRequest(
                       kTimebank, "o-2", "olga", "vera", kHeadroom + 1)),
                   FAILED_PRECONDITION, "minutes");
  v1::RecordExchangesRequest bulk;
  bulk.set_timebank_id(kTimebank);
  *bulk.add_items() = ExchangeItem(
      ExchangeRequest(kTimebank, "o-3", "kathy", "olga", kHeadroom + 1));
  EXPECT_RPC_ERROR(
      OnlyItemStatus(admin.Call(&LedgerStub::RecordExchanges, bulk)),
      FAILED_PRECONDITION, "minutes");
  EXPECT_TRUE(Must(admin.GetTimebank(kTimebank), "get").SerializeAsString() +
                  Must(admin.SnapshotBalances(kTimebank), "snapshot")
                      .SerializeAsString() ==
              before);
  // Up to the limit itself still fits.
  EXPECT_RPC_OK(admin.RecordExchange(
      ExchangeRequest(kTimebank, "o-4", "kathy", "olga", kHeadroom)));
}

}  // namespace
}  // namespace timebank::testing
