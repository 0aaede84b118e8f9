// Server reflection (grpc.reflection.v1alpha.ServerReflection) that serves
// the .proto files with their comments, so that describing a method or a
// message through grpcurl-style tools shows what the contract says of it.
//
// gRPC's own reflection service cannot: it reads the generated descriptors,
// which keep no comments, and copies files without their source info. This
// one serves the files protoc wrote at build time with their source info
// (proto/descriptor_set.h), answering file, symbol and extension requests
// from a descriptor pool of its own built from them.
//
// Thread safety: read-only once made; streams run concurrently.

#ifndef TIMEBANK_SERVICES_REFLECTION_SERVICE_H_
#define TIMEBANK_SERVICES_REFLECTION_SERVICE_H_

#include <google/protobuf/descriptor.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"

namespace timebank::services {

class ReflectionService final
    : public grpc::reflection::v1alpha::ServerReflection::Service {
 public:
  using Request = grpc::reflection::v1alpha::ServerReflectionRequest;
  using Response = grpc::reflection::v1alpha::ServerReflectionResponse;

  // `descriptor_set` is a serialized FileDescriptorSet, each file after the
  // files it imports; `services` are the full names list_services answers.
  // INVALID_ARGUMENT if the set does not parse or a file does not build.
  static absl::StatusOr<std::unique_ptr<ReflectionService>> Create(
      std::string_view descriptor_set, std::vector<std::string> services);

  // Answers each request in turn until the client ends its side.
  grpc::Status ServerReflectionInfo(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<Response, Request>* stream) override;

 private:
  ReflectionService() = default;
  // What the stream sends back for `request`.
  Response Answer(const Request& request) const;
  // `file` first, then every file it imports, each once.
  void AddFiles(const google::protobuf::FileDescriptor& file,
                Response& response) const;

  google::protobuf::DescriptorPool pool_;
  // File name to its FileDescriptorProto as protoc wrote it, source info
  // included, serialized.
  std::map<std::string, std::string, std::less<>> files_;
  std::vector<std::string> services_;
};

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_REFLECTION_SERVICE_H_
