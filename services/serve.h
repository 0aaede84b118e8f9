// Runs one rpc body and turns its absl::Status into the reply status. The
// call's log line and metrics come from the interceptor in call_log.h, which
// sees every call with its final status.
// Thread safety: stateless.

#ifndef TIMEBANK_SERVICES_SERVE_H_
#define TIMEBANK_SERVICES_SERVE_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "services/grpc_status.h"

namespace timebank::services {

// The body names its rpc once, to the authoriser; the interceptor learns it
// from gRPC.
template <typename Body>
grpc::Status Serve(Body&& body) {
  return ToGrpcStatus(body());
}

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_SERVE_H_
