// The HTTP endpoint Prometheus scrapes: GET /metrics on its own address
// (`--metrics-listen`), apart from the gRPC port, so that it can be opened to
// a monitoring network without opening the API. Served by the same hardened
// listener as the gateway (http_server.h: request deadline, connections per
// address, a thread per connection), so slow or stuck clients cost the
// scrapes nothing. With a token file, only requests with
// `Authorization: Bearer <token>` are answered; the rest get 401. It serves
// nothing but /metrics, which holds no tokens, names or descriptions.
//
// Thread safety: Start and the destructor from one thread; `render` is called
// on the listener's threads, possibly several at once.

#ifndef TIMEBANK_SERVICES_METRICS_HTTP_H_
#define TIMEBANK_SERVICES_METRICS_HTTP_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "services/http_server.h"

namespace timebank::services {

struct MetricsHttpOptions {
  // host:port ("127.0.0.1:9464", "[::]:9464"; port 0 picks a free one).
  std::string listen;
  // A file whose one line is the bearer token scrapes must send; empty
  // means scrapes need none.
  std::string token_file;
  // The gateway's limits; the body limit is replaced by a small one, since
  // scrapes send none.
  HttpLimits limits;
};

class MetricsHttpServer {
 public:
  // INVALID_ARGUMENT naming metrics_listen if it cannot listen, or
  // metrics_token_file if that cannot be read or holds no token.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(
      MetricsHttpOptions options, std::function<std::string()> render);
  ~MetricsHttpServer();  // Stops.
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  int port() const { return http_->port(); }

 private:
  using Hash = std::array<uint8_t, 32>;
  MetricsHttpServer() = default;
  void Serve(const httplib::Request& req, httplib::Response& res) const;
  bool Authorized(const httplib::Request& req) const;

  std::function<std::string()> render_;
  // SHA-256 of the token, when scrapes need one.
  std::optional<Hash> token_hash_;
  std::unique_ptr<HttpServer> http_;
};

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_METRICS_HTTP_H_
