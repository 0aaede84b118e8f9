// How gRPC turns received bytes into timebank.v1 messages.
//
// Every generated *.grpc.pb.h includes this header (the grpc plugin's
// additional_header_includes option, set in proto/CMakeLists.txt), so the
// server's method handlers and the stubs see these specialisations before
// they use them. Messages are parsed by wire::ParseMessage, which answers a
// request with a string field that is not UTF-8 with INVALID_ARGUMENT naming
// the field; everything else is gRPC's own protobuf handling.
//
// Unary handlers and stubs parse every message as a MessageLite (the
// generated code's BaseRequestType), so one specialisation covers them all.
// A streaming rpc parses its request as its own type, which is listed below.
// HostileInputTest.InvalidUtf8IsRefusedByFieldNameInEveryRpc sends bytes that
// are not UTF-8 in every string field of every rpc, and fails for a streaming
// request type left out.
//
// Every translation unit of ours that uses generated gRPC code includes its
// *.grpc.pb.h, hence this header; gRPC's own libraries parse only their own
// message types by name.

#ifndef TIMEBANK_PROTO_REQUEST_TRAITS_H_
#define TIMEBANK_PROTO_REQUEST_TRAITS_H_

#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/proto_buffer_writer.h>

#include "proto/request_parsing.h"
#include "timebank/v1/ledger.pb.h"

namespace timebank::wire {

template <class Message>
class ParsedTraits {
 public:
  static grpc::Status Serialize(const google::protobuf::MessageLite& message,
                                grpc::ByteBuffer* buffer, bool* own_buffer) {
    return grpc::GenericSerialize<grpc::ProtoBufferWriter, Message>(
        message, buffer, own_buffer);
  }
  static grpc::Status Deserialize(grpc::ByteBuffer* buffer,
                                  google::protobuf::MessageLite* message) {
    return ParseMessage(buffer, message);
  }
};

}  // namespace timebank::wire

template <>
class grpc::SerializationTraits<google::protobuf::MessageLite, void>
    : public timebank::wire::ParsedTraits<google::protobuf::MessageLite> {};

// The requests of streaming rpcs.
template <>
class grpc::SerializationTraits<timebank::v1::WatchJournalRequest, void>
    : public timebank::wire::ParsedTraits<timebank::v1::WatchJournalRequest> {};

#endif  // TIMEBANK_PROTO_REQUEST_TRAITS_H_
