// The metrics as Prometheus itself reads them: Debian's `prometheus` scrapes
// a real timebankd through the metrics token, as docs/operations.md tells an
// operator to set it up, and its query API reports the calls the test made;
// `promtool check metrics` finds nothing wrong with the same text. Either
// program missing fails the test (deploy/setup.sh installs them): a skipped
// check would promise what nothing showed.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/statusor.h"
#include "services/server.h"
#include "tests/services/command.h"
#include "tests/services/rpc_client.h"
#include "tests/services/server_process.h"
#include "tests/test_util/temp_dir.h"

namespace timebank::testing {
namespace {

constexpr auto kPrometheusReadyTimeout = std::chrono::seconds(15);
// Scrapes come every second; this leaves room for a slow, shared machine.
constexpr auto kQueryTimeout = std::chrono::seconds(30);
constexpr auto kPollInterval = std::chrono::milliseconds(200);

// The full path of `program` on PATH; empty if it is not there.
std::string FindOnPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "/usr/bin:/bin";
  while (!rest.empty()) {
    const size_t colon = std::min(rest.find(':'), rest.size());
    const std::filesystem::path candidate =
        std::filesystem::path(rest.substr(0, colon)) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    rest.remove_prefix(std::min(colon + 1, rest.size()));
  }
  return "";
}

// A port on 127.0.0.1 that was free a moment ago; 0 if none could be had.
int FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

// GET `path` from 127.0.0.1:`port`: the body when the status is 200.
std::optional<std::string> Get(int port, const std::string& path,
                               const httplib::Params& params = {},
                               const httplib::Headers& headers = {}) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(5));
  client.set_read_timeout(std::chrono::seconds(5));
  const httplib::Result result =
      client.Get(path, params, headers, httplib::Progress());
  if (!result || result->status != 200) return std::nullopt;
  return result->body;
}

// A Prometheus server on loopback, its data in `work_dir`, scraping the
// metrics of 127.0.0.1:`target_port` every second with the bearer token in
// `token_file`.
class Prometheus {
 public:
  // Returns once Prometheus answers /-/ready; FAILED_PRECONDITION with what
  // it printed if it does not.
  static absl::StatusOr<std::unique_ptr<Prometheus>> Start(
      const std::string& program, const TempDir& work_dir, int target_port,
      const std::string& token_file) {
    const std::string config = work_dir.Join("prometheus.yml");
    std::ofstream(config) << "global:\n"
                             "  scrape_interval: 1s\n"
                             "  scrape_timeout: 1s\n"
                             "scrape_configs:\n"
                             "  - job_name: timebank\n"
                             "    authorization:\n"
                             "      credentials_file: "
                          << token_file
                          << "\n"
                             "    static_configs:\n"
                             "      - targets: ['127.0.0.1:"
                          << target_port << "']\n";
    // The port is free when chosen but may be taken before Prometheus
    // binds it: then Prometheus exits, and another port is tried.
    std::string output = "no free port, or fork failed";
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto prometheus = std::unique_ptr<Prometheus>(new Prometheus());
      prometheus->port_ = FreeLoopbackPort();
      prometheus->process_ =
          StartCommand({program, "--config.file=" + config,
                        "--storage.tsdb.path=" + work_dir.Join("tsdb"),
                        "--web.listen-address=127.0.0.1:" +
                            std::to_string(prometheus->port_)},
                       work_dir.path());
      if (prometheus->port_ == 0 || prometheus->process_ == nullptr) break;
      if (prometheus->WaitUntilReady()) return prometheus;
      const bool exited = !prometheus->process_->Running();
      output = prometheus->process_->Stop().err;
      if (!exited) break;
    }
    return absl::FailedPreconditionError("prometheus did not start:\n" +
                                         output);
  }

  // The samples of the instant query `query` now, as JSON
  // (`[{"metric": {...}, "value": [time, "text"]}]`); nullopt if it failed.
  std::optional<nlohmann::json> Query(const std::string& query) const {
    const std::optional<std::string> body =
        Get(port_, "/api/v1/query", {{"query", query}});
    if (!body) return std::nullopt;
    const nlohmann::json reply = nlohmann::json::parse(*body, nullptr, false);
    if (reply.is_discarded() || reply.value("status", "") != "success") {
      return std::nullopt;
    }
    return reply["data"]["result"];
  }

  // The one sample of `query` once it equals `wanted`, or the last value
  // seen (-1 for none) after kQueryTimeout.
  double WaitForValue(const std::string& query, double wanted) const {
    const auto deadline = std::chrono::steady_clock::now() + kQueryTimeout;
    double seen = -1;
    while (std::chrono::steady_clock::now() < deadline) {
      const std::optional<nlohmann::json> result = Query(query);
      if (result && result->size() == 1) {
        seen = std::stod((*result)[0]["value"][1].get<std::string>());
        if (seen == wanted) return seen;
      }
      std::this_thread::sleep_for(kPollInterval);
    }
    return seen;
  }

  // The scrape target's health and last error, as /api/v1/targets says.
  std::string Targets() const {
    return Get(port_, "/api/v1/targets").value_or("(no answer)");
  }

  CommandRun Stop() { return process_->Stop(std::chrono::seconds(10)); }

 private:
  Prometheus() = default;

  bool WaitUntilReady() {
    const auto deadline =
        std::chrono::steady_clock::now() + kPrometheusReadyTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!process_->Running()) return false;
      if (Get(port_, "/-/ready")) return true;
      std::this_thread::sleep_for(kPollInterval);
    }
    return false;
  }

  int port_ = 0;
  std::unique_ptr<RunningCommand> process_;
};

// `promtool check metrics` on `text`: what it said, exit 0 and no output when
// the text has no problem.
CommandRun PromtoolCheckMetrics(const std::string& promtool,
                                const TempDir& work_dir,
                                const std::string& text) {
  const std::string file =
      work_dir.Join("scrape-" + std::to_string(text.size()) + ".txt");
  std::ofstream(file) << text;
  // promtool reads the text on stdin only.
  return RunCommand(
      {"/bin/sh", "-c", "exec \"$0\" check metrics < \"$1\"", promtool, file},
      work_dir.path(), std::chrono::seconds(30));
}

TEST(PrometheusScrape,
     ARealPrometheusScrapesTheCallsMadeAndPromtoolFindsNoProblem) {
  const std::string prometheus_program = FindOnPath("prometheus");
  const std::string promtool = FindOnPath("promtool");
  ASSERT_FALSE(prometheus_program.empty())
      << "prometheus is not on PATH; deploy/setup.sh installs it";
  ASSERT_FALSE(promtool.empty())
      << "promtool is not on PATH; deploy/setup.sh installs it (package "
         "prometheus)";

  const TempDir work_dir;
  const std::string token = "scrape-5be0d2";
  const std::string token_file = work_dir.Join("metrics.token");
  ASSERT_TRUE(services::WritePrivateFile(token_file, token + "\n").ok());
  absl::StatusOr<std::unique_ptr<ServerProcess>> started = ServerProcess::Start(
      {.extra_args = {"--metrics-listen", "127.0.0.1:0", "--metrics-token-file",
                      token_file}});
  ASSERT_TRUE(started.ok()) << started.status();
  ServerProcess& server = **started;
  ASSERT_GT(server.metrics_port(), 0) << server.ReadLog();

  absl::StatusOr<std::unique_ptr<Prometheus>> prometheus = Prometheus::Start(
      prometheus_program, work_dir, server.metrics_port(), token_file);
  ASSERT_TRUE(prometheus.ok()) << prometheus.status();

  const Client admin(server.NewChannel(), server.admin_token());
  Must(admin.CreateTimebank("scraped"), "create");
  Must(admin.OpenAccount("scraped", "kathy"), "open");
  Must(admin.OpenAccount("scraped", "vera"), "open");
  constexpr int kRecords = 6;
  for (int i = 0; i < kRecords; ++i) {
    Must(admin.RecordExchange(ExchangeRequest(
             "scraped", "p-" + std::to_string(i), "kathy", "vera", 15)),
         "record");
  }

  const std::string calls =
      "timebank_rpc_calls_total{method=\"timebank.v1.Ledger/RecordExchange\","
      "code=\"OK\"}";
  EXPECT_EQ((*prometheus)->WaitForValue(calls, kRecords), kRecords)
      << (*prometheus)->Targets();
  // Prometheus drops a whole scrape it cannot parse: up says it took them.
  EXPECT_EQ((*prometheus)->WaitForValue("up{job=\"timebank\"}", 1), 1)
      << (*prometheus)->Targets();
  const std::optional<nlohmann::json> latency =
      (*prometheus)
          ->Query(
              "timebank_rpc_duration_seconds_count{method=\"timebank.v1.Ledger/"
              "RecordExchange\",code=\"OK\"}");
  ASSERT_TRUE(latency && latency->size() == 1) << (*prometheus)->Targets();
  EXPECT_EQ((*latency)[0]["value"][1], std::to_string(kRecords));

  const CommandRun stopped = (*prometheus)->Stop();
  EXPECT_EQ(stopped.exit_code, 0) << stopped;

  const std::optional<std::string> scrape =
      Get(server.metrics_port(), "/metrics", {},
          {{"Authorization", "Bearer " + token}});
  ASSERT_TRUE(scrape.has_value());
  const CommandRun checked = PromtoolCheckMetrics(promtool, work_dir, *scrape);
  EXPECT_EQ(checked.exit_code, 0) << checked << "\n--- the scrape:\n"
                                  << *scrape;
  EXPECT_EQ(checked.out + checked.err, "") << checked;
  // And promtool does find problems, so the check above can fail.
  const CommandRun refused = PromtoolCheckMetrics(
      promtool, work_dir, "# TYPE requests counter\nrequests 1\n");
  EXPECT_NE(refused.exit_code, 0) << refused;
}

}  // namespace
}  // namespace timebank::testing
