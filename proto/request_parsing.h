// Parsing a request's bytes so that a refusal names the field at fault.
//
// proto3 string fields must hold UTF-8 and the protobuf parser refuses a
// message where one does not, without saying which; gRPC would then answer
// INTERNAL with no message. ParseMessage parses as gRPC does and, when the
// parser refuses, walks the bytes again against the message's descriptor to
// find the first string field that is not UTF-8, using the check the parser
// itself applies. proto/request_traits.h makes gRPC parse with it.
//
// Thread safety: pure functions.

#ifndef TIMEBANK_PROTO_REQUEST_PARSING_H_
#define TIMEBANK_PROTO_REQUEST_PARSING_H_

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/zero_copy_stream.h>
#include <google/protobuf/message.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/status.h>

#include <optional>
#include <string>

namespace timebank::wire {

// Parses `buffer` into `message` as gRPC's own protobuf handling does, and
// clears `buffer`. When the parser refuses the bytes of a request (a message
// type that is the input of an rpc of the file that defines it):
// INVALID_ARGUMENT "<field path>: must be valid UTF-8" where a string field is
// not UTF-8, e.g. "items[2].description", and INVALID_ARGUMENT
// "request: is not a serialised <type>" for bytes that are no such message.
// Any other message refused: INTERNAL, as gRPC answers.
grpc::Status ParseMessage(grpc::ByteBuffer* buffer,
                          google::protobuf::MessageLite* message);

// Whether `type` is the input of an rpc of a service in its own file.
bool IsRequestType(const google::protobuf::Descriptor& type);

// The path of the first string field in the serialised `type` read from
// `input` whose value is not UTF-8: the field names joined by '.', with the
// index of each element of a repeated message field ("items[2].category");
// a repeated string field is named without an index, as the ledger's own
// checks name it. nullopt when every string field is UTF-8 or the bytes end
// or break before one that is not.
std::optional<std::string> FirstFieldNotUtf8(
    google::protobuf::io::ZeroCopyInputStream* input,
    const google::protobuf::Descriptor& type);

}  // namespace timebank::wire

#endif  // TIMEBANK_PROTO_REQUEST_PARSING_H_
