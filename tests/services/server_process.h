// A timebankd child process for integration tests: started with fork/exec
// on 127.0.0.1 with an ephemeral port, in a fresh temporary data directory
// (or a given one, so a test can restart a server on the same data), and
// stopped with SIGTERM or SIGKILL. The destructor ends the process if it is
// still running and removes the object's temporary directory; a given data
// directory belongs to the caller and is left alone.
//
// The server's stdout and stderr go to `log_path()`, so a failing test can
// show what the server said.
//
// Thread safety: Start and the destructor from one thread, which must live as
// long as the server (the child gets SIGKILL when the thread that started it
// ends). Stop or Kill from one thread at a time, any thread. The const
// accessors and channel factories may be used from any thread.

#ifndef TIMEBANK_TESTS_SERVICES_SERVER_PROCESS_H_
#define TIMEBANK_TESTS_SERVICES_SERVER_PROCESS_H_

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/test_util/temp_dir.h"
#include "timebank/v1/access.grpc.pb.h"
#include "timebank/v1/ledger.grpc.pb.h"

namespace timebank::testing {

struct ServerProcessOptions {
  // Where the server keeps its database and admin.token; empty means a fresh
  // directory inside the process object's own temporary directory.
  std::string data_dir;
  // TLS: PEM files, as for --tls-cert, --tls-key and --tls-client-ca.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // Also serve the JSON/HTTP gateway and member page on 127.0.0.1 with an
  // ephemeral port (--http-listen).
  bool http = false;
  // More command-line flags, e.g. {"--log-level", "debug"}.
  std::vector<std::string> extra_args;
  // How long to wait for the ready file.
  std::chrono::milliseconds ready_timeout{20'000};
};

class ServerProcess {
 public:
  // Starts timebankd and waits until it writes its port to the ready file.
  // FAILED_PRECONDITION, with the tail of the server's log, if the server
  // exits or is not ready within the timeout (it is then killed).
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(
      ServerProcessOptions options = {});

  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Sends SIGTERM and waits for the process (at most `timeout`, then SIGKILL).
  // Returns its exit code; 128 + the signal number if a signal ended it; -1
  // if it had to be killed after the timeout or was not running.
  int Stop(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Sends SIGKILL and reaps the process: a crash at an arbitrary moment.
  void Kill();
  bool running() const { return pid_ > 0; }
  // The child's process id while it runs, for reading /proc/<pid>.
  pid_t pid() const { return pid_; }

  int port() const { return port_; }
  // The HTTP gateway's port; 0 unless started with `http`.
  int http_port() const { return http_port_; }
  // The Prometheus port, when started with --metrics-listen; else 0.
  int metrics_port() const { return metrics_port_; }
  // "127.0.0.1:<port>".
  std::string address() const;
  const std::string& data_dir() const { return data_dir_; }
  // The secret read from <data_dir>/admin.token, without the newline.
  const std::string& admin_token() const { return admin_token_; }
  // The server's combined stdout and stderr.
  const std::string& log_path() const { return log_path_; }
  std::string ReadLog() const;

  // A new channel to the server; plaintext unless `credentials` are given.
  std::shared_ptr<grpc::Channel> NewChannel(
      std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr) const;
  std::unique_ptr<v1::Ledger::Stub> NewLedgerStub(
      std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr) const;
  std::unique_ptr<v1::Access::Stub> NewAccessStub(
      std::shared_ptr<grpc::ChannelCredentials> credentials = nullptr) const;

 private:
  ServerProcess() = default;
  // Waits for the child to exit for at most `timeout`; its wait status, or
  // nullopt on timeout.
  std::optional<int> WaitForExit(std::chrono::milliseconds timeout);

  TempDir temp_dir_;
  std::string data_dir_;
  std::string log_path_;
  std::string admin_token_;
  pid_t pid_ = -1;
  int port_ = 0;
  int http_port_ = 0;
  int metrics_port_ = 0;
};

// How a timebankd run that was expected to end by itself ended.
struct ExitedRun {
  // The exit code; 128 + the signal number if a signal ended it; -1 if it
  // was still running after the timeout and had to be killed.
  int exit_code = -1;
  // Its combined stdout and stderr.
  std::string output;
};

// Runs timebankd with `args` (after the program name) and waits at most
// `timeout` for it to exit: for flags and start-up refusals, where the
// server never serves.
ExitedRun RunTimebankdToExit(const std::vector<std::string>& args,
                             std::chrono::milliseconds timeout);

// Reads a whole file; NOT_FOUND if it cannot be opened.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

}  // namespace timebank::testing

#endif  // TIMEBANK_TESTS_SERVICES_SERVER_PROCESS_H_
