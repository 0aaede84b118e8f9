// libFuzzer target for proto/request_parsing.h, which reads the bytes of
// every request from the network before any handler runs. Nothing may crash,
// and:
//   - ParseMessage succeeds exactly when the protobuf parser accepts the bytes;
//   - a refusal is INVALID_ARGUMENT and says either "request: ..." or
//     "<path>: must be valid UTF-8", where <path> leads through fields of the
//     request type to a string field, and holds only when the parser refused;
//   - FirstFieldNotUtf8 finds nothing in bytes the parser accepts.
//
// Input: one selector byte (which request type, modulo their number), then
// the bytes. Seeds: tests/fuzz/corpus/fuzz_request_parse.

#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/logging.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "proto/request_parsing.h"
#include "tests/fuzz/fuzz_check.h"
#include "timebank/v1/access.pb.h"
#include "timebank/v1/ledger.pb.h"

namespace timebank {
namespace {

namespace pb = google::protobuf;

// Whether `path` ("items[2].description") leads from `type` through message
// fields, indexed only where repeated, to a string field.
bool IsStringFieldPath(const pb::Descriptor& type, std::string_view path) {
  const size_t dot = path.find('.');
  std::string_view step = path.substr(0, dot);
  const size_t bracket = step.find('[');
  const std::string_view name = step.substr(0, bracket);
  const pb::FieldDescriptor* field = type.FindFieldByName(std::string(name));
  if (field == nullptr) return false;
  if (bracket != std::string_view::npos) {
    if (!field->is_repeated() || step.back() != ']') return false;
    const std::string_view index =
        step.substr(bracket + 1, step.size() - bracket - 2);
    if (index.empty()) return false;
    for (char c : index) {
      if (c < '0' || c > '9') return false;
    }
  }
  if (dot == std::string_view::npos) {
    return bracket == std::string_view::npos &&
           field->type() == pb::FieldDescriptor::TYPE_STRING;
  }
  if (field->type() != pb::FieldDescriptor::TYPE_MESSAGE) return false;
  if (field->is_repeated() != (bracket != std::string_view::npos)) return false;
  return IsStringFieldPath(*field->message_type(), path.substr(dot + 1));
}

std::unique_ptr<pb::Message> NewRequest(uint8_t selector) {
  switch (selector % 4) {
    case 0:
      return std::make_unique<v1::RecordExchangesRequest>();
    case 1:
      return std::make_unique<v1::CreateTokenRequest>();
    case 2:
      return std::make_unique<v1::OpenAccountRequest>();
    default:
      return std::make_unique<v1::UpdateAccountRequest>();
  }
}

void CheckOne(uint8_t selector, const std::string& bytes) {
  std::unique_ptr<pb::Message> reference = NewRequest(selector);
  const bool parser_accepts = reference->ParseFromString(bytes);

  pb::io::ArrayInputStream input(bytes.data(), static_cast<int>(bytes.size()));
  const std::optional<std::string> found =
      wire::FirstFieldNotUtf8(&input, *reference->GetDescriptor());
  if (parser_accepts) FUZZ_CHECK(!found.has_value());

  // Two slices, so the walk also crosses a slice boundary.
  const size_t half = bytes.size() / 2;
  grpc::Slice slices[] = {grpc::Slice(bytes.substr(0, half)),
                          grpc::Slice(bytes.substr(half))};
  grpc::ByteBuffer buffer(slices, 2);
  std::unique_ptr<pb::Message> parsed = NewRequest(selector);
  const grpc::Status status = wire::ParseMessage(&buffer, parsed.get());
  FUZZ_CHECK(status.ok() == parser_accepts);
  if (status.ok()) return;
  FUZZ_CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  const std::string& message = status.error_message();
  constexpr std::string_view kNotUtf8 = ": must be valid UTF-8";
  if (message.rfind("request: ", 0) == 0) {
    FUZZ_CHECK(!found.has_value());
    return;
  }
  FUZZ_CHECK(message.size() > kNotUtf8.size() &&
             message.compare(message.size() - kNotUtf8.size(), kNotUtf8.size(),
                             kNotUtf8) == 0);
  const std::string path = message.substr(0, message.size() - kNotUtf8.size());
  FUZZ_CHECK(found.has_value() && *found == path);
  FUZZ_CHECK(IsStringFieldPath(*parsed->GetDescriptor(), path));
}

}  // namespace
}  // namespace timebank

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The parser logs each refused string field; a fuzzer makes millions.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  timebank::CheckOne(
      data[0], std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
