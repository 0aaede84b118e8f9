// How ledger statuses become gRPC statuses, and the names of the codes that
// logs, metrics and the HTTP gateway's error bodies show.

#include "services/grpc_status.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace timebank::services {
namespace {

// gRPC's names in code order, as grpcpp/support/status_code_enum.h lists
// them.
const std::vector<std::string> kGrpcNames = {"OK",
                                             "CANCELLED",
                                             "UNKNOWN",
                                             "INVALID_ARGUMENT",
                                             "DEADLINE_EXCEEDED",
                                             "NOT_FOUND",
                                             "ALREADY_EXISTS",
                                             "PERMISSION_DENIED",
                                             "RESOURCE_EXHAUSTED",
                                             "FAILED_PRECONDITION",
                                             "ABORTED",
                                             "OUT_OF_RANGE",
                                             "UNIMPLEMENTED",
                                             "INTERNAL",
                                             "UNAVAILABLE",
                                             "DATA_LOSS",
                                             "UNAUTHENTICATED"};

TEST(GrpcStatus, OkStaysOk) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

TEST(GrpcStatus, KeepsEveryCodeAndTheMessage) {
  for (int code = 1; code <= 16; ++code) {
    const grpc::Status s = ToGrpcStatus(
        absl::Status(static_cast<absl::StatusCode>(code), "minutes: too many"));
    EXPECT_EQ(static_cast<int>(s.error_code()), code);
    EXPECT_EQ(s.error_message(), "minutes: too many");
  }
}

TEST(GrpcStatus, CodeGrpcDoesNotHaveBecomesUnknown) {
  const grpc::Status s =
      ToGrpcStatus(absl::Status(static_cast<absl::StatusCode>(42), "odd"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(s.error_message(), "odd");
}

TEST(StatusCodeName, NamesEveryCodeAsGrpcDoes) {
  for (size_t code = 0; code < kGrpcNames.size(); ++code) {
    EXPECT_EQ(StatusCodeName(static_cast<grpc::StatusCode>(code)),
              kGrpcNames[code]);
  }
}

TEST(StatusCodeName, NumberNoCodeHasIsUnknown) {
  EXPECT_EQ(StatusCodeName(static_cast<grpc::StatusCode>(17)), "UNKNOWN");
  EXPECT_EQ(StatusCodeName(grpc::StatusCode::DO_NOT_USE), "UNKNOWN");
}

}  // namespace
}  // namespace timebank::services
