// Runs one rpc body and turns its absl::Status into the reply status,
// logging client mistakes at debug and server faults at error.
// Thread safety: stateless.

#ifndef TIMEBANK_SERVICES_SERVE_H_
#define TIMEBANK_SERVICES_SERVE_H_

#include <grpcpp/support/status.h>

#include <string_view>

#include "absl/status/status.h"

namespace timebank::services {

void LogFailure(std::string_view method, const absl::Status& status);

template <typename Body>
grpc::Status Serve(std::string_view method, Body&& body);

}  // namespace timebank::services

#include "services/grpc_status.h"

namespace timebank::services {

template <typename Body>
grpc::Status Serve(std::string_view method, Body&& body) {
  const absl::Status status = body();
  if (!status.ok()) LogFailure(method, status);
  return ToGrpcStatus(status);
}

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_SERVE_H_
