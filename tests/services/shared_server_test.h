// A gtest fixture for suites that share one timebankd: the server starts
// once per suite (a start costs a few hundred milliseconds on a slow
// machine) in its own temporary directory, which is removed when the suite
// ends. Tests keep out of each other's way by working in timebanks of their
// own, named with UniqueId(). Tests that restart or kill a server start their
// own ServerProcess instead.
//
//   class WatchJournalTest : public SharedServerTest<WatchJournalTest> {};
//
// A suite that needs other server flags declares its own
// `static ServerProcessOptions ServerOptions()`.
//
// Thread safety: as gtest fixtures; admin() may be used from any thread.

#ifndef TIMEBANK_TESTS_SERVICES_SHARED_SERVER_TEST_H_
#define TIMEBANK_TESTS_SERVICES_SHARED_SERVER_TEST_H_

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tests/services/rpc_client.h"
#include "tests/services/server_process.h"

namespace timebank::testing {

// `Suite` is the derived fixture, so every suite gets its own server.
template <typename Suite>
class SharedServerTest : public ::testing::Test {
 protected:
  static ServerProcessOptions ServerOptions() { return {}; }

  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<ServerProcess>> started =
        ServerProcess::Start(Suite::ServerOptions());
    if (started.ok()) {
      server_ = *std::move(started);
    } else {
      start_error_ = started.status().ToString();
    }
  }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    ASSERT_NE(server_, nullptr) << "timebankd did not start: " << start_error_;
    admin_.emplace(server_->NewChannel(), server_->admin_token());
  }

  static bool server_started() { return server_ != nullptr; }
  static ServerProcess& server() { return *server_; }
  // A client with the server's ADMIN token on a channel of this test's own.
  const Client& admin() const { return *admin_; }

  // "<prefix>-<n>": an id no other test of the suite uses.
  static std::string UniqueId(std::string_view prefix) {
    return std::string(prefix) + "-" + std::to_string(++ids_made_);
  }

 private:
  static inline std::unique_ptr<ServerProcess> server_;
  static inline std::string start_error_;
  static inline int ids_made_ = 0;
  std::optional<Client> admin_;
};

}  // namespace timebank::testing

#endif  // TIMEBANK_TESTS_SERVICES_SHARED_SERVER_TEST_H_
