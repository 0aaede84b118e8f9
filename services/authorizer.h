// Who may call what. Every rpc has one row in the policy table: the roles
// allowed and how far the token's scope must reach (any, the named timebank,
// or for MEMBER tokens their own account). The server checks every call
// against it; the access-matrix test reads the same table and also checks a
// hand-written list of the sensitive cases.
//
// The table cannot drift from the protos, because the compiler checks it: a
// row names its rpc through the generated service class (TIMEBANK_RPC), so a
// name that is no rpc does not compile; each service's rows are counted
// against its rpcs; and a handler names its rpc as an Rpc, which is made at
// compile time from a row of the table or not at all. At start the server
// checks the table once more against the descriptors of the services it
// serves (CheckPolicyTable) and refuses to start on a mismatch.
//
// Thread safety: the table is constant; Authorize may be called from any
// thread.

#ifndef TIMEBANK_SERVICES_AUTHORIZER_H_
#define TIMEBANK_SERVICES_AUTHORIZER_H_

#include <grpcpp/server_context.h>

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/access.h"
#include "ledger/types.h"
#include "timebank/v1/access.grpc.pb.h"
#include "timebank/v1/admin.grpc.pb.h"
#include "timebank/v1/assessment.grpc.pb.h"
#include "timebank/v1/ledger.grpc.pb.h"

namespace google::protobuf {
class ServiceDescriptor;
}

namespace timebank::services {

enum class Scope {
  kAny,         // No timebank named, or the handler filters by scope itself.
  kTimebank,    // The token must cover the request's timebank_id.
  kOwnAccount,  // As kTimebank; a MEMBER token must also name its account.
};

struct MethodPolicy {
  std::string_view method;  // "Ledger.GetBalance"
  bool admin;
  bool coordinator;
  bool member;
  bool auditor;
  Scope scope;

  bool Allows(ledger::Role role) const;
};

namespace policy_internal {

// Compiles only for a method that the generated class `Service` declares
// itself with the signature of an rpc handler: not for a misspelt name, nor
// for a member `Service` inherits from grpc::Service.
template <typename Service, typename... Args>
constexpr bool IsRpcOf(grpc::Status (Service::*)(Args...)) {
  return true;
}

// How many rpcs a generated service has: its AsyncService wraps Service in
// one WithAsyncMethod_<rpc> layer per rpc.
template <typename T>
struct RpcCount : std::integral_constant<size_t, 0> {};
template <template <typename> typename Layer, typename Base>
struct RpcCount<Layer<Base>>
    : std::integral_constant<size_t, 1 + RpcCount<Base>::value> {};

}  // namespace policy_internal

}  // namespace timebank::services

// "Ledger.GetBalance" for TIMEBANK_RPC(Ledger, GetBalance), if the generated
// timebank::v1::Ledger::Service has the rpc GetBalance; otherwise a compile
// error.
#define TIMEBANK_RPC(service, rpc)                                   \
  (static_cast<void>(::timebank::services::policy_internal::IsRpcOf< \
                     ::timebank::v1::service::Service>(              \
       &::timebank::v1::service::Service::rpc)),                     \
   #service "." #rpc)

namespace timebank::services {

namespace policy_table {
using enum Scope;

// admin, coordinator, member, auditor, scope. Auditors get aggregates only:
// no method that returns names, descriptions or account ids. Every method of
// every service, in proto order.
// clang-format off
inline constexpr auto kPolicy = std::to_array<MethodPolicy>({
    {TIMEBANK_RPC(Ledger, CreateTimebank), true, false, false, false, kAny},
    {TIMEBANK_RPC(Ledger, GetTimebank), true, true, true, true, kTimebank},
    {TIMEBANK_RPC(Ledger, ListTimebanks), true, true, true, true, kAny},
    {TIMEBANK_RPC(Ledger, UpdateTimebank), true, true, false, false, kTimebank},
    {TIMEBANK_RPC(Ledger, OpenAccount), true, true, false, false, kTimebank},
    {TIMEBANK_RPC(Ledger, GetAccount), true, true, true, false, kOwnAccount},
    {TIMEBANK_RPC(Ledger, UpdateAccount), true, true, false, false, kTimebank},
    {TIMEBANK_RPC(Ledger, EraseAccount), true, true, false, false, kTimebank},
    {TIMEBANK_RPC(Ledger, ListAccounts), true, true, true, false, kTimebank},
    {TIMEBANK_RPC(Ledger, RecordExchange), true, true, true, false, kTimebank},
    {TIMEBANK_RPC(Ledger, RecordExchanges), true, true, false, false, kTimebank},
    {TIMEBANK_RPC(Ledger, ConfirmExchange), true, true, true, false, kTimebank},
    {TIMEBANK_RPC(Ledger, RejectExchange), true, true, true, false, kTimebank},
    {TIMEBANK_RPC(Ledger, ReverseExchange), true, true, false, false, kTimebank},
    {TIMEBANK_RPC(Ledger, GetExchange), true, true, true, false, kTimebank},
    {TIMEBANK_RPC(Ledger, ListExchanges), true, true, true, false, kOwnAccount},
    {TIMEBANK_RPC(Ledger, GetBalance), true, true, true, false, kOwnAccount},
    {TIMEBANK_RPC(Ledger, SnapshotBalances), true, true, false, false, kTimebank},
    {TIMEBANK_RPC(Ledger, WatchJournal), true, true, false, false, kTimebank},
    {TIMEBANK_RPC(Ledger, VerifyJournal), true, true, false, true, kTimebank},
    {TIMEBANK_RPC(Access, CreateToken), true, true, false, false, kAny},
    {TIMEBANK_RPC(Access, RevokeToken), true, true, false, false, kAny},
    {TIMEBANK_RPC(Access, ListTokens), true, true, false, false, kAny},
    {TIMEBANK_RPC(Access, WhoAmI), true, true, true, true, kAny},
    {TIMEBANK_RPC(Assessment, GetReciprocityReport), true, true, false, true, kTimebank},
    {TIMEBANK_RPC(Assessment, AssessPrinciples), true, true, false, true, kTimebank},
    {TIMEBANK_RPC(Assessment, GetThresholds), true, true, false, true, kTimebank},
    {TIMEBANK_RPC(Assessment, SetThresholds), true, true, false, false, kTimebank},
    {TIMEBANK_RPC(Assessment, SubmitReflection), true, true, true, true, kTimebank},
    {TIMEBANK_RPC(Assessment, ListReflections), true, true, false, true, kTimebank},
    {TIMEBANK_RPC(Assessment, AddAction), true, true, false, false, kTimebank},
    {TIMEBANK_RPC(Assessment, ListActions), true, true, false, true, kTimebank},
    {TIMEBANK_RPC(Assessment, UpdateAction), true, true, false, false, kTimebank},
    {TIMEBANK_RPC(Admin, CreateBackup), true, false, false, false, kAny},
    {TIMEBANK_RPC(Admin, ListBackups), true, false, false, false, kAny},
});
// clang-format on

}  // namespace policy_table

using policy_table::kPolicy;

namespace policy_internal {

// The rows of `service` ("Ledger").
consteval size_t RowsOf(std::string_view service) {
  size_t rows = 0;
  for (const MethodPolicy& row : kPolicy) {
    if (row.method.size() > service.size() && row.method.starts_with(service) &&
        row.method[service.size()] == '.') {
      ++rows;
    }
  }
  return rows;
}

consteval bool RowsAreDistinct() {
  for (size_t i = 0; i < kPolicy.size(); ++i) {
    for (size_t j = i + 1; j < kPolicy.size(); ++j) {
      if (kPolicy[i].method == kPolicy[j].method) return false;
    }
  }
  return true;
}

// Deliberately not constexpr: a compile-time search that reaches it fails to
// compile, with this name in the error.
void NoSuchRpcInThePolicyTable();

consteval const MethodPolicy& FindRow(std::string_view method) {
  for (const MethodPolicy& row : kPolicy) {
    if (row.method == method) return row;
  }
  NoSuchRpcInThePolicyTable();
  return kPolicy[0];
}

}  // namespace policy_internal

// Each row names a distinct rpc of its service (TIMEBANK_RPC), so as many
// rows as the service has rpcs means one row for each.
static_assert(policy_internal::RowsAreDistinct(),
              "the policy table names an rpc twice");
static_assert(policy_internal::RowsOf("Ledger") ==
                  policy_internal::RpcCount<v1::Ledger::AsyncService>::value,
              "the policy table needs one row for every rpc of Ledger");
static_assert(policy_internal::RowsOf("Access") ==
                  policy_internal::RpcCount<v1::Access::AsyncService>::value,
              "the policy table needs one row for every rpc of Access");
static_assert(
    policy_internal::RowsOf("Assessment") ==
        policy_internal::RpcCount<v1::Assessment::AsyncService>::value,
    "the policy table needs one row for every rpc of Assessment");
static_assert(policy_internal::RowsOf("Admin") ==
                  policy_internal::RpcCount<v1::Admin::AsyncService>::value,
              "the policy table needs one row for every rpc of Admin");
static_assert(policy_internal::RowsOf("Ledger") +
                      policy_internal::RowsOf("Access") +
                      policy_internal::RowsOf("Assessment") +
                      policy_internal::RowsOf("Admin") ==
                  kPolicy.size(),
              "a policy table row belongs to a service not counted here");

// One rpc, as a handler names it: `Authorize(context, "Ledger.GetBalance")`.
// The string is looked up in the table while compiling, so a name without a
// row does not compile, and at run time an Rpc is its row.
class Rpc {
 public:
  // Implicit, so a handler writes the name and nothing else.
  consteval Rpc(const char* method)  // NOLINT(google-explicit-constructor)
      : policy_(&policy_internal::FindRow(method)) {}

  constexpr const MethodPolicy& policy() const { return *policy_; }
  constexpr std::string_view method() const { return policy_->method; }

 private:
  const MethodPolicy* policy_;
};

// Every method of every service, in proto order.
constexpr std::span<const MethodPolicy> PolicyTable() { return kPolicy; }

// OK when `table` has exactly one row for every rpc of `services` and no row
// that is not one of their rpcs; otherwise INTERNAL naming the first rpc
// without a row or row without an rpc. The server calls it at start with the
// services it serves.
absl::Status CheckPolicyTable(
    std::span<const google::protobuf::ServiceDescriptor* const> services,
    std::span<const MethodPolicy> table = PolicyTable());

// The caller of one rpc, once authorised.
struct Principal {
  ledger::Token token;
  // How the ledger should see this caller in the request's timebank.
  ledger::Actor actor;
  bool is_auditor() const { return token.role == ledger::Role::kAuditor; }
  bool is_member() const { return token.role == ledger::Role::kMember; }
};

class Authorizer {
 public:
  explicit Authorizer(const ledger::AccessRegistry* registry)
      : registry_(registry) {}

  // UNAUTHENTICATED without a valid bearer token; PERMISSION_DENIED, naming
  // the field, when the role or scope does not allow the call.
  absl::StatusOr<Principal> Authorize(const grpc::ServerContext& context,
                                      Rpc rpc,
                                      const std::string& timebank_id = "",
                                      const std::string& account_id = "") const;

  // Moves on every token revocation (see AccessRegistry::revocations).
  uint64_t revocations() const { return registry_->revocations(); }

 private:
  const ledger::AccessRegistry* registry_;
};

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_AUTHORIZER_H_
