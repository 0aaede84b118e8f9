#include "services/serve.h"

#include <spdlog/spdlog.h>

#include <string>

namespace timebank::services {

void LogFailure(std::string_view method, const absl::Status& status) {
  const std::string code = absl::StatusCodeToString(status.code());
  switch (status.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kUnknown:
      spdlog::error("rpc={} code={} error=\"{}\"", method, code,
                    std::string(status.message()));
      break;
    default:
      // Client mistakes; messages may name accounts, so debug only.
      spdlog::debug("rpc={} code={} error=\"{}\"", method, code,
                    std::string(status.message()));
  }
}

}  // namespace timebank::services
