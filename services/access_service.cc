#include "services/access_service.h"

#include <spdlog/spdlog.h>

#include <optional>

#include "ledger/status_macros.h"
#include "ledger/validation.h"
#include "services/convert.h"
#include "services/serve.h"

namespace timebank::services {

bool MayManage(const ledger::Token& caller, ledger::Role role,
               const std::vector<std::string>& timebank_ids) {
  if (caller.role == ledger::Role::kAdmin) return true;
  if (caller.role != ledger::Role::kCoordinator ||
      role != ledger::Role::kMember) {
    return false;
  }
  for (const std::string& tb : timebank_ids) {
    if (!caller.CoversTimebank(tb)) return false;
  }
  return !timebank_ids.empty();
}

grpc::Status AccessService::CreateToken(grpc::ServerContext* context,
                                        const v1::CreateTokenRequest* request,
                                        v1::CreateTokenResponse* reply) {
  return Serve([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Principal caller,
                     authorizer_->Authorize(*context, "Access.CreateToken"));
    const ledger::NewToken input = ToInput(*request);
    // The ledger's own rule, asked before MayManage so that a role no token
    // can have is INVALID_ARGUMENT for every caller.
    RETURN_IF_ERROR(ledger::CheckRole(input.role));
    if (!MayManage(caller.token, input.role, input.timebank_ids)) {
      return absl::PermissionDeniedError(
          "role: a COORDINATOR token may create only MEMBER tokens for its "
          "own timebanks");
    }
    ASSIGN_OR_RETURN(auto created, registry_->Create(input));
    reply->set_token(created.first);
    ToProto(created.second, reply->mutable_info());
    spdlog::info("event=token_created token_id={} role={} by={}",
                 created.second.id, ledger::RoleName(created.second.role),
                 caller.token.id);
    return absl::OkStatus();
  });
}

grpc::Status AccessService::RevokeToken(grpc::ServerContext* context,
                                        const v1::RevokeTokenRequest* request,
                                        v1::TokenInfo* reply) {
  return Serve([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Principal caller,
                     authorizer_->Authorize(*context, "Access.RevokeToken"));
    RETURN_IF_ERROR(ledger::CheckTokenId("token_id", request->token_id()));
    // A token the caller may not manage gets the answer an unknown id gets,
    // word for word: a coordinator learns nothing about which ids exist
    // outside its scope.
    const std::optional<ledger::Token> token =
        registry_->Find(request->token_id());
    if (!token || !MayManage(caller.token, token->role, token->timebank_ids)) {
      return ledger::NoSuchToken();
    }
    ASSIGN_OR_RETURN(ledger::Token revoked, registry_->Revoke(token->id));
    ToProto(revoked, reply);
    spdlog::info("event=token_revoked token_id={} by={}", revoked.id,
                 caller.token.id);
    return absl::OkStatus();
  });
}

grpc::Status AccessService::ListTokens(grpc::ServerContext* context,
                                       const v1::ListTokensRequest*,
                                       v1::ListTokensResponse* reply) {
  return Serve([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Principal caller,
                     authorizer_->Authorize(*context, "Access.ListTokens"));
    for (const ledger::Token& token : registry_->List()) {
      if (MayManage(caller.token, token.role, token.timebank_ids)) {
        ToProto(token, reply->add_tokens());
      }
    }
    return absl::OkStatus();
  });
}

grpc::Status AccessService::WhoAmI(grpc::ServerContext* context,
                                   const v1::WhoAmIRequest*,
                                   v1::TokenInfo* reply) {
  return Serve([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Principal caller,
                     authorizer_->Authorize(*context, "Access.WhoAmI"));
    ToProto(caller.token, reply);
    return absl::OkStatus();
  });
}

}  // namespace timebank::services
