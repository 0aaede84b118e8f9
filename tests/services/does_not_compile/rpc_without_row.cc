// A handler that names an rpc the policy table has no row for (here a
// misspelling) must not compile; see tests/services/CMakeLists.txt.
#include "services/authorizer.h"

namespace timebank::services {

absl::StatusOr<Principal> AuthorizeMisspelt(
    const Authorizer& authorizer, const grpc::ServerContext& context) {
  return authorizer.Authorize(context, "Ledger.GetBalanse");
}

}  // namespace timebank::services
