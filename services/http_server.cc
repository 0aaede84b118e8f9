#include "services/http_server.h"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ledger/status_macros.h"
#include "ledger/validation.h"
#include "services/http_routes.h"

namespace timebank::services {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kJson[] = "application/json";
// cpp-httplib answers 414 to a request line over 8 KiB, but only once it has
// read the whole line.
constexpr size_t kRequestLineBytesMax = 8192;
// Chunk-size lines and chunk ends a chunked body may add to its data: a
// quarter of the body and this much more.
constexpr size_t kFramingBytesMin = 64 * 1024;
// A connection whose request was refused before its body was read is drained
// this long before it is closed: closing with unread bytes sends a reset,
// which can destroy the refusal before the client reads it.
constexpr auto kLingerTime = std::chrono::seconds(1);

int MillisecondsUntil(Clock::time_point deadline) {
  const auto left =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, 1'000'000));
}

// poll() for `events` until `deadline`; false on timeout or error.
bool WaitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{.fd = fd, .events = events, .revents = 0};
    const int ready = ::poll(&p, 1, MillisecondsUntil(deadline));
    if (ready > 0) return true;
    if (ready == 0 || errno != EINTR) return false;
  }
}

// The status line's text for the statuses written here without httplib.
const char* StatusText(int status) {
  switch (status) {
    case 408:
      return "Request Timeout";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    default:
      return "Bad Request";
  }
}

// A whole response with a JSON error, for the moments httplib has none to
// write: before it has read a request, or when it could not read one.
std::string ErrorResponse(int status, grpc::StatusCode code,
                          std::string_view message,
                          const httplib::Headers& extra) {
  const std::string body = ErrorJson(status, code, message);
  std::string out = absl::StrCat(
      "HTTP/1.1 ", status, " ", StatusText(status), "\r\nContent-Type: ", kJson,
      "\r\nContent-Length: ", body.size(), "\r\nConnection: close\r\n");
  if (status == 429) out += "Retry-After: 1\r\n";
  for (const auto& [name, value] : extra) {
    absl::StrAppend(&out, name, ": ", value, "\r\n");
  }
  absl::StrAppend(&out, "\r\n", body);
  return out;
}

struct ListenAddress {
  std::string host;
  int port = 0;
};

absl::StatusOr<ListenAddress> ParseListen(std::string_view field,
                                          const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return ledger::FieldInvalid(field,
                                "must be host:port, e.g. 127.0.0.1:8080");
  }
  ListenAddress address{.host = listen.substr(0, colon)};
  if (address.host.size() >= 2 && address.host.front() == '[' &&
      address.host.back() == ']') {
    address.host = address.host.substr(1, address.host.size() - 2);
  }
  if (address.host.empty()) {
    return ledger::FieldInvalid(field, "must name a host, e.g. 0.0.0.0:8080");
  }
  if (!absl::SimpleAtoi(listen.substr(colon + 1), &address.port) ||
      address.port < 0 || address.port > 65535) {
    return ledger::FieldInvalid(field, "port must be 0 to 65535");
  }
  return address;
}

// Connections are counted per IPv4 address, and per /64 for IPv6, since one
// IPv6 host commonly holds a whole /64.
std::string AddressKey(const sockaddr_storage& peer) {
  if (peer.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(peer);
    return std::string(reinterpret_cast<const char*>(&v4.sin_addr), 4);
  }
  if (peer.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(peer);
    const char* bytes = reinterpret_cast<const char*>(&v6.sin6_addr);
    if (IN6_IS_ADDR_V4MAPPED(&v6.sin6_addr)) return std::string(bytes + 12, 4);
    return std::string(bytes, 8);
  }
  return "";
}

void NumericAddress(const sockaddr_storage& address, socklen_t length,
                    std::string& ip, int& port) {
  char host[NI_MAXHOST];
  char service[NI_MAXSERV];
  if (::getnameinfo(reinterpret_cast<const sockaddr*>(&address), length, host,
                    sizeof host, service, sizeof service,
                    NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    ip = host;
    port = std::atoi(service);
  }
}

// Threads started as connections need them, up to `threads_max`, each
// serving one connection at a time (httplib's own ThreadPool has a fixed
// count and an unbounded queue). Past `queued_max` waiting connections the
// accepting thread waits for room, so a flood waits in the kernel's backlog
// rather than in our memory.
class Workers final : public httplib::TaskQueue {
 public:
  Workers(size_t threads_max, size_t queued_max)
      : threads_max_(threads_max), queued_max_(queued_max) {}
  ~Workers() override { shutdown(); }

  void enqueue(std::function<void()> task) override {
    std::unique_lock lock(mutex_);
    room_.wait(
        lock, [this] { return queue_.size() < queued_max_ || shutting_down_; });
    queue_.push_back(std::move(task));
    if (idle_ < queue_.size() && threads_.size() < threads_max_) {
      threads_.emplace_back([this] { Work(); });
    }
    task_ready_.notify_one();
  }

  // Runs what is queued, then joins the threads.
  void shutdown() override {
    {
      std::lock_guard lock(mutex_);
      if (shutting_down_) return;
      shutting_down_ = true;
    }
    task_ready_.notify_all();
    room_.notify_all();
    // Only the accepting thread, which is the caller, starts threads.
    for (std::thread& thread : threads_) thread.join();
  }

 private:
  void Work() {
    std::unique_lock lock(mutex_);
    for (;;) {
      ++idle_;
      task_ready_.wait(lock,
                       [this] { return !queue_.empty() || shutting_down_; });
      --idle_;
      if (queue_.empty()) return;
      std::function<void()> task = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      room_.notify_one();
      task();
      lock.lock();
    }
  }

  const size_t threads_max_;
  const size_t queued_max_;
  std::mutex mutex_;
  std::condition_variable task_ready_;
  std::condition_variable room_;
  std::deque<std::function<void()>> queue_;
  size_t idle_ = 0;
  bool shutting_down_ = false;
  std::vector<std::thread> threads_;
};

// Why reading a request stopped before httplib had all of it.
enum class Refusal {
  kNone,
  kDeadline,      // Line, headers and body took longer than the deadline.
  kHeadTooLarge,  // Request line and headers over their budget.
  kBodyTooLarge,  // Body bytes as sent (framing included) over the budget.
};

// One client connection as httplib reads and writes it. Every read draws on
// a budget (request line and headers, then the body as sent) and must come
// before the request's deadline; each response must be written within the
// write timeout. httplib reads lines a byte at a time from here, so a line
// that never ends stops at the budget instead of growing without limit.
class Connection final : public httplib::Stream {
 public:
  Connection(socket_t sock, const sockaddr_storage& peer, socklen_t peer_length,
             const HttpLimits& limits)
      : sock_(sock), peer_(peer), peer_length_(peer_length), limits_(limits) {}

  // The connection served on this thread, for the handlers httplib calls.
  static Connection* Current() { return current_; }
  class Serving {
   public:
    explicit Serving(Connection* connection) { current_ = connection; }
    ~Serving() { current_ = nullptr; }
    Serving(const Serving&) = delete;
    Serving& operator=(const Serving&) = delete;
  };

  // Waits up to `idle` for the next request; true if one has begun (or the
  // client closed, which httplib then sees).
  bool WaitForRequest(std::chrono::seconds idle) {
    return begin_ < end_ || WaitFor(sock_, POLLIN, Clock::now() + idle);
  }

  void BeginRequest() {
    deadline_ = Clock::now() + limits_.request_deadline;
    spent_bytes_ = 0;
    budget_bytes_ = kRequestLineBytesMax + limits_.header_bytes_max +
                    4 * (limits_.headers_max + 1);
    in_body_ = false;
    refusal_ = Refusal::kNone;
    write_deadline_.reset();
    wrote_ = false;
    reached_handler_ = false;
  }
  void BeginBody() {
    in_body_ = true;
    spent_bytes_ = 0;
    budget_bytes_ =
        limits_.body_bytes_max + limits_.body_bytes_max / 4 + kFramingBytesMin;
  }

  Refusal refusal() const { return refusal_; }
  bool wrote() const { return wrote_; }
  // Whether httplib got as far as calling a handler for this request.
  bool reached_handler() const { return reached_handler_; }
  void ReachedHandler() { reached_handler_ = true; }
  // What follows this request on the connection is unread or unknown.
  void CloseAfterResponse() { close_after_response_ = true; }
  bool close_after_response() const { return close_after_response_; }

  // Sends the refusal (FIN after it), then reads and drops what the client
  // still sends for up to `linger`, until it closes.
  void Linger(std::chrono::milliseconds linger) {
    ::shutdown(sock_, SHUT_WR);
    const auto until = Clock::now() + linger;
    std::array<char, 16 * 1024> sink;
    while (WaitFor(sock_, POLLIN, until)) {
      if (::recv(sock_, sink.data(), sink.size(), 0) <= 0) return;
    }
  }

  bool is_readable() const override {
    return begin_ < end_ || WaitFor(sock_, POLLIN, deadline_);
  }
  bool is_writable() const override {
    return WaitFor(
        sock_, POLLOUT,
        write_deadline_.value_or(Clock::now() + limits_.write_timeout));
  }

  ssize_t read(char* ptr, size_t size) override {
    if (begin_ == end_) {
      const ssize_t filled = Fill();
      if (filled <= 0) return filled;
    }
    if (spent_bytes_ >= budget_bytes_) {
      refusal_ = in_body_ ? Refusal::kBodyTooLarge : Refusal::kHeadTooLarge;
      return -1;
    }
    const size_t n =
        std::min({size, end_ - begin_, budget_bytes_ - spent_bytes_});
    std::memcpy(ptr, buffer_.data() + begin_, n);
    begin_ += n;
    spent_bytes_ += n;
    return static_cast<ssize_t>(n);
  }

  // Never blocks past the write deadline: the socket is polled, and sent to
  // only as much as it takes at once.
  ssize_t write(const char* ptr, size_t size) override {
    if (!write_deadline_)
      write_deadline_ = Clock::now() + limits_.write_timeout;
    while (WaitFor(sock_, POLLOUT, *write_deadline_)) {
      const ssize_t sent =
          ::send(sock_, ptr, size, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (sent > 0) {
        wrote_ = true;
        return sent;
      }
      if (sent == 0 || (errno != EINTR && errno != EAGAIN)) return -1;
    }
    return -1;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    NumericAddress(peer_, peer_length_, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    if (::getsockname(sock_, reinterpret_cast<sockaddr*>(&local), &length) ==
        0) {
      NumericAddress(local, length, ip, port);
    }
  }
  socket_t socket() const override { return sock_; }

 private:
  // Reads what has arrived into the buffer: > 0 bytes, 0 at the end of the
  // stream, -1 on an error or when the deadline passes.
  ssize_t Fill() {
    if (!WaitFor(sock_, POLLIN, deadline_)) {
      if (Clock::now() >= deadline_) refusal_ = Refusal::kDeadline;
      return -1;
    }
    ssize_t got;
    do {
      got = ::recv(sock_, buffer_.data(), buffer_.size(), 0);
    } while (got < 0 && errno == EINTR);
    if (got <= 0) return got < 0 ? -1 : 0;
    begin_ = 0;
    end_ = static_cast<size_t>(got);
    return got;
  }

  static thread_local Connection* current_;

  const socket_t sock_;
  const sockaddr_storage peer_;
  const socklen_t peer_length_;
  const HttpLimits& limits_;
  std::array<char, 16 * 1024> buffer_;
  size_t begin_ = 0;
  size_t end_ = 0;
  Clock::time_point deadline_ = Clock::now();
  size_t spent_bytes_ = 0;
  size_t budget_bytes_ = 0;
  bool in_body_ = false;
  Refusal refusal_ = Refusal::kNone;
  std::optional<Clock::time_point> write_deadline_;
  bool wrote_ = false;
  bool reached_handler_ = false;
  bool close_after_response_ = false;
};

thread_local Connection* Connection::current_ = nullptr;

bool WriteAll(httplib::Stream& stream, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = stream.write(bytes.data(), bytes.size());
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(sent));
  }
  return true;
}

bool AllDigits(std::string_view text) {
  return !text.empty() && text.size() <= 19 &&
         std::all_of(text.begin(), text.end(), absl::ascii_isdigit);
}

}  // namespace

void SetHttpError(httplib::Response& res, int http_status,
                  grpc::StatusCode code, std::string_view message) {
  res.status = http_status;
  res.set_content(ErrorJson(http_status, code, message), kJson);
  if (http_status == 401) res.set_header("WWW-Authenticate", "Bearer");
}

// httplib's server with our connection loop in place of its own: httplib
// still parses requests, routes and writes responses; the loop decides which
// connections are served, for how long, and what a read may cost.
class HttpServer::Listener final : public httplib::Server {
 public:
  Listener(HttpServerOptions options, HttpHandler handler)
      : options_(std::move(options)), handler_(std::move(handler)) {
    Configure();
  }

  absl::Status Start();
  void Stop();
  int bound_port() const { return port_; }

 private:
  enum class Admission { kServe, kTooMany, kStopping };

  void Configure();
  // Called by httplib's accepting loop on a worker thread, once for each
  // accepted connection.
  bool process_and_close_socket(socket_t sock) override;
  void ServeConnection(Connection& connection);
  Admission Admit(socket_t sock, const std::string& key);
  void Release(socket_t sock, const std::string& key);
  void Refuse(socket_t sock) const;

  void ServeWithoutBody(const httplib::Request& req, httplib::Response& res);
  void ServeWithBody(const httplib::Request& req, httplib::Response& res,
                     const httplib::ContentReader& read);
  bool ReadBody(const httplib::Request& req, const httplib::ContentReader& read,
                Connection& connection, httplib::Response& res,
                std::string& body) const;
  void AnswerError(httplib::Response& res) const;
  // The whole response for a request cut short before httplib parsed it.
  std::string RefusalResponse(Refusal refusal) const;

  const HttpServerOptions options_;
  const HttpHandler handler_;
  std::thread thread_;
  int port_ = 0;

  std::mutex mu_;
  bool stopping_ = false;
  std::map<std::string, int> open_per_address_;
  std::set<socket_t> open_;
};

void HttpServer::Listener::Configure() {
  const HttpLimits& limits = options_.limits;
  new_task_queue = [&limits]() -> httplib::TaskQueue* {
    return new Workers(static_cast<size_t>(limits.threads),
                       static_cast<size_t>(limits.queued_connections_max));
  };
  set_payload_max_length(limits.body_bytes_max);
  // Only for the Keep-Alive header httplib writes: the loop here applies them.
  set_keep_alive_max_count(static_cast<size_t>(limits.keep_alive_requests_max));
  set_keep_alive_timeout(limits.keep_alive_timeout.count());
  set_default_headers(options_.response_headers);
  set_pre_routing_handler(
      [this](const httplib::Request& req, httplib::Response& res) {
        size_t bytes = 0;
        for (const auto& [name, value] : req.headers)
          bytes += name.size() + value.size();
        if (req.headers.size() <= options_.limits.headers_max &&
            bytes <= options_.limits.header_bytes_max) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        if (Connection* connection = Connection::Current()) {
          connection->CloseAfterResponse();
        }
        SetHttpError(res, 431, grpc::StatusCode::RESOURCE_EXHAUSTED,
                     "headers: too many or too large");
        return httplib::Server::HandlerResponse::Handled;
      });
  // A client that asks before sending a large body hears no before it sends.
  set_expect_100_continue_handler(
      [this](const httplib::Request& req, httplib::Response& res) {
        size_t length = 0;
        if (absl::SimpleAtoi(req.get_header_value("Content-Length"), &length) &&
            length > options_.limits.body_bytes_max) {
          if (Connection* connection = Connection::Current()) {
            connection->CloseAfterResponse();
          }
          SetHttpError(res, 413, grpc::StatusCode::RESOURCE_EXHAUSTED,
                       absl::StrCat("body: larger than ",
                                    options_.limits.body_bytes_max, " bytes"));
          return 413;
        }
        return 100;
      });
  set_error_handler([this](const httplib::Request&, httplib::Response& res) {
    AnswerError(res);
  });
  set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
    const Connection* connection = Connection::Current();
    if (connection != nullptr && connection->close_after_response()) {
      res.headers.erase("Keep-Alive");
      if (!res.has_header("Connection")) res.set_header("Connection", "close");
    }
  });
  const httplib::Server::Handler without_body =
      [this](const httplib::Request& req, httplib::Response& res) {
        ServeWithoutBody(req, res);
      };
  const httplib::Server::HandlerWithContentReader with_body =
      [this](const httplib::Request& req, httplib::Response& res,
             const httplib::ContentReader& read) {
        ServeWithBody(req, res, read);
      };
  Get(".*", without_body);
  Options(".*", without_body);
  Post(".*", with_body);
  Put(".*", with_body);
  Patch(".*", with_body);
  Delete(".*", with_body);
}

// Errors httplib answers itself (400, 413, 414, 416, 431, 500) get the JSON
// shape; so do reads our connection cut short, with the status that says why.
void HttpServer::Listener::AnswerError(httplib::Response& res) const {
  const Connection* connection = Connection::Current();
  if (connection != nullptr && !connection->reached_handler()) {
    if (connection->refusal() == Refusal::kDeadline) {
      res.status = 408;
      res.body.clear();
    } else if (connection->refusal() == Refusal::kHeadTooLarge) {
      res.status = 431;
      res.body.clear();
    }
  }
  if (!res.body.empty()) return;
  switch (res.status) {
    case 408:
      SetHttpError(
          res, 408, grpc::StatusCode::DEADLINE_EXCEEDED,
          absl::StrCat("request: headers and body must arrive within ",
                       options_.limits.request_deadline.count(), " ms"));
      return;
    case 413:
      SetHttpError(res, 413, grpc::StatusCode::RESOURCE_EXHAUSTED,
                   absl::StrCat("body: larger than ",
                                options_.limits.body_bytes_max, " bytes"));
      return;
    case 414:
      SetHttpError(res, 414, grpc::StatusCode::RESOURCE_EXHAUSTED,
                   "path: the request line is longer than 8192 bytes");
      return;
    case 431:
      SetHttpError(res, 431, grpc::StatusCode::RESOURCE_EXHAUSTED,
                   "headers: too many or too large");
      return;
    default:
      SetHttpError(res, res.status,
                   res.status >= 500 ? grpc::StatusCode::INTERNAL
                                     : grpc::StatusCode::INVALID_ARGUMENT,
                   "request: not accepted");
  }
}

bool HttpServer::Listener::process_and_close_socket(socket_t sock) {
  sockaddr_storage peer{};
  socklen_t peer_length = sizeof peer;
  if (::getpeername(sock, reinterpret_cast<sockaddr*>(&peer), &peer_length) !=
      0) {
    ::close(sock);
    return false;
  }
  const std::string key = AddressKey(peer);
  switch (Admit(sock, key)) {
    case Admission::kStopping:
      ::close(sock);
      return false;
    case Admission::kTooMany:
      Refuse(sock);
      ::close(sock);
      return false;
    case Admission::kServe:
      break;
  }
  {
    Connection connection(sock, peer, peer_length, options_.limits);
    ServeConnection(connection);
    if (connection.close_after_response()) connection.Linger(kLingerTime);
  }
  // Forgotten before it is closed, so that Stop never shuts down a socket
  // number the system has handed out again.
  Release(sock, key);
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return true;
}

void HttpServer::Listener::ServeConnection(Connection& connection) {
  const Connection::Serving serving(&connection);
  const int requests_max = options_.limits.keep_alive_requests_max;
  for (int served = 0; served < requests_max; ++served) {
    if (!connection.WaitForRequest(options_.limits.keep_alive_timeout)) return;
    connection.BeginRequest();
    bool client_closes = false;
    const bool answered = process_request(
        connection, served + 1 == requests_max, client_closes, nullptr);
    const Refusal refusal = connection.refusal();
    if (refusal != Refusal::kNone) {
      spdlog::debug("event=http_request_refused listener={} reason={}",
                    options_.name,
                    refusal == Refusal::kDeadline       ? "deadline"
                    : refusal == Refusal::kHeadTooLarge ? "headers_too_large"
                                                        : "body_too_large");
    }
    // httplib writes nothing when it could not read the request line.
    if (!answered && !connection.wrote() && refusal != Refusal::kNone) {
      WriteAll(connection, RefusalResponse(refusal));
    }
    // A request httplib refused itself may have left anything unread.
    if (!answered || client_closes || refusal != Refusal::kNone ||
        !connection.reached_handler() || connection.close_after_response()) {
      return;
    }
  }
}

std::string HttpServer::Listener::RefusalResponse(Refusal refusal) const {
  switch (refusal) {
    case Refusal::kDeadline:
      return ErrorResponse(
          408, grpc::StatusCode::DEADLINE_EXCEEDED,
          absl::StrCat("request: headers and body must arrive within ",
                       options_.limits.request_deadline.count(), " ms"),
          options_.response_headers);
    case Refusal::kBodyTooLarge:
      return ErrorResponse(
          413, grpc::StatusCode::RESOURCE_EXHAUSTED,
          absl::StrCat("body: larger than ", options_.limits.body_bytes_max,
                       " bytes"),
          options_.response_headers);
    case Refusal::kHeadTooLarge:
    case Refusal::kNone:
      break;
  }
  return ErrorResponse(414, grpc::StatusCode::RESOURCE_EXHAUSTED,
                       "path: the request line is longer than 8192 bytes",
                       options_.response_headers);
}

HttpServer::Listener::Admission HttpServer::Listener::Admit(
    socket_t sock, const std::string& key) {
  std::lock_guard lock(mu_);
  if (stopping_) return Admission::kStopping;
  auto [it, added] = open_per_address_.try_emplace(key, 0);
  if (it->second >= options_.limits.connections_per_address_max) {
    if (added) open_per_address_.erase(it);
    return Admission::kTooMany;
  }
  ++it->second;
  open_.insert(sock);
  return Admission::kServe;
}

void HttpServer::Listener::Release(socket_t sock, const std::string& key) {
  std::lock_guard lock(mu_);
  open_.erase(sock);
  auto it = open_per_address_.find(key);
  assert(it != open_per_address_.end());
  if (--it->second == 0) open_per_address_.erase(it);
}

// Costs the thread no waiting: the answer fits an empty send buffer, and what
// the client already sent is dropped unread.
void HttpServer::Listener::Refuse(socket_t sock) const {
  spdlog::debug(
      "event=http_connection_refused listener={} "
      "reason=connections_per_address",
      options_.name);
  const std::string response =
      ErrorResponse(429, grpc::StatusCode::RESOURCE_EXHAUSTED,
                    absl::StrCat("connection: more than ",
                                 options_.limits.connections_per_address_max,
                                 " open connections from one address"),
                    options_.response_headers);
  (void)::send(sock, response.data(), response.size(),
               MSG_NOSIGNAL | MSG_DONTWAIT);
  std::array<char, 16 * 1024> sink;
  while (::recv(sock, sink.data(), sink.size(), MSG_DONTWAIT) > 0) {
  }
  ::shutdown(sock, SHUT_RDWR);
}

void HttpServer::Listener::ServeWithoutBody(const httplib::Request& req,
                                            httplib::Response& res) {
  Connection* connection = Connection::Current();
  assert(connection != nullptr);
  connection->ReachedHandler();
  // httplib reads no body for these methods: whatever one declares stays
  // unread, and is no next request.
  if (req.has_header("Transfer-Encoding") ||
      (req.has_header("Content-Length") &&
       req.get_header_value("Content-Length") != "0")) {
    connection->CloseAfterResponse();
  }
  const std::string no_body;
  handler_(req, no_body, res);
}

void HttpServer::Listener::ServeWithBody(const httplib::Request& req,
                                         httplib::Response& res,
                                         const httplib::ContentReader& read) {
  Connection* connection = Connection::Current();
  assert(connection != nullptr);
  connection->ReachedHandler();
  std::string body;
  if (!ReadBody(req, read, *connection, res, body)) {
    connection->CloseAfterResponse();
    return;
  }
  handler_(req, body, res);
}

// The body, decoded, before routing or authentication look at the request;
// false with the refusal in `res` when it is malformed or over the limit.
bool HttpServer::Listener::ReadBody(const httplib::Request& req,
                                    const httplib::ContentReader& read,
                                    Connection& connection,
                                    httplib::Response& res,
                                    std::string& body) const {
  const size_t body_bytes_max = options_.limits.body_bytes_max;
  const auto too_large = [&] {
    SetHttpError(res, 413, grpc::StatusCode::RESOURCE_EXHAUSTED,
                 absl::StrCat("body: larger than ", body_bytes_max, " bytes"));
    return false;
  };
  const bool chunked = req.has_header("Transfer-Encoding");
  if (chunked && !absl::EqualsIgnoreCase(
                     req.get_header_value("Transfer-Encoding"), "chunked")) {
    SetHttpError(res, 501, grpc::StatusCode::UNIMPLEMENTED,
                 "transfer_encoding: only chunked is understood");
    return false;
  }
  // httplib decodes these three and passes any other coding on as it came.
  const std::string coding = req.get_header_value("Content-Encoding");
  if (!coding.empty() && coding != "identity" && coding != "gzip" &&
      coding != "deflate" && coding != "br") {
    SetHttpError(res, 415, grpc::StatusCode::INVALID_ARGUMENT,
                 "content_encoding: send the body as it is, or as gzip, "
                 "deflate or br");
    return false;
  }
  if (req.is_multipart_form_data()) {
    SetHttpError(res, 415, grpc::StatusCode::INVALID_ARGUMENT,
                 "content_type: multipart bodies are not taken");
    return false;
  }
  size_t length = 0;
  if (req.has_header("Content-Length")) {
    // Two ways of framing one body are how requests are smuggled.
    if (chunked || req.get_header_value_count("Content-Length") != 1 ||
        !AllDigits(req.get_header_value("Content-Length")) ||
        !absl::SimpleAtoi(req.get_header_value("Content-Length"), &length)) {
      SetHttpError(res, 400, grpc::StatusCode::INVALID_ARGUMENT,
                   "content_length: must be one number of bytes, without "
                   "Transfer-Encoding");
      return false;
    }
    if (length > body_bytes_max) return too_large();
  }
  // A request with neither header has no body (RFC 9112, 6.3); httplib would
  // read one until the client closes.
  if (!chunked && length == 0) return true;
  connection.BeginBody();
  if (coding.empty() || coding == "identity") body.reserve(length);
  bool over = false;
  const bool complete = read([&](const char* data, size_t n) {
    if (n > body_bytes_max - body.size()) {
      over = true;
      return false;
    }
    body.append(data, n);
    return true;
  });
  if (complete) return true;
  if (over || connection.refusal() == Refusal::kBodyTooLarge) {
    return too_large();
  }
  if (connection.refusal() == Refusal::kDeadline) {
    SetHttpError(res, 408, grpc::StatusCode::DEADLINE_EXCEEDED,
                 absl::StrCat("request: headers and body must arrive within ",
                              options_.limits.request_deadline.count(), " ms"));
    return false;
  }
  SetHttpError(res, 400, grpc::StatusCode::INVALID_ARGUMENT,
               "body: cut short, or malformed chunks or compression");
  return false;
}

absl::Status HttpServer::Listener::Start() {
  ASSIGN_OR_RETURN(const ListenAddress address,
                   ParseListen(options_.listen_field, options_.listen));
  port_ = address.port == 0
              ? bind_to_any_port(address.host)
              : (bind_to_port(address.host, address.port) ? address.port : -1);
  if (port_ <= 0) {
    return ledger::FieldInvalid(options_.listen_field,
                                "cannot listen on " + options_.listen);
  }
  // httplib listens with a backlog of 5: a burst of clients past that has
  // its connection attempts dropped and retried a second or more later.
  // Listening again only sets a longer backlog.
  if (::listen(svr_sock_, SOMAXCONN) != 0) {
    return ledger::FieldInvalid(options_.listen_field,
                                "cannot listen on " + options_.listen);
  }
  thread_ = std::thread([this] { listen_after_bind(); });
  // stop() only takes effect on a running loop, so Stop must not come
  // before the loop starts.
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!is_running() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  spdlog::info(
      "event=http_serving listener={} listen={} port={} threads_max={} "
      "connections_per_address_max={} request_deadline_ms={}",
      options_.name, options_.listen, port_, options_.limits.threads,
      options_.limits.connections_per_address_max,
      options_.limits.request_deadline.count());
  return absl::OkStatus();
}

void HttpServer::Listener::Stop() {
  {
    // Reads in progress end at once (the client seems to have closed);
    // responses being prepared are still written.
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (socket_t sock : open_) ::shutdown(sock, SHUT_RD);
  }
  stop();
  if (thread_.joinable()) thread_.join();
  spdlog::info("event=http_stopped listener={}", options_.name);
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    HttpServerOptions options, HttpHandler handler) {
  auto listener =
      std::make_unique<Listener>(std::move(options), std::move(handler));
  RETURN_IF_ERROR(listener->Start());
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(listener)));
}

HttpServer::HttpServer(std::unique_ptr<Listener> listener)
    : listener_(std::move(listener)), port_(listener_->bound_port()) {}
HttpServer::~HttpServer() { Shutdown(); }
int HttpServer::port() const { return port_; }

void HttpServer::Shutdown() {
  if (listener_ == nullptr) return;
  listener_->Stop();
  listener_.reset();
}

}  // namespace timebank::services
