// timebankd: the Timebank server. See README.md for the flags.

#include <signal.h>
#include <spdlog/cfg/env.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "services/server.h"

namespace {

// SIGTERM and SIGINT are taken by sigwait in main, never by a handler, so
// shutdown runs as ordinary code. They must be blocked before gRPC and
// RocksDB start threads, which inherit the mask.
sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

}  // namespace

int main(int argc, char** argv) {
  const sigset_t stop_signals = BlockStopSignals();
  timebank::services::ServerOptions options;
  std::string log_level = "info";
  std::string ready_file;
  int drain_seconds = static_cast<int>(options.drain_timeout.count());

  CLI::App app{"timebankd: the Timebank ledger server"};
  app.add_option("--listen", options.listen, "host:port to serve gRPC on")
      ->capture_default_str();
  app.add_option("--data-dir", options.data_dir,
                 "directory for the RocksDB data and admin.token")
      ->capture_default_str();
  app.add_option("--log-level", log_level,
                 "trace, debug, info, warn, error (SPDLOG_LEVEL overrides)")
      ->capture_default_str();
  app.add_option("--tls-cert", options.tls_cert_file, "server certificate chain (PEM)")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-key", options.tls_key_file, "server private key (PEM)")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-client-ca", options.tls_client_ca_file,
                 "require client certificates signed by this CA (mutual TLS)")
      ->check(CLI::ExistingFile);
  app.add_option("--max-message-bytes", options.max_message_bytes,
                 "largest request or reply in bytes")
      ->capture_default_str()->check(CLI::Range(4096, 64 * 1024 * 1024));
  app.add_option("--max-threads", options.max_threads, "most gRPC threads")
      ->capture_default_str()->check(CLI::Range(4, 4096));
  app.add_option("--writer-threads", options.writer_threads,
                 "ledger writer threads (each timebank has exactly one)")
      ->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--watch-streams-max", options.watch_streams_max,
                 "most WatchJournal streams open at once")
      ->capture_default_str()->check(CLI::Range(1, 4096));
  app.add_option("--watch-streams-per-token-max", options.watch_streams_per_token_max,
                 "most WatchJournal streams one token may hold")
      ->capture_default_str()->check(CLI::Range(1, 4096));
  app.add_option("--drain-seconds", drain_seconds,
                 "how long SIGTERM waits for in-flight calls")
      ->capture_default_str()->check(CLI::Range(0, 600));
  app.add_option("--http-listen", options.http.listen,
                 "host:port to serve the JSON/HTTP gateway and member page on "
                 "(off unless given)");
  app.add_option("--http-threads", options.http.threads,
                 "HTTP worker threads, one connection each")
      ->capture_default_str()->check(CLI::Range(1, 256));
  app.add_option("--http-queued-connections-max",
                 options.http.queued_connections_max,
                 "accepted HTTP connections waiting for a worker")
      ->capture_default_str()->check(CLI::Range(1, 4096));
  app.add_option("--http-body-bytes-max", options.http.body_bytes_max,
                 "largest HTTP request body in bytes")
      ->capture_default_str()->check(CLI::Range(1024, 64 * 1024 * 1024));
  app.add_flag("--compact", options.compact_on_start,
               "compact the database before serving (after a bulk import)");
  app.add_option("--ready-file", ready_file,
                 "write the bound gRPC port here once serving, and the HTTP "
                 "port on a second line with --http-listen (for scripts)");
  CLI11_PARSE(app, argc, argv);
  options.drain_timeout = std::chrono::seconds(drain_seconds);

  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  spdlog::set_level(spdlog::level::from_str(log_level));
  spdlog::cfg::load_env_levels();

  auto server = timebank::services::Server::Start(options);
  if (!server.ok()) {
    spdlog::error("event=start_failed error=\"{}\"", server.status().ToString());
    std::fprintf(stderr, "timebankd: %s\n", server.status().ToString().c_str());
    return 1;
  }
  if (!ready_file.empty()) {
    std::string ports = std::to_string((*server)->port()) + "\n";
    if ((*server)->http_port() > 0) {
      ports += std::to_string((*server)->http_port()) + "\n";
    }
    if (auto s = timebank::services::WritePrivateFile(ready_file, ports);
        !s.ok()) {
      spdlog::error("event=ready_file_failed path={}", ready_file);
    }
  }
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  spdlog::info("event=signal signal={}", signal_number);
  (*server)->Shutdown();
  return 0;
}
