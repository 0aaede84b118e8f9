#include "services/http_gateway.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/message.h"
#include "ledger/status_macros.h"
#include "ledger/validation.h"
#include "services/grpc_status.h"
#include "services/http_routes.h"
#include "services/web_assets.h"

namespace timebank::services {
namespace {

namespace pb = google::protobuf;
using Clock = std::chrono::steady_clock;

// The page loads only its own files and talks only to this server; nothing
// inline, nothing from elsewhere, never inside another site's frame.
constexpr char kContentSecurityPolicy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'";
constexpr char kJson[] = "application/json";

void SetError(httplib::Response& res, int http_status, grpc::StatusCode code,
              std::string_view message) {
  SetHttpError(res, http_status, code, message);
}

std::string_view StripSpaces(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return absl::ascii_tolower(x) == absl::ascii_tolower(y);
         });
}

// application/json in any case, with or without parameters; a charset, if
// one is named, must be UTF-8, the only one JSON has (RFC 8259).
bool IsJsonContentType(std::string_view value) {
  size_t semicolon = value.find(';');
  if (!EqualsIgnoreCase(StripSpaces(value.substr(0, semicolon)), kJson)) {
    return false;
  }
  while (semicolon != std::string_view::npos) {
    value.remove_prefix(semicolon + 1);
    semicolon = value.find(';');
    const std::string_view parameter = StripSpaces(value.substr(0, semicolon));
    if (parameter.empty()) continue;
    const size_t equals = parameter.find('=');
    if (equals == std::string_view::npos || equals == 0) return false;
    std::string_view setting = StripSpaces(parameter.substr(equals + 1));
    if (setting.size() >= 2 && setting.front() == '"' &&
        setting.back() == '"') {
      setting = setting.substr(1, setting.size() - 2);
    }
    if (EqualsIgnoreCase(StripSpaces(parameter.substr(0, equals)), "charset") &&
        !EqualsIgnoreCase(setting, "utf-8")) {
      return false;
    }
  }
  return true;
}

// Header values go to gRPC as metadata, which takes printable ASCII only.
bool IsPrintableAscii(std::string_view value) {
  return std::all_of(value.begin(), value.end(),
                     [](char c) { return c >= 0x20 && c <= 0x7e; });
}

}  // namespace

struct HttpGateway::State {
  HttpGatewayOptions options;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<grpc::TemplatedGenericStub<pb::Message, pb::Message>> stub;
  std::unique_ptr<HttpServer> http;
  std::once_flag shutdown_once;

  void Serve(const httplib::Request& req, const std::string& body,
             httplib::Response& res);
  void ServeFile(const httplib::Request& req, httplib::Response& res);
  // Returns the route pattern served, for the log.
  std::string_view Forward(const httplib::Request& req, const std::string& body,
                           httplib::Response& res);
  grpc::Status Call(const pb::MethodDescriptor& method,
                    const httplib::Request& req, const pb::Message& request,
                    pb::Message* reply);
};

void HttpGateway::State::Serve(const httplib::Request& req,
                               const std::string& body,
                               httplib::Response& res) {
  const auto started = Clock::now();
  std::string_view served = "file";
  if (req.path == "/v1" || req.path.starts_with("/v1/")) {
    served = Forward(req, body, res);
  } else {
    ServeFile(req, res);
  }
  // Route patterns only: paths name accounts.
  spdlog::debug("http method={} route=\"{}\" status={} ms={}", req.method,
                served, res.status,
                std::chrono::duration_cast<std::chrono::milliseconds>(
                    Clock::now() - started)
                    .count());
}

void HttpGateway::State::ServeFile(const httplib::Request& req,
                                   httplib::Response& res) {
  const WebAsset* asset = FindWebAsset(req.path);
  if (asset == nullptr) {
    SetError(res, 404, grpc::StatusCode::NOT_FOUND, "path: no such page");
    return;
  }
  if (req.method != "GET" && req.method != "HEAD") {
    res.set_header("Allow", "GET, HEAD");
    SetError(res, 405, grpc::StatusCode::UNIMPLEMENTED,
             "method: files take GET only");
    return;
  }
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_content(std::string(asset->body), std::string(asset->content_type));
}

std::string_view HttpGateway::State::Forward(const httplib::Request& req,
                                             const std::string& body,
                                             httplib::Response& res) {
  res.set_header("Cache-Control", "no-store");
  const RouteMatch match = MatchRoute(req.method, req.path);
  if (match.outcome == RouteMatch::Outcome::kNoRoute) {
    SetError(res, 404, grpc::StatusCode::NOT_FOUND, "path: no such route");
    return "none";
  }
  if (match.outcome == RouteMatch::Outcome::kWrongMethod) {
    res.set_header("Allow", match.allowed_methods);
    SetError(res, 405, grpc::StatusCode::UNIMPLEMENTED,
             absl::StrCat("method: this path takes ", match.allowed_methods));
    return "none";
  }
  const HttpRoute& route = *match.route;
  if (!body.empty() &&
      !IsJsonContentType(req.get_header_value("Content-Type"))) {
    SetError(res, 415, grpc::StatusCode::INVALID_ARGUMENT,
             "content_type: send the body as application/json (UTF-8)");
    return route.pattern;
  }
  const pb::MethodDescriptor* method = MethodOf(route);
  pb::MessageFactory* factory = pb::MessageFactory::generated_factory();
  std::unique_ptr<pb::Message> request(
      factory->GetPrototype(method->input_type())->New());
  std::unique_ptr<pb::Message> reply(
      factory->GetPrototype(method->output_type())->New());
  if (absl::Status built = BuildRequest(match, req.params, body, request.get());
      !built.ok()) {
    const grpc::Status refused = ToGrpcStatus(built);
    SetError(res, HttpStatusFor(refused.error_code()), refused.error_code(),
             refused.error_message());
    return route.pattern;
  }
  const grpc::Status status = Call(*method, req, *request, reply.get());
  if (!status.ok()) {
    SetError(res, HttpStatusFor(status.error_code()), status.error_code(),
             status.error_message());
    return route.pattern;
  }
  res.status = 200;
  res.set_content(ReplyToJson(*reply), kJson);
  return route.pattern;
}

grpc::Status HttpGateway::State::Call(const pb::MethodDescriptor& method,
                                      const httplib::Request& req,
                                      const pb::Message& request,
                                      pb::Message* reply) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + options.call_timeout);
  if (req.has_header("Authorization")) {
    const std::string authorization = req.get_header_value("Authorization");
    if (!IsPrintableAscii(authorization)) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          "authorization: not a bearer token");
    }
    context.AddMetadata("authorization", authorization);
  }
  std::promise<grpc::Status> done;
  stub->UnaryCall(
      &context, WireMethodName(method), grpc::StubOptions(), &request, reply,
      [&done](grpc::Status status) { done.set_value(std::move(status)); });
  return done.get_future().get();
}

absl::StatusOr<std::unique_ptr<HttpGateway>> HttpGateway::Start(
    HttpGatewayOptions options, std::shared_ptr<grpc::Channel> channel) {
  auto state = std::make_unique<State>();
  State* s = state.get();
  s->options = options;
  s->channel = std::move(channel);
  s->stub =
      std::make_unique<grpc::TemplatedGenericStub<pb::Message, pb::Message>>(
          s->channel);
  ASSIGN_OR_RETURN(
      s->http, HttpServer::Start(
                   {.listen_field = "http_listen",
                    .listen = options.listen,
                    .limits = options.limits,
                    .response_headers = {{"Content-Security-Policy",
                                          kContentSecurityPolicy},
                                         {"X-Content-Type-Options", "nosniff"},
                                         {"Referrer-Policy", "no-referrer"},
                                         {"X-Frame-Options", "DENY"}},
                    .name = "gateway"},
                   [s](const httplib::Request& req, const std::string& body,
                       httplib::Response& res) { s->Serve(req, body, res); }));
  return std::unique_ptr<HttpGateway>(new HttpGateway(std::move(state)));
}

HttpGateway::HttpGateway(std::unique_ptr<State> state)
    : state_(std::move(state)) {}
HttpGateway::~HttpGateway() { Shutdown(); }
int HttpGateway::port() const { return state_->http->port(); }

void HttpGateway::Shutdown() {
  std::call_once(state_->shutdown_once, [this] { state_->http->Shutdown(); });
}

}  // namespace timebank::services
