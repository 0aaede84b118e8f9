#include "services/http_gateway.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
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

// httplib's own ThreadPool queues connections without limit; this one
// makes the accepting thread wait for room instead, so a flood of
// connections waits in the kernel's backlog rather than in our memory.
class BoundedWorkers final : public httplib::TaskQueue {
 public:
  BoundedWorkers(int threads, size_t queued_max) : queued_max_(queued_max) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
  }
  ~BoundedWorkers() override { shutdown(); }

  void enqueue(std::function<void()> task) override {
    std::unique_lock lock(mutex_);
    room_.wait(
        lock, [this] { return queue_.size() < queued_max_ || shutting_down_; });
    queue_.push_back(std::move(task));
    task_ready_.notify_one();
  }

  // Runs what is queued, then joins the workers.
  void shutdown() override {
    {
      std::lock_guard lock(mutex_);
      if (shutting_down_) return;
      shutting_down_ = true;
    }
    task_ready_.notify_all();
    room_.notify_all();
    for (std::thread& thread : threads_) thread.join();
  }

 private:
  void Work() {
    while (true) {
      std::function<void()> task;
      {
        std::unique_lock lock(mutex_);
        task_ready_.wait(lock,
                         [this] { return !queue_.empty() || shutting_down_; });
        if (queue_.empty()) return;
        task = std::move(queue_.front());
        queue_.pop_front();
      }
      room_.notify_one();
      task();
    }
  }

  const size_t queued_max_;
  std::mutex mutex_;
  std::condition_variable task_ready_;
  std::condition_variable room_;
  std::deque<std::function<void()>> queue_;
  bool shutting_down_ = false;
  std::vector<std::thread> threads_;
};

struct ListenAddress {
  std::string host;
  int port = 0;
};

absl::StatusOr<ListenAddress> ParseListen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return ledger::FieldInvalid("http_listen", "must be host:port");
  }
  ListenAddress address{.host = listen.substr(0, colon)};
  if (address.host.front() == '[' && address.host.back() == ']') {
    address.host = address.host.substr(1, address.host.size() - 2);
  }
  if (!absl::SimpleAtoi(listen.substr(colon + 1), &address.port) ||
      address.port < 0 || address.port > 65535) {
    return ledger::FieldInvalid("http_listen", "port must be 0 to 65535");
  }
  return address;
}

void SetError(httplib::Response& res, int http_status, grpc::StatusCode code,
              std::string_view message) {
  res.status = http_status;
  res.set_content(ErrorJson(http_status, code, message), kJson);
  if (http_status == 401) res.set_header("WWW-Authenticate", "Bearer");
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
  httplib::Server http;
  std::thread listener;
  int port = 0;
  std::once_flag shutdown_once;

  void Serve(const httplib::Request& req, httplib::Response& res);
  void ServeFile(const httplib::Request& req, httplib::Response& res);
  // Returns the route pattern served, for the log.
  std::string_view Forward(const httplib::Request& req, httplib::Response& res);
  grpc::Status Call(const pb::MethodDescriptor& method,
                    const httplib::Request& req, const pb::Message& request,
                    pb::Message* reply);
  bool HeadersTooLarge(const httplib::Request& req) const;
};

bool HttpGateway::State::HeadersTooLarge(const httplib::Request& req) const {
  if (req.headers.size() > options.headers_max) return true;
  size_t bytes = 0;
  for (const auto& [name, value] : req.headers)
    bytes += name.size() + value.size();
  return bytes > options.header_bytes_max;
}

void HttpGateway::State::Serve(const httplib::Request& req,
                               httplib::Response& res) {
  const auto started = Clock::now();
  std::string_view served = "file";
  if (req.path == "/v1" || req.path.starts_with("/v1/")) {
    served = Forward(req, res);
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
  if (!req.body.empty() &&
      !req.get_header_value("Content-Type").starts_with(kJson)) {
    SetError(res, 415, grpc::StatusCode::INVALID_ARGUMENT,
             "content_type: send the body as application/json");
    return route.pattern;
  }
  const pb::MethodDescriptor* method = MethodOf(route);
  pb::MessageFactory* factory = pb::MessageFactory::generated_factory();
  std::unique_ptr<pb::Message> request(
      factory->GetPrototype(method->input_type())->New());
  std::unique_ptr<pb::Message> reply(
      factory->GetPrototype(method->output_type())->New());
  if (absl::Status built =
          BuildRequest(match, req.params, req.body, request.get());
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
  ASSIGN_OR_RETURN(const ListenAddress address, ParseListen(options.listen));
  auto state = std::make_unique<State>();
  State* s = state.get();
  s->options = options;
  s->channel = std::move(channel);
  s->stub =
      std::make_unique<grpc::TemplatedGenericStub<pb::Message, pb::Message>>(
          s->channel);
  httplib::Server& http = s->http;
  http.new_task_queue = [s]() -> httplib::TaskQueue* {
    return new BoundedWorkers(
        s->options.threads,
        static_cast<size_t>(s->options.queued_connections_max));
  };
  http.set_payload_max_length(options.body_bytes_max);
  http.set_read_timeout(options.read_timeout);
  http.set_write_timeout(options.write_timeout);
  http.set_keep_alive_timeout(options.keep_alive_timeout.count());
  http.set_keep_alive_max_count(
      static_cast<size_t>(options.keep_alive_requests_max));
  // A client that asks before sending a large body hears no before it sends.
  http.set_expect_100_continue_handler(
      [s](const httplib::Request& req, httplib::Response& res) {
        size_t length = 0;
        if (absl::SimpleAtoi(req.get_header_value("Content-Length"), &length) &&
            length > s->options.body_bytes_max) {
          SetError(res, 413, grpc::StatusCode::RESOURCE_EXHAUSTED,
                   "body: too large");
          return 413;
        }
        return 100;
      });
  http.set_pre_routing_handler(
      [s](const httplib::Request& req, httplib::Response& res) {
        if (!s->HeadersTooLarge(req))
          return httplib::Server::HandlerResponse::Unhandled;
        SetError(res, 431, grpc::StatusCode::INVALID_ARGUMENT,
                 "headers: too many or too large");
        return httplib::Server::HandlerResponse::Handled;
      });
  http.set_post_routing_handler(
      [](const httplib::Request&, httplib::Response& res) {
        res.set_header("Content-Security-Policy", kContentSecurityPolicy);
        res.set_header("X-Content-Type-Options", "nosniff");
        res.set_header("Referrer-Policy", "no-referrer");
        res.set_header("X-Frame-Options", "DENY");
      });
  // Errors httplib answers itself (413, 414, 400) get the same JSON shape.
  http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    const auto code =
        res.status == 413 || res.status == 414 || res.status == 431
            ? grpc::StatusCode::RESOURCE_EXHAUSTED
            : grpc::StatusCode::INVALID_ARGUMENT;
    res.set_content(ErrorJson(res.status, code,
                              res.status == 413 ? "body: too large"
                                                : "request: not accepted"),
                    kJson);
  });
  const auto handler = [s](const httplib::Request& req,
                           httplib::Response& res) { s->Serve(req, res); };
  http.Get(".*", handler);
  http.Post(".*", handler);
  http.Put(".*", handler);
  http.Patch(".*", handler);
  http.Delete(".*", handler);
  http.Options(".*", handler);

  s->port =
      address.port == 0
          ? http.bind_to_any_port(address.host)
          : (http.bind_to_port(address.host, address.port) ? address.port : -1);
  if (s->port <= 0) {
    return ledger::FieldInvalid("http_listen",
                                "cannot listen on " + options.listen);
  }
  s->listener = std::thread([s] { s->http.listen_after_bind(); });
  // stop() only takes effect on a running loop, so Shutdown must not come
  // before the loop starts.
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!s->http.is_running() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  spdlog::info("event=http_serving listen={} port={} threads={}",
               options.listen, s->port, options.threads);
  return std::unique_ptr<HttpGateway>(new HttpGateway(std::move(state)));
}

HttpGateway::HttpGateway(std::unique_ptr<State> state)
    : state_(std::move(state)) {}
HttpGateway::~HttpGateway() { Shutdown(); }
int HttpGateway::port() const { return state_->port; }

void HttpGateway::Shutdown() {
  std::call_once(state_->shutdown_once, [this] {
    state_->http.stop();
    if (state_->listener.joinable()) state_->listener.join();
    spdlog::info("event=http_stopped");
  });
}

}  // namespace timebank::services
