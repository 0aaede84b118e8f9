// ParseMessage and FirstFieldNotUtf8: the field they name is the one the
// protobuf parser refused, wherever it sits in the message and however the
// bytes are split into slices.

#include "proto/request_parsing.h"

#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "timebank/v1/access.pb.h"
#include "timebank/v1/ledger.pb.h"

namespace timebank::wire {
namespace {

namespace v1 = timebank::v1;

// Bytes that are not UTF-8, or are UTF-8 only in forms the standard forbids.
const std::vector<std::string>& NotUtf8() {
  static const std::vector<std::string> values = {
      "a\xC3\x28", "a\xE2\x82",        "\xC0\xAF", "\xED\xA0\x80",
      "\x80",      "\xF4\x90\x80\x80", "\xFF"};
  return values;
}

// Text that is UTF-8, in one to four bytes a character.
const std::vector<std::string>& Utf8() {
  static const std::vector<std::string> values = {"",
                                                  "plain",
                                                  "caf\xC3\xA9",
                                                  "\xE2\x82\xAC 5",
                                                  "\xF0\x9F\x8C\xB1 seeds",
                                                  "\xEF\xBF\xBF"};
  return values;
}

// `wire` as a ByteBuffer cut into slices of `slice_bytes`, as it may arrive.
grpc::ByteBuffer Buffer(const std::string& wire, size_t slice_bytes) {
  std::vector<grpc::Slice> slices;
  for (size_t at = 0; at < wire.size(); at += slice_bytes) {
    slices.emplace_back(wire.substr(at, slice_bytes));
  }
  if (slices.empty()) slices.emplace_back("");
  return grpc::ByteBuffer(slices.data(), slices.size());
}

grpc::Status Parse(const std::string& wire, google::protobuf::Message* message,
                   size_t slice_bytes = 4096) {
  grpc::ByteBuffer buffer = Buffer(wire, slice_bytes);
  return ParseMessage(&buffer, message);
}

v1::RecordExchangesRequest Bulk(int items) {
  v1::RecordExchangesRequest request;
  request.set_timebank_id("riverside");
  for (int i = 0; i < items; ++i) {
    v1::RecordExchangeItem* item = request.add_items();
    item->set_request_id("r-" + std::to_string(i));
    item->set_giver_id("kathy");
    item->set_receiver_id("vera");
    item->set_minutes(30 + i);
    item->set_category("gardening");
    item->set_description(
        "Weeding the \xC3\xA9"
        "cole garden");
    item->set_occurred_on("2024-05-01");
  }
  return request;
}

TEST(ParseMessage, ParsesAValidRequestAndEmptiesTheBuffer) {
  const v1::RecordExchangesRequest sent = Bulk(3);
  grpc::ByteBuffer buffer = Buffer(sent.SerializeAsString(), 7);
  v1::RecordExchangesRequest got;
  ASSERT_TRUE(ParseMessage(&buffer, &got).ok());
  EXPECT_EQ(got.SerializeAsString(), sent.SerializeAsString());
  EXPECT_EQ(buffer.Length(), 0u);
}

TEST(ParseMessage, NamesATopLevelStringField) {
  v1::CreateTimebankRequest request;
  request.set_timebank_id("riverside");
  request.set_name("River\xC3\x28side");
  v1::CreateTimebankRequest got;
  const grpc::Status status = Parse(request.SerializeAsString(), &got);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "name: must be valid UTF-8");
}

TEST(ParseMessage, NamesAFieldOfARepeatedMessageWithItsIndex) {
  v1::RecordExchangesRequest request = Bulk(4);
  request.mutable_items(2)->set_description("\xED\xA0\x80");
  v1::RecordExchangesRequest got;
  const grpc::Status status = Parse(request.SerializeAsString(), &got);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(),
            "items[2].description: must be valid UTF-8");
}

TEST(ParseMessage, NamesARepeatedStringFieldWithoutIndex) {
  v1::CreateTokenRequest request;
  request.set_role(v1::ROLE_COORDINATOR);
  request.add_timebank_ids("riverside");
  request.add_timebank_ids("\x80");
  request.set_name("coordinator");
  v1::CreateTokenRequest got;
  const grpc::Status status = Parse(request.SerializeAsString(), &got);
  EXPECT_EQ(status.error_message(), "timebank_ids: must be valid UTF-8");
}

TEST(ParseMessage, NamesTheFirstBadFieldOnTheWire) {
  v1::RecordExchangesRequest request = Bulk(3);
  request.mutable_items(1)->set_category("\xFF");
  request.mutable_items(2)->set_giver_id("\xFF");
  v1::RecordExchangesRequest got;
  EXPECT_EQ(Parse(request.SerializeAsString(), &got).error_message(),
            "items[1].category: must be valid UTF-8");
}

TEST(ParseMessage, FindsTheFieldAcrossSliceBoundaries) {
  v1::RecordExchangesRequest request = Bulk(5);
  request.mutable_items(4)->set_description("long enough to split \xC3\x28 x");
  const std::string wire = request.SerializeAsString();
  for (size_t slice_bytes : {1u, 2u, 3u, 5u, 64u}) {
    SCOPED_TRACE(slice_bytes);
    v1::RecordExchangesRequest got;
    EXPECT_EQ(Parse(wire, &got, slice_bytes).error_message(),
              "items[4].description: must be valid UTF-8");
  }
}

TEST(ParseMessage, BytesThatAreNoMessageAreRefusedAsTheRequest) {
  v1::RecordExchangesRequest request = Bulk(2);
  const std::string wire = request.SerializeAsString();
  for (const std::string& broken :
       {wire.substr(0, wire.size() - 3),
        std::string("\x0A\x05"
                    "ab"),
        std::string("\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF"),
        std::string("\x07")}) {
    v1::RecordExchangesRequest got;
    const grpc::Status status = Parse(broken, &got);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(
        status.error_message(),
        "request: is not a serialised timebank.v1.RecordExchangesRequest");
  }
}

// Replies, and messages that are only parts of requests, are refused as gRPC
// refuses them: a client that gets a broken reply did nothing wrong.
TEST(ParseMessage, OtherMessagesAreRefusedAsGrpcRefusesThem) {
  v1::Timebank reply;
  reply.set_timebank_id("riverside");
  reply.set_name("\xC3\x28");
  v1::Timebank got_reply;
  EXPECT_EQ(Parse(reply.SerializeAsString(), &got_reply).error_code(),
            grpc::StatusCode::INTERNAL);
  v1::RecordExchangeItem item = Bulk(1).items(0);
  item.set_description("\xC3\x28");
  v1::RecordExchangeItem got_item;
  EXPECT_EQ(Parse(item.SerializeAsString(), &got_item).error_code(),
            grpc::StatusCode::INTERNAL);
  EXPECT_FALSE(IsRequestType(*v1::Timebank::descriptor()));
  EXPECT_FALSE(IsRequestType(*v1::RecordExchangeItem::descriptor()));
  EXPECT_TRUE(IsRequestType(*v1::RecordExchangesRequest::descriptor()));
  EXPECT_TRUE(IsRequestType(*v1::WhoAmIRequest::descriptor()));
}

// The walk and the parser agree: the parser refuses exactly the messages in
// which the walk finds a field, for every value in every string position.
TEST(FirstFieldNotUtf8, AgreesWithTheParser) {
  std::vector<std::string> values = NotUtf8();
  values.insert(values.end(), Utf8().begin(), Utf8().end());
  for (const std::string& value : values) {
    for (int position = 0; position < 3; ++position) {
      v1::RecordExchangesRequest request = Bulk(2);
      if (position == 0) request.set_timebank_id(value);
      if (position == 1) request.mutable_items(0)->set_request_id(value);
      if (position == 2) request.mutable_items(1)->set_occurred_on(value);
      const std::string wire = request.SerializeAsString();
      v1::RecordExchangesRequest parsed;
      const bool parser_refused = !parsed.ParseFromString(wire);
      google::protobuf::io::ArrayInputStream input(
          wire.data(), static_cast<int>(wire.size()));
      const bool walk_found =
          FirstFieldNotUtf8(&input, *request.GetDescriptor()).has_value();
      EXPECT_EQ(walk_found, parser_refused)
          << "value of " << value.size() << " bytes at position " << position;
    }
  }
  // At least the values meant to be refused were refused.
  for (const std::string& value : NotUtf8()) {
    v1::CreateTimebankRequest request;
    request.set_name(value);
    v1::CreateTimebankRequest parsed;
    EXPECT_FALSE(parsed.ParseFromString(request.SerializeAsString()));
  }
}

}  // namespace
}  // namespace timebank::wire
