#include "services/grpc_status.h"

#include <string>

namespace timebank::services {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const int code = static_cast<int>(status.code());
  // absl has no code beyond UNAUTHENTICATED (16); anything else is a bug.
  const grpc::StatusCode grpc_code =
      code > 0 && code <= grpc::StatusCode::UNAUTHENTICATED
          ? static_cast<grpc::StatusCode>(code)
          : grpc::StatusCode::UNKNOWN;
  return grpc::Status(grpc_code, std::string(status.message()));
}

std::string StatusCodeName(grpc::StatusCode code) {
  std::string name =
      absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  // absl names only the codes it has, and gives "" for any other number.
  return name.empty() ? "UNKNOWN" : name;
}

}  // namespace timebank::services
