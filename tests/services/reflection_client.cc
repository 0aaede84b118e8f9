#include "tests/services/reflection_client.h"

#include <google/protobuf/unknown_field_set.h>
#include <grpcpp/generic/generic_stub.h>

#include "tests/services/byte_buffer.h"
#include "tests/services/rpc_client.h"

namespace timebank::testing {
namespace {

using google::protobuf::UnknownField;
using google::protobuf::UnknownFieldSet;

constexpr char kReflectionInfo[] =
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

// Field numbers of grpc/reflection/v1alpha/reflection.proto.
constexpr int kRequestFileContainingSymbol = 4;
constexpr int kRequestListServices = 7;
constexpr int kReplyFileDescriptorResponse = 4;
constexpr int kReplyListServicesResponse = 6;
constexpr int kReplyErrorResponse = 7;
constexpr int kFileDescriptorProtos = 1;  // In FileDescriptorResponse.
constexpr int kServices = 1;              // In ListServiceResponse.
constexpr int kServiceName = 1;           // In ServiceResponse.
constexpr int kErrorCode = 1;             // In ErrorResponse.
constexpr int kErrorMessage = 2;

// One ServerReflectionInfo exchange: one request written, one reply read.
absl::StatusOr<std::string> Exchange(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& request) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue queue;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kCallTimeout);
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(&context, kReflectionInfo, &queue);
  // However the exchange ends, the call is cancelled and the queue drained
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
  if (!wait(1)) return absl::UnavailableError("reflection: call did not start");
  call->Write(ToByteBuffer(request), reinterpret_cast<void*>(2));
  if (!wait(2)) return absl::UnavailableError("reflection: write failed");
  call->WritesDone(reinterpret_cast<void*>(3));
  if (!wait(3)) return absl::UnavailableError("reflection: writes-done failed");
  grpc::ByteBuffer reply;
  call->Read(&reply, reinterpret_cast<void*>(4));
  const bool read = wait(4);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  if (!wait(5)) return absl::UnavailableError("reflection: finish failed");
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        "reflection: " + status.error_message());
  }
  if (!read) return absl::DataLossError("reflection: no reply");
  return FromByteBuffer(reply);
}

// Every length-delimited value of field `number` in `bytes`.
absl::StatusOr<std::vector<std::string>> Values(const std::string& bytes,
                                                int number) {
  UnknownFieldSet fields;
  if (!fields.ParseFromString(bytes)) {
    return absl::DataLossError("reflection: a reply that is no message");
  }
  std::vector<std::string> values;
  for (int i = 0; i < fields.field_count(); ++i) {
    const UnknownField& field = fields.field(i);
    if (field.number() == number &&
        field.type() == UnknownField::TYPE_LENGTH_DELIMITED) {
      values.push_back(field.length_delimited());
    }
  }
  return values;
}

// The reply's `response_field` (the one the request asked for), or the
// server's error_response as a status.
absl::StatusOr<std::string> Response(const std::string& reply,
                                     int response_field) {
  absl::StatusOr<std::vector<std::string>> errors =
      Values(reply, kReplyErrorResponse);
  if (!errors.ok()) return errors.status();
  if (!errors->empty()) {
    UnknownFieldSet error;
    if (!error.ParseFromString(errors->front())) {
      return absl::DataLossError("reflection: an error that is no message");
    }
    int code = 0;
    std::string message;
    for (int i = 0; i < error.field_count(); ++i) {
      const UnknownField& field = error.field(i);
      if (field.number() == kErrorCode) code = static_cast<int>(field.varint());
      if (field.number() == kErrorMessage) message = field.length_delimited();
    }
    return absl::Status(static_cast<absl::StatusCode>(code),
                        "reflection: " + message);
  }
  absl::StatusOr<std::vector<std::string>> responses =
      Values(reply, response_field);
  if (!responses.ok()) return responses.status();
  if (responses->size() != 1) {
    return absl::DataLossError("reflection: the reply answers something else");
  }
  return responses->front();
}

std::string Request(int field, const std::string& value) {
  UnknownFieldSet request;
  request.AddLengthDelimited(field, value);
  std::string bytes;
  request.SerializeToString(&bytes);
  return bytes;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ReflectionListServices(
    const std::shared_ptr<grpc::Channel>& channel) {
  absl::StatusOr<std::string> reply =
      Exchange(channel, Request(kRequestListServices, ""));
  if (!reply.ok()) return reply.status();
  absl::StatusOr<std::string> list =
      Response(*reply, kReplyListServicesResponse);
  if (!list.ok()) return list.status();
  absl::StatusOr<std::vector<std::string>> services = Values(*list, kServices);
  if (!services.ok()) return services.status();
  std::vector<std::string> names;
  for (const std::string& service : *services) {
    absl::StatusOr<std::vector<std::string>> name =
        Values(service, kServiceName);
    if (!name.ok()) return name.status();
    if (name->size() != 1) return absl::DataLossError("reflection: no name");
    names.push_back(name->front());
  }
  return names;
}

absl::StatusOr<std::vector<google::protobuf::FileDescriptorProto>>
ReflectionFilesContainingSymbol(const std::shared_ptr<grpc::Channel>& channel,
                                const std::string& symbol) {
  absl::StatusOr<std::string> reply =
      Exchange(channel, Request(kRequestFileContainingSymbol, symbol));
  if (!reply.ok()) return reply.status();
  absl::StatusOr<std::string> response =
      Response(*reply, kReplyFileDescriptorResponse);
  if (!response.ok()) return response.status();
  absl::StatusOr<std::vector<std::string>> serialized =
      Values(*response, kFileDescriptorProtos);
  if (!serialized.ok()) return serialized.status();
  std::vector<google::protobuf::FileDescriptorProto> files;
  for (const std::string& bytes : *serialized) {
    if (!files.emplace_back().ParseFromString(bytes)) {
      return absl::DataLossError("reflection: a file that is no descriptor");
    }
  }
  return files;
}

}  // namespace timebank::testing
