#include "services/authorizer.h"

#include <google/protobuf/descriptor.h>

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace timebank::services {
namespace {

std::string_view BearerOf(const grpc::ServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return {};
  std::string_view value(it->second.data(), it->second.size());
  constexpr std::string_view kBearer = "Bearer ";
  if (value.substr(0, kBearer.size()) != kBearer) return {};
  return value.substr(kBearer.size());
}

}  // namespace

bool MethodPolicy::Allows(ledger::Role role) const {
  switch (role) {
    case ledger::Role::kAdmin:
      return admin;
    case ledger::Role::kCoordinator:
      return coordinator;
    case ledger::Role::kMember:
      return member;
    case ledger::Role::kAuditor:
      return auditor;
  }
  return false;
}

absl::Status CheckPolicyTable(
    std::span<const google::protobuf::ServiceDescriptor* const> services,
    std::span<const MethodPolicy> table) {
  const auto rows_named = [table](std::string_view method) {
    return std::count_if(
        table.begin(), table.end(),
        [method](const MethodPolicy& row) { return row.method == method; });
  };
  size_t rpcs = 0;
  for (const google::protobuf::ServiceDescriptor* service : services) {
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string method =
          absl::StrCat(service->name(), ".", service->method(i)->name());
      const auto rows = rows_named(method);
      if (rows != 1) {
        return absl::InternalError(
            absl::StrCat("policy table (services/authorizer.h): the rpc ",
                         service->method(i)->full_name(), " has ", rows,
                         " rows; it needs exactly one"));
      }
      ++rpcs;
    }
  }
  if (table.size() == rpcs) return absl::OkStatus();
  // Some row is no rpc of these services: name it.
  for (const MethodPolicy& row : table) {
    const bool is_rpc = std::any_of(
        services.begin(), services.end(),
        [&row](const google::protobuf::ServiceDescriptor* service) {
          return row.method.starts_with(service->name() + ".") &&
                 service->FindMethodByName(std::string(
                     row.method.substr(service->name().size() + 1))) != nullptr;
        });
    if (!is_rpc) {
      return absl::InternalError(absl::StrCat(
          "policy table (services/authorizer.h): the row ",
          std::string(row.method), " is no rpc of the services served"));
    }
  }
  return absl::InternalError(
      "policy table (services/authorizer.h): more rows than rpcs");
}

absl::StatusOr<Principal> Authorizer::Authorize(
    const grpc::ServerContext& context, Rpc rpc, const std::string& timebank_id,
    const std::string& account_id) const {
  absl::StatusOr<ledger::Token> token =
      registry_->Authenticate(BearerOf(context));
  if (!token.ok()) return token.status();
  const MethodPolicy& policy = rpc.policy();
  const std::string role(ledger::RoleName(token->role));
  if (!policy.Allows(token->role)) {
    return absl::PermissionDeniedError(absl::StrCat("authorization: a ", role,
                                                    " token may not call ",
                                                    std::string(rpc.method())));
  }
  if (policy.scope != Scope::kAny && !token->CoversTimebank(timebank_id)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "timebank_id: this token does not cover timebank '", timebank_id, "'"));
  }
  if (policy.scope == Scope::kOwnAccount &&
      token->role == ledger::Role::kMember && account_id != token->account_id) {
    return absl::PermissionDeniedError(
        "account_id: a MEMBER token sees only its own account");
  }
  // What is written is recorded by the token's name ("anne-coordinator"),
  // which people chose and recognise; no two live tokens share one.
  Principal principal{.token = *token};
  if (token->role == ledger::Role::kMember) {
    principal.actor = ledger::Actor::Member(token->name, token->account_id);
  } else if (token->role == ledger::Role::kAuditor) {
    principal.actor = ledger::Actor::Auditor(token->name, token->id);
  } else {
    // Coordinators and administrators share the staff request scope.
    principal.actor = ledger::Actor::Coordinator(token->name);
  }
  return principal;
}

}  // namespace timebank::services
