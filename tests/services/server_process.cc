#include "tests/services/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string_view>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#ifndef TIMEBANKD_PATH
#error "TIMEBANKD_PATH must name the timebankd binary"
#endif

namespace timebank::testing {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(5);
constexpr size_t kLogTailBytes = 4000;

std::string TailOf(const std::string& text) {
  return text.size() <= kLogTailBytes
             ? text
             : text.substr(text.size() - kLogTailBytes);
}

// The ports of the ready file, one a line (gRPC, then HTTP when served);
// nullopt until `lines` complete lines are there.
std::optional<std::vector<int>> ParseReadyFile(const std::string& contents,
                                               size_t lines) {
  std::vector<int> ports;
  std::istringstream in(contents);
  std::string line;
  while (ports.size() < lines && std::getline(in, line)) {
    if (in.eof()) return std::nullopt;  // No newline yet: still being written.
    try {
      const int port = std::stoi(line);
      if (port <= 0 || port >= 65536) return std::nullopt;
      ports.push_back(port);
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  if (ports.size() < lines) return std::nullopt;
  return ports;
}

// The `metrics_port=N` line a server with --metrics-listen adds; 0 if none.
int MetricsPortOf(const std::string& contents) {
  constexpr std::string_view kKey = "\nmetrics_port=";
  const size_t at = contents.find(kKey);
  if (at == std::string::npos) return 0;
  try {
    return std::stoi(contents.substr(at + kKey.size()));
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(
    ServerProcessOptions options) {
  std::unique_ptr<ServerProcess> server(new ServerProcess());
  server->data_dir_ = options.data_dir.empty() ? server->temp_dir_.Join("data")
                                               : options.data_dir;
  server->log_path_ = server->temp_dir_.Join("server.log");
  const std::string ready_file = server->temp_dir_.Join("ready");

  std::vector<std::string> args = {
      TIMEBANKD_PATH, "--data-dir",   server->data_dir_, "--listen",
      "127.0.0.1:0",  "--ready-file", ready_file};
  if (!options.tls_cert_file.empty()) {
    args.insert(args.end(), {"--tls-cert", options.tls_cert_file});
  }
  if (!options.tls_key_file.empty()) {
    args.insert(args.end(), {"--tls-key", options.tls_key_file});
  }
  if (!options.tls_client_ca_file.empty()) {
    args.insert(args.end(), {"--tls-client-ca", options.tls_client_ca_file});
  }
  if (options.http) args.insert(args.end(), {"--http-listen", "127.0.0.1:0"});
  args.insert(args.end(), options.extra_args.begin(), options.extra_args.end());

  // Everything the child needs is prepared before fork: between fork and
  // exec a multithreaded parent's child may only make async-signal-safe calls.
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const int log_fd = ::open(server->log_path_.c_str(),
                            O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) {
    return absl::FailedPreconditionError("cannot create " + server->log_path_);
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    return absl::FailedPreconditionError("fork failed");
  }
  if (pid == 0) {
    // A test binary that dies must not leave servers behind.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  server->pid_ = pid;

  const auto deadline =
      std::chrono::steady_clock::now() + options.ready_timeout;
  while (true) {
    if (absl::StatusOr<std::string> contents = ReadWholeFile(ready_file);
        contents.ok()) {
      if (std::optional<std::vector<int>> ports =
              ParseReadyFile(*contents, options.http ? 2 : 1)) {
        server->port_ = (*ports)[0];
        if (options.http) server->http_port_ = (*ports)[1];
        server->metrics_port_ = MetricsPortOf(*contents);
        break;
      }
    }
    int wait_status = 0;
    if (::waitpid(pid, &wait_status, WNOHANG) == pid) {
      server->pid_ = -1;
      return absl::FailedPreconditionError(absl::StrCat(
          "timebankd exited (wait status ", wait_status,
          ") before it was ready; log:\n", TailOf(server->ReadLog())));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      server->Kill();
      return absl::FailedPreconditionError(absl::StrCat(
          "timebankd was not ready within ", options.ready_timeout.count(),
          " ms; log:\n", TailOf(server->ReadLog())));
    }
    std::this_thread::sleep_for(kPollInterval);
  }

  absl::StatusOr<std::string> token =
      ReadWholeFile(server->data_dir_ + "/admin.token");
  if (!token.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("timebankd is ready but admin.token is unreadable: ",
                     token.status().message()));
  }
  while (!token->empty() && (token->back() == '\n' || token->back() == '\r')) {
    token->pop_back();
  }
  server->admin_token_ = *std::move(token);
  return server;
}

ServerProcess::~ServerProcess() {
  if (running()) Stop(std::chrono::seconds(5));
}

std::optional<int> ServerProcess::WaitForExit(
    std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int wait_status = 0;
    const pid_t reaped = ::waitpid(pid_, &wait_status, WNOHANG);
    if (reaped == pid_ || reaped < 0) {
      pid_ = -1;
      return wait_status;
    }
    if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(kPollInterval);
  }
}

int ServerProcess::Stop(std::chrono::milliseconds timeout) {
  if (!running()) return -1;
  ::kill(pid_, SIGTERM);
  std::optional<int> wait_status = WaitForExit(timeout);
  if (!wait_status) {
    Kill();
    return -1;
  }
  if (WIFEXITED(*wait_status)) return WEXITSTATUS(*wait_status);
  if (WIFSIGNALED(*wait_status)) return 128 + WTERMSIG(*wait_status);
  return -1;
}

void ServerProcess::Kill() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  int wait_status = 0;
  ::waitpid(pid_, &wait_status, 0);
  pid_ = -1;
}

std::string ServerProcess::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

std::string ServerProcess::ReadLog() const {
  return ReadWholeFile(log_path_).value_or("");
}

ExitedRun RunTimebankdToExit(const std::vector<std::string>& args,
                             std::chrono::milliseconds timeout) {
  TempDir temp_dir;
  const std::string log_path = temp_dir.Join("output.log");
  std::vector<std::string> all = {TIMEBANKD_PATH};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : all) argv.push_back(arg.data());
  argv.push_back(nullptr);
  ExitedRun run;
  const int log_fd =
      ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) {
    run.output = "cannot create " + log_path;
    return run;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  if (pid < 0) {
    run.output = "fork failed";
    return run;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int wait_status = 0;
  while (::waitpid(pid, &wait_status, WNOHANG) != pid) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &wait_status, 0);
      run.output = ReadWholeFile(log_path).value_or("");
      return run;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  if (WIFEXITED(wait_status)) run.exit_code = WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) run.exit_code = 128 + WTERMSIG(wait_status);
  run.output = ReadWholeFile(log_path).value_or("");
  return run;
}

std::shared_ptr<grpc::Channel> ServerProcess::NewChannel(
    std::shared_ptr<grpc::ChannelCredentials> credentials) const {
  if (!credentials) credentials = grpc::InsecureChannelCredentials();
  // A channel of its own, so one test's broken connection never leaks into
  // another's calls through a shared subchannel.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address(), credentials, args);
}

std::unique_ptr<v1::Ledger::Stub> ServerProcess::NewLedgerStub(
    std::shared_ptr<grpc::ChannelCredentials> credentials) const {
  return v1::Ledger::NewStub(NewChannel(std::move(credentials)));
}

std::unique_ptr<v1::Access::Stub> ServerProcess::NewAccessStub(
    std::shared_ptr<grpc::ChannelCredentials> credentials) const {
  return v1::Access::NewStub(NewChannel(std::move(credentials)));
}

}  // namespace timebank::testing
