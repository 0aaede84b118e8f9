// The one place where ledger statuses become gRPC statuses, and where a
// status code gets its name.
// Thread safety: pure functions.

#ifndef TIMEBANK_SERVICES_GRPC_STATUS_H_
#define TIMEBANK_SERVICES_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"

namespace timebank::services {

// Same code, same message (which names the field). absl and gRPC share the
// canonical code numbers, so the mapping is one to one.
grpc::Status ToGrpcStatus(const absl::Status& status);

// "INVALID_ARGUMENT" for grpc::StatusCode::INVALID_ARGUMENT: absl's name for
// the code of the same number. "UNKNOWN" for a number no code has.
std::string StatusCodeName(grpc::StatusCode code);

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_GRPC_STATUS_H_
