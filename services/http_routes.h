// The JSON/HTTP routes of the gateway and how a request becomes a proto
// message. Each route maps an HTTP method and a path pattern onto one unary
// rpc, in the style of gRPC–JSON transcoding: `{name}` segments fill the
// request field of that name, the JSON body fills the whole request ("*") or
// one message field, and query parameters fill the other scalar fields of
// routes whose body is not the whole request. The rpc's request and response
// types come from the generated descriptors, so the table names no types.
//
// Thread safety: the table is constant; every function is pure.

#ifndef TIMEBANK_SERVICES_HTTP_ROUTES_H_
#define TIMEBANK_SERVICES_HTTP_ROUTES_H_

#include <grpcpp/support/status.h>

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace timebank::services {

struct HttpRoute {
  std::string_view http_method;  // "GET", "POST" or "PATCH".
  // "/v1/timebanks/{timebank_id}/exchanges/{seq}:confirm": literal segments,
  // `{field}` segments, and an optional ":verb" after the last segment.
  std::string_view pattern;
  std::string_view rpc;  // "timebank.v1.Ledger.GetBalance".
  // "" for no body, "*" for the whole request, or the name of one message
  // field of the request that the body fills.
  std::string_view body;
};

// Every route, Ledger, Access and Assessment; WatchJournal (a stream) has
// none.
std::span<const HttpRoute> HttpRouteTable();

struct RouteMatch {
  enum class Outcome {
    kFound,
    kNoRoute,      // No pattern matches the path: 404.
    kWrongMethod,  // A pattern matches, for other methods: 405.
  };
  Outcome outcome = Outcome::kNoRoute;
  const HttpRoute* route = nullptr;
  // Field name and value of each `{field}` segment, in path order.
  std::vector<std::pair<std::string, std::string>> path_fields;
  // For kWrongMethod: the methods the path does take, "GET, POST".
  std::string allowed_methods;
};

// Finds the route for an already percent-decoded path.
RouteMatch MatchRoute(std::string_view http_method, std::string_view path);

// The rpc of a route, from the generated descriptor pool; never null for a
// route of the table (a test checks every one).
const google::protobuf::MethodDescriptor* MethodOf(const HttpRoute& route);

// "/timebank.v1.Ledger/GetBalance", as gRPC names the method on the wire.
std::string WireMethodName(const google::protobuf::MethodDescriptor& method);

// Fills `request` (of the route's input type) from the JSON body, the path
// fields and the query parameters, in that order. INVALID_ARGUMENT naming
// the field when a value does not parse, a field is unknown, a query
// parameter is given where the body carries the whole request, or the body
// sets a path field to something other than the path says.
absl::Status BuildRequest(const RouteMatch& match,
                          const std::multimap<std::string, std::string>& query,
                          std::string_view body,
                          google::protobuf::Message* request);

// The reply as JSON with the proto's own field names, every field shown
// (zeros included), enums by name, int64 as strings (proto3 JSON).
std::string ReplyToJson(const google::protobuf::Message& reply);

// The HTTP status for a gRPC status code, as gRPC–JSON transcoding maps them,
// with FAILED_PRECONDITION as 412: 400 INVALID_ARGUMENT and OUT_OF_RANGE,
// 401, 403, 404, 409 ALREADY_EXISTS and ABORTED, 412, 429, 499 CANCELLED,
// 501, 503, 504, 500 for the rest.
int HttpStatusFor(grpc::StatusCode code);

// {"error": {"code": 404, "status": "NOT_FOUND", "message": "account_id: no
// such account", "field": "account_id"}}; "field" is the text before the
// message's first colon when that is a field name, and absent otherwise.
std::string ErrorJson(int http_status, grpc::StatusCode code,
                      std::string_view message);

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_HTTP_ROUTES_H_
