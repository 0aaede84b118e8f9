// The RocksDB-to-ledger status mapping every storage call goes through.

#include "ledger/rocks_status.h"

#include <gtest/gtest.h>
#include <rocksdb/status.h>

#include "tests/test_util/status_assertions.h"

namespace timebank::ledger {
namespace {

using internal::FromRocks;

TEST(RocksStatus, OkStaysOk) {
  EXPECT_OK(FromRocks(rocksdb::Status::OK(), "read"));
}

TEST(RocksStatus, FailureIsUnavailableNamingTheStepAndRocksDbsReason) {
  const absl::Status s =
      FromRocks(rocksdb::Status::IOError("disk on fire"), "read");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "storage: read failed: IO error: disk on fire");
}

TEST(RocksStatus, NotFoundIsAFailureToo) {
  // Callers that expect a missing key test IsNotFound before mapping.
  EXPECT_STATUS(FromRocks(rocksdb::Status::NotFound("key"), "read"),
                absl::StatusCode::kUnavailable,
                "storage: read failed: NotFound");
}

TEST(RocksStatus, FatalErrorSaysARestartIsNeeded) {
  const rocksdb::Status fatal(rocksdb::Status::IOError("sync"),
                              rocksdb::Status::Severity::kFatalError);
  const absl::Status s = FromRocks(fatal, "write");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(s.message(),
            "storage: write failed: IO error: sync; restart the server to "
            "recover");
}

TEST(RocksStatus, SoftErrorDoesNotAskForARestart) {
  const rocksdb::Status soft(rocksdb::Status::IOError("no space"),
                             rocksdb::Status::Severity::kSoftError);
  EXPECT_EQ(FromRocks(soft, "write").message(),
            "storage: write failed: IO error: no space");
}

}  // namespace
}  // namespace timebank::ledger
