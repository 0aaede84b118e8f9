#include "client/connection.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "client/settings.h"

namespace timebank::client {
namespace {

// A temporary directory per test, removed afterwards.
class ConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/timebank_client_test_XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string WriteFile(const std::string& name, const std::string& content) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  std::filesystem::path dir_;
};

EnvLookup FakeEnv(std::map<std::string, std::string> values) {
  return [values](const char* name) -> std::optional<std::string> {
    auto found = values.find(name);
    if (found == values.end()) return std::nullopt;
    return found->second;
  };
}

TEST_F(ConnectionTest, FlagsWinOverTheEnvironment) {
  ConnectionOptions flags{.server = "flag:1", .token_file = "flag.token"};
  ConnectionOptions resolved = ResolveOptions(
      flags, FakeEnv({{kServerEnv, "env:2"}, {kTokenFileEnv, "env.token"}}));
  EXPECT_EQ(resolved.server, "flag:1");
  EXPECT_EQ(resolved.token_file, "flag.token");
  EXPECT_FALSE(resolved.tls);
}

TEST_F(ConnectionTest, TheEnvironmentFillsWhatFlagsLeaveOut) {
  ConnectionOptions resolved = ResolveOptions(
      {}, FakeEnv({{kServerEnv, "env:2"}, {kTokenFileEnv, "env.token"}}));
  EXPECT_EQ(resolved.server, "env:2");
  EXPECT_EQ(resolved.token_file, "env.token");
}

TEST_F(ConnectionTest, DefaultsApplyLast) {
  ConnectionOptions resolved = ResolveOptions({}, FakeEnv({{kServerEnv, ""}}));
  EXPECT_EQ(resolved.server, kDefaultServer);
}

TEST_F(ConnectionTest, AnyTlsFileImpliesTls) {
  EXPECT_TRUE(ResolveOptions({.tls_ca_file = "ca.pem"}, FakeEnv({})).tls);
  EXPECT_TRUE(ResolveOptions({.tls = true}, FakeEnv({})).tls);
}

TEST_F(ConnectionTest, ReadsATokenWithoutItsNewline) {
  absl::StatusOr<std::string> token =
      ReadTokenFile(WriteFile("t", "  s3cret-token\n"));
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "s3cret-token");
}

TEST_F(ConnectionTest, TokenErrorsNeverShowTheToken) {
  absl::StatusOr<std::string> token =
      ReadTokenFile(WriteFile("t", "bad token"));
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(token.status().message().find("bad token"), std::string_view::npos);
}

TEST_F(ConnectionTest, RejectsMissingEmptyAndHugeTokenFiles) {
  EXPECT_EQ(ReadTokenFile((dir_ / "missing").string()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(ReadTokenFile(WriteFile("empty", "\n")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      ReadTokenFile(WriteFile("huge", std::string(kMaxTokenFileBytes + 1, 'a')))
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadTokenFile(WriteFile("ctl",
                                    "tok\x01"
                                    "en"))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ConnectionTest, OpenWithoutATokenIsUnauthenticated) {
  EXPECT_EQ(Connection::Open({.server = "localhost:1"}).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(ConnectionTest, OpenNeedsBothHalvesOfAClientCertificate) {
  ConnectionOptions options{.server = "localhost:1",
                            .token_file = WriteFile("t", "token"),
                            .tls = true,
                            .tls_cert_file = WriteFile("cert.pem", "x")};
  EXPECT_EQ(Connection::Open(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ConnectionTest, OpenDoesNotContactTheServer) {
  ConnectionOptions options{.server = "localhost:1",
                            .token_file = WriteFile("t", "token")};
  absl::StatusOr<std::unique_ptr<Connection>> connection =
      Connection::Open(options);
  ASSERT_TRUE(connection.ok()) << connection.status();
  std::unique_ptr<grpc::ClientContext> context =
      (*connection)->NewCallContext();
  EXPECT_LT(context->deadline(), std::chrono::system_clock::now() +
                                     kDefaultDeadline +
                                     std::chrono::seconds(1));
  EXPECT_NE((*connection)->WithToken("other"), nullptr);
}

TEST_F(ConnectionTest, CallsToNoServerFailAsUnavailable) {
  ConnectionOptions options{.server = "127.0.0.1:1",
                            .token_file = WriteFile("t", "token"),
                            .deadline = std::chrono::seconds(5)};
  absl::StatusOr<std::unique_ptr<Connection>> connection =
      Connection::Open(options);
  ASSERT_TRUE(connection.ok());
  std::unique_ptr<grpc::ClientContext> context =
      (*connection)->NewCallContext();
  timebank::v1::Timebank reply;
  const absl::Status status =
      FromGrpc((*connection)
                   ->ledger()
                   .GetTimebank(context.get(),
                                timebank::v1::GetTimebankRequest(), &reply));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
}

TEST_F(ConnectionTest, TheSettingsFileFillsWhatTheEnvironmentLeavesOut) {
  const std::string path = WriteFile("config",
                                     "# for the Riverside coordinators\n"
                                     "server = file:3\n"
                                     "\n"
                                     "  timebank =  riverside \n"
                                     "token-file = riverside.token\n"
                                     "page-url = https://tb.example.org/\n");
  absl::StatusOr<Settings> settings =
      Settings::Load(FakeEnv({{kConfigEnv, path}, {kServerEnv, "env:2"}}));
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->Get(kServerEnv), "env:2");
  EXPECT_EQ(settings->SourceOf(kServerEnv), "$TIMEBANK_SERVER");
  EXPECT_EQ(settings->Get(kTimebankEnv), "riverside");
  EXPECT_EQ(settings->SourceOf(kTimebankEnv), path);
  EXPECT_EQ(settings->Get(kPageUrlEnv), "https://tb.example.org/");
  // A relative token file is beside the settings file, wherever the CLI runs.
  EXPECT_EQ(settings->Get(kTokenFileEnv), (dir_ / "riverside.token").string());
  ConnectionOptions resolved = ResolveOptions({}, settings->AsLookup());
  EXPECT_EQ(resolved.server, "env:2");
  EXPECT_EQ(resolved.token_file, (dir_ / "riverside.token").string());
}

TEST_F(ConnectionTest, TheSettingsFileIsFoundUnderTheConfigFolders) {
  std::filesystem::create_directories(dir_ / "xdg/timebank");
  WriteFile("xdg/timebank/config", "timebank = from-xdg\n");
  std::filesystem::create_directories(dir_ / "home/.config/timebank");
  WriteFile("home/.config/timebank/config", "timebank = from-home\n");
  const std::string xdg = (dir_ / "xdg").string();
  const std::string home = (dir_ / "home").string();
  absl::StatusOr<Settings> by_xdg =
      Settings::Load(FakeEnv({{"XDG_CONFIG_HOME", xdg}, {"HOME", home}}));
  ASSERT_TRUE(by_xdg.ok()) << by_xdg.status();
  EXPECT_EQ(by_xdg->Get(kTimebankEnv), "from-xdg");
  absl::StatusOr<Settings> by_home = Settings::Load(FakeEnv({{"HOME", home}}));
  ASSERT_TRUE(by_home.ok()) << by_home.status();
  EXPECT_EQ(by_home->Get(kTimebankEnv), "from-home");
  // No file where it would be looked for is no settings, not an error.
  absl::StatusOr<Settings> none =
      Settings::Load(FakeEnv({{"HOME", (dir_ / "nowhere").string()}}));
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->Get(kTimebankEnv), std::nullopt);
}

TEST_F(ConnectionTest, SettingsFileMistakesNameTheFileAndLine) {
  const std::string unknown =
      WriteFile("unknown", "server = a:1\ntimbank = x\n");
  absl::StatusOr<Settings> settings =
      Settings::Load(FakeEnv({{kConfigEnv, unknown}}));
  ASSERT_EQ(settings.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(settings.status().message().find(unknown + " line 2"),
            std::string_view::npos)
      << settings.status();
  EXPECT_NE(settings.status().message().find("'timbank'"),
            std::string_view::npos)
      << settings.status();
  const std::string no_equals = WriteFile("no_equals", "riverside\n");
  EXPECT_EQ(Settings::Load(FakeEnv({{kConfigEnv, no_equals}})).status().code(),
            absl::StatusCode::kInvalidArgument);
  // A file named on purpose must be there.
  EXPECT_EQ(Settings::Load(FakeEnv({{kConfigEnv, (dir_ / "missing").string()}}))
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST(FromGrpc, KeepsCodeAndMessage) {
  const absl::Status status = FromGrpc(
      grpc::Status(grpc::StatusCode::NOT_FOUND, "account_id: unknown"));
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "account_id: unknown");
  EXPECT_TRUE(FromGrpc(grpc::Status::OK).ok());
}

}  // namespace
}  // namespace timebank::client
