// An HTTP/1.1 listener (cpp-httplib) with the limits every HTTP port of
// timebankd needs, whatever it serves: the JSON gateway and member page, and
// the Prometheus metrics.
//
// What it promises, for each connection and request:
// - A request's line, headers and body must all arrive within
//   `request_deadline` of its first byte, however slowly they trickle in;
//   past it the request gets 408 and the connection is closed. A response
//   must be written within `write_timeout`.
// - At most `connections_per_address_max` open connections per client
//   address (an IPv4 address, or an IPv6 /64); more get 429 at once, unread.
// - Each open connection has a thread of its own (at most `threads`, started
//   as needed), so slow connections cannot hold back those served next to
//   them; past `threads`, accepted connections wait in a bounded queue, then
//   in the kernel.
// - The body is read before the handler runs, and never more than
//   `body_bytes_max` of it, decoded, whether sent with Content-Length,
//   chunked or compressed (gzip, deflate, br): a larger one gets 413 as soon
//   as it is known to be larger, and the connection is closed. Header lines,
//   chunk lines and framing are bounded too, so memory stays within a small
//   multiple of the limits per connection.
// Every refusal is the JSON error of http_routes.h's ErrorJson.
//
// Thread safety: Start and Shutdown from one thread. The handler is called on
// the connections' threads, many at once.

#ifndef TIMEBANK_SERVICES_HTTP_SERVER_H_
#define TIMEBANK_SERVICES_HTTP_SERVER_H_

#include <grpcpp/support/status.h>
#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace timebank::services {

struct HttpLimits {
  // Largest request body, decoded; a larger one gets 413.
  size_t body_bytes_max = 1024 * 1024;
  // Most request headers, and most bytes of all of them together; more gets
  // 431.
  size_t headers_max = 64;
  size_t header_bytes_max = 16 * 1024;
  // Most connections served at once, one thread each.
  int threads = 128;
  // Accepted connections waiting for a thread; past this the listener stops
  // accepting until one frees, and new connections wait in the kernel.
  int queued_connections_max = 64;
  // Most open connections from one client address (IPv6: one /64).
  int connections_per_address_max = 32;
  // From a request's first byte to the end of its body.
  std::chrono::milliseconds request_deadline{10'000};
  // To write one response.
  std::chrono::seconds write_timeout{10};
  // An idle keep-alive connection is closed after this, and after this many
  // requests.
  std::chrono::seconds keep_alive_timeout{5};
  int keep_alive_requests_max = 100;
};

struct HttpServerOptions {
  // The flag named in errors about `listen`: "http_listen".
  std::string listen_field;
  // "host:port"; port 0 picks a free one. IPv6 hosts in brackets: "[::1]:80".
  std::string listen;
  HttpLimits limits;
  // Added to every response, refusals included.
  httplib::Headers response_headers;
  // For the log: "gateway", "metrics".
  std::string name;
};

// Answers one request whose body has been read whole, within the limits.
using HttpHandler =
    std::function<void(const httplib::Request& req, const std::string& body,
                       httplib::Response& res)>;

class HttpServer {
 public:
  // Binds and starts serving. INVALID_ARGUMENT naming `listen_field` if the
  // address is malformed or cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      HttpServerOptions options, HttpHandler handler);
  ~HttpServer();  // Shuts down.
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port actually bound (useful with port 0).
  int port() const;
  // Stops accepting, ends requests still being read and idle connections,
  // lets handlers in progress finish and joins the threads.
  void Shutdown();

 private:
  class Listener;
  explicit HttpServer(std::unique_ptr<Listener> listener);
  std::unique_ptr<Listener> listener_;
  int port_ = 0;
};

// Makes `res` the JSON error ErrorJson shapes, with `http_status`; 401 adds
// `WWW-Authenticate: Bearer`.
void SetHttpError(httplib::Response& res, int http_status,
                  grpc::StatusCode code, std::string_view message);

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_HTTP_SERVER_H_
