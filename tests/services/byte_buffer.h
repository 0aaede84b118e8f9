// Raw message bytes to and from grpc::ByteBuffer, for tests that call a
// service through grpc::GenericStub with hand-written protobuf wire format
// (health checking, server reflection), whose protos this project does not
// generate.

#ifndef TIMEBANK_TESTS_SERVICES_BYTE_BUFFER_H_
#define TIMEBANK_TESTS_SERVICES_BYTE_BUFFER_H_

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <string>
#include <vector>

namespace timebank::testing {

inline grpc::ByteBuffer ToByteBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// The bytes of `buffer`, or "" if it cannot be read.
inline std::string FromByteBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return "";
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

}  // namespace timebank::testing

#endif  // TIMEBANK_TESTS_SERVICES_BYTE_BUFFER_H_
