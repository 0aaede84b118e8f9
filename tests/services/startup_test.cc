// Start-up refusals of the real timebankd binary: a data directory another
// timebankd holds, one written in another on-disk format version, and one
// holding some other RocksDB database. Each must end the process with a
// nonzero exit code and a message naming the data directory and the reason,
// and must leave the directory as it found it.

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <chrono>
#include <string>

#include "ledger/codec.h"
#include "tests/ledger/database_edit.h"
#include "tests/services/rpc_client.h"
#include "tests/services/server_process.h"
#include "tests/test_util/status_assertions.h"
#include "tests/test_util/temp_dir.h"

namespace timebank::testing {
namespace {

using ledger_test::EditDatabase;
using ledger_test::Synced;

constexpr std::chrono::seconds kExitTimeout{20};

std::vector<std::string> ArgsFor(const std::string& data_dir) {
  return {"--data-dir", data_dir, "--listen", "127.0.0.1:0"};
}

// The stored format version, or the error reading it.
std::string StoredFormat(const std::string& data_dir) {
  std::string format;
  const absl::Status read = EditDatabase(data_dir, [&](rocksdb::DB& db) {
    return db.Get(rocksdb::ReadOptions(), std::string(ledger::kFormatKey),
                  &format);
  });
  return read.ok() ? format : read.ToString();
}

TEST(Startup, RefusesADataDirectoryAnotherServerHolds) {
  TempDir dir;
  const std::string data_dir = dir.Join("data");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> first,
                       ServerProcess::Start({.data_dir = data_dir}));
  const std::string admin_token = first->admin_token();

  const ExitedRun second = RunTimebankdToExit(ArgsFor(data_dir), kExitTimeout);
  EXPECT_NE(second.exit_code, 0) << second.output;
  EXPECT_NE(second.exit_code, -1) << "the second server did not exit";
  EXPECT_NE(second.output.find("data_dir"), std::string::npos)
      << second.output;
  EXPECT_NE(second.output.find("in use by another process"), std::string::npos)
      << second.output;

  // The first server was not disturbed, nor was its token replaced.
  EXPECT_TRUE(first->running());
  const Client admin(first->NewChannel(), admin_token);
  EXPECT_RPC_OK(admin.CreateTimebank("still-serving"));
  EXPECT_EQ(ReadWholeFile(data_dir + "/admin.token").value_or(""),
            admin_token + "\n");
}

TEST(Startup, RefusesAnotherFormatVersionAndLeavesItAlone) {
  TempDir dir;
  const std::string data_dir = dir.Join("data");
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> server,
                         ServerProcess::Start({.data_dir = data_dir}));
    EXPECT_EQ(server->Stop(), 0) << server->ReadLog();
  }
  ASSERT_EQ(StoredFormat(data_dir), std::string(ledger::kFormatVersion));
  const std::string other_version =
      std::string(ledger::kFormatVersion) + "99";
  ASSERT_OK(EditDatabase(data_dir, [&](rocksdb::DB& db) {
    return db.Put(Synced(), std::string(ledger::kFormatKey), other_version);
  }));

  const ExitedRun run = RunTimebankdToExit(ArgsFor(data_dir), kExitTimeout);
  EXPECT_NE(run.exit_code, 0) << run.output;
  EXPECT_NE(run.exit_code, -1) << "the server did not exit";
  EXPECT_NE(run.output.find("data_dir"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("format version " + other_version),
            std::string::npos)
      << run.output;
  EXPECT_EQ(StoredFormat(data_dir), other_version)
      << "the refused directory was rewritten";
}

TEST(Startup, RefusesADatabaseThatIsNotALedger) {
  TempDir dir;
  const std::string data_dir = dir.Join("data");
  ASSERT_OK(EditDatabase(data_dir, [](rocksdb::DB& db) {
    return db.Put(Synced(), "some-other-application", "its data");
  }));

  const ExitedRun run = RunTimebankdToExit(ArgsFor(data_dir), kExitTimeout);
  EXPECT_NE(run.exit_code, 0) << run.output;
  EXPECT_NE(run.exit_code, -1) << "the server did not exit";
  EXPECT_NE(run.output.find("not a timebank ledger"), std::string::npos)
      << run.output;
  EXPECT_NE(StoredFormat(data_dir).find("NotFound"), std::string::npos)
      << "the refused directory was given a format key";
  EXPECT_FALSE(ReadWholeFile(data_dir + "/admin.token").ok())
      << "the refused directory was given an admin token";
}

}  // namespace
}  // namespace timebank::testing
