// A RocksDB file system for tests that fails the way disks and machines do:
// power loss (whatever was not synced is gone), a full disk and I/O errors.
// It wraps the default (POSIX) file system; hand `FaultEnv::env()` to
// LedgerOptions::env.
//
// Power loss is simulated in steps, because a process cannot lose its own
// page cache:
//   1. CutPower(): from now on every write, sync, create, rename and delete
//      fails, and a sync that was already under way when the power went out
//      reports failure and counts for nothing.
//   2. DropUnsyncedData(): once the writers have given up, truncates every
//      file written through this file system to the length it had at its
//      last successful Sync/Fsync/RangeSync, removes files whose directory
//      entry was never made durable (created, then no fsync of their
//      directory), and forgets all of it. The power stays off, so whatever
//      still holds the files can write nothing more.
//   3. End the process without closing anything (_exit in a child
//      process), as a machine that loses power does; then open the data
//      again with a new FaultEnv or the default Env. (Closing a ledger whose
//      WAL saw a write error aborts inside RocksDB 7.8; see
//      LedgerStorageFault.CloseAfterAFailedWriteReturns.)
//   RestorePower() switches the power back on, for tests that go on in the
//   same process.
// The model of durability: appended bytes are durable once a sync of their
// file succeeds; a new file's name once a sync of its directory succeeds; a
// rename onto an existing name and every delete at once. Closing a file makes
// nothing durable. Files written before this object saw them are taken as
// durable.
//
// Write faults (SetFault) apply while set: appends and syncs of files and
// directories fail with the chosen status (kSyncIOError: syncs only); reads,
// creation, renames and deletes keep working, as on a full disk.
//
// Thread safety: every method may be called from any thread; RocksDB calls
// the file system from its own threads.

#ifndef TIMEBANK_TESTS_LEDGER_FAULT_FS_H_
#define TIMEBANK_TESTS_LEDGER_FAULT_FS_H_

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "absl/status/statusor.h"

namespace timebank::ledger_test {

enum class WriteFault {
  kNone,
  kNoSpace,      // Appends and syncs fail: IOStatus::NoSpace (ENOSPC).
  kIOError,      // Appends and syncs fail: IOStatus::IOError (EIO).
  kSyncIOError,  // Appends succeed, syncs fail with EIO ("fsyncgate").
};

// What DropUnsyncedData threw away.
struct PowerLossReport {
  int files_truncated = 0;
  uint64_t bytes_dropped = 0;
  int files_removed = 0;  // New files whose directory was never synced.
};

class FaultFileSystem : public rocksdb::FileSystemWrapper {
 public:
  // Wraps rocksdb::FileSystem::Default().
  FaultFileSystem();

  static const char* kClassName() { return "TimebankFaultFileSystem"; }
  const char* Name() const override { return kClassName(); }

  // Switches write faults on (anything but kNone) or off.
  void SetFault(WriteFault fault);
  // How many operations have failed because of SetFault or CutPower.
  uint64_t faults_injected() const { return faults_injected_.load(); }

  // Step 1 of power loss (see the file comment).
  void CutPower();
  bool powered() const { return powered_.load(); }
  // Step 2; only while the power is off.
  absl::StatusOr<PowerLossReport> DropUnsyncedData();
  void RestorePower();

  // The failure, if any, an operation of this kind meets now.
  enum class Op { kAppend, kSync, kMetadata };
  rocksdb::IOStatus Check(Op op);

  // Bookkeeping the open files report to.
  struct FileState {
    uint64_t size_bytes = 0;
    uint64_t synced_bytes = 0;
  };
  void Appended(const std::shared_ptr<FileState>& state, uint64_t end_offset);
  void Truncated(const std::shared_ptr<FileState>& state, uint64_t size_bytes);
  void Synced(const std::shared_ptr<FileState>& state, uint64_t up_to_bytes);
  uint64_t SizeOf(const std::shared_ptr<FileState>& state);

  rocksdb::IOStatus NewWritableFile(
      const std::string& fname, const rocksdb::FileOptions& file_opts,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReopenWritableFile(
      const std::string& fname, const rocksdb::FileOptions& file_opts,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus ReuseWritableFile(
      const std::string& fname, const std::string& old_fname,
      const rocksdb::FileOptions& file_opts,
      std::unique_ptr<rocksdb::FSWritableFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewRandomRWFile(
      const std::string& fname, const rocksdb::FileOptions& file_opts,
      std::unique_ptr<rocksdb::FSRandomRWFile>* result,
      rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus NewDirectory(const std::string& name,
                                 const rocksdb::IOOptions& io_opts,
                                 std::unique_ptr<rocksdb::FSDirectory>* result,
                                 rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteFile(const std::string& fname,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus RenameFile(const std::string& src, const std::string& dst,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus LinkFile(const std::string& src, const std::string& dst,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus Truncate(const std::string& fname, size_t size,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus CreateDir(const std::string& dirname,
                              const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus CreateDirIfMissing(const std::string& dirname,
                                       const rocksdb::IOOptions& options,
                                       rocksdb::IODebugContext* dbg) override;
  rocksdb::IOStatus DeleteDir(const std::string& dirname,
                              const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override;

  // Called by directory handles after a successful fsync.
  void DirectorySynced(const std::string& dirname);

 private:
  // Starts tracking a file opened for writing; `existing_bytes` are durable.
  std::shared_ptr<FileState> Track(const std::string& fname,
                                   uint64_t existing_bytes, bool new_name);

  std::atomic<WriteFault> fault_{WriteFault::kNone};
  std::atomic<bool> powered_{true};
  std::atomic<uint64_t> faults_injected_{0};

  std::mutex mu_;
  // Every file written through this object since the last
  // DropUnsyncedData.
  std::map<std::string, std::shared_ptr<FileState>> files_;
  // Names created since their directory was last synced.
  std::set<std::string> unsynced_names_;
};

// A rocksdb::Env whose file system is a FaultFileSystem; clock, threads and
// everything else are the default Env's.
class FaultEnv {
 public:
  FaultEnv();
  FaultEnv(const FaultEnv&) = delete;
  FaultEnv& operator=(const FaultEnv&) = delete;

  rocksdb::Env* env() const { return env_.get(); }
  FaultFileSystem& fs() const { return *fs_; }

 private:
  std::shared_ptr<FaultFileSystem> fs_;
  std::unique_ptr<rocksdb::Env> env_;
};

}  // namespace timebank::ledger_test

#endif  // TIMEBANK_TESTS_LEDGER_FAULT_FS_H_
