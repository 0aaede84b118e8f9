// timebankd: the Timebank server. See docs/operations.md for the flags, and
// deploy/timebankd.conf for a configuration file that explains each one.
//
//   timebankd [flags]                 serve until SIGTERM or SIGINT
//   timebankd --config FILE           the same flags from a file (TOML)
//   timebankd --check-config [...]    print the settings in force and exit
//   timebankd restore --backup-dir DIR [--backup-id N] --data-dir NEW_DIR
//                                     rebuild a data directory from a backup
//   timebankd admin-token --data-dir DIR --name NAME --out FILE
//                                     mint an ADMIN token, server stopped
//
// Whatever started it, timebankd creates files for its own user only
// (umask 0077): the data directory holds every member's details and the
// token hashes, the backups the same.

#include <fcntl.h>
#include <google/protobuf/stubs/logging.h>
#include <signal.h>
#include <spdlog/cfg/env.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>

#include "ledger/access.h"
#include "ledger/backup.h"
#include "ledger/ledger.h"
#include "services/owner_only.h"
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

// The protobuf runtime logs through its own handler to stderr. Its lines in a
// server are about bytes a peer sent ("String field ... contains invalid
// UTF-8"), which the call's status and the call log already report, so they
// go to our log at debug level, in our format.
void LogProtobufThroughSpdlog() {
  google::protobuf::SetLogHandler([](google::protobuf::LogLevel level,
                                     const char* filename, int line,
                                     const std::string& message) {
    const spdlog::level::level_enum our_level =
        level == google::protobuf::LOGLEVEL_FATAL ? spdlog::level::critical
                                                  : spdlog::level::debug;
    spdlog::log(our_level, "event=protobuf_log at={}:{} message=\"{}\"",
                filename, line, message);
  });
}

struct MainFlags {
  timebank::services::ServerOptions server;
  std::string log_level = "info";
  std::string ready_file;
  int drain_seconds = 10;
  int storage_check_ms = 1000;
  int http_request_deadline_ms = 10'000;
  bool check_config = false;
};

void AddServerFlags(CLI::App& app, MainFlags& flags) {
  timebank::services::ServerOptions& options = flags.server;
  app.add_option("--listen", options.listen, "host:port to serve gRPC on")
      ->capture_default_str();
  app.add_option("--data-dir", options.data_dir,
                 "directory for the RocksDB data and admin.token")
      ->capture_default_str();
  app.add_option("--log-level", flags.log_level,
                 "trace, debug, info, warn, error (SPDLOG_LEVEL overrides)")
      ->capture_default_str()
      ->check(CLI::IsMember(
          {"trace", "debug", "info", "warn", "error", "critical", "off"}));
  app.add_option("--tls-cert", options.tls_cert_file,
                 "server certificate chain (PEM)")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-key", options.tls_key_file, "server private key (PEM)")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-client-ca", options.tls_client_ca_file,
                 "require client certificates signed by this CA (mutual TLS)")
      ->check(CLI::ExistingFile);
  app.add_option("--max-message-bytes", options.max_message_bytes,
                 "largest request or reply in bytes")
      ->capture_default_str()
      ->check(CLI::Range(4096, 64 * 1024 * 1024));
  app.add_option("--max-threads", options.max_threads, "most gRPC threads")
      ->capture_default_str()
      ->check(CLI::Range(4, 4096));
  app.add_option("--writer-threads", options.writer_threads,
                 "ledger writer threads (each timebank has exactly one)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--watch-streams-max", options.watch_streams_max,
                 "most WatchJournal streams open at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_option("--watch-streams-per-token-max",
                 options.watch_streams_per_token_max,
                 "most WatchJournal streams one token may hold")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_option("--drain-seconds", flags.drain_seconds,
                 "how long SIGTERM waits for in-flight calls")
      ->capture_default_str()
      ->check(CLI::Range(0, 600));
  app.add_option("--http-listen", options.http.listen,
                 "host:port to serve the JSON/HTTP gateway and member page on "
                 "(off unless given)");
  timebank::services::HttpLimits& http = options.http.limits;
  app.add_option("--http-threads", http.threads,
                 "most HTTP connections served at once, a thread each "
                 "(gateway and metrics alike)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  app.add_option("--http-queued-connections-max", http.queued_connections_max,
                 "accepted HTTP connections waiting for a thread")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_option("--http-body-bytes-max", http.body_bytes_max,
                 "largest HTTP request body in bytes, decoded")
      ->capture_default_str()
      ->check(CLI::Range(1024, 64 * 1024 * 1024));
  app.add_option("--http-request-deadline-ms", flags.http_request_deadline_ms,
                 "time for an HTTP request's line, headers and body to arrive "
                 "(gateway and metrics alike)")
      ->capture_default_str()
      ->check(CLI::Range(100, 600'000));
  app.add_option("--http-connections-per-address-max",
                 http.connections_per_address_max,
                 "most open HTTP connections from one client address, an IPv6 "
                 "/64 counting as one (gateway and metrics alike)")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_flag(
      "--compact", options.compact_on_start,
      "compact the database before reporting SERVING (after a bulk import)");
  app.add_option("--ready-file", flags.ready_file,
                 "write the bound gRPC port here once serving; the HTTP port "
                 "on a second line with --http-listen, and metrics_port=N "
                 "with --metrics-listen (for scripts)");
  app.add_option("--backup-dir", options.backup_dir,
                 "where Admin.CreateBackup writes backups; empty refuses them");
  app.add_option(
         "--backup-keep", options.backup_keep,
         "backups kept in --backup-dir; older ones are deleted (0 keeps all)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  app.add_option(
      "--metrics-listen", options.metrics_listen,
      "host:port for Prometheus metrics at /metrics; empty serves none");
  app.add_option("--metrics-token-file", options.metrics_token_file,
                 "file holding the bearer token scrapes must send; unset, "
                 "scrapes need none");
  app.add_flag("--metrics-per-timebank", options.metrics_per_timebank,
               "label journal lengths by timebank id; otherwise metrics name "
               "no timebank");
  app.add_option("--storage-check-ms", flags.storage_check_ms,
                 "how often health re-checks storage after a failed write")
      ->capture_default_str()
      ->check(CLI::Range(50, 60000));
}

struct RestoreFlags {
  std::string backup_dir;
  uint32_t backup_id = 0;
  std::string data_dir;
};

int RunRestore(const RestoreFlags& flags) {
  absl::StatusOr<timebank::ledger::BackupInfo> restored =
      timebank::ledger::RestoreBackup({.backup_dir = flags.backup_dir,
                                       .backup_id = flags.backup_id,
                                       .data_dir = flags.data_dir});
  if (!restored.ok()) {
    std::fprintf(stderr, "timebankd restore: %s\n",
                 restored.status().ToString().c_str());
    return 1;
  }
  std::printf(
      "Restored backup %u (taken at %lld, unix seconds) into %s in %lld ms.\n",
      restored->backup_id, static_cast<long long>(restored->created_at_unix_s),
      flags.data_dir.c_str(), static_cast<long long>(restored->duration_ms));
  for (const timebank::ledger::JournalHead& head : restored->journal_heads) {
    std::printf("  %-48s journal up to seq %llu, verified\n",
                head.timebank_id.c_str(),
                static_cast<unsigned long long>(head.last_seq));
  }
  std::printf(
      "Tokens are in the backup, their secrets are not: copy your token files "
      "next to it, or mint an ADMIN token with\n  timebankd admin-token "
      "--data-dir %s --name NAME --out %s/admin.token\n",
      flags.data_dir.c_str(), flags.data_dir.c_str());
  return 0;
}

struct AdminTokenFlags {
  std::string data_dir;
  std::string name;
  std::string out;
};

// The way in for whoever holds a stopped server's data directory, as
// database servers offer: after a restore on a new machine no token file
// survives, and every token's secret is gone with it. RocksDB's lock keeps
// it from running beside a server. The out file is created, never
// overwritten (O_EXCL): an existing file may hold the only copy of a live
// token's secret.
int RunAdminToken(const AdminTokenFlags& flags) {
  const auto refuse = [](const std::string& message) {
    std::fprintf(stderr, "timebankd admin-token: %s\n", message.c_str());
    return 1;
  };
  std::error_code error;
  const std::filesystem::file_type out_type =
      std::filesystem::symlink_status(flags.out, error).type();
  if (out_type == std::filesystem::file_type::none) {
    return refuse("out: cannot look at " + flags.out + ": " + error.message());
  }
  if (out_type != std::filesystem::file_type::not_found) {
    return refuse("out: " + flags.out +
                  " exists; timebankd admin-token never overwrites a file "
                  "(move it away, or name another)");
  }
  absl::StatusOr<std::unique_ptr<timebank::ledger::Ledger>> ledger =
      timebank::ledger::Ledger::Open(
          {.data_dir = flags.data_dir, .create_if_missing = false});
  if (!ledger.ok()) return refuse(ledger.status().ToString());
  absl::StatusOr<std::unique_ptr<timebank::ledger::AccessRegistry>> registry =
      timebank::ledger::AccessRegistry::Open(ledger->get());
  if (!registry.ok()) return refuse(registry.status().ToString());
  absl::StatusOr<std::pair<std::string, timebank::ledger::Token>> minted =
      (*registry)->Create(
          {.role = timebank::ledger::Role::kAdmin, .name = flags.name});
  if (!minted.ok()) return refuse(minted.status().ToString());
  const std::string& token_id = minted->second.id;
  const std::string contents = minted->first + "\n";
  const int fd =
      ::open(flags.out.c_str(),
             O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  const bool written = fd >= 0 &&
                       ::write(fd, contents.data(), contents.size()) ==
                           static_cast<ssize_t>(contents.size()) &&
                       ::fsync(fd) == 0;
  const int write_errno = errno;
  if (fd >= 0) ::close(fd);
  if (!written) {
    // A live token whose secret nobody holds is only a risk.
    if (fd >= 0) ::unlink(flags.out.c_str());
    const absl::StatusOr<timebank::ledger::Token> revoked =
        (*registry)->Revoke(token_id);
    return refuse("out: cannot write " + flags.out + ": " +
                  std::strerror(write_errno) +
                  (revoked.ok() ? "; the token minted for it is revoked"
                                : "; revoke token " + token_id + " by hand"));
  }
  (*ledger)->Close();
  spdlog::info("event=admin_token_minted token_id={} data_dir={} out={}",
               token_id, flags.data_dir, flags.out);
  std::printf(
      "Wrote ADMIN token %s to %s (mode 0600). Start timebankd and use it; "
      "revoke the tokens whose files were lost (timebank token list, "
      "timebank token revoke ID).\n",
      token_id.c_str(), flags.out.c_str());
  return 0;
}

// Written whole under another name, then renamed, so a reader never sees
// half of it.
void WriteReadyFile(const std::string& path,
                    const timebank::services::Server& server) {
  std::string contents = std::to_string(server.port()) + "\n";
  if (server.http_port() != 0) {
    contents += std::to_string(server.http_port()) + "\n";
  }
  if (server.metrics_port() != 0) {
    contents += "metrics_port=" + std::to_string(server.metrics_port()) + "\n";
  }
  const std::string temporary = path + ".tmp";
  std::error_code error;
  if (!timebank::services::WritePrivateFile(temporary, contents).ok() ||
      (std::filesystem::rename(temporary, path, error), error)) {
    spdlog::error("event=ready_file_failed path={}", path);
  }
}

// The settings in force as a configuration file timebankd reads back: unset
// options, this flag itself and the subcommands' left out.
void PrintSettings(const CLI::App& app) {
  std::istringstream settings(
      app.config_to_str(/*default_also=*/true, /*write_description=*/false));
  std::string line;
  while (std::getline(settings, line)) {
    if (line.ends_with("=\"\"") || line.starts_with("check-config=") ||
        line.starts_with("restore.") || line.starts_with("admin-token.")) {
      continue;
    }
    std::cout << line << "\n";
  }
}

void ConfigureLogging(const std::string& level) {
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ %v",
                      spdlog::pattern_time_type::utc);
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::cfg::load_env_levels();
  LogProtobufThroughSpdlog();
}

}  // namespace

int main(int argc, char** argv) {
  // Before anything creates a file; see the top of this file.
  ::umask(timebank::services::kOwnerOnlyUmask);
  const sigset_t stop_signals = BlockStopSignals();
  MainFlags flags;
  CLI::App app{"timebankd: the Timebank ledger server"};
  app.set_config("--config", "",
                 "read flags from this TOML file (see deploy/timebankd.conf)");
  // A misspelt key in a configuration file is an error, never ignored.
  app.allow_config_extras(CLI::config_extras_mode::error);
  AddServerFlags(app, flags);
  app.add_flag("--check-config", flags.check_config,
               "print the settings in force (flags and --config) and exit");
  app.require_subcommand(0, 1);

  RestoreFlags restore;
  CLI::App* restore_command = app.add_subcommand(
      "restore",
      "rebuild a data directory from a backup (server stopped; target must be "
      "empty or missing), verify every journal and exit");
  restore_command
      ->add_option("--backup-dir", restore.backup_dir, "the backup directory")
      ->required();
  restore_command->add_option("--backup-id", restore.backup_id,
                              "which backup (default: the newest)");
  restore_command
      ->add_option("--data-dir", restore.data_dir, "the new data directory")
      ->required();

  AdminTokenFlags admin_token;
  CLI::App* admin_token_command = app.add_subcommand(
      "admin-token",
      "mint a new ADMIN token into a stopped server's data directory (after a "
      "restore, when no token file survived) and write it to a new file, mode "
      "0600");
  admin_token_command
      ->add_option("--data-dir", admin_token.data_dir,
                   "the data directory; refused while a server holds it")
      ->required();
  admin_token_command
      ->add_option("--name", admin_token.name,
                   "the token's name, unique among live ADMIN tokens")
      ->required();
  admin_token_command
      ->add_option("--out", admin_token.out,
                   "file to write the token to; must not exist")
      ->required();
  CLI11_PARSE(app, argc, argv);

  ConfigureLogging(flags.log_level);
  if (*restore_command) return RunRestore(restore);
  if (*admin_token_command) return RunAdminToken(admin_token);
  if (flags.check_config) {
    PrintSettings(app);
    return 0;
  }
  timebank::services::ServerOptions& options = flags.server;
  options.drain_timeout = std::chrono::seconds(flags.drain_seconds);
  options.storage_check_interval =
      std::chrono::milliseconds(flags.storage_check_ms);
  options.http.limits.request_deadline =
      std::chrono::milliseconds(flags.http_request_deadline_ms);

  auto server = timebank::services::Server::Start(options);
  if (!server.ok()) {
    spdlog::error("event=start_failed error=\"{}\"",
                  server.status().ToString());
    std::fprintf(stderr, "timebankd: %s\n", server.status().ToString().c_str());
    return 1;
  }
  if (!flags.ready_file.empty()) WriteReadyFile(flags.ready_file, **server);
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  spdlog::info("event=signal signal={}", signal_number);
  (*server)->Shutdown();
  return 0;
}
