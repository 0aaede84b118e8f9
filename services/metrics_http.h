// The HTTP endpoint Prometheus scrapes: GET /metrics on its own address
// (`--metrics-listen`), apart from the gRPC port, so that it can be opened to
// a monitoring network without opening the API. Served by libmicrohttpd on
// one thread of its own, with a cap on connections and a timeout, so a slow
// or stuck scraper costs nothing else. It serves nothing but /metrics, which
// holds no tokens, names or descriptions.
//
// Thread safety: Start and Stop from one thread; `render` is called on the
// HTTP thread.

#ifndef TIMEBANK_SERVICES_METRICS_HTTP_H_
#define TIMEBANK_SERVICES_METRICS_HTTP_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

struct MHD_Daemon;

namespace timebank::services {

class MetricsHttpServer {
 public:
  // `listen` is host:port ("127.0.0.1:9464", "[::]:9464", port 0 picks a
  // free one). INVALID_ARGUMENT naming metrics_listen if it cannot listen.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(
      const std::string& listen, std::function<std::string()> render);
  ~MetricsHttpServer();  // Stops.
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  int port() const { return port_; }

 private:
  MetricsHttpServer() = default;
  std::function<std::string()> render_;
  MHD_Daemon* daemon_ = nullptr;
  int port_ = 0;
};

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_METRICS_HTTP_H_
