// Start-up of the real timebankd binary.
//
// Refusals: a data directory another timebankd holds, one written in another
// on-disk format version, and one holding some other RocksDB database. Each
// must end the process with a nonzero exit code and a message naming the
// data directory and the reason, and must leave the directory as it found
// it.
//
// File modes: whatever umask started it, what timebankd creates in its data
// and backup directories is its user's alone, and what it finds there
// readable by others is made so at start.

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "ledger/codec.h"
#include "tests/ledger/database_edit.h"
#include "tests/services/command.h"
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
  EXPECT_NE(second.output.find("data_dir"), std::string::npos) << second.output;
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
  const std::string other_version = std::string(ledger::kFormatVersion) + "99";
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

namespace fs = std::filesystem;

// The test process's umask for one scope; children started in it inherit it.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : previous_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(previous_); }
  ScopedUmask(const ScopedUmask&) = delete;
  ScopedUmask& operator=(const ScopedUmask&) = delete;

 private:
  mode_t previous_;
};

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return 0;
  return st.st_mode;
}

// `root` and everything under it, symbolic links left out.
std::vector<std::string> Entries(const std::string& root) {
  std::vector<std::string> out = {root};
  for (const fs::directory_entry& entry :
       fs::recursive_directory_iterator(root)) {
    if (!entry.is_symlink()) out.push_back(entry.path().string());
  }
  return out;
}

// Entries that group or others may read, write or enter, with their modes.
std::vector<std::string> OpenToOthers(const std::string& root) {
  std::vector<std::string> out;
  for (const std::string& path : Entries(root)) {
    if ((ModeOf(path) & 0077) != 0) {
      char mode[8];
      std::snprintf(mode, sizeof(mode), "%04o", ModeOf(path) & 07777);
      out.push_back(path + " " + mode);
    }
  }
  return out;
}

// Modes as a copy made under umask 022 leaves them; returns how many.
int Loosen(const std::string& root) {
  int loosened = 0;
  for (const std::string& path : Entries(root)) {
    fs::permissions(path,
                    fs::is_directory(path) ? fs::perms(0755) : fs::perms(0644));
    ++loosened;
  }
  return loosened;
}

// The count of the `event=permissions_tightened` line for `dir`; -1 if none.
int TightenedCount(const std::string& log, const std::string& dir) {
  const std::string key = "event=permissions_tightened dir=" + dir + " count=";
  const size_t at = log.find(key);
  if (at == std::string::npos) return -1;
  return std::stoi(log.substr(at + key.size()));
}

TEST(Startup, WhatTheServerCreatesIsOwnerOnlyEvenUnderUmask000) {
  TempDir dir;
  const std::string data_dir = dir.Join("data");
  const std::string backup_dir = dir.Join("backups");
  const std::string restored_dir = dir.Join("restored");
  const ScopedUmask open_to_all(0);
  {
    ASSERT_OK_AND_ASSIGN(
        std::unique_ptr<ServerProcess> server,
        ServerProcess::Start({.data_dir = data_dir,
                              .extra_args = {"--backup-dir", backup_dir}}));
    const Client admin(server->NewChannel(), server->admin_token());
    ASSERT_RPC_OK(admin.CreateTimebank("riverside"));
    ASSERT_RPC_OK(admin.OpenAccount("riverside", "kathy"));
    // Files made while serving, long after start-up.
    ASSERT_RPC_OK(admin.Call(&v1::Admin::Stub::CreateBackup,
                             v1::CreateBackupRequest(),
                             std::chrono::seconds(60)));
    ASSERT_EQ(server->Stop(), 0) << server->ReadLog();
  }
  const CommandRun restore =
      RunCommand({TIMEBANKD_PATH, "restore", "--backup-dir", backup_dir,
                  "--data-dir", restored_dir},
                 dir.path());
  ASSERT_EQ(restore.exit_code, 0) << restore;

  for (const std::string& root : {data_dir, backup_dir, restored_dir}) {
    EXPECT_GE(Entries(root).size(), 4u)
        << root << " holds too little to show anything";
    EXPECT_EQ(OpenToOthers(root), std::vector<std::string>()) << root;
  }
  EXPECT_EQ(ModeOf(data_dir + "/admin.token") & 07777, 0600u);
}

TEST(Startup, TightensFilesOthersCouldReadInTheDataAndBackupDirectories) {
  TempDir dir;
  const std::string data_dir = dir.Join("data");
  const std::string backup_dir = dir.Join("backups");
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<ServerProcess> server,
                         ServerProcess::Start({.data_dir = data_dir}));
    ASSERT_EQ(server->Stop(), 0) << server->ReadLog();
  }
  // What a copy or restore by hand under umask 022 leaves behind.
  fs::create_directories(data_dir + "/notes");
  std::ofstream(data_dir + "/notes/old.txt") << "kept\n";
  fs::create_directories(backup_dir + "/meta");
  std::ofstream(backup_dir + "/meta/1") << "backup\n";
  const int loosened_data = Loosen(data_dir);
  const int loosened_backup = Loosen(backup_dir);
  ASSERT_EQ(loosened_backup, 3);
  // A link inside the tree to a file outside it: not ours to change.
  const std::string outside = dir.Join("outside.txt");
  std::ofstream(outside) << "someone else's\n";
  fs::permissions(outside, fs::perms(0644));
  fs::create_symlink(outside, data_dir + "/outside-link");
  ASSERT_FALSE(OpenToOthers(data_dir).empty());

  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<ServerProcess> server,
      ServerProcess::Start(
          {.data_dir = data_dir, .extra_args = {"--backup-dir", backup_dir}}));
  EXPECT_EQ(OpenToOthers(data_dir), std::vector<std::string>());
  EXPECT_EQ(OpenToOthers(backup_dir), std::vector<std::string>());
  EXPECT_EQ(ModeOf(outside) & 07777, 0644u)
      << "followed a link out of the tree";
  EXPECT_EQ(ReadWholeFile(data_dir + "/notes/old.txt").value_or(""), "kept\n");

  // The server still works with what it tightened, and says how many.
  const Client admin(server->NewChannel(), server->admin_token());
  EXPECT_RPC_OK(admin.CreateTimebank("riverside"));
  ASSERT_EQ(server->Stop(), 0);
  const std::string log = server->ReadLog();
  EXPECT_EQ(TightenedCount(log, backup_dir), loosened_backup) << log;
  // RocksDB replaces some of its files on opening, before the tightening;
  // the root, admin.token and the notes are certainly still there.
  EXPECT_GE(TightenedCount(log, data_dir), 4) << log;
  EXPECT_LE(TightenedCount(log, data_dir), loosened_data) << log;
}

}  // namespace
}  // namespace timebank::testing
