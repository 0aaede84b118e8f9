#include "services/authorizer.h"

#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace timebank::services {
namespace {

using enum Scope;

// admin, coordinator, member, auditor, scope. Auditors get aggregates only:
// no method that returns names, descriptions or account ids.
constexpr std::array kPolicy{
    MethodPolicy{"Ledger.CreateTimebank", true, false, false, false, kAny},
    MethodPolicy{"Ledger.GetTimebank", true, true, true, true, kTimebank},
    MethodPolicy{"Ledger.ListTimebanks", true, true, true, true, kAny},
    MethodPolicy{"Ledger.UpdateTimebank", true, true, false, false, kTimebank},
    MethodPolicy{"Ledger.OpenAccount", true, true, false, false, kTimebank},
    MethodPolicy{"Ledger.GetAccount", true, true, true, false, kOwnAccount},
    MethodPolicy{"Ledger.UpdateAccount", true, true, false, false, kTimebank},
    MethodPolicy{"Ledger.EraseAccount", true, true, false, false, kTimebank},
    MethodPolicy{"Ledger.ListAccounts", true, true, false, false, kTimebank},
    MethodPolicy{"Ledger.RecordExchange", true, true, true, false, kTimebank},
    MethodPolicy{"Ledger.RecordExchanges", true, true, false, false, kTimebank},
    MethodPolicy{"Ledger.ConfirmExchange", true, true, true, false, kTimebank},
    MethodPolicy{"Ledger.RejectExchange", true, true, true, false, kTimebank},
    MethodPolicy{"Ledger.ReverseExchange", true, true, false, false, kTimebank},
    MethodPolicy{"Ledger.GetExchange", true, true, true, false, kTimebank},
    MethodPolicy{"Ledger.ListExchanges", true, true, true, false, kOwnAccount},
    MethodPolicy{"Ledger.GetBalance", true, true, true, false, kOwnAccount},
    MethodPolicy{"Ledger.SnapshotBalances", true, true, false, false, kTimebank},
    MethodPolicy{"Ledger.WatchJournal", true, true, false, false, kTimebank},
    MethodPolicy{"Ledger.VerifyJournal", true, true, false, true, kTimebank},
    MethodPolicy{"Access.CreateToken", true, true, false, false, kAny},
    MethodPolicy{"Access.RevokeToken", true, true, false, false, kAny},
    MethodPolicy{"Access.ListTokens", true, true, false, false, kAny},
    MethodPolicy{"Access.WhoAmI", true, true, true, true, kAny},
    MethodPolicy{"Assessment.GetReciprocityReport", true, true, false, true, kTimebank},
    MethodPolicy{"Assessment.AssessPrinciples", true, true, false, true, kTimebank},
    MethodPolicy{"Assessment.GetThresholds", true, true, false, true, kTimebank},
    MethodPolicy{"Assessment.SetThresholds", true, true, false, false, kTimebank},
    MethodPolicy{"Assessment.SubmitReflection", true, true, true, true, kTimebank},
    MethodPolicy{"Assessment.ListReflections", true, true, false, true, kTimebank},
    MethodPolicy{"Assessment.AddAction", true, true, false, false, kTimebank},
    MethodPolicy{"Assessment.ListActions", true, true, false, true, kTimebank},
    MethodPolicy{"Assessment.UpdateAction", true, true, false, false, kTimebank},
    MethodPolicy{"Admin.CreateBackup", true, false, false, false, kAny},
    MethodPolicy{"Admin.ListBackups", true, false, false, false, kAny},
};

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
    case ledger::Role::kAdmin: return admin;
    case ledger::Role::kCoordinator: return coordinator;
    case ledger::Role::kMember: return member;
    case ledger::Role::kAuditor: return auditor;
  }
  return false;
}

std::span<const MethodPolicy> PolicyTable() { return kPolicy; }

const MethodPolicy& PolicyFor(std::string_view method) {
  for (const MethodPolicy& policy : kPolicy) {
    if (policy.method == method) return policy;
  }
  // Every handler names a method of this table; reaching here is a bug.
  std::abort();
}

absl::StatusOr<Principal> Authorizer::Authorize(
    const grpc::ServerContext& context, std::string_view method,
    const std::string& timebank_id, const std::string& account_id) const {
  absl::StatusOr<ledger::Token> token =
      registry_->Authenticate(BearerOf(context));
  if (!token.ok()) return token.status();
  const MethodPolicy& policy = PolicyFor(method);
  const std::string role(ledger::RoleName(token->role));
  if (!policy.Allows(token->role)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "authorization: a ", role, " token may not call ", std::string(method)));
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
  Principal principal{.token = *token};
  if (token->role == ledger::Role::kMember) {
    principal.actor = ledger::Actor::Member(
        absl::StrCat("member:", token->account_id), token->account_id);
  } else if (token->role == ledger::Role::kAuditor) {
    principal.actor = ledger::Actor::Auditor(
        absl::StrCat("auditor:", token->id), token->id);
  } else {
    // Coordinators and administrators share the staff request scope.
    principal.actor = ledger::Actor::Coordinator(
        absl::StrCat(absl::AsciiStrToLower(role), ":", token->id));
  }
  return principal;
}

}  // namespace timebank::services
