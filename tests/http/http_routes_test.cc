// The gateway's route table and request building, without a server: every
// route names a real rpc and real fields, every unary rpc has a route,
// patterns match as documented, and bad paths, queries and bodies are
// INVALID_ARGUMENT naming the field.

#include "services/http_routes.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tests/test_util/status_assertions.h"
#include "timebank/v1/access.pb.h"
#include "timebank/v1/assessment.pb.h"
#include "timebank/v1/ledger.pb.h"

namespace timebank::services {
namespace {

namespace pb = google::protobuf;

using Query = std::multimap<std::string, std::string>;

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 0;
  for (size_t slash; (slash = path.find('/', start)) != path.npos;
       start = slash + 1) {
    segments.push_back(path.substr(start, slash - start));
  }
  segments.push_back(path.substr(start));
  return segments;
}

RouteMatch Found(std::string_view method, std::string_view path) {
  RouteMatch match = MatchRoute(method, path);
  EXPECT_EQ(match.outcome, RouteMatch::Outcome::kFound)
      << method << " " << path;
  return match;
}

TEST(HttpRoutes, EveryRouteNamesARealRpcAndRealFields) {
  for (const HttpRoute& route : HttpRouteTable()) {
    SCOPED_TRACE(std::string(route.pattern));
    const pb::MethodDescriptor* method = MethodOf(route);
    ASSERT_NE(method, nullptr) << route.rpc;
    EXPECT_FALSE(method->server_streaming());
    EXPECT_FALSE(method->client_streaming());
    const pb::Descriptor& input = *method->input_type();
    for (std::string_view segment : Segments(route.pattern)) {
      if (const size_t colon = segment.find(':'); colon != segment.npos) {
        segment = segment.substr(0, colon);
      }
      if (!segment.starts_with('{')) continue;
      const std::string name(segment.substr(1, segment.size() - 2));
      const pb::FieldDescriptor* field = input.FindFieldByName(name);
      ASSERT_NE(field, nullptr) << name;
      EXPECT_FALSE(field->is_repeated()) << name;
    }
    if (!route.body.empty() && route.body != "*") {
      const pb::FieldDescriptor* field =
          input.FindFieldByName(std::string(route.body));
      ASSERT_NE(field, nullptr) << route.body;
      EXPECT_EQ(field->cpp_type(), pb::FieldDescriptor::CPPTYPE_MESSAGE);
    }
    EXPECT_EQ(route.http_method == "GET", route.body.empty())
        << "reads take no body; writes take one";
  }
}

TEST(HttpRoutes, EveryUnaryRpcHasARouteAndWatchJournalHasNone) {
  std::set<std::string> routed;
  for (const HttpRoute& route : HttpRouteTable())
    routed.insert(std::string(route.rpc));
  for (const char* name :
       {"timebank.v1.Ledger", "timebank.v1.Access", "timebank.v1.Assessment"}) {
    const pb::ServiceDescriptor* service =
        pb::DescriptorPool::generated_pool()->FindServiceByName(name);
    ASSERT_NE(service, nullptr) << name;
    for (int i = 0; i < service->method_count(); ++i) {
      const pb::MethodDescriptor& method = *service->method(i);
      EXPECT_EQ(routed.contains(method.full_name()), !method.server_streaming())
          << method.full_name();
    }
  }
}

TEST(HttpRoutes, NoTwoRoutesShareAMethodAndPattern) {
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (const HttpRoute& route : HttpRouteTable()) {
    EXPECT_TRUE(seen.insert({route.http_method, route.pattern}).second)
        << route.http_method << " " << route.pattern;
  }
}

TEST(HttpRoutes, PathFieldsAndCustomVerbsMatch) {
  RouteMatch balance =
      Found("GET", "/v1/timebanks/riverside/accounts/kathy@home/balance");
  EXPECT_EQ(balance.route->rpc, "timebank.v1.Ledger.GetBalance");
  ASSERT_EQ(balance.path_fields.size(), 2u);
  EXPECT_EQ(balance.path_fields[0],
            (std::pair<std::string, std::string>{"timebank_id", "riverside"}));
  EXPECT_EQ(balance.path_fields[1],
            (std::pair<std::string, std::string>{"account_id", "kathy@home"}));

  EXPECT_EQ(Found("POST", "/v1/timebanks/r/exchanges/12:confirm").route->rpc,
            "timebank.v1.Ledger.ConfirmExchange");
  EXPECT_EQ(Found("POST", "/v1/timebanks/r/exchanges:batch").route->rpc,
            "timebank.v1.Ledger.RecordExchanges");
  EXPECT_EQ(Found("POST", "/v1/timebanks/r/exchanges").route->rpc,
            "timebank.v1.Ledger.RecordExchange");
  EXPECT_EQ(Found("GET", "/v1/timebanks/r/exchanges").route->rpc,
            "timebank.v1.Ledger.ListExchanges");
  EXPECT_EQ(Found("GET", "/v1/timebanks/r/exchanges/12").route->rpc,
            "timebank.v1.Ledger.GetExchange");
}

TEST(HttpRoutes, WrongMethodAndUnknownPathAreToldApart) {
  RouteMatch wrong = MatchRoute("DELETE", "/v1/timebanks/r/exchanges");
  EXPECT_EQ(wrong.outcome, RouteMatch::Outcome::kWrongMethod);
  EXPECT_EQ(wrong.allowed_methods, "POST, GET");
  // A verb route is not a GET of the exchange with seq "12:confirm".
  RouteMatch verb = MatchRoute("GET", "/v1/timebanks/r/exchanges/12:confirm");
  EXPECT_EQ(verb.outcome, RouteMatch::Outcome::kWrongMethod);
  EXPECT_EQ(verb.allowed_methods, "POST");
  EXPECT_EQ(MatchRoute("GET", "/v1/timebanks/r/nothing").outcome,
            RouteMatch::Outcome::kNoRoute);
  EXPECT_EQ(MatchRoute("GET", "/v1/timebanks//balance").outcome,
            RouteMatch::Outcome::kNoRoute);
  EXPECT_EQ(MatchRoute("GET", "/v1/timebanks/r/accounts/k/balance/").outcome,
            RouteMatch::Outcome::kNoRoute);
}

TEST(HttpRoutes, BuildRequestFillsPathQueryAndBody) {
  v1::RecordExchangeRequest record;
  ASSERT_OK(BuildRequest(Found("POST", "/v1/timebanks/riverside/exchanges"), {},
                         R"({"request_id": "r1", "giverId": "kathy",
                             "receiver_id": "vera", "minutes": "90"})",
                         &record));
  EXPECT_EQ(record.timebank_id(), "riverside");
  EXPECT_EQ(record.request_id(), "r1");
  EXPECT_EQ(record.giver_id(), "kathy");
  EXPECT_EQ(record.minutes(), 90);

  v1::ListExchangesRequest list;
  ASSERT_OK(BuildRequest(
      Found("GET", "/v1/timebanks/riverside/accounts/kathy/exchanges"),
      Query{{"from_date", "2024-01-01"}, {"pageSize", "5"}}, "", &list));
  EXPECT_EQ(list.account_id(), "kathy");
  EXPECT_EQ(list.from_date(), "2024-01-01");
  EXPECT_EQ(list.page_size(), 5);

  v1::ListActionsRequest actions;
  ASSERT_OK(BuildRequest(Found("GET", "/v1/timebanks/riverside/actions"),
                         Query{{"statuses", "ACTION_STATUS_PLANNED"},
                               {"statuses", "ACTION_STATUS_DONE"},
                               {"principle", "PRINCIPLE_RECIPROCITY"}},
                         "", &actions));
  ASSERT_EQ(actions.statuses_size(), 2);
  EXPECT_EQ(actions.statuses(1), v1::ACTION_STATUS_DONE);
  EXPECT_TRUE(actions.has_principle());

  v1::ConfirmExchangeRequest confirm;
  ASSERT_OK(BuildRequest(Found("POST", "/v1/timebanks/r/exchanges/42:confirm"),
                         {}, R"({"request_id": "c1"})", &confirm));
  EXPECT_EQ(confirm.seq(), 42u);

  v1::UpdateTimebankRequest update;
  ASSERT_OK(BuildRequest(Found("PUT", "/v1/timebanks/r/settings"), {},
                         R"({"members_may_log": true,
                             "max_exchange_minutes": "600"})",
                         &update));
  EXPECT_TRUE(update.has_settings());
  EXPECT_EQ(update.settings().max_exchange_minutes(), 600);
}

TEST(HttpRoutes, BuildRequestNamesTheFieldOfBadInput) {
  const auto fails = [](std::string_view method, std::string_view path,
                        const Query& query, std::string_view body,
                        pb::Message* request, std::string_view field) {
    EXPECT_STATUS(BuildRequest(Found(method, path), query, body, request),
                  absl::StatusCode::kInvalidArgument, std::string(field) + ":")
        << path << " " << body;
  };
  v1::GetExchangeRequest get;
  fails("GET", "/v1/timebanks/r/exchanges/twelve", {}, "", &get, "seq");
  fails("GET", "/v1/timebanks/r/exchanges/-1", {}, "", &get, "seq");
  v1::ListExchangesRequest list;
  fails("GET", "/v1/timebanks/r/exchanges", Query{{"page_size", "many"}}, "",
        &list, "page_size");
  fails("GET", "/v1/timebanks/r/exchanges", Query{{"colour", "red"}}, "", &list,
        "colour");
  fails("GET", "/v1/timebanks/r/exchanges", Query{{"timebank_id", "other"}}, "",
        &list, "timebank_id");
  fails("GET", "/v1/timebanks/r/exchanges", {}, R"({"account_id": "k"})", &list,
        "body");
  v1::ListActionsRequest actions;
  fails("GET", "/v1/timebanks/r/actions", Query{{"statuses", "FINISHED"}}, "",
        &actions, "statuses");
  v1::RecordExchangeRequest record;
  fails("POST", "/v1/timebanks/r/exchanges", {}, R"({"minutes": "lots"})",
        &record, "body");
  fails("POST", "/v1/timebanks/r/exchanges", {}, R"({"colour": "red"})",
        &record, "body");
  fails("POST", "/v1/timebanks/r/exchanges", {}, "{not json", &record, "body");
  fails("POST", "/v1/timebanks/r/exchanges", {}, R"({"timebank_id": "other"})",
        &record, "timebank_id");
  fails("POST", "/v1/timebanks/r/exchanges", Query{{"minutes", "5"}}, "{}",
        &record, "minutes");
  v1::UpdateTimebankRequest update;
  fails("PUT", "/v1/timebanks/r/settings", {}, "", &update, "settings");
}

TEST(HttpRoutes, ABodyThatRepeatsThePathIsAccepted) {
  v1::RecordExchangeRequest record;
  EXPECT_OK(BuildRequest(Found("POST", "/v1/timebanks/r/exchanges"), {},
                         R"({"timebank_id": "r"})", &record));
}

TEST(HttpRoutes, RepliesUseProtoFieldNamesAndShowZeros) {
  v1::Balance balance;
  balance.set_timebank_id("riverside");
  balance.set_minutes_given(750);
  const nlohmann::json json = nlohmann::json::parse(ReplyToJson(balance));
  EXPECT_EQ(json["timebank_id"], "riverside");
  EXPECT_EQ(json["minutes_given"], "750");  // int64 is a string in proto3 JSON.
  EXPECT_EQ(json["minutes_received"], "0");
  EXPECT_FALSE(json.contains("minutesGiven"));
}

TEST(HttpRoutes, StatusCodesMapToHttpStatuses) {
  using grpc::StatusCode;
  EXPECT_EQ(HttpStatusFor(StatusCode::OK), 200);
  EXPECT_EQ(HttpStatusFor(StatusCode::INVALID_ARGUMENT), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::OUT_OF_RANGE), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::UNAUTHENTICATED), 401);
  EXPECT_EQ(HttpStatusFor(StatusCode::PERMISSION_DENIED), 403);
  EXPECT_EQ(HttpStatusFor(StatusCode::NOT_FOUND), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::ALREADY_EXISTS), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::ABORTED), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::FAILED_PRECONDITION), 412);
  EXPECT_EQ(HttpStatusFor(StatusCode::RESOURCE_EXHAUSTED), 429);
  EXPECT_EQ(HttpStatusFor(StatusCode::UNAVAILABLE), 503);
  EXPECT_EQ(HttpStatusFor(StatusCode::DEADLINE_EXCEEDED), 504);
  EXPECT_EQ(HttpStatusFor(StatusCode::UNIMPLEMENTED), 501);
  EXPECT_EQ(HttpStatusFor(StatusCode::INTERNAL), 500);
  EXPECT_EQ(HttpStatusFor(StatusCode::DATA_LOSS), 500);
}

TEST(HttpRoutes, ErrorBodyNamesTheField) {
  nlohmann::json error = nlohmann::json::parse(
      ErrorJson(400, grpc::StatusCode::INVALID_ARGUMENT,
                "minutes: must be greater than 0"))["error"];
  EXPECT_EQ(error["code"], 400);
  EXPECT_EQ(error["status"], "INVALID_ARGUMENT");
  EXPECT_EQ(error["message"], "minutes: must be greater than 0");
  EXPECT_EQ(error["field"], "minutes");

  error = nlohmann::json::parse(
      ErrorJson(503, grpc::StatusCode::UNAVAILABLE,
                "Server shutting down: try later"))["error"];
  EXPECT_EQ(error["status"], "UNAVAILABLE");
  EXPECT_FALSE(error.contains("field"));
}

}  // namespace
}  // namespace timebank::services
