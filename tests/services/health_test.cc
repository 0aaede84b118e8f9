// The standard grpc.health.v1 service, which load balancers use (server
// reflection, which grpcurl-style tools use, is in reflection_test.cc). Its
// proto is not generated in this project, so the tests speak protobuf wire
// format by hand through grpc::GenericStub.

#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <future>
#include <string>

#include "tests/services/byte_buffer.h"
#include "tests/services/rpc_client.h"
#include "tests/services/shared_server_test.h"

namespace timebank::testing {
namespace {

constexpr char kHealthCheck[] = "/grpc.health.v1.Health/Check";

// A message whose only field is string field `number` (short values only).
std::string StringField(int number, const std::string& value) {
  std::string bytes;
  bytes.push_back(static_cast<char>((number << 3) | 2));
  bytes.push_back(static_cast<char>(value.size()));
  return bytes + value;
}

struct HealthReply {
  grpc::Status status;
  std::string bytes;
};

// HealthCheckRequest{service} -> HealthCheckResponse bytes. No token: probes
// from load balancers carry none.
HealthReply CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                        const std::string& service) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kCallTimeout);
  const grpc::ByteBuffer request =
      ToByteBuffer(service.empty() ? "" : StringField(1, service));
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(
      &context, kHealthCheck, grpc::StubOptions(), &request, &response,
      [&done](grpc::Status status) { done.set_value(std::move(status)); });
  HealthReply reply;
  reply.status = done.get_future().get();
  if (reply.status.ok()) reply.bytes = FromByteBuffer(response);
  return reply;
}

class HealthTest : public SharedServerTest<HealthTest> {};

TEST_F(HealthTest, OverallHealthIsServing) {
  HealthReply reply = CheckHealth(server().NewChannel(), "");
  ASSERT_RPC_OK(reply.status);
  // HealthCheckResponse{status: SERVING}: field 1, varint 1.
  EXPECT_EQ(reply.bytes, std::string("\x08\x01", 2));
}

TEST_F(HealthTest, UnknownServiceIsNotFound) {
  EXPECT_RPC_CODE(CheckHealth(server().NewChannel(), "no.such.Service").status,
                  NOT_FOUND);
}

}  // namespace
}  // namespace timebank::testing
