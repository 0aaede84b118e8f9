// What an operator watches: Prometheus metrics on their own port, the call id
// that comes back to the client and appears in the server's log line, and
// the health service, which says NOT_SERVING while storage fails and SERVING
// again once it recovers.

#include <arpa/inet.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "services/metrics.h"
#include "services/server.h"
#include "tests/services/command.h"
#include "tests/services/rpc_client.h"
#include "tests/services/server_process.h"
#include "tests/test_util/temp_dir.h"

namespace timebank::testing {
namespace {

// GET `path` from 127.0.0.1:`port`: the status line's code, the headers and
// the body.
struct HttpReply {
  int status = 0;
  std::string head;
  std::string body;
};

// `headers`: more header lines, each ending "\r\n".
HttpReply HttpGet(int port, const std::string& path,
                  const std::string& headers = "") {
  HttpReply reply;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return reply;
  timeval timeout{.tv_sec = 10, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) ==
      0) {
    const std::string request = "GET " + path +
                                " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers +
                                "Connection: close\r\n\r\n";
    if (::write(fd, request.data(), request.size()) ==
        static_cast<ssize_t>(request.size())) {
      char buffer[8192];
      ssize_t got = 0;
      while ((got = ::read(fd, buffer, sizeof buffer)) > 0) {
        response.append(buffer, static_cast<size_t>(got));
      }
    }
  }
  ::close(fd);
  const size_t space = response.find(' ');
  const size_t body = response.find("\r\n\r\n");
  if (space == std::string::npos || body == std::string::npos) return reply;
  reply.status = std::atoi(response.c_str() + space + 1);
  reply.head = response.substr(0, body);
  reply.body = response.substr(body + 4);
  return reply;
}

// A series, `name{a="b",c="d"}` or a bare name: its name and its labels,
// whose order the text format leaves free (prometheus-cpp sorts them).
struct Series {
  std::string name;
  std::map<std::string, std::string> labels;
  bool operator==(const Series&) const = default;
};

// The series at the start of `text` (a sample line or a test's pattern) and
// where it ends; nullopt if it is malformed.
std::optional<std::pair<Series, size_t>> ParseSeries(std::string_view text) {
  Series series;
  size_t at = text.find_first_of("{ ");
  series.name = std::string(text.substr(0, at));
  if (at == std::string_view::npos || text[at] == ' ') {
    return std::make_pair(series, std::min(at, text.size()));
  }
  ++at;
  while (at < text.size() && text[at] != '}') {
    const size_t equals = text.find("=\"", at);
    if (equals == std::string_view::npos) return std::nullopt;
    const std::string name(text.substr(at, equals - at));
    std::string value;
    for (at = equals + 2; at < text.size() && text[at] != '"'; ++at) {
      if (text[at] == '\\' && at + 1 < text.size()) ++at;
      value += text[at];
    }
    if (at >= text.size()) return std::nullopt;
    series.labels[name] = value;
    ++at;
    if (at < text.size() && text[at] == ',') ++at;
  }
  if (at >= text.size()) return std::nullopt;
  return std::make_pair(series, at + 1);
}

// The value of the sample whose name and labels are exactly `series`
// (`name{a="b",c="d"}` in any label order, or a bare name); -1 when absent.
double Sample(const std::string& scrape, const std::string& series) {
  const std::optional<std::pair<Series, size_t>> wanted = ParseSeries(series);
  if (!wanted) return -1;
  std::string_view rest = scrape;
  while (!rest.empty()) {
    const size_t end = std::min(rest.find('\n'), rest.size());
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(std::min(end + 1, rest.size()));
    if (line.starts_with('#')) continue;
    const std::optional<std::pair<Series, size_t>> found = ParseSeries(line);
    if (found && found->first == wanted->first && found->second < line.size()) {
      return std::stod(std::string(line.substr(found->second)));
    }
  }
  return -1;
}

// grpc.health.v1.Health/Check for `service` ("" for the whole server): 1
// SERVING, 2 NOT_SERVING, 0 when the call failed.
int HealthOf(const std::shared_ptr<grpc::Channel>& channel,
             const std::string& service = "") {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kCallTimeout);
  // HealthCheckRequest{service}: field 1, a short string.
  std::string bytes;
  if (!service.empty()) {
    bytes = {static_cast<char>((1 << 3) | 2),
             static_cast<char>(service.size())};
    bytes += service;
  }
  grpc::Slice slice(bytes);
  const grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(),
                 &request, &response, [&done](grpc::Status status) {
                   done.set_value(std::move(status));
                 });
  if (!done.get_future().get().ok()) return 0;
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok() || slices.empty() || slices[0].size() < 2) {
    return 0;
  }
  return slices[0].begin()[1];
}

TEST(Metrics, CountCallsCommitsJournalLengthAndStreams) {
  absl::StatusOr<std::unique_ptr<ServerProcess>> started =
      ServerProcess::Start({.extra_args = {"--metrics-listen", "127.0.0.1:0",
                                           "--metrics-per-timebank"}});
  ASSERT_TRUE(started.ok()) << started.status();
  ServerProcess& server = **started;
  ASSERT_GT(server.metrics_port(), 0) << server.ReadLog();
  const Client admin(server.NewChannel(), server.admin_token());
  Must(admin.CreateTimebank("metered"), "create");
  Must(admin.OpenAccount("metered", "kathy"), "open");
  Must(admin.OpenAccount("metered", "vera"), "open");
  constexpr int kRecords = 7;
  for (int i = 0; i < kRecords; ++i) {
    Must(admin.RecordExchange(ExchangeRequest(
             "metered", "m-" + std::to_string(i), "kathy", "vera", 30)),
         "record");
  }
  EXPECT_RPC_CODE(admin.GetBalance("metered", "nobody"), NOT_FOUND);

  // A stream held open while scraping.
  grpc::ClientContext watch_context;
  watch_context.AddMetadata("authorization", "Bearer " + server.admin_token());
  v1::WatchJournalRequest watch;
  watch.set_timebank_id("metered");
  watch.set_from_seq(1);
  auto stream = admin.ledger().WatchJournal(&watch_context, watch);
  v1::JournalEntry first;
  ASSERT_TRUE(stream->Read(&first));

  const HttpReply scrape = HttpGet(server.metrics_port(), "/metrics");
  ASSERT_EQ(scrape.status, 200) << scrape.body;
  const std::string& text = scrape.body;
  EXPECT_EQ(Sample(text,
                   "timebank_rpc_calls_total{method=\"timebank.v1.Ledger/"
                   "RecordExchange\",code=\"OK\"}"),
            kRecords)
      << text;
  EXPECT_EQ(Sample(text,
                   "timebank_rpc_calls_total{method=\"timebank.v1.Ledger/"
                   "GetBalance\",code=\"NOT_FOUND\"}"),
            1);
  EXPECT_EQ(Sample(text,
                   "timebank_rpc_duration_seconds_count{method=\"timebank."
                   "v1.Ledger/RecordExchange\",code=\"OK\"}"),
            kRecords);
  EXPECT_EQ(Sample(text, "timebank_journal_entries{timebank=\"metered\"}"),
            kRecords);
  EXPECT_EQ(Sample(text, "timebank_watch_streams"), 1);
  EXPECT_EQ(Sample(text, "timebank_serving"), 1);
  EXPECT_EQ(Sample(text, "timebank_storage_healthy"), 1);
  // Timebank, two accounts, seven records, the admin token: every one a
  // commit of its own.
  EXPECT_GE(Sample(text, "timebank_commits_total{result=\"ok\"}"),
            kRecords + 3);
  EXPECT_GE(Sample(text, "timebank_commit_commands_count"), kRecords + 3);
  EXPECT_EQ(Sample(text, "timebank_commit_entries_bucket{le=\"1\"}"),
            Sample(text, "timebank_commit_entries_count"));
  EXPECT_GE(Sample(text, "timebank_commit_write_seconds_count"), kRecords);
  EXPECT_EQ(Sample(text, "timebank_rocksdb_write_stopped"), 0);
  EXPECT_GE(Sample(text, "timebank_rocksdb_pending_compaction_bytes"), 0);
  EXPECT_GT(Sample(text, "process_resident_memory_bytes"), 0);
  EXPECT_NE(text.find("# TYPE timebank_rpc_duration_seconds histogram"),
            std::string::npos);
  // Nothing personal: no account ids in any label.
  EXPECT_EQ(text.find("kathy"), std::string::npos);

  EXPECT_EQ(HttpGet(server.metrics_port(), "/other").status, 404);
  watch_context.TryCancel();
  stream->Finish();
}

TEST(Metrics, ScrapesNameNoTimebankUnlessPerTimebankIsAsked) {
  absl::StatusOr<std::unique_ptr<ServerProcess>> started =
      ServerProcess::Start({.extra_args = {"--metrics-listen", "127.0.0.1:0"}});
  ASSERT_TRUE(started.ok()) << started.status();
  ServerProcess& server = **started;
  const Client admin(server.NewChannel(), server.admin_token());
  for (const char* timebank : {"riverside-north", "riverside-south"}) {
    Must(admin.CreateTimebank(timebank), "create");
    Must(admin.OpenAccount(timebank, "kathy"), "open");
    Must(admin.OpenAccount(timebank, "vera"), "open");
  }
  for (int i = 0; i < 3; ++i) {
    Must(admin.RecordExchange(ExchangeRequest(
             "riverside-north", "n-" + std::to_string(i), "kathy", "vera", 30)),
         "record");
  }
  Must(admin.RecordExchange(
           ExchangeRequest("riverside-south", "s-1", "kathy", "vera", 30)),
       "record");

  const HttpReply scrape = HttpGet(server.metrics_port(), "/metrics");
  ASSERT_EQ(scrape.status, 200) << scrape.body;
  EXPECT_EQ(scrape.body.find("riverside"), std::string::npos) << scrape.body;
  EXPECT_EQ(scrape.body.find("timebank_journal_entries{"), std::string::npos);
  EXPECT_EQ(Sample(scrape.body, "timebank_journal_entries"), 4) << scrape.body;
  EXPECT_EQ(Sample(scrape.body, "timebank_timebanks"), 2) << scrape.body;
}

TEST(Metrics, WithATokenFileOnlyTheBearerTokenScrapes) {
  const TempDir files;
  const std::string token = "scrape-7f3a9c";
  const std::string token_file = files.Join("metrics.token");
  ASSERT_TRUE(services::WritePrivateFile(token_file, token + "\n").ok());
  absl::StatusOr<std::unique_ptr<ServerProcess>> started = ServerProcess::Start(
      {.extra_args = {"--metrics-listen", "127.0.0.1:0", "--metrics-token-file",
                      token_file, "--log-level", "debug"}});
  ASSERT_TRUE(started.ok()) << started.status();
  ServerProcess& server = **started;
  const int port = server.metrics_port();

  for (const std::string& header :
       {std::string(""), std::string("Authorization: Bearer wrong\r\n"),
        "Authorization: Bearer " + token + "x\r\n",
        "Authorization: Bearer " + token.substr(1) + "\r\n",
        "Authorization: Basic " + token + "\r\n",
        "Authorization: Bearer " + server.admin_token() + "\r\n"}) {
    const HttpReply refused = HttpGet(port, "/metrics", header);
    EXPECT_EQ(refused.status, 401) << header << refused.body;
    EXPECT_NE(refused.body.find("\"field\":\"authorization\""),
              std::string::npos)
        << refused.body;
    EXPECT_NE(refused.head.find("WWW-Authenticate: Bearer"), std::string::npos);
    EXPECT_EQ(refused.body.find("timebank_"), std::string::npos);
  }
  // Other paths need the token too, so nothing is learnt without it.
  EXPECT_EQ(HttpGet(port, "/other").status, 401);

  const HttpReply scrape =
      HttpGet(port, "/metrics", "Authorization: Bearer " + token + "\r\n");
  ASSERT_EQ(scrape.status, 200) << scrape.body;
  EXPECT_EQ(Sample(scrape.body, "timebank_serving"), 1);
  EXPECT_EQ(HttpGet(port, "/metrics", "authorization: bearer " + token + "\r\n")
                .status,
            200);
  EXPECT_EQ(
      HttpGet(port, "/other", "Authorization: Bearer " + token + "\r\n").status,
      404);
  EXPECT_EQ(server.ReadLog().find(token), std::string::npos);
}

TEST(Metrics, AMissingOrEmptyTokenFileStopsTheStartNamingTheFlag) {
  const TempDir files;
  const std::string empty = files.Join("empty.token");
  ASSERT_TRUE(services::WritePrivateFile(empty, "\n").ok());
  for (const std::string& token_file : {files.Join("missing.token"), empty}) {
    const ExitedRun run = RunTimebankdToExit(
        {"--data-dir", files.Join("data"), "--listen", "127.0.0.1:0",
         "--metrics-listen", "127.0.0.1:0", "--metrics-token-file", token_file},
        std::chrono::seconds(20));
    EXPECT_NE(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("metrics_token_file"), std::string::npos)
        << run.output;
  }
}

TEST(CallId, ComesBackToTheClientAndNamesTheServersLogLine) {
  absl::StatusOr<std::unique_ptr<ServerProcess>> started =
      ServerProcess::Start();
  ASSERT_TRUE(started.ok()) << started.status();
  ServerProcess& server = **started;
  const Client admin(server.NewChannel(), server.admin_token());
  Must(admin.CreateTimebank("traced"), "create");

  std::unique_ptr<grpc::ClientContext> context = admin.NewContext();
  v1::GetTimebankRequest request;
  request.set_timebank_id("traced");
  v1::Timebank reply;
  ASSERT_RPC_OK(admin.ledger().GetTimebank(context.get(), request, &reply));
  const auto& initial = context->GetServerInitialMetadata();
  auto found = initial.find("x-call-id");
  ASSERT_NE(found, initial.end());
  const std::string ok_id(found->second.data(), found->second.size());
  EXPECT_TRUE(std::regex_match(ok_id, std::regex("[0-9a-f]{16}"))) << ok_id;

  // A failed call has an id too, wherever the server could put it.
  std::unique_ptr<grpc::ClientContext> failing = admin.NewContext();
  request.set_timebank_id("no-such-timebank");
  EXPECT_RPC_CODE(admin.ledger().GetTimebank(failing.get(), request, &reply),
                  NOT_FOUND);
  std::string failed_id;
  for (const auto* metadata : {&failing->GetServerInitialMetadata(),
                               &failing->GetServerTrailingMetadata()}) {
    if (auto it = metadata->find("x-call-id"); it != metadata->end()) {
      failed_id.assign(it->second.data(), it->second.size());
    }
  }
  ASSERT_FALSE(failed_id.empty());
  EXPECT_NE(failed_id, ok_id);

  const std::string log = server.ReadLog();
  EXPECT_NE(log.find("call_id=" + ok_id +
                     " rpc=timebank.v1.Ledger/GetTimebank code=OK"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("call_id=" + failed_id +
                     " rpc=timebank.v1.Ledger/GetTimebank code=NOT_FOUND"),
            std::string::npos)
      << log;
  // The token never reaches the log.
  EXPECT_EQ(log.find(server.admin_token()), std::string::npos);
}

// A file system whose appends and syncs fail while `failing` is set, as a
// full disk makes them (creating files still works).
class FailingFileSystem : public rocksdb::FileSystemWrapper {
 public:
  explicit FailingFileSystem(std::shared_ptr<rocksdb::FileSystem> base)
      : FileSystemWrapper(std::move(base)) {}
  const char* Name() const override { return "FailingFileSystem"; }

  rocksdb::IOStatus NewWritableFile(
      const std::string& name, const rocksdb::FileOptions& options,
      std::unique_ptr<rocksdb::FSWritableFile>* file,
      rocksdb::IODebugContext* debug) override {
    std::unique_ptr<rocksdb::FSWritableFile> real;
    rocksdb::IOStatus s =
        target()->NewWritableFile(name, options, &real, debug);
    if (s.ok()) *file = std::make_unique<File>(std::move(real), this);
    return s;
  }

  std::atomic<bool> failing{false};

 private:
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile> real, FailingFileSystem* fs)
        : FSWritableFileOwnerWrapper(std::move(real)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* debug) override {
      if (fs_->failing)
        return rocksdb::IOStatus::NoSpace("injected: disk full");
      return FSWritableFileOwnerWrapper::Append(data, options, debug);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* debug) override {
      if (fs_->failing)
        return rocksdb::IOStatus::NoSpace("injected: disk full");
      return FSWritableFileOwnerWrapper::Sync(options, debug);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* debug) override {
      if (fs_->failing)
        return rocksdb::IOStatus::NoSpace("injected: disk full");
      return FSWritableFileOwnerWrapper::Fsync(options, debug);
    }

   private:
    FailingFileSystem* fs_;
  };
};

// Polls the health service until it reports `expected` (1 or 2) or `wait`
// passes.
bool HealthBecomes(const std::shared_ptr<grpc::Channel>& channel, int expected,
                   std::chrono::seconds wait = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (std::chrono::steady_clock::now() < deadline) {
    if (HealthOf(channel) == expected) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// In-process, since the fault is injected into the server's file system.
TEST(Health, NotServingWhileStorageFailsAndServingOnceItRecovers) {
  TempDir dir;
  auto fs = std::make_shared<FailingFileSystem>(rocksdb::FileSystem::Default());
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  absl::StatusOr<std::unique_ptr<services::Server>> server =
      services::Server::Start(
          {.listen = "127.0.0.1:0",
           .data_dir = dir.Join("data"),
           .storage_check_interval = std::chrono::milliseconds(50),
           .env = env.get()});
  ASSERT_TRUE(server.ok()) << server.status();
  const std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string((*server)->port()),
                          grpc::InsecureChannelCredentials());
  absl::StatusOr<std::string> token =
      ReadWholeFile(dir.Join("data/admin.token"));
  ASSERT_TRUE(token.ok());
  token->pop_back();
  const Client admin(channel, *token);
  EXPECT_EQ(HealthOf(channel), 1);
  EXPECT_EQ(HealthOf(channel, "liveness"), 1);
  Must(admin.CreateTimebank("fragile"), "create");
  Must(admin.OpenAccount("fragile", "kathy"), "open");
  Must(admin.OpenAccount("fragile", "vera"), "open");

  fs->failing = true;
  EXPECT_RPC_CODE(admin.RecordExchange(
                      ExchangeRequest("fragile", "lost", "kathy", "vera", 30)),
                  UNAVAILABLE);
  EXPECT_TRUE(HealthBecomes(channel, 2))
      << "health still SERVING after a failed write";
  EXPECT_EQ(HealthOf(channel, "timebank.v1.Ledger"), 2);
  // Alive all the same: a liveness probe must not restart it for this.
  EXPECT_EQ(HealthOf(channel, "liveness"), 1);
  // Reads still work while writes fail.
  EXPECT_RPC_OK(admin.GetBalance("fragile", "kathy"));

  fs->failing = false;
  // RocksDB recovers from a full disk through its SstFileManager, which
  // looks again every 5 s.
  EXPECT_TRUE(HealthBecomes(channel, 1, std::chrono::seconds(30)))
      << "health did not recover";
  Rpc<v1::Exchange> recorded = admin.RecordExchange(
      ExchangeRequest("fragile", "kept", "kathy", "vera", 30));
  ASSERT_RPC_OK(recorded);
  EXPECT_EQ(recorded->seq(), 1u);
  (*server)->Shutdown();
  EXPECT_EQ(HealthOf(channel), 0);
}

// `timebank health`, which the container's health check runs: no token, and
// exit 0 only when SERVING.
TEST(HealthCli, ExitsZeroOnlyWhenTheServerIsServing) {
  TempDir work;
  absl::StatusOr<std::unique_ptr<ServerProcess>> started =
      ServerProcess::Start();
  ASSERT_TRUE(started.ok()) << started.status();
  const std::string address = (*started)->address();
  const CommandRun serving = RunCommand(
      {TIMEBANK_CLI_PATH, "health", "--server", address}, work.path());
  EXPECT_EQ(serving.exit_code, 0) << serving;
  EXPECT_EQ(serving.out, "SERVING\n");
  const CommandRun alive = RunCommand({TIMEBANK_CLI_PATH, "health", "--service",
                                       "liveness", "--server", address},
                                      work.path());
  EXPECT_EQ(alive.exit_code, 0) << alive;
  const CommandRun unknown =
      RunCommand({TIMEBANK_CLI_PATH, "health", "--service", "no.such.Service",
                  "--server", address},
                 work.path());
  EXPECT_EQ(unknown.exit_code, 3) << unknown;
  ASSERT_EQ((*started)->Stop(), 0);
  const CommandRun gone = RunCommand(
      {TIMEBANK_CLI_PATH, "health", "--server", address, "--timeout", "2"},
      work.path());
  EXPECT_EQ(gone.exit_code, 1) << gone;
  EXPECT_NE(gone.err.find("UNAVAILABLE"), std::string::npos) << gone;
}

// A method's series are made by its first call with a code and counted
// through after; the latency histogram is in a scrape before any call (one
// series without labels) and only with its labels after.
TEST(Metrics, EachMethodsSeriesAreMadeOnceAndCountedByCode) {
  services::Metrics metrics;
  const std::string empty = metrics.Render();
  EXPECT_EQ(Sample(empty, "timebank_rpc_duration_seconds_count"), 0) << empty;
  services::RpcMetrics* balance =
      metrics.ForMethod("timebank.v1.Ledger/GetBalance");
  EXPECT_EQ(metrics.ForMethod("timebank.v1.Ledger/GetBalance"), balance);
  EXPECT_NE(metrics.ForMethod("timebank.v1.Ledger/GetAccount"), balance);
  EXPECT_EQ(balance->method(), "timebank.v1.Ledger/GetBalance");
  balance->Count("OK", 0.0002);
  metrics.CountCall("timebank.v1.Ledger/GetBalance", "OK", 0.003);
  balance->Count("NOT_FOUND", 0.5);

  const std::string text = metrics.Render();
  const std::string labels = "method=\"timebank.v1.Ledger/GetBalance\",code=";
  EXPECT_EQ(Sample(text, "timebank_rpc_calls_total{" + labels + "\"OK\"}"), 2)
      << text;
  EXPECT_EQ(
      Sample(text, "timebank_rpc_calls_total{" + labels + "\"NOT_FOUND\"}"), 1);
  EXPECT_EQ(Sample(text, "timebank_rpc_duration_seconds_bucket{" + labels +
                             "\"OK\",le=\"0.00025\"}"),
            1);
  EXPECT_EQ(Sample(text, "timebank_rpc_duration_seconds_count{" + labels +
                             "\"NOT_FOUND\"}"),
            1);
  EXPECT_EQ(Sample(text, "timebank_rpc_duration_seconds_count"), -1);
  // A method with no finished call has no series, and the histogram one
  // family.
  EXPECT_EQ(text.find("GetAccount"), std::string::npos);
  EXPECT_EQ(text.find("# TYPE timebank_rpc_duration_seconds histogram"),
            text.rfind("# TYPE timebank_rpc_duration_seconds histogram"));
}

TEST(Metrics, CallsFromManyThreadsAreEachCountedOnce) {
  services::Metrics metrics;
  constexpr int kThreads = 8;
  constexpr int kCallsPerThread = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&metrics, t] {
      // Half the threads find the method's series made by the others.
      const std::string method =
          "timebank.v1.Ledger/Method" + std::to_string(t % 2);
      for (int i = 0; i < kCallsPerThread; ++i) {
        metrics.CountCall(method, i % 3 == 0 ? "NOT_FOUND" : "OK", 0.001);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::string text = metrics.Render();
  double calls = 0;
  for (const char* method : {"Method0", "Method1"}) {
    for (const char* code : {"OK", "NOT_FOUND"}) {
      calls += Sample(text, std::string("timebank_rpc_calls_total{method=\"") +
                                "timebank.v1.Ledger/" + method + "\",code=\"" +
                                code + "\"}");
    }
  }
  EXPECT_EQ(calls, kThreads * kCallsPerThread) << text;
}

}  // namespace
}  // namespace timebank::testing
