// The standard grpc.health.v1 service and server reflection, which
// load balancers and grpcurl-style tools use. Their protos are not generated
// in this project, so the tests speak protobuf wire format by hand through
// grpc::GenericStub.

#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <future>
#include <string>

#include "tests/services/rpc_client.h"
#include "tests/services/shared_server_test.h"

namespace timebank::testing {
namespace {

constexpr char kHealthCheck[] = "/grpc.health.v1.Health/Check";
constexpr char kReflection[] =
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

grpc::ByteBuffer ToByteBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string FromByteBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return "";
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

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

// One ServerReflectionInfo exchange: list_services, the reply as bytes.
TEST_F(HealthTest, ReflectionListsTheTimebankServices) {
  grpc::GenericStub stub(server().NewChannel());
  grpc::CompletionQueue queue;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kCallTimeout);
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(&context, kReflection, &queue);
  // However the test ends, the call is cancelled and the queue drained
  // before either is destroyed.
  struct Drain {
    grpc::ClientContext& context;
    grpc::CompletionQueue& queue;
    ~Drain() {
      context.TryCancel();
      queue.Shutdown();
      void* tag = nullptr;
      bool ok = false;
      while (queue.Next(&tag, &ok)) {
      }
    }
  } drain{context, queue};
  // Runs one operation to completion: each has its own tag.
  const auto wait = [&queue](intptr_t expected_tag) {
    void* tag = nullptr;
    bool ok = false;
    return queue.Next(&tag, &ok) &&
           reinterpret_cast<intptr_t>(tag) == expected_tag && ok;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(wait(1));
  // ServerReflectionRequest{list_services: ""} is field 7, empty string.
  call->Write(ToByteBuffer(StringField(7, "")), reinterpret_cast<void*>(2));
  ASSERT_TRUE(wait(2));
  call->WritesDone(reinterpret_cast<void*>(3));
  ASSERT_TRUE(wait(3));
  grpc::ByteBuffer response;
  call->Read(&response, reinterpret_cast<void*>(4));
  ASSERT_TRUE(wait(4));
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  ASSERT_TRUE(wait(5));
  EXPECT_RPC_OK(status);

  const std::string bytes = FromByteBuffer(response);
  EXPECT_NE(bytes.find("timebank.v1.Ledger"), std::string::npos);
  EXPECT_NE(bytes.find("timebank.v1.Access"), std::string::npos);
  EXPECT_NE(bytes.find("grpc.health.v1.Health"), std::string::npos);
}

}  // namespace
}  // namespace timebank::testing
