// Who may call what. Every rpc has one row in the policy table: the roles
// allowed and how far the token's scope must reach (any, the named timebank,
// or for MEMBER tokens their own account). The server checks every call
// against it; the access-matrix test reads the same table and also checks a
// hand-written list of the sensitive cases.
//
// Thread safety: Authorize may be called from any thread.

#ifndef TIMEBANK_SERVICES_AUTHORIZER_H_
#define TIMEBANK_SERVICES_AUTHORIZER_H_

#include <grpcpp/server_context.h>

#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "ledger/access.h"
#include "ledger/types.h"

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

// Every method of every service, in proto order.
std::span<const MethodPolicy> PolicyTable();
const MethodPolicy& PolicyFor(std::string_view method);

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
                                      std::string_view method,
                                      const std::string& timebank_id = "",
                                      const std::string& account_id = "") const;

  // Moves on every token revocation (see AccessRegistry::revocations).
  uint64_t revocations() const { return registry_->revocations(); }

 private:
  const ledger::AccessRegistry* registry_;
};

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_AUTHORIZER_H_
