// The .proto files of timebankd's services as protoc reads them, comments
// included: a serialized google.protobuf.FileDescriptorSet that protoc writes
// at build time with --include_source_info and --include_imports (every file
// after the files it imports), embedded in the binary by
// proto/embed_descriptor_set.cmake. The generated message code keeps no
// comments; server reflection serves these files instead
// (services/reflection_service.h).
//
// Thread safety: constant data.

#ifndef TIMEBANK_PROTO_DESCRIPTOR_SET_H_
#define TIMEBANK_PROTO_DESCRIPTOR_SET_H_

#include <string_view>

namespace timebank::wire {

std::string_view DescriptorSetWithComments();

}  // namespace timebank::wire

#endif  // TIMEBANK_PROTO_DESCRIPTOR_SET_H_
