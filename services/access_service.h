// The Access gRPC service: tokens. ADMIN tokens manage every token; a
// COORDINATOR may create, list and revoke MEMBER tokens of its timebanks,
// which is how members get their sign-in. Any token may ask who it is.
// Thread safety: handlers run concurrently on gRPC's threads.

#ifndef TIMEBANK_SERVICES_ACCESS_SERVICE_H_
#define TIMEBANK_SERVICES_ACCESS_SERVICE_H_

#include "ledger/access.h"
#include "services/authorizer.h"
#include "timebank/v1/access.grpc.pb.h"

namespace timebank::services {

class AccessService final : public v1::Access::Service {
 public:
  AccessService(ledger::AccessRegistry* registry, const Authorizer* authorizer)
      : registry_(registry), authorizer_(authorizer) {}

  grpc::Status CreateToken(grpc::ServerContext* context,
                           const v1::CreateTokenRequest* request,
                           v1::CreateTokenResponse* reply) override;
  grpc::Status RevokeToken(grpc::ServerContext* context,
                           const v1::RevokeTokenRequest* request,
                           v1::TokenInfo* reply) override;
  grpc::Status ListTokens(grpc::ServerContext* context,
                          const v1::ListTokensRequest* request,
                          v1::ListTokensResponse* reply) override;
  grpc::Status WhoAmI(grpc::ServerContext* context,
                      const v1::WhoAmIRequest* request,
                      v1::TokenInfo* reply) override;

 private:
  ledger::AccessRegistry* registry_;
  const Authorizer* authorizer_;
};

// Whether `caller` may manage `token`: an ADMIN any, a COORDINATOR only
// MEMBER tokens inside its own timebanks.
bool MayManage(const ledger::Token& caller, ledger::Role role,
               const std::vector<std::string>& timebank_ids);

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_ACCESS_SERVICE_H_
