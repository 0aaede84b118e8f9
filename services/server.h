// The timebankd server: opens the ledger in a data directory, makes the
// first admin token, and serves Ledger, Access, Assessment, Admin, health and
// reflection over gRPC until Shutdown; optionally also the JSON/HTTP gateway
// and member page (http_gateway.h) over the same services, and Prometheus
// metrics over HTTP on an address of their own (metrics_http.h), with the
// gateway's limits for slow clients.
//
// Health (grpc.health.v1, the overall service ""): NOT_SERVING from the moment
// the port is bound until start-up is done, while draining on Shutdown, and
// while storage is failing (a write failed and RocksDB has not resumed; the
// server retries every `storage_check_interval`); SERVING otherwise. The
// same goes for each service's own name. The name "liveness" is SERVING from
// the moment the port is bound until shutdown: it says the process answers,
// for liveness probes, so that a full disk makes an instance unready rather
// than restarted.
//
// Thread safety: Start and Shutdown from one thread; everything else runs on
// gRPC's threads.

#ifndef TIMEBANK_SERVICES_SERVER_H_
#define TIMEBANK_SERVICES_SERVER_H_

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/http_gateway.h"

namespace rocksdb {
class Env;
}

namespace timebank::services {

inline constexpr char kLivenessService[] = "liveness";

struct ServerOptions {
  std::string listen = "127.0.0.1:50051";
  std::string data_dir = "data";
  // TLS: certificate chain and key in PEM. Both or neither.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Mutual TLS: clients must present a certificate signed by this CA.
  std::string tls_client_ca_file;
  // Largest request accepted; a bulk call of 10,000 exchanges is ~2 MiB.
  int max_message_bytes = 8 * 1024 * 1024;
  int max_threads = 256;
  int writer_threads = 1;
  int watch_streams_max = 64;
  int watch_streams_per_token_max = 8;
  std::chrono::seconds drain_timeout{10};
  // Compact the database before reporting SERVING (after bulk imports;
  // benchmarks).
  bool compact_on_start = false;
  // The JSON/HTTP gateway and member page; off while `http.listen` is empty.
  // Its limits (`http.limits`) are the metrics listener's too.
  HttpGatewayOptions http;
  // Where Admin.CreateBackup writes; empty refuses backups.
  std::string backup_dir;
  // Backups kept in backup_dir; older ones are deleted after a backup. 0
  // keeps all.
  int backup_keep = 14;
  // host:port for Prometheus' GET /metrics; empty serves no metrics.
  std::string metrics_listen;
  // A file holding the bearer token scrapes must send; empty: none needed.
  std::string metrics_token_file;
  // Label journal lengths by timebank id; otherwise scrapes name no
  // timebank.
  bool metrics_per_timebank = false;
  std::chrono::milliseconds storage_check_interval{1000};
  // The file system RocksDB uses; null means the default (tests inject
  // faults).
  rocksdb::Env* env = nullptr;
};

class Server {
 public:
  static absl::StatusOr<std::unique_ptr<Server>> Start(ServerOptions options);
  ~Server();

  // The port actually bound (useful with port 0).
  int port() const;
  // The HTTP port actually bound; 0 when the gateway is off.
  int http_port() const;
  // The metrics port actually bound; 0 when metrics are off.
  int metrics_port() const;
  // Stops the HTTP gateway, then stops taking calls, lets in-flight calls
  // finish (up to the drain timeout), ends journal streams and closes the
  // ledger.
  void Shutdown();

 private:
  struct State;
  explicit Server(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Writes `contents` to `path` readable by the owner only (0600).
absl::Status WritePrivateFile(const std::string& path,
                              const std::string& contents);

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_SERVER_H_
