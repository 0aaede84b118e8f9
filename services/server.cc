#include "services/server.h"

#include <fcntl.h>
#include <google/protobuf/descriptor.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cassert>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "ledger/access.h"
#include "ledger/ledger.h"
#include "ledger/status_macros.h"
#include "ledger/validation.h"
#include "proto/descriptor_set.h"
#include "services/access_service.h"
#include "services/admin_service.h"
#include "services/assessment_service.h"
#include "services/authorizer.h"
#include "services/call_log.h"
#include "services/journal_feed.h"
#include "services/ledger_service.h"
#include "services/metrics.h"
#include "services/metrics_http.h"
#include "services/owner_only.h"
#include "services/reflection_service.h"

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
    return ledger::FieldInvalid("tls_key",
                                "--tls-cert and --tls-key go together");
  }
  if (options.tls_cert_file.empty()) {
    if (!options.tls_client_ca_file.empty()) {
      return ledger::FieldInvalid("tls_client_ca",
                                  "mutual TLS needs --tls-cert and --tls-key");
    }
    return grpc::InsecureServerCredentials();
  }
  grpc::SslServerCredentialsOptions ssl;
  ASSIGN_OR_RETURN(std::string cert,
                   ReadFile("tls_cert", options.tls_cert_file));
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

// Files an earlier run, a copy or a restore left readable by others (before
// timebankd set its own umask, or made under another) are tightened. A
// failure is logged, not fatal: the directory may be a mount point owned by
// root.
void RestrictDirectoryToOwner(const std::string& dir) {
  const OwnerOnlyResult result = RestrictToOwner(dir);
  spdlog::info("event=permissions_tightened dir={} count={}", dir,
               result.tightened);
  if (result.failed > 0) {
    spdlog::warn("event=permissions_not_tightened dir={} count={} first=\"{}\"",
                 dir, result.failed, result.first_failure);
  }
}

// Health names that follow readiness: the whole server ("") and each of
// its services.
constexpr const char* kReadinessServices[] = {
    "", "timebank.v1.Ledger", "timebank.v1.Access", "timebank.v1.Assessment",
    "timebank.v1.Admin"};

// Our services, as their generated code describes them: the policy table
// must cover every rpc of each.
std::vector<const google::protobuf::ServiceDescriptor*> OurServices() {
  std::vector<const google::protobuf::ServiceDescriptor*> services;
  for (const char* name :
       {v1::Ledger::service_full_name(), v1::Access::service_full_name(),
        v1::Assessment::service_full_name(), v1::Admin::service_full_name()}) {
    services.push_back(
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            name));
    // The generated code linked in registers its own descriptor.
    assert(services.back() != nullptr);
  }
  return services;
}

// Every rpc of our services as gRPC names it ("timebank.v1.Ledger/GetBalance").
std::vector<std::string> OurMethods() {
  std::vector<std::string> methods;
  for (const google::protobuf::ServiceDescriptor* service : OurServices()) {
    for (int i = 0; i < service->method_count(); ++i) {
      methods.push_back(
          absl::StrCat(service->full_name(), "/", service->method(i)->name()));
    }
  }
  return methods;
}

// What server reflection lists: ours, health and reflection itself.
std::vector<std::string> ServedServiceNames() {
  std::vector<std::string> names;
  for (const google::protobuf::ServiceDescriptor* service : OurServices()) {
    names.push_back(service->full_name());
  }
  names.push_back("grpc.health.v1.Health");
  names.push_back(
      grpc::reflection::v1alpha::ServerReflection::service_full_name());
  return names;
}

}  // namespace

absl::Status WritePrivateFile(const std::string& path,
                              const std::string& contents) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
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
  std::unique_ptr<Metrics> metrics;
  std::unique_ptr<ledger::Ledger> ledger;
  std::unique_ptr<ledger::AccessRegistry> registry;
  std::unique_ptr<Authorizer> authorizer;
  std::unique_ptr<JournalFeed> feed;
  std::unique_ptr<LedgerService> ledger_service;
  std::unique_ptr<AccessService> access_service;
  std::unique_ptr<AssessmentService> assessment_service;
  std::unique_ptr<AdminService> admin_service;
  std::unique_ptr<ReflectionService> reflection_service;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<HttpGateway> http;
  std::unique_ptr<MetricsHttpServer> metrics_server;
  int listener_id = 0;
  int port = 0;
  std::once_flag shutdown_once;

  // Health: SERVING only once started, not draining and with storage
  // taking writes. The monitor thread re-checks storage on an interval.
  std::mutex health_mu;
  std::condition_variable health_changed;
  bool started = false;
  bool draining = false;
  bool serving = false;
  std::thread health_monitor;

  void UpdateHealth(const absl::Status& storage) {
    std::lock_guard lock(health_mu);
    const bool now = started && !draining && storage.ok();
    if (now == serving) return;
    serving = now;
    grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
    for (const char* service : kReadinessServices) {
      health->SetServingStatus(service, now);
    }
    if (now) {
      spdlog::info("event=health status=SERVING");
    } else if (!storage.ok()) {
      spdlog::error(
          "event=health status=NOT_SERVING reason=storage error=\"{}\"",
          storage.ToString());
    } else {
      spdlog::info("event=health status=NOT_SERVING reason={}",
                   draining ? "draining" : "starting");
    }
  }

  void MonitorHealth() {
    for (;;) {
      {
        std::unique_lock lock(health_mu);
        if (health_changed.wait_for(lock, options.storage_check_interval,
                                    [this] { return draining; })) {
          return;
        }
      }
      UpdateHealth(ledger->CheckStorage());
    }
  }

  absl::Status OpenLedger() {
    metrics = std::make_unique<Metrics>();
    ASSIGN_OR_RETURN(
        ledger, ledger::Ledger::Open(
                    {.data_dir = options.data_dir,
                     .writer_threads = options.writer_threads,
                     .env = options.env,
                     .warm_report_figures = true,
                     .commit_observer =
                         [m = metrics.get()](const ledger::CommitStats& stats) {
                           m->ObserveCommit(stats);
                         }}));
    // Only once the ledger is open, so holding its lock: a refused start
    // leaves the directory as it found it.
    RestrictDirectoryToOwner(options.data_dir);
    if (!options.backup_dir.empty()) {
      RestrictDirectoryToOwner(options.backup_dir);
    }
    ASSIGN_OR_RETURN(registry, ledger::AccessRegistry::Open(ledger.get()));
    if (registry->Empty()) {
      ASSIGN_OR_RETURN(
          auto admin,
          registry->Create({.role = ledger::Role::kAdmin, .name = "admin"}));
      const std::string path = options.data_dir + "/admin.token";
      RETURN_IF_ERROR(WritePrivateFile(path, admin.first + "\n"));
      spdlog::info("event=admin_token_created path={} token_id={}", path,
                   admin.second.id);
    }
    return absl::OkStatus();
  }

  void MakeServices() {
    authorizer = std::make_unique<Authorizer>(registry.get());
    feed = std::make_unique<JournalFeed>(JournalFeed::Limits{
        .streams_max = options.watch_streams_max,
        .streams_per_token_max = options.watch_streams_per_token_max});
    listener_id = ledger->AddCommitListener(
        [f = feed.get()](const std::vector<ledger::JournalEntry>& entries) {
          f->OnCommit(entries);
        });
    ledger_service = std::make_unique<LedgerService>(
        ledger.get(), authorizer.get(), feed.get());
    access_service =
        std::make_unique<AccessService>(registry.get(), authorizer.get());
    assessment_service =
        std::make_unique<AssessmentService>(ledger.get(), authorizer.get());
    admin_service = std::make_unique<AdminService>(
        ledger.get(), authorizer.get(), metrics.get(),
        BackupSettings{.backup_dir = options.backup_dir,
                       .keep_max = options.backup_keep});
  }

  absl::Status Listen(std::shared_ptr<grpc::ServerCredentials> credentials) {
    grpc::EnableDefaultHealthCheckService(true);
    ASSIGN_OR_RETURN(reflection_service, ReflectionService::Create(
                                             wire::DescriptorSetWithComments(),
                                             ServedServiceNames()));
    grpc::ServerBuilder builder;
    grpc::ResourceQuota quota("timebankd");
    quota.SetMaxThreads(options.max_threads);
    builder.SetResourceQuota(quota);
    builder.SetMaxReceiveMessageSize(options.max_message_bytes);
    builder.SetMaxSendMessageSize(options.max_message_bytes);
    builder.AddListeningPort(options.listen, credentials, &port);
    builder.RegisterService(ledger_service.get());
    builder.RegisterService(access_service.get());
    builder.RegisterService(assessment_service.get());
    builder.RegisterService(admin_service.get());
    builder.RegisterService(reflection_service.get());
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(
        std::make_unique<CallLogFactory>(metrics.get(), OurMethods()));
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
    server = builder.BuildAndStart();
    if (!server || port == 0) {
      return ledger::FieldInvalid("listen",
                                  "cannot listen on " + options.listen);
    }
    // The default health service starts out SERVING; not until start-up ends.
    grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
    for (const char* service : kReadinessServices) {
      health->SetServingStatus(service, false);
    }
    // The process answers: alive, whatever else is going on.
    health->SetServingStatus(kLivenessService, true);
    return absl::OkStatus();
  }

  // The JSON/HTTP gateway and member page, when asked for: each request a
  // gRPC call over the in-process channel, so the same code serves both.
  absl::Status ServeHttp() {
    if (options.http.listen.empty()) return absl::OkStatus();
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(options.max_message_bytes);
    args.SetMaxSendMessageSize(options.max_message_bytes);
    ASSIGN_OR_RETURN(
        http, HttpGateway::Start(options.http, server->InProcessChannel(args)));
    return absl::OkStatus();
  }

  absl::Status ServeMetrics() {
    if (options.metrics_listen.empty()) return absl::OkStatus();
    const TimebankSeries series = options.metrics_per_timebank
                                      ? TimebankSeries::kPerTimebank
                                      : TimebankSeries::kTotalsOnly;
    metrics->AddCollector([this, series](ScrapeGauges& out) {
      CollectLedger(*ledger, series, out);
      out.Gauge("timebank_watch_streams", "Open WatchJournal streams.",
                feed->open_streams());
      std::lock_guard lock(health_mu);
      out.Gauge("timebank_serving",
                "1 while the gRPC health service reports SERVING.",
                serving ? 1 : 0);
    });
    ASSIGN_OR_RETURN(
        metrics_server,
        MetricsHttpServer::Start({.listen = options.metrics_listen,
                                  .token_file = options.metrics_token_file,
                                  .limits = options.http.limits},
                                 [this] { return metrics->Render(); }));
    return absl::OkStatus();
  }
};

absl::StatusOr<std::unique_ptr<Server>> Server::Start(ServerOptions options) {
  auto state = std::make_unique<State>();
  state->options = options;
  // Before anything is opened: a table out of step with the protos is a
  // build that must not serve.
  RETURN_IF_ERROR(CheckPolicyTable(OurServices()));
  ASSIGN_OR_RETURN(auto credentials, Credentials(options));
  RETURN_IF_ERROR(state->OpenLedger());
  state->MakeServices();
  RETURN_IF_ERROR(state->Listen(credentials));
  // From here on a failed start must stop what runs: Shutdown does.
  auto server = std::unique_ptr<Server>(new Server(std::move(state)));
  State& s = *server->state_;
  if (options.compact_on_start) {
    const auto started = std::chrono::steady_clock::now();
    RETURN_IF_ERROR(s.ledger->Compact());
    spdlog::info("event=compacted seconds={:.1f}",
                 std::chrono::duration<double>(
                     std::chrono::steady_clock::now() - started)
                     .count());
  }
  RETURN_IF_ERROR(s.ServeMetrics());
  RETURN_IF_ERROR(s.ServeHttp());
  {
    std::lock_guard lock(s.health_mu);
    s.started = true;
  }
  s.UpdateHealth(s.ledger->CheckStorage());
  s.health_monitor = std::thread([&s] { s.MonitorHealth(); });
  spdlog::info(
      "event=serving listen={} port={} data_dir={} tls={} mtls={} "
      "http_port={} metrics_port={} backup_dir={}",
      options.listen, s.port, options.data_dir, !options.tls_cert_file.empty(),
      !options.tls_client_ca_file.empty(), s.http ? s.http->port() : 0,
      s.metrics_server ? s.metrics_server->port() : 0,
      options.backup_dir.empty() ? "-" : options.backup_dir);
  return server;
}

Server::Server(std::unique_ptr<State> state) : state_(std::move(state)) {}
Server::~Server() { Shutdown(); }
int Server::port() const { return state_->port; }
int Server::http_port() const {
  return state_->http ? state_->http->port() : 0;
}
int Server::metrics_port() const {
  return state_->metrics_server ? state_->metrics_server->port() : 0;
}

void Server::Shutdown() {
  std::call_once(state_->shutdown_once, [this] {
    State& s = *state_;
    spdlog::info("event=draining timeout_s={}",
                 s.options.drain_timeout.count());
    {
      std::lock_guard lock(s.health_mu);
      s.draining = true;
    }
    s.health_changed.notify_all();
    s.UpdateHealth(absl::OkStatus());
    if (s.health_monitor.joinable()) s.health_monitor.join();
    // HTTP requests are gRPC calls over the in-process channel: finish them
    // while the server still takes calls.
    if (s.http) s.http->Shutdown();
    s.feed->Shutdown();
    s.server->Shutdown(std::chrono::system_clock::now() +
                       s.options.drain_timeout);
    // Scrapes read the ledger: stop them before it closes.
    s.metrics_server.reset();
    s.ledger->RemoveCommitListener(s.listener_id);
    s.ledger->Close();
    spdlog::info("event=stopped");
  });
}

}  // namespace timebank::services
