#include "services/metrics_http.h"

#include <microhttpd.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cstring>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "ledger/validation.h"

namespace timebank::services {
namespace {

constexpr unsigned kConnectionsMax = 16;
constexpr unsigned kConnectionTimeoutS = 10;
constexpr char kContentType[] = "text/plain; version=0.0.4; charset=utf-8";

absl::Status Invalid(std::string_view why) {
  return ledger::FieldInvalid("metrics_listen", why);
}

// "host:port" or "[v6-host]:port" into its parts.
absl::Status SplitHostPort(const std::string& listen, std::string* host,
                           std::string* port) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size()) {
    return Invalid("must be host:port, e.g. 127.0.0.1:9464");
  }
  *host = listen.substr(0, colon);
  *port = listen.substr(colon + 1);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  if (host->empty()) return Invalid("must name a host, e.g. 0.0.0.0:9464");
  return absl::OkStatus();
}

MHD_Result Respond(MHD_Connection* connection, unsigned status,
                   const std::string& body, const char* content_type) {
  MHD_Response* response = MHD_create_response_from_buffer(
      body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
  const MHD_Result queued = MHD_queue_response(connection, status, response);
  MHD_destroy_response(response);
  return queued;
}

MHD_Result Handle(void* cls, MHD_Connection* connection, const char* url,
                  const char* method, const char*, const char*,
                  size_t* upload_data_size, void** request_state) {
  // The first call only announces the request; answer on the second, once
  // any body has been read (and ignored).
  static int announced;
  if (*request_state == nullptr) {
    *request_state = &announced;
    return MHD_YES;
  }
  if (*upload_data_size != 0) {
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (std::strcmp(method, "GET") != 0 && std::strcmp(method, "HEAD") != 0) {
    return Respond(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n",
                   "text/plain");
  }
  if (std::string_view(url) != "/metrics") {
    return Respond(connection, MHD_HTTP_NOT_FOUND,
                   "not found: metrics are at /metrics\n", "text/plain");
  }
  const auto* render = static_cast<const std::function<std::string()>*>(cls);
  return Respond(connection, MHD_HTTP_OK, (*render)(), kContentType);
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(
    const std::string& listen, std::function<std::string()> render) {
  std::string host, port;
  if (absl::Status s = SplitHostPort(listen, &host, &port); !s.ok()) return s;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (const int error = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
      error != 0) {
    return Invalid(absl::StrCat("cannot resolve ", listen, ": ",
                                ::gai_strerror(error)));
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found,
                                                                 ::freeaddrinfo);
  auto server = std::unique_ptr<MetricsHttpServer>(new MetricsHttpServer());
  server->render_ = std::move(render);
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
  if (found->ai_family == AF_INET6) flags |= MHD_USE_IPv6;
  server->daemon_ = MHD_start_daemon(
      flags, 0, nullptr, nullptr, &Handle, &server->render_,
      MHD_OPTION_SOCK_ADDR, found->ai_addr, MHD_OPTION_CONNECTION_LIMIT,
      kConnectionsMax, MHD_OPTION_CONNECTION_TIMEOUT, kConnectionTimeoutS,
      MHD_OPTION_END);
  if (server->daemon_ == nullptr) {
    return Invalid(absl::StrCat("cannot listen on ", listen));
  }
  const MHD_DaemonInfo* info =
      MHD_get_daemon_info(server->daemon_, MHD_DAEMON_INFO_BIND_PORT);
  server->port_ = info != nullptr ? info->port : 0;
  return server;
}

MetricsHttpServer::~MetricsHttpServer() {
  if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
}

}  // namespace timebank::services
