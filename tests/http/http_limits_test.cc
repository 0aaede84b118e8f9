// The HTTP listeners' limits against a real timebankd, over raw sockets on
// loopback: oversized bodies (every framing and coding, generated while they
// are sent) are refused while they are read, before any token is looked at,
// and the server's memory does not follow them; slow clients, each from a
// loopback address of its own (127.0.0.0/8 is all loopback), cannot keep
// others from being answered; a request gets a deadline, and a client
// address a cap on its connections.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/services/shared_server_test.h"
#include "tests/test_util/temp_dir.h"

namespace timebank::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// --http-body-bytes-max of the oversized-body suite: large beside what a
// thread or an allocator arena costs, small beside an oversized body.
constexpr size_t kBodyBytesMax = 4 * 1024 * 1024;
// What an oversized request sends if nothing stops it.
constexpr size_t kOversizedBytes = 64 * 1024 * 1024;
// How much the server's resident memory may grow while refusing one. Under
// AddressSanitizer (the test command's build) every freed buffer waits in
// ASan's quarantine and every byte has shadow memory, so the same reads cost
// about twice as much resident memory; 300 MiB bodies grew a plain build's
// peak by under 2 MiB.
#if defined(__SANITIZE_ADDRESS__)
constexpr int64_t kGrowthBytesMax = 8 * kBodyBytesMax;
#else
constexpr int64_t kGrowthBytesMax = 4 * kBodyBytesMax;
#endif

// A TCP connection to 127.0.0.1:`port` from `source` (another loopback
// address, so that the server sees another client); -1 if it fails.
int Connect(int port, const std::string& source = "127.0.0.1") {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(sent));
  }
  return true;
}

// One response as read off a raw connection.
struct RawReply {
  int status = 0;  // 0: none arrived.
  std::string head;
  std::string body;
  json data;  // The body parsed, when it is JSON.
  std::string Field() const {
    return data.contains("error") && data["error"].contains("field")
               ? data["error"]["field"].get<std::string>()
               : "";
  }
};

std::ostream& operator<<(std::ostream& out, const RawReply& reply) {
  return out << "HTTP " << reply.status << " " << reply.body;
}

// Parses `bytes` once they hold a whole response with a Content-Length.
bool ParseReply(const std::string& bytes, RawReply& reply) {
  const size_t head_end = bytes.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  const std::string head = bytes.substr(0, head_end);
  size_t length = 0;
  const size_t at = head.find("Content-Length: ");
  if (at != std::string::npos) length = std::stoul(head.substr(at + 16));
  if (bytes.size() < head_end + 4 + length) return false;
  reply.head = head;
  reply.status = std::atoi(head.c_str() + head.find(' ') + 1);
  reply.body = bytes.substr(head_end + 4, length);
  reply.data = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  return true;
}

// Reads one response, waiting at most `timeout` for it.
RawReply ReadReply(int fd, milliseconds timeout) {
  RawReply reply;
  std::string bytes;
  const auto until = Clock::now() + timeout;
  char buffer[16 * 1024];
  while (!ParseReply(bytes, reply) && Clock::now() < until) {
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    const auto left =
        std::chrono::duration_cast<milliseconds>(until - Clock::now());
    if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0))) <=
        0) {
      break;
    }
    const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) break;
    bytes.append(buffer, static_cast<size_t>(got));
  }
  return reply;
}

// True once the server has closed `fd` (end of stream or reset), waiting at
// most `timeout`; bytes before the end are read and dropped.
bool ClosedByServer(int fd, milliseconds timeout) {
  const auto until = Clock::now() + timeout;
  char buffer[4096];
  while (Clock::now() < until) {
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, 50) == 1 &&
        ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT) <= 0) {
      return true;
    }
  }
  return false;
}

// The server still holds `fd` open and has answered nothing on it.
bool OpenAndUnanswered(int fd) {
  char byte;
  return ::recv(fd, &byte, 1, MSG_DONTWAIT | MSG_PEEK) < 0 &&
         (errno == EAGAIN || errno == EWOULDBLOCK);
}

// A field of /proc/<pid>/status in bytes ("VmRSS", "VmHWM"); -1 if absent.
int64_t ProcStatusBytes(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with(field + ":")) {
      return std::stoll(line.substr(field.size() + 1)) * 1024;
    }
  }
  return -1;
}

// Makes VmHWM (peak resident memory) start again from VmRSS (Linux >= 4.0).
bool ResetPeakMemory(pid_t pid) {
  std::ofstream clear_refs("/proc/" + std::to_string(pid) + "/clear_refs");
  clear_refs << "5";
  clear_refs.flush();
  return static_cast<bool>(clear_refs);
}

// ------------------------------------------------------------ bodies

enum class BodyShape {
  kContentLength,     // Content-Length: 64 MiB, then the bytes.
  kChunked,           // 64 KiB chunks.
  kGzipChunked,       // 64 MiB of zeros gzipped (a few KiB sent), chunked.
  kEndlessChunkLine,  // A chunk-size line of hex digits that never ends.
  kEndlessHeaderLine  // A header line that never ends: no body at all.
};

std::string ShapeName(const ::testing::TestParamInfo<BodyShape>& info) {
  switch (info.param) {
    case BodyShape::kContentLength:
      return "ContentLength";
    case BodyShape::kChunked:
      return "Chunked";
    case BodyShape::kGzipChunked:
      return "GzipChunked";
    case BodyShape::kEndlessChunkLine:
      return "EndlessChunkSizeLine";
    case BodyShape::kEndlessHeaderLine:
      return "EndlessHeaderLine";
  }
  return "Unknown";
}

std::string Chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return std::string(size) + std::string(data) + "\r\n";
}

// Makes the request's bytes piece by piece, 64 KiB of content at a time,
// so that no more than a piece is ever held.
class OversizedRequest {
 public:
  explicit OversizedRequest(BodyShape shape)
      : shape_(shape), block_(64 * 1024, 'x') {
    if (shape_ == BodyShape::kGzipChunked) {
      // 15 + 16: a gzip wrapper around deflate, as Content-Encoding: gzip.
      deflateInit2(&zip_, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                   Z_DEFAULT_STRATEGY);
      zeros_.assign(block_.size(), '\0');
    }
    if (shape_ == BodyShape::kEndlessChunkLine)
      block_.assign(block_.size(), 'f');
  }
  ~OversizedRequest() {
    if (shape_ == BodyShape::kGzipChunked) deflateEnd(&zip_);
  }

  std::string Head() const {
    std::string head =
        "POST /v1/timebanks/riverside/exchanges HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\n";
    switch (shape_) {
      case BodyShape::kContentLength:
        return head + "Content-Length: " + std::to_string(kOversizedBytes) +
               "\r\n\r\n";
      case BodyShape::kGzipChunked:
        return head +
               "Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n";
      case BodyShape::kChunked:
      case BodyShape::kEndlessChunkLine:
        return head + "Transfer-Encoding: chunked\r\n\r\n";
      case BodyShape::kEndlessHeaderLine:
        return head + "X-Endless: ";
    }
    return head;
  }

  bool done() const { return made_bytes_ >= kOversizedBytes; }
  // The next piece on the wire; may be empty while compressing.
  std::string Next() {
    if (made_bytes_ >= kOversizedBytes) return "";
    made_bytes_ += block_.size();
    const bool last = made_bytes_ >= kOversizedBytes;
    switch (shape_) {
      case BodyShape::kChunked:
        return Chunk(block_) + (last ? "0\r\n\r\n" : "");
      case BodyShape::kGzipChunked:
        return Deflate(last);
      default:
        return block_;
    }
  }

 private:
  std::string Deflate(bool last) {
    std::string out(zeros_.size(), '\0');
    zip_.next_in = reinterpret_cast<Bytef*>(zeros_.data());
    zip_.avail_in = static_cast<uInt>(zeros_.size());
    std::string chunks;
    do {
      zip_.next_out = reinterpret_cast<Bytef*>(out.data());
      zip_.avail_out = static_cast<uInt>(out.size());
      deflate(&zip_, last ? Z_FINISH : Z_NO_FLUSH);
      const size_t made = out.size() - zip_.avail_out;
      if (made > 0) chunks += Chunk(std::string_view(out.data(), made));
    } while (zip_.avail_out == 0);
    return last ? chunks + "0\r\n\r\n" : chunks;
  }

  const BodyShape shape_;
  std::string block_;
  std::string zeros_;
  z_stream zip_{};
  size_t made_bytes_ = 0;
};

// Sends the request while watching for the server's answer, and stops
// sending once it has one (or the server closes).
RawReply SendOversized(int fd, BodyShape shape, size_t& sent_bytes) {
  OversizedRequest request(shape);
  sent_bytes = 0;
  std::string pending = request.Head();
  std::string received;
  RawReply reply;
  char buffer[16 * 1024];
  const auto until = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < until) {
    while (pending.empty() && !request.done()) pending = request.Next();
    pollfd p{
        .fd = fd,
        .events = static_cast<short>(POLLIN | (pending.empty() ? 0 : POLLOUT)),
        .revents = 0};
    if (::poll(&p, 1, 1000) < 0) break;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t got = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
      if (got <= 0) break;
      received.append(buffer, static_cast<size_t>(got));
      if (ParseReply(received, reply)) return reply;
    } else if (p.revents & POLLOUT) {
      const ssize_t wrote = ::send(fd, pending.data(), pending.size(),
                                   MSG_NOSIGNAL | MSG_DONTWAIT);
      if (wrote < 0 && errno != EAGAIN) break;
      if (wrote > 0) {
        pending.erase(0, static_cast<size_t>(wrote));
        sent_bytes += static_cast<size_t>(wrote);
      }
    }
  }
  return reply;
}

class HttpOversizedBody : public SharedServerTest<HttpOversizedBody>,
                          public ::testing::WithParamInterface<BodyShape> {
 public:
  static ServerProcessOptions ServerOptions() {
    return {
        .http = true,
        .extra_args = {"--http-body-bytes-max", std::to_string(kBodyBytesMax)}};
  }
};

TEST_P(HttpOversizedBody, IsRefusedWhileReadAndMemoryStaysBounded) {
  const pid_t pid = server().pid();
  // Once, so that what the first request costs (a thread, its arena) is not
  // counted.
  {
    const int fd = Connect(server().http_port());
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(
        SendAll(fd, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    ASSERT_EQ(ReadReply(fd, milliseconds(5000)).status, 200);
    ::close(fd);
  }
  const int64_t resident_before = ProcStatusBytes(pid, "VmRSS");
  ASSERT_GT(resident_before, 0);
  ASSERT_TRUE(ResetPeakMemory(pid)) << "cannot write /proc/<pid>/clear_refs";

  const int fd = Connect(server().http_port());
  ASSERT_GE(fd, 0);
  size_t sent_bytes = 0;
  const RawReply reply = SendOversized(fd, GetParam(), sent_bytes);
  const int64_t peak = ProcStatusBytes(pid, "VmHWM");
  ::close(fd);

  // No token was sent: a refusal for the size, not for the token.
  if (GetParam() == BodyShape::kEndlessHeaderLine) {
    EXPECT_EQ(reply.status, 431) << reply;
    EXPECT_EQ(reply.Field(), "headers") << reply;
  } else {
    EXPECT_EQ(reply.status, 413) << reply;
    EXPECT_EQ(reply.Field(), "body") << reply;
    EXPECT_EQ(reply.data["error"]["status"], "RESOURCE_EXHAUSTED") << reply;
  }
  EXPECT_LE(peak - resident_before, kGrowthBytesMax)
      << "resident memory grew from " << resident_before << " to a peak of "
      << peak << " bytes; " << sent_bytes << " bytes sent";
  EXPECT_LT(sent_bytes, kOversizedBytes / 2)
      << "the server read on long after the limit";
  // And it goes on serving.
  const int next = Connect(server().http_port());
  ASSERT_GE(next, 0);
  ASSERT_TRUE(
      SendAll(next, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  EXPECT_EQ(ReadReply(next, milliseconds(5000)).status, 200);
  ::close(next);
}

INSTANTIATE_TEST_SUITE_P(Shapes, HttpOversizedBody,
                         ::testing::Values(BodyShape::kContentLength,
                                           BodyShape::kChunked,
                                           BodyShape::kGzipChunked,
                                           BodyShape::kEndlessChunkLine,
                                           BodyShape::kEndlessHeaderLine),
                         ShapeName);

// ------------------------------------------------------------ slow clients

// Connections that each send a request line and then one header line per
// Trickle(), never finishing: each from a loopback address of its own,
// 127.0.<block>.1 and up.
class SlowClients {
 public:
  SlowClients(int port, int count, int block) {
    for (int i = 0; i < count; ++i) {
      const int fd = Connect(
          port, "127.0." + std::to_string(block) + "." + std::to_string(i + 1));
      if (fd >= 0 && SendAll(fd, "GET /metrics HTTP/1.1\r\n")) {
        fds_.push_back(fd);
      } else if (fd >= 0) {
        ::close(fd);
      }
    }
  }
  ~SlowClients() {
    for (int fd : fds_) ::close(fd);
  }
  SlowClients(const SlowClients&) = delete;
  SlowClients& operator=(const SlowClients&) = delete;

  int connected() const { return static_cast<int>(fds_.size()); }
  void Trickle() {
    const std::string line = "X-Slow-" + std::to_string(lines_++) + ": 1\r\n";
    for (int fd : fds_)
      (void)::send(fd, line.data(), line.size(), MSG_NOSIGNAL);
  }
  // Connections the server still holds open without having answered.
  int StillWaiting() const {
    return static_cast<int>(
        std::count_if(fds_.begin(), fds_.end(), OpenAndUnanswered));
  }

 private:
  std::vector<int> fds_;
  int lines_ = 0;
};

const TempDir& SuiteFiles() {
  static const TempDir* const files = new TempDir();
  return *files;
}
constexpr char kMetricsToken[] = "metrics-scrape-secret";

class HttpSlowClients : public SharedServerTest<HttpSlowClients> {
 public:
  // The defaults, with metrics that need a token.
  static ServerProcessOptions ServerOptions() {
    const std::string token_file = SuiteFiles().Join("metrics.token");
    std::ofstream(token_file) << kMetricsToken << "\n";
    return {.http = true,
            .extra_args = {"--metrics-listen", "127.0.0.1:0",
                           "--metrics-token-file", token_file}};
  }
};

// A request from 127.0.0.1 with a fresh connection: its status, and how
// long the answer took.
struct Timed {
  int status = 0;
  milliseconds took{0};
};
Timed TimedGet(int port, const std::string& path, const std::string& token) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(5));
  client.set_read_timeout(std::chrono::seconds(8));
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  const auto started = Clock::now();
  const httplib::Result result = client.Get(path, headers);
  return {
      .status = result ? result->status : 0,
      .took = std::chrono::duration_cast<milliseconds>(Clock::now() - started)};
}

TEST_F(
    HttpSlowClients,
    NormalRequestsAreAnsweredWithinASecondWhile64SlowClientsHoldConnections) {
  constexpr int kSlowClients = 64;
  ASSERT_GT(server().metrics_port(), 0) << server().ReadLog();
  SlowClients on_gateway(server().http_port(), kSlowClients, 1);
  SlowClients on_metrics(server().metrics_port(), kSlowClients, 2);
  ASSERT_EQ(on_gateway.connected(), kSlowClients);
  ASSERT_EQ(on_metrics.connected(), kSlowClients);
  // A header line every 250 ms, well inside any per-read timeout, for at
  // most 4 s.
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    for (int round = 0; round < 16 && !done; ++round) {
      on_gateway.Trickle();
      on_metrics.Trickle();
      std::this_thread::sleep_for(milliseconds(250));
    }
  });
  // Long enough for the server to have taken every slow connection on.
  std::this_thread::sleep_for(milliseconds(750));

  const Timed page = TimedGet(server().http_port(), "/", "");
  const Timed api =
      TimedGet(server().http_port(), "/v1/whoami", server().admin_token());
  const Timed metrics =
      TimedGet(server().metrics_port(), "/metrics", kMetricsToken);
  const int gateway_waiting = on_gateway.StillWaiting();
  const int metrics_waiting = on_metrics.StillWaiting();
  done = true;
  trickle.join();

  EXPECT_EQ(page.status, 200);
  EXPECT_LT(page.took, milliseconds(1000))
      << "the member page took " << page.took.count() << " ms";
  EXPECT_EQ(api.status, 200);
  EXPECT_LT(api.took, milliseconds(1000))
      << "/v1/whoami took " << api.took.count() << " ms";
  EXPECT_EQ(metrics.status, 200);
  EXPECT_LT(metrics.took, milliseconds(1000))
      << "/metrics took " << metrics.took.count() << " ms";
  // The slow ones were held, not turned away.
  EXPECT_EQ(gateway_waiting, kSlowClients);
  EXPECT_EQ(metrics_waiting, kSlowClients);
}

// ------------------------------------------------------------ deadline and cap

constexpr int kDeadlineMs = 1500;
constexpr int kPerAddressMax = 4;

class HttpClientLimits : public SharedServerTest<HttpClientLimits> {
 public:
  static ServerProcessOptions ServerOptions() {
    return {.http = true,
            .extra_args = {"--http-request-deadline-ms",
                           std::to_string(kDeadlineMs),
                           "--http-connections-per-address-max",
                           std::to_string(kPerAddressMax)}};
  }
};

// Sends `first`, then `trickle` every 200 ms until a reply comes (at most
// 10 s); the reply, and when it came.
Timed TrickleUntilAnswered(int fd, const std::string& first,
                           const std::string& trickle, RawReply& reply) {
  const auto started = Clock::now();
  SendAll(fd, first);
  for (int round = 0; round < 50 && reply.status == 0; ++round) {
    reply = ReadReply(fd, milliseconds(200));
    if (reply.status == 0)
      (void)::send(fd, trickle.data(), trickle.size(), MSG_NOSIGNAL);
  }
  return {
      .status = reply.status,
      .took = std::chrono::duration_cast<milliseconds>(Clock::now() - started)};
}

TEST_F(HttpClientLimits, ARequestNotInWithinItsDeadlineGets408AndIsClosed) {
  // Headers a line at a time.
  int fd = Connect(server().http_port(), "127.0.4.1");
  ASSERT_GE(fd, 0);
  RawReply reply;
  Timed timed = TrickleUntilAnswered(fd, "GET / HTTP/1.1\r\nHost: x\r\n",
                                     "X-Slow: 1\r\n", reply);
  EXPECT_EQ(reply.status, 408) << reply;
  EXPECT_EQ(reply.Field(), "request") << reply;
  EXPECT_GE(timed.took, milliseconds(kDeadlineMs - 100));
  EXPECT_LT(timed.took, milliseconds(kDeadlineMs + 1000));
  EXPECT_TRUE(ClosedByServer(fd, milliseconds(2000)));
  ::close(fd);

  // Headers at once, then the body a byte at a time.
  fd = Connect(server().http_port(), "127.0.4.2");
  ASSERT_GE(fd, 0);
  reply = {};
  timed = TrickleUntilAnswered(fd,
                               "POST /v1/timebanks HTTP/1.1\r\nHost: "
                               "x\r\nContent-Type: application/json\r\n"
                               "Content-Length: 1000\r\n\r\n{",
                               " ", reply);
  EXPECT_EQ(reply.status, 408) << reply;
  EXPECT_LT(timed.took, milliseconds(kDeadlineMs + 1000));
  EXPECT_TRUE(ClosedByServer(fd, milliseconds(2000)));
  ::close(fd);
}

TEST_F(HttpClientLimits,
       ConnectionsOverThePerAddressCapGet429AndOthersAreServed) {
  std::vector<int> fds;
  for (int i = 0; i < kPerAddressMax; ++i) {
    const int fd = Connect(server().http_port(), "127.0.5.1");
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(SendAll(fd, "GET / HTTP/1.1\r\n"));
    fds.push_back(fd);
  }
  std::this_thread::sleep_for(milliseconds(200));
  // One more from the same address: refused at once, unread.
  const int over = Connect(server().http_port(), "127.0.5.1");
  ASSERT_GE(over, 0);
  const RawReply refused = ReadReply(over, milliseconds(1000));
  EXPECT_EQ(refused.status, 429) << refused;
  EXPECT_EQ(refused.Field(), "connection") << refused;
  EXPECT_TRUE(ClosedByServer(over, milliseconds(1000)));
  ::close(over);

  // Another address is served.
  const int other = Connect(server().http_port(), "127.0.5.2");
  ASSERT_GE(other, 0);
  ASSERT_TRUE(
      SendAll(other, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  EXPECT_EQ(ReadReply(other, milliseconds(2000)).status, 200);
  ::close(other);

  // Once one of the four closes, the address may open another.
  ::close(fds.back());
  fds.pop_back();
  int status = 0;
  for (int attempt = 0; attempt < 20 && status != 200; ++attempt) {
    std::this_thread::sleep_for(milliseconds(100));
    const int again = Connect(server().http_port(), "127.0.5.1");
    ASSERT_GE(again, 0);
    SendAll(again, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    status = ReadReply(again, milliseconds(2000)).status;
    ::close(again);
  }
  EXPECT_EQ(status, 200);
  for (int fd : fds) ::close(fd);
}

}  // namespace
}  // namespace timebank::testing
