// The JSON/HTTP gateway and member page of timebankd: an HTTP listener
// (cpp-httplib) that serves the page's static files at `/` and forwards each
// route of http_routes.h as a real gRPC call over the server's in-process
// channel, with the caller's `Authorization: Bearer` header as metadata. So
// authentication, role checks, validation and status codes are exactly the
// gRPC ones; the gateway only translates JSON and statuses.
//
// Limits: those of every HTTP listener (http_server.h: a deadline for each
// request, connections per client address, body and header sizes, threads),
// and a deadline for each forwarded call. Bodies must be application/json.
//
// Thread safety: Start and Shutdown from one thread; requests are served on
// the gateway's own worker threads.

#ifndef TIMEBANK_SERVICES_HTTP_GATEWAY_H_
#define TIMEBANK_SERVICES_HTTP_GATEWAY_H_

#include <grpcpp/channel.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/http_server.h"

namespace timebank::services {

struct HttpGatewayOptions {
  // "host:port"; port 0 picks a free one. IPv6 hosts in brackets: "[::1]:8080".
  std::string listen;
  HttpLimits limits;
  // Deadline of each forwarded gRPC call.
  std::chrono::seconds call_timeout{30};
};

class HttpGateway {
 public:
  // Binds the listener and starts serving. INVALID_ARGUMENT naming
  // `http_listen` if the address is malformed or cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpGateway>> Start(
      HttpGatewayOptions options, std::shared_ptr<grpc::Channel> channel);
  ~HttpGateway();
  HttpGateway(const HttpGateway&) = delete;
  HttpGateway& operator=(const HttpGateway&) = delete;

  // The port actually bound (useful with port 0).
  int port() const;
  // Stops accepting, lets requests in progress finish, joins the threads.
  // Call before the gRPC server shuts down, since requests use its channel.
  void Shutdown();

 private:
  struct State;
  explicit HttpGateway(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_HTTP_GATEWAY_H_
