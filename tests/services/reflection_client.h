// A client of grpc.reflection.v1alpha.ServerReflection for tests. It speaks
// the protocol's wire format by hand through grpc::GenericStub and reads the
// replies with protobuf's UnknownFieldSet, so it shares no code with the
// server's implementation of the service (services/reflection_service.h) nor
// with the reflection messages generated for it.
//
// Thread safety: the functions may be called from any thread; each opens a
// call of its own.

#ifndef TIMEBANK_TESTS_SERVICES_REFLECTION_CLIENT_H_
#define TIMEBANK_TESTS_SERVICES_REFLECTION_CLIENT_H_

#include <google/protobuf/descriptor.pb.h>
#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace timebank::testing {

// The full names of the services the server lists.
absl::StatusOr<std::vector<std::string>> ReflectionListServices(
    const std::shared_ptr<grpc::Channel>& channel);

// The file that declares `symbol` ("timebank.v1.Ledger"), followed by the
// files it imports, as the server sends them. The server's error answer
// (NOT_FOUND for an unknown symbol) becomes the status.
absl::StatusOr<std::vector<google::protobuf::FileDescriptorProto>>
ReflectionFilesContainingSymbol(const std::shared_ptr<grpc::Channel>& channel,
                                const std::string& symbol);

}  // namespace timebank::testing

#endif  // TIMEBANK_TESTS_SERVICES_REFLECTION_CLIENT_H_
