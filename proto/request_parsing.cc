#include "proto/request_parsing.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/stubs/common.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include <map>
#include <utility>

namespace timebank::wire {
namespace {

namespace pb = google::protobuf;
using pb::internal::WireFormatLite;

// The parser's own limit on nested messages.
constexpr int kNestingMax = 100;

// How a walk over one message's bytes ended.
enum class Walk { kAllUtf8, kFound, kBroken };

// Walks the fields of one message of `type` up to `input`'s current limit,
// setting `*path` to the first string field that is not UTF-8.
Walk WalkMessage(pb::io::CodedInputStream& input, const pb::Descriptor& type,
                 const std::string& prefix, int depth, std::string* path) {
  std::map<int, int> seen_by_number;  // For the index of repeated messages.
  while (const uint32_t tag = input.ReadTag()) {
    const int number = WireFormatLite::GetTagFieldNumber(tag);
    const pb::FieldDescriptor* field = type.FindFieldByNumber(number);
    const bool walked = field != nullptr &&
                        WireFormatLite::GetTagWireType(tag) ==
                            WireFormatLite::WIRETYPE_LENGTH_DELIMITED &&
                        (field->type() == pb::FieldDescriptor::TYPE_STRING ||
                         field->type() == pb::FieldDescriptor::TYPE_MESSAGE);
    if (!walked) {
      if (!WireFormatLite::SkipField(&input, tag)) return Walk::kBroken;
      continue;
    }
    const int index = seen_by_number[number]++;
    std::string name = prefix + field->name();
    uint32_t length = 0;
    if (!input.ReadVarint32(&length)) return Walk::kBroken;
    if (field->type() == pb::FieldDescriptor::TYPE_STRING) {
      std::string value;
      if (!input.ReadString(&value, static_cast<int>(length))) {
        return Walk::kBroken;
      }
      if (!pb::internal::IsStructurallyValidUTF8(
              value.data(), static_cast<int>(value.size()))) {
        *path = std::move(name);
        return Walk::kFound;
      }
      continue;
    }
    if (depth + 1 >= kNestingMax) return Walk::kBroken;
    if (field->is_repeated()) name += "[" + std::to_string(index) + "]";
    const pb::io::CodedInputStream::Limit limit =
        input.PushLimit(static_cast<int>(length));
    const Walk nested =
        WalkMessage(input, *field->message_type(), name + ".", depth + 1, path);
    if (nested != Walk::kAllUtf8) return nested;
    input.PopLimit(limit);
  }
  // ReadTag gives 0 at the end of the bytes or limit, and on a broken tag.
  return input.ConsumedEntireMessage() ? Walk::kAllUtf8 : Walk::kBroken;
}

}  // namespace

std::optional<std::string> FirstFieldNotUtf8(pb::io::ZeroCopyInputStream* input,
                                             const pb::Descriptor& type) {
  pb::io::CodedInputStream coded(input);
  std::string path;
  if (WalkMessage(coded, type, "", 0, &path) != Walk::kFound) {
    return std::nullopt;
  }
  return path;
}

bool IsRequestType(const pb::Descriptor& type) {
  const pb::FileDescriptor& file = *type.file();
  for (int s = 0; s < file.service_count(); ++s) {
    const pb::ServiceDescriptor& service = *file.service(s);
    for (int m = 0; m < service.method_count(); ++m) {
      if (service.method(m)->input_type() == &type) return true;
    }
  }
  return false;
}

namespace {

// The status for `buffer`, which the parser refused as `message`.
grpc::Status WhyNotParsed(grpc::ByteBuffer* buffer,
                          const pb::MessageLite& message) {
  const auto* full = dynamic_cast<const pb::Message*>(&message);
  if (full == nullptr || !IsRequestType(*full->GetDescriptor())) {
    return grpc::Status(grpc::StatusCode::INTERNAL,
                        message.InitializationErrorString());
  }
  // Reading leaves the buffer as it was, so it can be read again.
  grpc::ProtoBufferReader again(buffer);
  const pb::Descriptor& type = *full->GetDescriptor();
  const std::optional<std::string> field = FirstFieldNotUtf8(&again, type);
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      field
                          ? *field + ": must be valid UTF-8"
                          : "request: is not a serialised " + type.full_name());
}

}  // namespace

grpc::Status ParseMessage(grpc::ByteBuffer* buffer, pb::MessageLite* message) {
  if (buffer == nullptr) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "No payload");
  }
  bool parsed = false;
  {
    grpc::ProtoBufferReader reader(buffer);
    if (!reader.status().ok()) return reader.status();
    parsed = message->ParseFromZeroCopyStream(&reader);
  }
  grpc::Status status;
  if (!parsed) status = WhyNotParsed(buffer, *message);
  buffer->Clear();
  return status;
}

}  // namespace timebank::wire
