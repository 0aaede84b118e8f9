// The one place where ledger statuses become gRPC statuses.
// Thread safety: pure function.

#ifndef TIMEBANK_SERVICES_GRPC_STATUS_H_
#define TIMEBANK_SERVICES_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace timebank::services {

// Same code, same message (which names the field). absl and gRPC share the
// canonical code numbers, so the mapping is one to one.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_GRPC_STATUS_H_
