// Who may call what, checked against a running server in two ways:
//
//  - A matrix generated from services::PolicyTable(): every Ledger, Access,
//    Assessment and Admin method is called by an ADMIN, a COORDINATOR of tb-a,
//    the MEMBER kathy of tb-a and an AUDITOR of tb-a, with a request inside the
//    token's scope. A role the table forbids must get PERMISSION_DENIED; a role
//    it allows must get past authorisation (any other error is fine: the matrix
//    is about the gate, the other suites about the behaviour). And without a
//    token every method is UNAUTHENTICATED.
//  - A hand-written list of sensitive cases that must hold whatever the
//    table says: members see only their own account, auditors never receive
//    names, descriptions or account ids, a coordinator's power stops at its
//    own timebanks and at MEMBER tokens, and revocation is immediate.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <ostream>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor_database.h"
#include "services/authorizer.h"
#include "tests/services/reflection_client.h"
#include "tests/services/rpc_client.h"
#include "tests/services/shared_server_test.h"
#include "tests/test_util/status_assertions.h"

namespace timebank::services {
// So gtest names the row in a failure instead of dumping its bytes.
void PrintTo(const MethodPolicy& policy, std::ostream* out) {
  *out << policy.method;
}
}  // namespace timebank::services

namespace timebank::testing {
namespace {

using services::MethodPolicy;

constexpr char kTimebank[] = "tb-a";
constexpr char kOtherTimebank[] = "tb-b";

// "<prefix>-<n>", unique within the process.
std::string Fresh(const std::string& prefix) {
  static std::atomic<int> made{0};
  return prefix + "-" + std::to_string(++made);
}

// Two timebanks and a token for each role. tb-a has the PERSON accounts
// kathy, olga and vera; tb-b has bob.
struct World {
  Client admin;
  Client coordinator;        // COORDINATOR of tb-a.
  Client member;             // MEMBER kathy of tb-a.
  Client auditor;            // AUDITOR of tb-a.
  Client other_coordinator;  // COORDINATOR of tb-b.
  Client vera;               // MEMBER vera of tb-a.
  v1::TokenInfo auditor_info;
  v1::TokenInfo other_coordinator_info;
  uint64_t kathy_gave_vera_seq = 0;  // CONFIRMED.
  uint64_t vera_gave_olga_seq = 0;   // CONFIRMED; kathy took no part.
  // Every token secret the world holds, the admin's included.
  std::vector<std::string> tokens;
};

std::unique_ptr<World> BuildWorld(const ServerProcess& server) {
  const Client admin(server.NewChannel(), server.admin_token());
  Must(admin.CreateTimebank(kTimebank), "create tb-a");
  Must(admin.CreateTimebank(kOtherTimebank), "create tb-b");
  for (const char* account : {"kathy", "olga", "vera"}) {
    Must(admin.OpenAccount(kTimebank, account), "open account");
  }
  Must(admin.OpenAccount(kOtherTimebank, "bob"), "open bob");
  const auto token = [&admin](v1::Role role, const std::string& tb,
                              const std::string& account,
                              const std::string& name) {
    return Must(admin.CreateToken(role, {tb}, account, name), "token " + name);
  };
  const v1::CreateTokenResponse coordinator =
      token(v1::ROLE_COORDINATOR, kTimebank, "", "coordinator-a");
  const v1::CreateTokenResponse member =
      token(v1::ROLE_MEMBER, kTimebank, "kathy", "member-kathy");
  const v1::CreateTokenResponse auditor =
      token(v1::ROLE_AUDITOR, kTimebank, "", "auditor-a");
  const v1::CreateTokenResponse other =
      token(v1::ROLE_COORDINATOR, kOtherTimebank, "", "coordinator-b");
  const v1::CreateTokenResponse vera =
      token(v1::ROLE_MEMBER, kTimebank, "vera", "member-vera");
  auto world = std::make_unique<World>(World{
      .admin = admin,
      .coordinator = admin.WithToken(coordinator.token()),
      .member = admin.WithToken(member.token()),
      .auditor = admin.WithToken(auditor.token()),
      .other_coordinator = admin.WithToken(other.token()),
      .vera = admin.WithToken(vera.token()),
      .auditor_info = auditor.info(),
      .other_coordinator_info = other.info(),
      .tokens = {server.admin_token(), coordinator.token(), member.token(),
                 auditor.token(), other.token(), vera.token()}});
  world->kathy_gave_vera_seq =
      Must(admin.RecordExchange(
               ExchangeRequest(kTimebank, "world-1", "kathy", "vera", 60)),
           "record")
          .seq();
  world->vera_gave_olga_seq =
      Must(admin.RecordExchange(
               ExchangeRequest(kTimebank, "world-2", "vera", "olga", 30)),
           "record")
          .seq();
  return world;
}

// A PENDING exchange vera logged with kathy, so kathy is the party who may
// confirm or reject it.
uint64_t PendingWithKathy(const World& world) {
  return Must(world.vera.RecordExchange(ExchangeRequest(
                  kTimebank, Fresh("pending"), "vera", "kathy", 10)),
              "vera logs")
      .seq();
}

// The fixture of both suites: its own server and World per suite.
template <typename Suite>
class AccessWorldTest : public SharedServerTest<Suite> {
 protected:
  using Base = SharedServerTest<Suite>;

  static void SetUpTestSuite() {
    Base::SetUpTestSuite();
    if (!Base::server_started()) return;
    try {
      world_ = BuildWorld(Base::server());
    } catch (const std::exception& e) {
      world_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    world_.reset();
    Base::TearDownTestSuite();
  }
  void SetUp() override {
    Base::SetUp();
    if (this->HasFatalFailure()) return;
    ASSERT_NE(world_, nullptr) << world_error_;
  }

  static const World& world() { return *world_; }

 private:
  static inline std::unique_ptr<World> world_;
  static inline std::string world_error_;
};

// ------------------------------------------------------- the generated matrix

using CallInScope =
    std::function<grpc::Status(const Client& caller, const World&)>;

// One call per method of the policy table, inside the scope of every token
// of the matrix: timebank tb-a and, where a method names one, account kathy.
// Set-up steps use the world's admin or vera, never the caller.
const std::map<std::string, CallInScope, std::less<>>& CallsInScope() {
  using L = v1::Ledger::Stub;
  using A = v1::Access::Stub;
  using S = v1::Assessment::Stub;
  using D = v1::Admin::Stub;
  static const auto* const calls = new std::map<std::string, CallInScope,
                                                std::less<>>{
      {"Ledger.CreateTimebank",
       [](const Client& c, const World&) {
         return c.CreateTimebank(Fresh("tb-new")).status;
       }},
      {"Ledger.GetTimebank",
       [](const Client& c, const World&) {
         return c.GetTimebank(kTimebank).status;
       }},
      {"Ledger.ListTimebanks",
       [](const Client& c, const World&) {
         return c.Call(&L::ListTimebanks, v1::ListTimebanksRequest()).status;
       }},
      {"Ledger.UpdateTimebank",
       [](const Client& c, const World&) {
         v1::UpdateTimebankRequest request;
         request.set_timebank_id(kTimebank);
         request.mutable_settings()->set_members_may_log(true);
         return c.Call(&L::UpdateTimebank, request).status;
       }},
      {"Ledger.OpenAccount",
       [](const Client& c, const World&) {
         return c.OpenAccount(kTimebank, Fresh("newcomer")).status;
       }},
      {"Ledger.GetAccount",
       [](const Client& c, const World&) {
         return c.GetAccount(kTimebank, "kathy").status;
       }},
      {"Ledger.UpdateAccount",
       [](const Client& c, const World&) {
         v1::UpdateAccountRequest request;
         request.set_timebank_id(kTimebank);
         request.set_account_id("kathy");
         request.set_display_name("Kathy B.");
         return c.Call(&L::UpdateAccount, request).status;
       }},
      {"Ledger.EraseAccount",
       [](const Client& c, const World& w) {
         const std::string leaver = Fresh("leaver");
         Must(w.admin.OpenAccount(kTimebank, leaver), "open leaver");
         v1::EraseAccountRequest request;
         request.set_timebank_id(kTimebank);
         request.set_account_id(leaver);
         return c.Call(&L::EraseAccount, request).status;
       }},
      {"Ledger.ListAccounts",
       [](const Client& c, const World&) {
         v1::ListAccountsRequest request;
         request.set_timebank_id(kTimebank);
         return c.Call(&L::ListAccounts, request).status;
       }},
      {"Ledger.RecordExchange",
       [](const Client& c, const World&) {
         return c
             .RecordExchange(ExchangeRequest(kTimebank, Fresh("matrix"),
                                             "kathy", "vera", 15))
             .status;
       }},
      {"Ledger.RecordExchanges",
       [](const Client& c, const World&) {
         v1::RecordExchangesRequest request;
         request.set_timebank_id(kTimebank);
         *request.add_items() = ExchangeItem(
             ExchangeRequest(kTimebank, Fresh("matrix"), "kathy", "vera", 15));
         return c.Call(&L::RecordExchanges, request).status;
       }},
      {"Ledger.ConfirmExchange",
       [](const Client& c, const World& w) {
         return c
             .ConfirmExchange(kTimebank, PendingWithKathy(w), Fresh("confirm"))
             .status;
       }},
      {"Ledger.RejectExchange",
       [](const Client& c, const World& w) {
         return c
             .RejectExchange(kTimebank, PendingWithKathy(w), Fresh("reject"))
             .status;
       }},
      {"Ledger.ReverseExchange",
       [](const Client& c, const World& w) {
         const uint64_t seq =
             Must(w.admin.RecordExchange(ExchangeRequest(
                      kTimebank, Fresh("to-undo"), "kathy", "vera", 5)),
                  "record")
                 .seq();
         return c.ReverseExchange(kTimebank, seq, Fresh("reverse")).status;
       }},
      {"Ledger.GetExchange",
       [](const Client& c, const World& w) {
         return c.GetExchange(kTimebank, w.kathy_gave_vera_seq).status;
       }},
      {"Ledger.ListExchanges",
       [](const Client& c, const World&) {
         return c.ListExchanges(kTimebank, "kathy").status;
       }},
      {"Ledger.GetBalance",
       [](const Client& c, const World&) {
         return c.GetBalance(kTimebank, "kathy").status;
       }},
      {"Ledger.SnapshotBalances",
       [](const Client& c, const World&) {
         return c.SnapshotBalances(kTimebank).status;
       }},
      {"Ledger.WatchJournal",
       [](const Client& c, const World&) {
         return c.ReadJournal(kTimebank, 1, 1).status;
       }},
      {"Ledger.VerifyJournal",
       [](const Client& c, const World&) {
         return c.VerifyJournal(kTimebank).status;
       }},
      {"Access.CreateToken",
       [](const Client& c, const World&) {
         return c
             .CreateToken(v1::ROLE_MEMBER, {kTimebank}, "kathy",
                          Fresh("kathy-phone"))
             .status;
       }},
      {"Access.RevokeToken",
       [](const Client& c, const World& w) {
         const std::string id =
             Must(w.admin.CreateToken(v1::ROLE_MEMBER, {kTimebank}, "kathy",
                                      Fresh("kathy-old-phone")),
                  "token to revoke")
                 .info()
                 .token_id();
         return c.RevokeToken(id).status;
       }},
      {"Access.ListTokens",
       [](const Client& c, const World&) {
         return c.Call(&A::ListTokens, v1::ListTokensRequest()).status;
       }},
      {"Access.WhoAmI",
       [](const Client& c, const World&) {
         return c.Call(&A::WhoAmI, v1::WhoAmIRequest()).status;
       }},
      {"Assessment.GetReciprocityReport",
       [](const Client& c, const World&) {
         v1::GetReciprocityReportRequest request;
         request.set_timebank_id(kTimebank);
         request.set_from("2024-01-01");
         request.set_to("2024-12-31");
         return c.Call(&S::GetReciprocityReport, request).status;
       }},
      {"Assessment.AssessPrinciples",
       [](const Client& c, const World&) {
         v1::AssessPrinciplesRequest request;
         request.set_timebank_id(kTimebank);
         request.set_from("2024-01-01");
         request.set_to("2024-12-31");
         return c.Call(&S::AssessPrinciples, request).status;
       }},
      {"Assessment.GetThresholds",
       [](const Client& c, const World&) {
         v1::GetThresholdsRequest request;
         request.set_timebank_id(kTimebank);
         return c.Call(&S::GetThresholds, request).status;
       }},
      {"Assessment.SetThresholds",
       [](const Client& c, const World&) {
         // Restores a default: allowed callers change nothing.
         v1::SetThresholdsRequest request;
         request.set_timebank_id(kTimebank);
         v1::ThresholdSetting* setting = request.add_thresholds();
         setting->set_metric("reciprocity.gave_and_received_share");
         setting->set_stage(2);
         return c.Call(&S::SetThresholds, request).status;
       }},
      {"Assessment.SubmitReflection",
       [](const Client& c, const World&) {
         v1::SubmitReflectionRequest request;
         request.set_timebank_id(kTimebank);
         request.set_request_id(Fresh("reflection"));
         request.set_principle(v1::PRINCIPLE_RECIPROCITY);
         request.set_perspective(v1::PERSPECTIVE_MEMBER);
         request.set_stage(2);
         request.set_evidence("People swap lifts to the shops");
         return c.Call(&S::SubmitReflection, request).status;
       }},
      {"Assessment.ListReflections",
       [](const Client& c, const World&) {
         v1::ListReflectionsRequest request;
         request.set_timebank_id(kTimebank);
         return c.Call(&S::ListReflections, request).status;
       }},
      {"Assessment.AddAction",
       [](const Client& c, const World&) {
         v1::AddActionRequest request;
         request.set_timebank_id(kTimebank);
         request.set_request_id(Fresh("action"));
         request.set_who("the coordinators");
         request.set_what("Hold a welcome morning");
         return c.Call(&S::AddAction, request).status;
       }},
      {"Assessment.ListActions",
       [](const Client& c, const World&) {
         v1::ListActionsRequest request;
         request.set_timebank_id(kTimebank);
         return c.Call(&S::ListActions, request).status;
       }},
      {"Assessment.UpdateAction",
       [](const Client& c, const World& w) {
         v1::AddActionRequest add;
         add.set_timebank_id(kTimebank);
         add.set_request_id(Fresh("action-to-update"));
         add.set_who("the coordinators");
         add.set_what("Print a newsletter");
         const uint64_t id =
             Must(w.admin.Call(&S::AddAction, add), "add action").action_id();
         v1::UpdateActionRequest request;
         request.set_timebank_id(kTimebank);
         request.set_action_id(id);
         request.set_status(v1::ACTION_STATUS_IN_PROGRESS);
         return c.Call(&S::UpdateAction, request).status;
       }},
      // The matrix server has no --backup-dir: an admin gets
      // FAILED_PRECONDITION, which is past the gate.
      {"Admin.CreateBackup",
       [](const Client& c, const World&) {
         return c.Call(&D::CreateBackup, v1::CreateBackupRequest()).status;
       }},
      {"Admin.ListBackups",
       [](const Client& c, const World&) {
         return c.Call(&D::ListBackups, v1::ListBackupsRequest()).status;
       }},
  };
  return *calls;
}

// Every row of the table, Ledger, Access and Assessment alike.
std::vector<MethodPolicy> MatrixRows() {
  const std::span<const MethodPolicy> table = services::PolicyTable();
  return std::vector<MethodPolicy>(table.begin(), table.end());
}

class PolicyMatrixTest : public AccessWorldTest<PolicyMatrixTest>,
                         public ::testing::WithParamInterface<MethodPolicy> {
 protected:
  // Runs the method's call; fails the test if no call was written for it.
  grpc::Status Call(const Client& caller) const {
    const auto& calls = CallsInScope();
    auto it = calls.find(GetParam().method);
    if (it == calls.end()) {
      ADD_FAILURE() << "no call written for " << GetParam().method
                    << ": add one to CallsInScope()";
      return grpc::Status(grpc::StatusCode::INTERNAL, "no call");
    }
    return it->second(caller, world());
  }
};

TEST_P(PolicyMatrixTest, EachRoleGetsWhatThePolicyTableSays) {
  const MethodPolicy& policy = GetParam();
  const struct {
    const char* role;
    bool allowed;
    const Client& client;
  } cases[] = {
      {"ADMIN", policy.admin, world().admin},
      {"COORDINATOR", policy.coordinator, world().coordinator},
      {"MEMBER", policy.member, world().member},
      {"AUDITOR", policy.auditor, world().auditor},
  };
  for (const auto& role : cases) {
    SCOPED_TRACE(std::string(role.role) + " calls " +
                 std::string(policy.method));
    const grpc::Status status = Call(role.client);
    if (role.allowed) {
      EXPECT_NE(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
          << Describe(status);
      EXPECT_NE(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
          << Describe(status);
    } else {
      EXPECT_RPC_CODE(status, PERMISSION_DENIED);
    }
  }
}

TEST_P(PolicyMatrixTest, WithoutAValidTokenEveryMethodIsUnauthenticated) {
  EXPECT_RPC_ERROR(Call(world().admin.WithToken("")), UNAUTHENTICATED,
                   "authorization");
  EXPECT_RPC_ERROR(Call(world().admin.WithToken("not-a-token")),
                   UNAUTHENTICATED, "authorization");
}

INSTANTIATE_TEST_SUITE_P(
    PolicyTable, PolicyMatrixTest, ::testing::ValuesIn(MatrixRows()),
    [](const ::testing::TestParamInfo<MethodPolicy>& info) {
      std::string name(info.param.method);
      std::replace(name.begin(), name.end(), '.', '_');
      return name;
    });

// The table must have one row for every rpc of the services the server
// serves and no other row, or the matrix would silently skip one, and every
// row needs a matrix call. Which services and rpcs those are is asked of the
// running server through reflection, not taken from the table's own header.
class PolicyTable : public SharedServerTest<PolicyTable> {};

TEST_F(PolicyTable, HasOneRowForEveryRpc) {
  ASSERT_OK_AND_ASSIGN(const std::vector<std::string> served,
                       ReflectionListServices(server().NewChannel()));
  google::protobuf::SimpleDescriptorDatabase database;
  std::set<std::string> files;
  std::vector<std::string> ours;
  for (const std::string& service : served) {
    // Health and reflection take no token, so they have no policy.
    if (service.starts_with("grpc.")) continue;
    ours.push_back(service);
    ASSERT_OK_AND_ASSIGN(
        const std::vector<google::protobuf::FileDescriptorProto> declaring,
        ReflectionFilesContainingSymbol(server().NewChannel(), service));
    for (const google::protobuf::FileDescriptorProto& file : declaring) {
      if (files.insert(file.name()).second) database.Add(file);
    }
  }
  ASSERT_FALSE(ours.empty());
  google::protobuf::DescriptorPool pool(&database);
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  for (const std::string& service : ours) {
    services.push_back(pool.FindServiceByName(service));
    ASSERT_NE(services.back(), nullptr) << service;
  }
  EXPECT_OK(services::CheckPolicyTable(services));
  for (const MethodPolicy& policy : MatrixRows()) {
    EXPECT_TRUE(CallsInScope().contains(policy.method))
        << "no matrix call for " << policy.method;
  }
}

// ------------------------------------------------------- the sensitive cases

class SensitiveAccessTest : public AccessWorldTest<SensitiveAccessTest> {};

TEST_F(SensitiveAccessTest, MemberCannotReadAnotherMembersAccount) {
  const Client& kathy = world().member;
  ASSERT_RPC_OK(kathy.GetBalance(kTimebank, "kathy"));
  EXPECT_RPC_ERROR(kathy.GetBalance(kTimebank, "vera"), PERMISSION_DENIED,
                   "account_id");
  EXPECT_RPC_ERROR(kathy.GetAccount(kTimebank, "vera"), PERMISSION_DENIED,
                   "account_id");
}

TEST_F(SensitiveAccessTest,
       MemberCannotListAnotherStatementOrTheWholeTimebank) {
  const Client& kathy = world().member;
  ASSERT_RPC_OK(kathy.ListExchanges(kTimebank, "kathy"));
  EXPECT_RPC_ERROR(kathy.ListExchanges(kTimebank, "vera"), PERMISSION_DENIED,
                   "account_id");
  EXPECT_RPC_CODE(kathy.ListExchanges(kTimebank, ""), PERMISSION_DENIED);
}

TEST_F(SensitiveAccessTest, MemberCannotGetAnExchangeTheyTookNoPartIn) {
  ASSERT_RPC_OK(
      world().member.GetExchange(kTimebank, world().kathy_gave_vera_seq));
  EXPECT_RPC_ERROR(
      world().member.GetExchange(kTimebank, world().vera_gave_olga_seq),
      PERMISSION_DENIED, "seq");
}

TEST_F(SensitiveAccessTest, MemberCannotReverseEvenTheirOwnExchange) {
  EXPECT_RPC_CODE(
      world().member.ReverseExchange(kTimebank, world().kathy_gave_vera_seq,
                                     Fresh("member-undo")),
      PERMISSION_DENIED);
  EXPECT_EQ(
      Must(world().admin.GetExchange(kTimebank, world().kathy_gave_vera_seq),
           "get")
          .status(),
      v1::EXCHANGE_STATUS_CONFIRMED);
}

TEST_F(SensitiveAccessTest, MemberCannotActOnExchangesOfOthers) {
  const uint64_t vera_olga =
      Must(world().vera.RecordExchange(
               ExchangeRequest(kTimebank, Fresh("vo"), "vera", "olga", 10)),
           "vera logs")
          .seq();
  EXPECT_RPC_ERROR(
      world().member.ConfirmExchange(kTimebank, vera_olga, Fresh("c")),
      PERMISSION_DENIED, "seq");
  EXPECT_RPC_ERROR(
      world().member.RejectExchange(kTimebank, vera_olga, Fresh("r")),
      PERMISSION_DENIED, "seq");
  EXPECT_RPC_ERROR(world().member.RecordExchange(ExchangeRequest(
                       kTimebank, Fresh("m"), "vera", "olga", 10)),
                   PERMISSION_DENIED, "giver_id");
  EXPECT_RPC_ERROR(world().member.GetTimebank(kOtherTimebank),
                   PERMISSION_DENIED, "timebank_id");
}

// Authorisation comes before any state check, so a member probing another
// member's exchanges learns nothing of their status or of the accounts.
TEST_F(SensitiveAccessTest, MemberLearnsNothingOfExchangesTheyTookNoPartIn) {
  const Client& kathy = world().member;
  EXPECT_RPC_ERROR(kathy.ConfirmExchange(kTimebank, world().vera_gave_olga_seq,
                                         Fresh("probe")),
                   PERMISSION_DENIED, "seq");
  EXPECT_RPC_ERROR(kathy.RejectExchange(kTimebank, world().vera_gave_olga_seq,
                                        Fresh("probe")),
                   PERMISSION_DENIED, "seq");
  const std::string suspended = Fresh("quinn");
  Must(world().admin.OpenAccount(kTimebank, suspended), "open");
  Must(world().admin.SetAccountStatus(kTimebank, suspended,
                                      v1::ACCOUNT_STATUS_SUSPENDED),
       "suspend");
  EXPECT_RPC_ERROR(kathy.RecordExchange(ExchangeRequest(
                       kTimebank, Fresh("probe"), "vera", suspended, 10)),
                   PERMISSION_DENIED, "giver_id");
}

TEST_F(SensitiveAccessTest, AuditorNeverReceivesNamesDescriptionsOrAccountIds) {
  const Client& auditor = world().auditor;
  const uint64_t seq = world().kathy_gave_vera_seq;
  v1::ListAccountsRequest list_accounts;
  list_accounts.set_timebank_id(kTimebank);
  EXPECT_RPC_CODE(auditor.GetAccount(kTimebank, "kathy"), PERMISSION_DENIED);
  EXPECT_RPC_CODE(auditor.Call(&v1::Ledger::Stub::ListAccounts, list_accounts),
                  PERMISSION_DENIED);
  EXPECT_RPC_CODE(auditor.ListExchanges(kTimebank, ""), PERMISSION_DENIED);
  EXPECT_RPC_CODE(auditor.ListExchanges(kTimebank, "kathy"), PERMISSION_DENIED);
  EXPECT_RPC_CODE(auditor.GetExchange(kTimebank, seq), PERMISSION_DENIED);
  EXPECT_RPC_CODE(auditor.ReadJournal(kTimebank, 1, 1), PERMISSION_DENIED);
  EXPECT_RPC_CODE(auditor.SnapshotBalances(kTimebank), PERMISSION_DENIED);
  EXPECT_RPC_CODE(auditor.GetBalance(kTimebank, "kathy"), PERMISSION_DENIED);

  // What an auditor may call carries no personal detail.
  std::string replies;
  replies +=
      Must(auditor.GetTimebank(kTimebank), "get timebank").SerializeAsString();
  replies += Must(auditor.Call(&v1::Ledger::Stub::ListTimebanks,
                               v1::ListTimebanksRequest()),
                  "list timebanks")
                 .SerializeAsString();
  replies +=
      Must(auditor.VerifyJournal(kTimebank), "verify").SerializeAsString();
  for (const std::string personal :
       {"kathy", "vera", "olga", "Name of", "Weeded the vegetable beds"}) {
    EXPECT_EQ(replies.find(personal), std::string::npos) << personal;
  }
}

TEST_F(SensitiveAccessTest, CoordinatorOfAnotherTimebankIsDenied) {
  const Client& other = world().other_coordinator;
  ASSERT_RPC_OK(other.GetBalance(kOtherTimebank, "bob"));
  EXPECT_RPC_ERROR(other.RecordExchange(ExchangeRequest(kTimebank, Fresh("b"),
                                                        "kathy", "vera", 10)),
                   PERMISSION_DENIED, "timebank_id");
  EXPECT_RPC_ERROR(other.GetBalance(kTimebank, "kathy"), PERMISSION_DENIED,
                   "timebank_id");
  EXPECT_RPC_ERROR(other.OpenAccount(kTimebank, Fresh("intruder")),
                   PERMISSION_DENIED, "timebank_id");
  EXPECT_RPC_ERROR(other.GetExchange(kTimebank, world().kathy_gave_vera_seq),
                   PERMISSION_DENIED, "timebank_id");
  EXPECT_RPC_ERROR(other.ReverseExchange(kTimebank, world().kathy_gave_vera_seq,
                                         Fresh("b-undo")),
                   PERMISSION_DENIED, "timebank_id");
  EXPECT_RPC_ERROR(other.ReadJournal(kTimebank, 1, 1), PERMISSION_DENIED,
                   "timebank_id");
  EXPECT_RPC_ERROR(
      other.CreateToken(v1::ROLE_MEMBER, {kTimebank}, "kathy", Fresh("b-made")),
      PERMISSION_DENIED, "role");

  const v1::ListTimebanksResponse visible = Must(
      other.Call(&v1::Ledger::Stub::ListTimebanks, v1::ListTimebanksRequest()),
      "list");
  ASSERT_EQ(visible.timebanks_size(), 1);
  EXPECT_EQ(visible.timebanks(0).timebank_id(), kOtherTimebank);
}

TEST_F(SensitiveAccessTest, CoordinatorCanOnlyMakeMemberTokensOfItsTimebanks) {
  const Client& coordinator = world().coordinator;
  EXPECT_RPC_ERROR(
      coordinator.CreateToken(v1::ROLE_ADMIN, {}, "", Fresh("boss")),
      PERMISSION_DENIED, "role");
  EXPECT_RPC_ERROR(coordinator.CreateToken(v1::ROLE_COORDINATOR, {kTimebank},
                                           "", Fresh("deputy")),
                   PERMISSION_DENIED, "role");
  EXPECT_RPC_ERROR(coordinator.CreateToken(v1::ROLE_AUDITOR, {kTimebank}, "",
                                           Fresh("council")),
                   PERMISSION_DENIED, "role");
  EXPECT_RPC_ERROR(coordinator.CreateToken(v1::ROLE_MEMBER, {kOtherTimebank},
                                           "bob", Fresh("bob")),
                   PERMISSION_DENIED, "role");
  EXPECT_RPC_OK(coordinator.CreateToken(v1::ROLE_MEMBER, {kTimebank}, "olga",
                                        Fresh("olga")));
}

// A token a coordinator may not manage is, to it, a token that does not
// exist: the same code and the same words as for an id no token has, so
// RevokeToken cannot be used to find out which ids exist elsewhere.
TEST_F(SensitiveAccessTest,
       CoordinatorRevokingATokenItMayNotManageGetsTheAnswerForAnUnknownId) {
  const Client& coordinator = world().coordinator;
  const v1::ListTokensResponse all = Must(world().admin.ListTokens(), "list");
  const auto admin_info = std::find_if(
      all.tokens().begin(), all.tokens().end(),
      [](const v1::TokenInfo& info) { return info.role() == v1::ROLE_ADMIN; });
  ASSERT_NE(admin_info, all.tokens().end());
  const std::string bob_id =
      Must(world().admin.CreateToken(v1::ROLE_MEMBER, {kOtherTimebank}, "bob",
                                     Fresh("bob-phone")),
           "bob's token")
          .info()
          .token_id();
  std::string unknown_id = bob_id;
  unknown_id.back() = unknown_id.back() == '0' ? '1' : '0';
  const Rpc<v1::TokenInfo> unknown = coordinator.RevokeToken(unknown_id);
  ASSERT_RPC_ERROR(unknown, NOT_FOUND, "token_id");
  for (const std::string& id :
       {admin_info->token_id(), world().auditor_info.token_id(),
        world().other_coordinator_info.token_id(), bob_id}) {
    const Rpc<v1::TokenInfo> refused = coordinator.RevokeToken(id);
    EXPECT_EQ(refused.status.error_code(), unknown.status.error_code()) << id;
    EXPECT_EQ(refused.status.error_message(), unknown.status.error_message())
        << id;
  }
  // None was revoked.
  const v1::ListTokensResponse after = Must(world().admin.ListTokens(), "list");
  for (const v1::TokenInfo& info : after.tokens()) {
    if (info.token_id() == bob_id ||
        info.token_id() == admin_info->token_id()) {
      EXPECT_FALSE(info.revoked()) << info.name();
    }
  }
  EXPECT_RPC_OK(world().admin.ListTokens());
  EXPECT_RPC_OK(world().auditor.VerifyJournal(kTimebank));
  EXPECT_RPC_OK(world().other_coordinator.GetBalance(kOtherTimebank, "bob"));

  // A coordinator lists only the MEMBER tokens of its timebanks.
  const v1::ListTokensResponse visible = Must(coordinator.ListTokens(), "list");
  for (const v1::TokenInfo& info : visible.tokens()) {
    EXPECT_EQ(info.role(), v1::ROLE_MEMBER) << info.name();
    EXPECT_EQ(std::vector<std::string>(info.timebank_ids().begin(),
                                       info.timebank_ids().end()),
              std::vector<std::string>{kTimebank})
        << info.name();
  }
}

// Token names are unique within a role and timebank (ADMIN among ADMIN), so a
// coordinator choosing a name learns nothing about the tokens of another
// timebank, ADMIN tokens, or the tokens of its own timebank it cannot list.
TEST_F(SensitiveAccessTest,
       CoordinatorLearnsNothingFromNamesOfTokensOutsideItsScope) {
  const Client& admin = world().admin;
  const std::string in_other_timebank = Fresh("phone");
  const std::string of_an_admin = Fresh("laptop");
  const std::string of_an_auditor = Fresh("council");
  ASSERT_RPC_OK(admin.CreateToken(v1::ROLE_MEMBER, {kOtherTimebank}, "bob",
                                  in_other_timebank));
  ASSERT_RPC_OK(admin.CreateToken(v1::ROLE_COORDINATOR, {kOtherTimebank}, "",
                                  of_an_admin));
  ASSERT_RPC_OK(admin.CreateToken(v1::ROLE_ADMIN, {}, "", of_an_admin));
  ASSERT_RPC_OK(
      admin.CreateToken(v1::ROLE_AUDITOR, {kTimebank}, "", of_an_auditor));

  const Client& coordinator = world().coordinator;
  for (const std::string& name :
       {in_other_timebank, of_an_admin, of_an_auditor}) {
    EXPECT_RPC_OK(
        coordinator.CreateToken(v1::ROLE_MEMBER, {kTimebank}, "olga", name))
        << name;
  }
  // Within its own scope a taken name is still ALREADY_EXISTS.
  EXPECT_RPC_ERROR(coordinator.CreateToken(v1::ROLE_MEMBER, {kTimebank}, "vera",
                                           in_other_timebank),
                   ALREADY_EXISTS, "name");
}

// A MEMBER token is for an account of its one timebank: an account of
// another timebank, or none at all, is NOT_FOUND naming account_id, and
// no token is made.
TEST_F(SensitiveAccessTest, MemberTokenNeedsAnAccountInItsTimebank) {
  const int before = Must(world().admin.ListTokens(), "list").tokens_size();
  for (const Client* caller : {&world().admin, &world().coordinator}) {
    for (const char* account : {"bob", "nobody"}) {
      EXPECT_RPC_ERROR(caller->CreateToken(v1::ROLE_MEMBER, {kTimebank},
                                           account, Fresh("phone")),
                       NOT_FOUND, "account_id")
          << account;
    }
  }
  EXPECT_RPC_ERROR(
      world().admin.CreateToken(v1::ROLE_MEMBER, {kTimebank, kOtherTimebank},
                                "kathy", Fresh("phone")),
      INVALID_ARGUMENT, "timebank_ids");
  EXPECT_EQ(Must(world().admin.ListTokens(), "list").tokens_size(), before);
}

TEST_F(SensitiveAccessTest, RevokedTokenIsRefusedAsSoonAsRevokeTokenReturns) {
  const v1::CreateTokenResponse created =
      Must(world().admin.CreateToken(v1::ROLE_COORDINATOR, {kTimebank}, "",
                                     Fresh("temp")),
           "create");
  const Client holder = world().admin.WithToken(created.token());
  ASSERT_RPC_OK(holder.GetBalance(kTimebank, "kathy"));

  Rpc<v1::TokenInfo> revoked =
      world().admin.RevokeToken(created.info().token_id());
  ASSERT_RPC_OK(revoked);
  EXPECT_TRUE(revoked->revoked());
  EXPECT_RPC_ERROR(holder.GetBalance(kTimebank, "kathy"), UNAUTHENTICATED,
                   "authorization");
  EXPECT_RPC_ERROR(holder.RecordExchange(ExchangeRequest(
                       kTimebank, Fresh("late"), "kathy", "vera", 5)),
                   UNAUTHENTICATED, "authorization");
  // Harmless again; the name is free for a new token.
  EXPECT_RPC_OK(world().admin.RevokeToken(created.info().token_id()));
  EXPECT_RPC_OK(world().admin.CreateToken(v1::ROLE_COORDINATOR, {kTimebank}, "",
                                          created.info().name()));
}

// access.proto: RevokeToken "revokes a token at once", and a journal stream
// carries names and descriptions, so it must not outlive its token.
TEST_F(SensitiveAccessTest, RevokingATokenEndsItsOpenJournalStream) {
  const v1::CreateTokenResponse created =
      Must(world().admin.CreateToken(v1::ROLE_COORDINATOR, {kTimebank}, "",
                                     Fresh("feed")),
           "create");
  const Client holder = world().admin.WithToken(created.token());
  const uint64_t last_seq =
      Must(world().admin.GetTimebank(kTimebank), "get").last_seq();
  std::unique_ptr<grpc::ClientContext> context =
      holder.NewContext(std::chrono::seconds(3));
  v1::WatchJournalRequest request;
  request.set_timebank_id(kTimebank);
  request.set_from_seq(last_seq);
  std::unique_ptr<grpc::ClientReader<v1::JournalEntry>> stream =
      holder.ledger().WatchJournal(context.get(), request);
  v1::JournalEntry entry;
  ASSERT_TRUE(stream->Read(&entry));  // Streaming, and authorised.
  ASSERT_EQ(entry.seq(), last_seq);

  ASSERT_RPC_OK(world().admin.RevokeToken(created.info().token_id()));
  const uint64_t after_revocation =
      Must(world().admin.RecordExchange(
               ExchangeRequest(kTimebank, Fresh("secret"), "kathy", "vera", 5)),
           "record")
          .seq();
  while (stream->Read(&entry)) {
    EXPECT_LT(entry.seq(), after_revocation)
        << "a revoked token received an entry committed after its revocation";
  }
  EXPECT_RPC_ERROR(stream->Finish(), UNAUTHENTICATED, "authorization");
}

// access.proto: the timebanks a token names "must exist"; otherwise a token
// made today would open a timebank created tomorrow.
TEST_F(SensitiveAccessTest, CreateTokenRefusesATimebankThatDoesNotExist) {
  EXPECT_RPC_ERROR(
      world().admin.CreateToken(v1::ROLE_COORDINATOR, {"tb-future"}, "",
                                Fresh("early-bird")),
      NOT_FOUND, "timebank_ids");
}

TEST_F(SensitiveAccessTest, CreateTokenReturnsTheSecretOnceAndListTokensNever) {
  const std::string name = Fresh("olga-tablet");
  Rpc<v1::CreateTokenResponse> created =
      world().admin.CreateToken(v1::ROLE_MEMBER, {kTimebank}, "olga", name);
  ASSERT_RPC_OK(created);
  const std::string& id = created->info().token_id();
  EXPECT_TRUE(created->token().starts_with("tbk_" + id + "_"))
      << created->token();
  EXPECT_EQ(created->info().name(), name);
  EXPECT_EQ(created->info().role(), v1::ROLE_MEMBER);
  EXPECT_EQ(created->info().account_id(), "olga");
  EXPECT_FALSE(created->info().revoked());
  EXPECT_RPC_OK(
      world().admin.WithToken(created->token()).GetBalance(kTimebank, "olga"));

  Rpc<v1::CreateTokenResponse> again =
      world().admin.CreateToken(v1::ROLE_MEMBER, {kTimebank}, "olga", name);
  EXPECT_RPC_ERROR(again, ALREADY_EXISTS, "name");
  EXPECT_EQ(again->token(), "");

  std::vector<std::string> secrets = world().tokens;
  secrets.push_back(created->token());
  const std::string admin_view =
      Must(world().admin.ListTokens(), "admin list").SerializeAsString();
  const std::string coordinator_view =
      Must(world().coordinator.ListTokens(), "coordinator list")
          .SerializeAsString();
  EXPECT_NE(admin_view.find(id), std::string::npos);
  for (const std::string& token : secrets) {
    const std::string secret = token.substr(token.rfind('_') + 1);
    ASSERT_GE(secret.size(), 32u);
    EXPECT_EQ(admin_view.find(secret), std::string::npos);
    EXPECT_EQ(coordinator_view.find(secret), std::string::npos);
  }
}

// access.proto: WhoAmI describes the caller's own token and nothing more.
TEST_F(SensitiveAccessTest, WhoAmIDescribesTheCallersOwnTokenWithoutItsSecret) {
  Rpc<v1::TokenInfo> member =
      world().member.Call(&v1::Access::Stub::WhoAmI, v1::WhoAmIRequest());
  ASSERT_RPC_OK(member);
  EXPECT_EQ(member->role(), v1::ROLE_MEMBER);
  EXPECT_EQ(member->name(), "member-kathy");
  EXPECT_EQ(member->account_id(), "kathy");
  ASSERT_EQ(member->timebank_ids_size(), 1);
  EXPECT_EQ(member->timebank_ids(0), kTimebank);
  const std::string& secret_of_kathy = world().tokens[2];
  EXPECT_EQ(member->SerializeAsString().find(
                secret_of_kathy.substr(secret_of_kathy.rfind('_') + 1)),
            std::string::npos);

  Rpc<v1::TokenInfo> auditor =
      world().auditor.Call(&v1::Access::Stub::WhoAmI, v1::WhoAmIRequest());
  ASSERT_RPC_OK(auditor);
  EXPECT_EQ(auditor->SerializeAsString(),
            world().auditor_info.SerializeAsString());

  Rpc<v1::TokenInfo> admin =
      world().admin.Call(&v1::Access::Stub::WhoAmI, v1::WhoAmIRequest());
  ASSERT_RPC_OK(admin);
  EXPECT_EQ(admin->role(), v1::ROLE_ADMIN);
  EXPECT_EQ(admin->timebank_ids_size(), 0);
  EXPECT_EQ(admin->account_id(), "");
}

// access.proto: expires_at_unix_us "Must be in the future".
TEST_F(SensitiveAccessTest, CreateTokenRefusesAnExpiryInThePast) {
  v1::CreateTokenRequest request;
  request.set_role(v1::ROLE_COORDINATOR);
  request.add_timebank_ids(kTimebank);
  request.set_name(Fresh("already-expired"));
  request.set_expires_at_unix_us(1'000'000);  // 1970.
  EXPECT_RPC_ERROR(world().admin.Call(&v1::Access::Stub::CreateToken, request),
                   INVALID_ARGUMENT, "expires_at_unix_us");
}

TEST_F(SensitiveAccessTest, ExpiredTokenIsUnauthenticated) {
  const auto expires =
      std::chrono::system_clock::now() + std::chrono::milliseconds(1500);
  v1::CreateTokenRequest request;
  request.set_role(v1::ROLE_COORDINATOR);
  request.add_timebank_ids(kTimebank);
  request.set_name(Fresh("short-lived"));
  request.set_expires_at_unix_us(
      std::chrono::duration_cast<std::chrono::microseconds>(
          expires.time_since_epoch())
          .count());
  const Client holder = world().admin.WithToken(
      Must(world().admin.Call(&v1::Access::Stub::CreateToken, request),
           "create")
          .token());
  if (std::chrono::system_clock::now() <
      expires - std::chrono::milliseconds(200)) {
    EXPECT_RPC_OK(holder.GetTimebank(kTimebank));
  }
  std::this_thread::sleep_until(expires + std::chrono::milliseconds(50));
  EXPECT_RPC_ERROR(holder.GetTimebank(kTimebank), UNAUTHENTICATED,
                   "authorization");
}

}  // namespace
}  // namespace timebank::testing
