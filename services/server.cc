#include "services/server.h"

#include <fcntl.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "ledger/access.h"
#include "ledger/ledger.h"
#include "ledger/status_macros.h"
#include "ledger/validation.h"
#include "services/access_service.h"
#include "services/assessment_service.h"
#include "services/authorizer.h"
#include "services/journal_feed.h"
#include "services/ledger_service.h"

namespace timebank::services {
namespace {

absl::StatusOr<std::string> ReadFile(std::string_view field,
                                     const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return ledger::FieldInvalid(field, "cannot read " + path);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(
    const ServerOptions& options) {
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return ledger::FieldInvalid("tls_key", "--tls-cert and --tls-key go together");
  }
  if (options.tls_cert_file.empty()) {
    if (!options.tls_client_ca_file.empty()) {
      return ledger::FieldInvalid("tls_client_ca",
                                  "mutual TLS needs --tls-cert and --tls-key");
    }
    return grpc::InsecureServerCredentials();
  }
  grpc::SslServerCredentialsOptions ssl;
  ASSIGN_OR_RETURN(std::string cert, ReadFile("tls_cert", options.tls_cert_file));
  ASSIGN_OR_RETURN(std::string key, ReadFile("tls_key", options.tls_key_file));
  ssl.pem_key_cert_pairs.push_back({key, cert});
  if (!options.tls_client_ca_file.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_root_certs,
                     ReadFile("tls_client_ca", options.tls_client_ca_file));
    ssl.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

}  // namespace

absl::Status WritePrivateFile(const std::string& path,
                              const std::string& contents) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return ledger::FieldInvalid("data_dir", "cannot write " + path);
  // The file may have existed with wider permissions.
  const bool ok = ::fchmod(fd, 0600) == 0 &&
                  ::write(fd, contents.data(), contents.size()) ==
                      static_cast<ssize_t>(contents.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return ledger::FieldInvalid("data_dir", "cannot write " + path);
  return absl::OkStatus();
}

struct Server::State {
  ServerOptions options;
  std::unique_ptr<ledger::Ledger> ledger;
  std::unique_ptr<ledger::AccessRegistry> registry;
  std::unique_ptr<Authorizer> authorizer;
  std::unique_ptr<JournalFeed> feed;
  std::unique_ptr<LedgerService> ledger_service;
  std::unique_ptr<AccessService> access_service;
  std::unique_ptr<AssessmentService> assessment_service;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<HttpGateway> http;
  int listener_id = 0;
  int port = 0;
  std::once_flag shutdown_once;
};

absl::StatusOr<std::unique_ptr<Server>> Server::Start(ServerOptions options) {
  auto state = std::make_unique<State>();
  state->options = options;
  ASSIGN_OR_RETURN(auto credentials, Credentials(options));
  ASSIGN_OR_RETURN(state->ledger,
                   ledger::Ledger::Open({.data_dir = options.data_dir,
                                         .writer_threads = options.writer_threads,
                                         .warm_report_figures = true}));
  if (options.compact_on_start) {
    const auto started = std::chrono::steady_clock::now();
    RETURN_IF_ERROR(state->ledger->Compact());
    spdlog::info("event=compacted seconds={:.1f}",
                 std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                               started)
                     .count());
  }
  ASSIGN_OR_RETURN(state->registry,
                   ledger::AccessRegistry::Open(state->ledger.get()));
  if (state->registry->Empty()) {
    ASSIGN_OR_RETURN(auto admin, state->registry->Create(
                                     {.role = ledger::Role::kAdmin, .name = "admin"}));
    const std::string path = options.data_dir + "/admin.token";
    RETURN_IF_ERROR(WritePrivateFile(path, admin.first + "\n"));
    spdlog::info("event=admin_token_created path={} token_id={}", path,
                 admin.second.id);
  }
  state->authorizer = std::make_unique<Authorizer>(state->registry.get());
  state->feed = std::make_unique<JournalFeed>(
      JournalFeed::Limits{.streams_max = options.watch_streams_max,
                          .streams_per_token_max = options.watch_streams_per_token_max});
  state->listener_id = state->ledger->AddCommitListener(
      [feed = state->feed.get()](const std::vector<ledger::JournalEntry>& entries) {
        feed->OnCommit(entries);
      });
  state->ledger_service = std::make_unique<LedgerService>(
      state->ledger.get(), state->authorizer.get(), state->feed.get());
  state->access_service = std::make_unique<AccessService>(
      state->registry.get(), state->authorizer.get());
  state->assessment_service = std::make_unique<AssessmentService>(
      state->ledger.get(), state->authorizer.get());

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  grpc::ResourceQuota quota("timebankd");
  quota.SetMaxThreads(options.max_threads);
  builder.SetResourceQuota(quota);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  builder.AddListeningPort(options.listen, credentials, &state->port);
  builder.RegisterService(state->ledger_service.get());
  builder.RegisterService(state->access_service.get());
  builder.RegisterService(state->assessment_service.get());
  state->server = builder.BuildAndStart();
  if (!state->server || state->port == 0) {
    return ledger::FieldInvalid("listen", "cannot listen on " + options.listen);
  }
  if (!options.http.listen.empty()) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(options.max_message_bytes);
    args.SetMaxSendMessageSize(options.max_message_bytes);
    absl::StatusOr<std::unique_ptr<HttpGateway>> http =
        HttpGateway::Start(options.http, state->server->InProcessChannel(args));
    if (!http.ok()) {
      state->server->Shutdown();
      state->ledger->RemoveCommitListener(state->listener_id);
      state->ledger->Close();
      return http.status();
    }
    state->http = *std::move(http);
  }
  state->server->GetHealthCheckService()->SetServingStatus(true);
  spdlog::info("event=serving listen={} port={} data_dir={} tls={} mtls={}",
               options.listen, state->port, options.data_dir,
               !options.tls_cert_file.empty(),
               !options.tls_client_ca_file.empty());
  return std::unique_ptr<Server>(new Server(std::move(state)));
}

Server::Server(std::unique_ptr<State> state) : state_(std::move(state)) {}
Server::~Server() { Shutdown(); }
int Server::port() const { return state_->port; }
int Server::http_port() const { return state_->http ? state_->http->port() : 0; }

void Server::Shutdown() {
  std::call_once(state_->shutdown_once, [this] {
    spdlog::info("event=draining timeout_s={}",
                 state_->options.drain_timeout.count());
    state_->server->GetHealthCheckService()->SetServingStatus(false);
    // HTTP requests are gRPC calls over the in-process channel: finish them
    // while the server still takes calls.
    if (state_->http) state_->http->Shutdown();
    state_->feed->Shutdown();
    state_->server->Shutdown(std::chrono::system_clock::now() +
                             state_->options.drain_timeout);
    state_->ledger->RemoveCommitListener(state_->listener_id);
    state_->ledger->Close();
    spdlog::info("event=stopped");
  });
}

}  // namespace timebank::services
