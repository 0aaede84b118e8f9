// The JSON/HTTP gateway and member page of timebankd: an HTTP listener
// (cpp-httplib) that serves the page's static files at `/` and forwards each
// route of http_routes.h as a real gRPC call over the server's in-process
// channel, with the caller's `Authorization: Bearer` header as metadata. So
// authentication, role checks, validation and status codes are exactly the
// gRPC ones; the gateway only translates JSON and statuses.
//
// Limits: request bodies, header count and size, queued connections, and
// read, write, keep-alive and per-call timeouts (HttpGatewayOptions).
//
// Thread safety: Start and Shutdown from one thread; requests are served on
// the gateway's own worker threads.

#ifndef TIMEBANK_SERVICES_HTTP_GATEWAY_H_
#define TIMEBANK_SERVICES_HTTP_GATEWAY_H_

#include <grpcpp/channel.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace timebank::services {

struct HttpGatewayOptions {
  // "host:port"; port 0 picks a free one. IPv6 hosts in brackets: "[::1]:8080".
  std::string listen;
  // Largest request body; a larger one gets 413 without being read.
  size_t body_bytes_max = 1024 * 1024;
  // Most request headers, and most bytes of all of them together; more gets
  // 431. (cpp-httplib also refuses any single header line over 8 KiB.)
  size_t headers_max = 64;
  size_t header_bytes_max = 16 * 1024;
  // Worker threads; each serves one connection at a time.
  int threads = 8;
  // Accepted connections waiting for a worker; past this the listener stops
  // accepting until one frees, and new connections wait in the kernel.
  int queued_connections_max = 64;
  std::chrono::seconds read_timeout{10};
  std::chrono::seconds write_timeout{10};
  // An idle keep-alive connection is closed after this, and after this many
  // requests.
  std::chrono::seconds keep_alive_timeout{5};
  int keep_alive_requests_max = 100;
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
