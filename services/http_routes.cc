#include "services/http_routes.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/status_macros.h"
#include "ledger/validation.h"
#include "services/grpc_status.h"

namespace timebank::services {
namespace {

namespace pb = google::protobuf;

// Debian's abseil has its own string_view type (see client/string_view.h).
absl::string_view ToAbsl(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

bool IsBlank(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return absl::ascii_isspace(c); });
}

// In the order of docs/http-api.md, whose route table lists the same rows
// (tests/docs checks that it does).
constexpr std::array kRoutes{
    // Ledger.
    HttpRoute{"POST", "/v1/timebanks", "timebank.v1.Ledger.CreateTimebank",
              "*"},
    HttpRoute{"GET", "/v1/timebanks", "timebank.v1.Ledger.ListTimebanks", ""},
    HttpRoute{"GET", "/v1/timebanks/{timebank_id}",
              "timebank.v1.Ledger.GetTimebank", ""},
    HttpRoute{"PUT", "/v1/timebanks/{timebank_id}/settings",
              "timebank.v1.Ledger.UpdateTimebank", "settings"},
    HttpRoute{"POST", "/v1/timebanks/{timebank_id}/accounts",
              "timebank.v1.Ledger.OpenAccount", "*"},
    HttpRoute{"GET", "/v1/timebanks/{timebank_id}/accounts",
              "timebank.v1.Ledger.ListAccounts", ""},
    HttpRoute{"GET", "/v1/timebanks/{timebank_id}/accounts/{account_id}",
              "timebank.v1.Ledger.GetAccount", ""},
    HttpRoute{"PATCH", "/v1/timebanks/{timebank_id}/accounts/{account_id}",
              "timebank.v1.Ledger.UpdateAccount", "*"},
    HttpRoute{"POST", "/v1/timebanks/{timebank_id}/accounts/{account_id}:erase",
              "timebank.v1.Ledger.EraseAccount", "*"},
    HttpRoute{"GET",
              "/v1/timebanks/{timebank_id}/accounts/{account_id}/balance",
              "timebank.v1.Ledger.GetBalance", ""},
    HttpRoute{"GET",
              "/v1/timebanks/{timebank_id}/accounts/{account_id}/exchanges",
              "timebank.v1.Ledger.ListExchanges", ""},
    HttpRoute{"POST", "/v1/timebanks/{timebank_id}/exchanges",
              "timebank.v1.Ledger.RecordExchange", "*"},
    HttpRoute{"POST", "/v1/timebanks/{timebank_id}/exchanges:batch",
              "timebank.v1.Ledger.RecordExchanges", "*"},
    HttpRoute{"GET", "/v1/timebanks/{timebank_id}/exchanges",
              "timebank.v1.Ledger.ListExchanges", ""},
    HttpRoute{"GET", "/v1/timebanks/{timebank_id}/exchanges/{seq}",
              "timebank.v1.Ledger.GetExchange", ""},
    HttpRoute{"POST", "/v1/timebanks/{timebank_id}/exchanges/{seq}:confirm",
              "timebank.v1.Ledger.ConfirmExchange", "*"},
    HttpRoute{"POST", "/v1/timebanks/{timebank_id}/exchanges/{seq}:reject",
              "timebank.v1.Ledger.RejectExchange", "*"},
    HttpRoute{"POST", "/v1/timebanks/{timebank_id}/exchanges/{seq}:reverse",
              "timebank.v1.Ledger.ReverseExchange", "*"},
    HttpRoute{"GET", "/v1/timebanks/{timebank_id}/balances",
              "timebank.v1.Ledger.SnapshotBalances", ""},
    HttpRoute{"POST", "/v1/timebanks/{timebank_id}/journal:verify",
              "timebank.v1.Ledger.VerifyJournal", "*"},
    // Access.
    HttpRoute{"POST", "/v1/tokens", "timebank.v1.Access.CreateToken", "*"},
    HttpRoute{"GET", "/v1/tokens", "timebank.v1.Access.ListTokens", ""},
    HttpRoute{"POST", "/v1/tokens/{token_id}:revoke",
              "timebank.v1.Access.RevokeToken", "*"},
    HttpRoute{"GET", "/v1/whoami", "timebank.v1.Access.WhoAmI", ""},
    // Assessment.
    HttpRoute{"GET", "/v1/timebanks/{timebank_id}/reciprocity",
              "timebank.v1.Assessment.GetReciprocityReport", ""},
    HttpRoute{"GET", "/v1/timebanks/{timebank_id}/assessment",
              "timebank.v1.Assessment.AssessPrinciples", ""},
    HttpRoute{"GET", "/v1/timebanks/{timebank_id}/thresholds",
              "timebank.v1.Assessment.GetThresholds", ""},
    HttpRoute{"PATCH", "/v1/timebanks/{timebank_id}/thresholds",
              "timebank.v1.Assessment.SetThresholds", "*"},
    HttpRoute{"POST", "/v1/timebanks/{timebank_id}/reflections",
              "timebank.v1.Assessment.SubmitReflection", "*"},
    HttpRoute{"GET", "/v1/timebanks/{timebank_id}/reflections",
              "timebank.v1.Assessment.ListReflections", ""},
    HttpRoute{"POST", "/v1/timebanks/{timebank_id}/actions",
              "timebank.v1.Assessment.AddAction", "*"},
    HttpRoute{"GET", "/v1/timebanks/{timebank_id}/actions",
              "timebank.v1.Assessment.ListActions", ""},
    HttpRoute{"PATCH", "/v1/timebanks/{timebank_id}/actions/{action_id}",
              "timebank.v1.Assessment.UpdateAction", "*"},
};

// Ids of every kind ([a-z0-9-], [A-Za-z0-9._@-], digits) never hold a colon,
// so a `{field}` segment that does is a custom verb aimed at another route.
bool SegmentsMatch(std::string_view pattern, std::string_view path,
                   std::vector<std::pair<std::string, std::string>>* fields) {
  std::string_view pattern_verb;
  if (size_t colon = pattern.rfind(':'); colon != std::string_view::npos) {
    pattern_verb = pattern.substr(colon);
    pattern = pattern.substr(0, colon);
    if (!path.ends_with(pattern_verb)) return false;
    path.remove_suffix(pattern_verb.size());
  }
  const std::vector<absl::string_view> want =
      absl::StrSplit(ToAbsl(pattern), '/');
  const std::vector<absl::string_view> got = absl::StrSplit(ToAbsl(path), '/');
  if (want.size() != got.size()) return false;
  fields->clear();
  for (size_t i = 0; i < want.size(); ++i) {
    if (absl::StartsWith(want[i], "{") && absl::EndsWith(want[i], "}")) {
      if (got[i].empty() || got[i].find(':') != absl::string_view::npos) {
        return false;
      }
      fields->emplace_back(std::string(want[i].substr(1, want[i].size() - 2)),
                           std::string(got[i]));
    } else if (want[i] != got[i]) {
      return false;
    }
  }
  return true;
}

const pb::FieldDescriptor* FindField(const pb::Descriptor& type,
                                     std::string_view name) {
  const std::string key(name);
  if (const pb::FieldDescriptor* field = type.FindFieldByName(key)) {
    return field;
  }
  return type.FindFieldByCamelcaseName(key);
}

// Sets (or, for a repeated field, adds) one scalar field from text.
absl::Status SetFromText(const pb::FieldDescriptor& field,
                         std::string_view text, pb::Message* message) {
  const pb::Reflection& reflection = *message->GetReflection();
  const std::string& name = field.name();
  const bool repeated = field.is_repeated();
  const auto bad = [&name](std::string_view what) {
    return ledger::FieldInvalid(name, what);
  };
  switch (field.cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING:
      if (field.type() == pb::FieldDescriptor::TYPE_BYTES) {
        return bad("bytes cannot be given in a path or query");
      }
      repeated ? reflection.AddString(message, &field, std::string(text))
               : reflection.SetString(message, &field, std::string(text));
      return absl::OkStatus();
    case pb::FieldDescriptor::CPPTYPE_INT32: {
      int32_t value = 0;
      if (!absl::SimpleAtoi(ToAbsl(text), &value))
        return bad("must be a whole number");
      repeated ? reflection.AddInt32(message, &field, value)
               : reflection.SetInt32(message, &field, value);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_INT64: {
      int64_t value = 0;
      if (!absl::SimpleAtoi(ToAbsl(text), &value))
        return bad("must be a whole number");
      repeated ? reflection.AddInt64(message, &field, value)
               : reflection.SetInt64(message, &field, value);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t value = 0;
      if (!absl::SimpleAtoi(ToAbsl(text), &value)) {
        return bad("must be a whole number, 0 or more");
      }
      repeated ? reflection.AddUInt32(message, &field, value)
               : reflection.SetUInt32(message, &field, value);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t value = 0;
      if (text.starts_with('-') || !absl::SimpleAtoi(ToAbsl(text), &value)) {
        return bad("must be a whole number, 0 or more");
      }
      repeated ? reflection.AddUInt64(message, &field, value)
               : reflection.SetUInt64(message, &field, value);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_DOUBLE: {
      double value = 0;
      if (!absl::SimpleAtod(ToAbsl(text), &value))
        return bad("must be a number");
      repeated ? reflection.AddDouble(message, &field, value)
               : reflection.SetDouble(message, &field, value);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_BOOL: {
      bool value = false;
      if (!absl::SimpleAtob(ToAbsl(text), &value))
        return bad("must be true or false");
      repeated ? reflection.AddBool(message, &field, value)
               : reflection.SetBool(message, &field, value);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      const pb::EnumValueDescriptor* value =
          field.enum_type()->FindValueByName(std::string(text));
      if (value == nullptr) {
        return bad(absl::StrCat(
            "must be a value of ", field.enum_type()->name(), ", e.g. ",
            field.enum_type()
                ->value(field.enum_type()->value_count() - 1)
                ->name()));
      }
      repeated ? reflection.AddEnum(message, &field, value)
               : reflection.SetEnum(message, &field, value);
      return absl::OkStatus();
    }
    default:
      return bad("cannot be given in a path or query; send it in the body");
  }
}

absl::Status ParseJson(std::string_view body, pb::Message* message) {
  if (IsBlank(body)) return absl::OkStatus();
  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto parsed = pb::util::JsonStringToMessage(
      pb::StringPiece(body.data(), body.size()), message, options);
  if (!parsed.ok()) {
    return ledger::FieldInvalid("body", std::string(parsed.message()));
  }
  return absl::OkStatus();
}

// The value of a singular scalar field as text, to compare a body's value
// with a path's.
std::string ScalarText(const pb::Message& message,
                       const pb::FieldDescriptor& field) {
  const pb::Reflection& r = *message.GetReflection();
  switch (field.cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING:
      return r.GetString(message, &field);
    case pb::FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(r.GetInt32(message, &field));
    case pb::FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(r.GetInt64(message, &field));
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(r.GetUInt32(message, &field));
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(r.GetUInt64(message, &field));
    default:
      return {};
  }
}

// A path field must agree with a body that also sets it.
absl::Status SetPathField(const pb::FieldDescriptor& field,
                          std::string_view value, pb::Message* request) {
  std::unique_ptr<pb::Message> from_path(request->New());
  RETURN_IF_ERROR(SetFromText(field, value, from_path.get()));
  if (request->GetReflection()->HasField(*request, &field) &&
      ScalarText(*request, field) != ScalarText(*from_path, field)) {
    return ledger::FieldInvalid(field.name(),
                                "the body says something other than the path");
  }
  return SetFromText(field, value, request);
}

}  // namespace

std::span<const HttpRoute> HttpRouteTable() { return kRoutes; }

RouteMatch MatchRoute(std::string_view http_method, std::string_view path) {
  RouteMatch match;
  std::vector<std::string_view> allowed;
  std::vector<std::pair<std::string, std::string>> fields;
  for (const HttpRoute& route : kRoutes) {
    if (!SegmentsMatch(route.pattern, path, &fields)) continue;
    if (route.http_method == http_method) {
      match.outcome = RouteMatch::Outcome::kFound;
      match.route = &route;
      match.path_fields = std::move(fields);
      return match;
    }
    allowed.push_back(route.http_method);
  }
  if (!allowed.empty()) {
    match.outcome = RouteMatch::Outcome::kWrongMethod;
    for (std::string_view method : allowed) {
      if (!match.allowed_methods.empty()) match.allowed_methods += ", ";
      match.allowed_methods += method;
    }
  }
  return match;
}

const pb::MethodDescriptor* MethodOf(const HttpRoute& route) {
  return pb::DescriptorPool::generated_pool()->FindMethodByName(
      std::string(route.rpc));
}

std::string WireMethodName(const pb::MethodDescriptor& method) {
  return absl::StrCat("/", method.service()->full_name(), "/", method.name());
}

absl::Status BuildRequest(const RouteMatch& match,
                          const std::multimap<std::string, std::string>& query,
                          std::string_view body, pb::Message* request) {
  const HttpRoute& route = *match.route;
  const pb::Descriptor& type = *request->GetDescriptor();
  if (route.body == "*") {
    RETURN_IF_ERROR(ParseJson(body, request));
  } else if (!route.body.empty()) {
    const pb::FieldDescriptor* field = FindField(type, route.body);
    // The table names real message fields; a test checks every route.
    if (field == nullptr ||
        field->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      return absl::InternalError("route body " + std::string(route.body));
    }
    if (IsBlank(body)) {
      return ledger::FieldInvalid(field->name(), "is required in the body");
    }
    RETURN_IF_ERROR(ParseJson(
        body, request->GetReflection()->MutableMessage(request, field)));
  } else if (!IsBlank(body)) {
    return ledger::FieldInvalid("body", "this route takes no body");
  }
  for (const auto& [name, value] : match.path_fields) {
    const pb::FieldDescriptor* field = FindField(type, name);
    if (field == nullptr) {
      return absl::InternalError(absl::StrCat("route field ", name));
    }
    RETURN_IF_ERROR(SetPathField(*field, value, request));
  }
  for (const auto& [name, value] : query) {
    const pb::FieldDescriptor* field = FindField(type, name);
    if (field == nullptr) {
      return ledger::FieldInvalid(name, "no such field in " + type.name());
    }
    if (route.body == "*") {
      return ledger::FieldInvalid(field->name(), "goes in the JSON body");
    }
    for (const auto& [path_name, path_value] : match.path_fields) {
      if (path_name == field->name()) {
        return ledger::FieldInvalid(field->name(), "is given by the path");
      }
    }
    RETURN_IF_ERROR(SetFromText(*field, value, request));
  }
  return absl::OkStatus();
}

std::string ReplyToJson(const pb::Message& reply) {
  pb::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string json;
  // Printing a valid generated message cannot fail.
  (void)pb::util::MessageToJsonString(reply, &json, options);
  return json;
}

int HttpStatusFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::FAILED_PRECONDITION:
      return 412;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    default:
      return 500;
  }
}

std::string ErrorJson(int http_status, grpc::StatusCode code,
                      std::string_view message) {
  nlohmann::json error = {{"code", http_status},
                          {"status", StatusCodeName(code)},
                          {"message", message}};
  const size_t colon = message.find(':');
  if (colon != std::string_view::npos && colon > 0) {
    const std::string_view field = message.substr(0, colon);
    const bool is_name = std::all_of(field.begin(), field.end(), [](char c) {
      return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_' ||
             c == '.' || c == '[' || c == ']';
    });
    if (is_name) error["field"] = field;
  }
  // Messages may hold user text that is not UTF-8; replace, never throw.
  return nlohmann::json{{"error", error}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace timebank::services
