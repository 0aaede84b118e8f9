#include "tests/ledger/fault_fs.h"

#include <algorithm>
#include <filesystem>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace timebank::ledger_test {
namespace {

using rocksdb::IODebugContext;
using rocksdb::IOOptions;
using rocksdb::IOStatus;
using rocksdb::Slice;

std::string Normal(const std::string& path) {
  std::string out = std::filesystem::path(path).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::string ParentOf(const std::string& path) {
  return Normal(std::filesystem::path(Normal(path)).parent_path().string());
}

// A writable file that reports what it appended and synced.
class FaultWritableFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultWritableFile(std::unique_ptr<rocksdb::FSWritableFile> target,
                    std::shared_ptr<FaultFileSystem::FileState> state,
                    FaultFileSystem* fs)
      : FSWritableFileOwnerWrapper(std::move(target)),
        state_(std::move(state)),
        fs_(fs) {}

  IOStatus Append(const Slice& data, const IOOptions& options,
                  IODebugContext* dbg) override {
    if (IOStatus s = fs_->Check(FaultFileSystem::Op::kAppend); !s.ok()) {
      return s;
    }
    const uint64_t end = fs_->SizeOf(state_) + data.size();
    IOStatus s = FSWritableFileOwnerWrapper::Append(data, options, dbg);
    if (s.ok()) fs_->Appended(state_, end);
    return s;
  }
  IOStatus Append(const Slice& data, const IOOptions& options,
                  const rocksdb::DataVerificationInfo& verification_info,
                  IODebugContext* dbg) override {
    if (IOStatus s = fs_->Check(FaultFileSystem::Op::kAppend); !s.ok()) {
      return s;
    }
    const uint64_t end = fs_->SizeOf(state_) + data.size();
    IOStatus s = FSWritableFileOwnerWrapper::Append(data, options,
                                                    verification_info, dbg);
    if (s.ok()) fs_->Appended(state_, end);
    return s;
  }
  IOStatus PositionedAppend(const Slice& data, uint64_t offset,
                            const IOOptions& options,
                            IODebugContext* dbg) override {
    if (IOStatus s = fs_->Check(FaultFileSystem::Op::kAppend); !s.ok()) {
      return s;
    }
    IOStatus s = FSWritableFileOwnerWrapper::PositionedAppend(data, offset,
                                                              options, dbg);
    if (s.ok()) fs_->Appended(state_, offset + data.size());
    return s;
  }
  IOStatus PositionedAppend(
      const Slice& data, uint64_t offset, const IOOptions& options,
      const rocksdb::DataVerificationInfo& verification_info,
      IODebugContext* dbg) override {
    if (IOStatus s = fs_->Check(FaultFileSystem::Op::kAppend); !s.ok()) {
      return s;
    }
    IOStatus s = FSWritableFileOwnerWrapper::PositionedAppend(
        data, offset, options, verification_info, dbg);
    if (s.ok()) fs_->Appended(state_, offset + data.size());
    return s;
  }
  IOStatus Truncate(uint64_t size, const IOOptions& options,
                    IODebugContext* dbg) override {
    if (IOStatus s = fs_->Check(FaultFileSystem::Op::kAppend); !s.ok()) {
      return s;
    }
    IOStatus s = FSWritableFileOwnerWrapper::Truncate(size, options, dbg);
    if (s.ok()) fs_->Truncated(state_, size);
    return s;
  }
  IOStatus Flush(const IOOptions& options, IODebugContext* dbg) override {
    if (!fs_->powered()) return fs_->Check(FaultFileSystem::Op::kMetadata);
    return FSWritableFileOwnerWrapper::Flush(options, dbg);
  }
  IOStatus Sync(const IOOptions& options, IODebugContext* dbg) override {
    return SyncUpTo(fs_->SizeOf(state_), [&] {
      return FSWritableFileOwnerWrapper::Sync(options, dbg);
    });
  }
  IOStatus Fsync(const IOOptions& options, IODebugContext* dbg) override {
    return SyncUpTo(fs_->SizeOf(state_), [&] {
      return FSWritableFileOwnerWrapper::Fsync(options, dbg);
    });
  }
  IOStatus RangeSync(uint64_t offset, uint64_t nbytes, const IOOptions& options,
                     IODebugContext* dbg) override {
    return SyncUpTo(offset + nbytes, [&] {
      return FSWritableFileOwnerWrapper::RangeSync(offset, nbytes, options,
                                                   dbg);
    });
  }
  IOStatus Close(const IOOptions& options, IODebugContext* dbg) override {
    // Close the descriptor even without power, so nothing leaks; the bytes
    // it held are dealt with by DropUnsyncedData.
    IOStatus s = FSWritableFileOwnerWrapper::Close(options, dbg);
    if (!fs_->powered()) return fs_->Check(FaultFileSystem::Op::kMetadata);
    return s;
  }

 private:
  template <typename SyncFn>
  IOStatus SyncUpTo(uint64_t up_to_bytes, SyncFn sync) {
    if (IOStatus s = fs_->Check(FaultFileSystem::Op::kSync); !s.ok()) {
      return s;
    }
    IOStatus s = sync();
    if (!s.ok()) return s;
    // The power went out while the sync ran: its caller never hears back,
    // and nothing says the bytes reached the platter.
    if (!fs_->powered()) return fs_->Check(FaultFileSystem::Op::kSync);
    fs_->Synced(state_, up_to_bytes);
    return s;
  }

  std::shared_ptr<FaultFileSystem::FileState> state_;
  FaultFileSystem* fs_;
};

// A directory handle whose fsync makes new names in it durable.
class FaultDirectory : public rocksdb::FSDirectoryWrapper {
 public:
  FaultDirectory(std::unique_ptr<rocksdb::FSDirectory> target, std::string name,
                 FaultFileSystem* fs)
      : FSDirectoryWrapper(std::move(target)),
        name_(std::move(name)),
        fs_(fs) {}

  IOStatus Fsync(const IOOptions& options, IODebugContext* dbg) override {
    if (IOStatus s = fs_->Check(FaultFileSystem::Op::kSync); !s.ok()) return s;
    IOStatus s = FSDirectoryWrapper::Fsync(options, dbg);
    return Done(s);
  }
  IOStatus FsyncWithDirOptions(
      const IOOptions& options, IODebugContext* dbg,
      const rocksdb::DirFsyncOptions& dir_fsync_options) override {
    if (IOStatus s = fs_->Check(FaultFileSystem::Op::kSync); !s.ok()) return s;
    IOStatus s = FSDirectoryWrapper::FsyncWithDirOptions(options, dbg,
                                                         dir_fsync_options);
    return Done(s);
  }

 private:
  IOStatus Done(IOStatus s) {
    if (!s.ok()) return s;
    if (!fs_->powered()) return fs_->Check(FaultFileSystem::Op::kSync);
    fs_->DirectorySynced(name_);
    return s;
  }

  std::string name_;
  FaultFileSystem* fs_;
};

}  // namespace

FaultFileSystem::FaultFileSystem()
    : FileSystemWrapper(rocksdb::FileSystem::Default()) {}

void FaultFileSystem::SetFault(WriteFault fault) { fault_.store(fault); }

void FaultFileSystem::CutPower() { powered_.store(false); }

IOStatus FaultFileSystem::Check(Op op) {
  if (!powered_.load()) {
    ++faults_injected_;
    return IOStatus::IOError("injected: power cut");
  }
  const WriteFault fault = fault_.load();
  const bool fails =
      (fault == WriteFault::kNoSpace || fault == WriteFault::kIOError)
          ? op != Op::kMetadata
          : fault == WriteFault::kSyncIOError && op == Op::kSync;
  if (!fails) return IOStatus::OK();
  ++faults_injected_;
  if (fault == WriteFault::kNoSpace) {
    return IOStatus::NoSpace("injected: no space left on device");
  }
  return IOStatus::IOError("injected: input/output error");
}

void FaultFileSystem::Appended(const std::shared_ptr<FileState>& state,
                               uint64_t end_offset) {
  std::lock_guard lock(mu_);
  state->size_bytes = std::max(state->size_bytes, end_offset);
}

void FaultFileSystem::Truncated(const std::shared_ptr<FileState>& state,
                                uint64_t size_bytes) {
  std::lock_guard lock(mu_);
  state->size_bytes = size_bytes;
  state->synced_bytes = std::min(state->synced_bytes, size_bytes);
}

void FaultFileSystem::Synced(const std::shared_ptr<FileState>& state,
                             uint64_t up_to_bytes) {
  std::lock_guard lock(mu_);
  state->synced_bytes =
      std::max(state->synced_bytes, std::min(up_to_bytes, state->size_bytes));
}

uint64_t FaultFileSystem::SizeOf(const std::shared_ptr<FileState>& state) {
  std::lock_guard lock(mu_);
  return state->size_bytes;
}

std::shared_ptr<FaultFileSystem::FileState> FaultFileSystem::Track(
    const std::string& fname, uint64_t existing_bytes, bool new_name) {
  auto state = std::make_shared<FileState>(
      FileState{.size_bytes = existing_bytes, .synced_bytes = existing_bytes});
  const std::string name = Normal(fname);
  std::lock_guard lock(mu_);
  files_[name] = state;
  if (new_name) unsynced_names_.insert(name);
  return state;
}

void FaultFileSystem::DirectorySynced(const std::string& dirname) {
  const std::string dir = Normal(dirname);
  std::lock_guard lock(mu_);
  for (auto it = unsynced_names_.begin(); it != unsynced_names_.end();) {
    it = ParentOf(*it) == dir ? unsynced_names_.erase(it) : std::next(it);
  }
}

IOStatus FaultFileSystem::NewWritableFile(
    const std::string& fname, const rocksdb::FileOptions& file_opts,
    std::unique_ptr<rocksdb::FSWritableFile>* result, IODebugContext* dbg) {
  if (IOStatus s = Check(Op::kMetadata); !s.ok()) return s;
  const bool existed = target_->FileExists(fname, IOOptions(), dbg).ok();
  std::unique_ptr<rocksdb::FSWritableFile> file;
  IOStatus s = target_->NewWritableFile(fname, file_opts, &file, dbg);
  if (!s.ok()) return s;
  // NewWritableFile truncates an existing file: none of it is left to keep.
  *result = std::make_unique<FaultWritableFile>(
      std::move(file), Track(fname, 0, !existed), this);
  return s;
}

IOStatus FaultFileSystem::ReopenWritableFile(
    const std::string& fname, const rocksdb::FileOptions& file_opts,
    std::unique_ptr<rocksdb::FSWritableFile>* result, IODebugContext* dbg) {
  if (IOStatus s = Check(Op::kMetadata); !s.ok()) return s;
  uint64_t existing_bytes = 0;
  const bool existed =
      target_->GetFileSize(fname, IOOptions(), &existing_bytes, dbg).ok();
  std::shared_ptr<FileState> state;
  {
    std::lock_guard lock(mu_);
    auto it = files_.find(Normal(fname));
    if (it != files_.end()) state = it->second;
  }
  std::unique_ptr<rocksdb::FSWritableFile> file;
  IOStatus s = target_->ReopenWritableFile(fname, file_opts, &file, dbg);
  if (!s.ok()) return s;
  if (!state) state = Track(fname, existing_bytes, !existed);
  *result = std::make_unique<FaultWritableFile>(std::move(file), state, this);
  return s;
}

IOStatus FaultFileSystem::ReuseWritableFile(
    const std::string& fname, const std::string& old_fname,
    const rocksdb::FileOptions& file_opts,
    std::unique_ptr<rocksdb::FSWritableFile>* result, IODebugContext* dbg) {
  if (IOStatus s = Check(Op::kMetadata); !s.ok()) return s;
  std::unique_ptr<rocksdb::FSWritableFile> file;
  IOStatus s =
      target_->ReuseWritableFile(fname, old_fname, file_opts, &file, dbg);
  if (!s.ok()) return s;
  {
    std::lock_guard lock(mu_);
    files_.erase(Normal(old_fname));
    unsynced_names_.erase(Normal(old_fname));
  }
  *result = std::make_unique<FaultWritableFile>(std::move(file),
                                                Track(fname, 0, true), this);
  return s;
}

IOStatus FaultFileSystem::NewRandomRWFile(
    const std::string& fname, const rocksdb::FileOptions& file_opts,
    std::unique_ptr<rocksdb::FSRandomRWFile>* result, IODebugContext* dbg) {
  // The ledger's RocksDB never writes files this way; refuse it rather than
  // let writes escape the model.
  (void)fname;
  (void)file_opts;
  (void)result;
  (void)dbg;
  return IOStatus::NotSupported("FaultFileSystem: random read-write files");
}

IOStatus FaultFileSystem::NewDirectory(
    const std::string& name, const IOOptions& io_opts,
    std::unique_ptr<rocksdb::FSDirectory>* result, IODebugContext* dbg) {
  std::unique_ptr<rocksdb::FSDirectory> dir;
  IOStatus s = target_->NewDirectory(name, io_opts, &dir, dbg);
  if (!s.ok()) return s;
  *result = std::make_unique<FaultDirectory>(std::move(dir), name, this);
  return s;
}

IOStatus FaultFileSystem::DeleteFile(const std::string& fname,
                                     const IOOptions& options,
                                     IODebugContext* dbg) {
  if (IOStatus s = Check(Op::kMetadata); !s.ok()) return s;
  IOStatus s = target_->DeleteFile(fname, options, dbg);
  if (s.ok()) {
    std::lock_guard lock(mu_);
    files_.erase(Normal(fname));
    unsynced_names_.erase(Normal(fname));
  }
  return s;
}

IOStatus FaultFileSystem::RenameFile(const std::string& src,
                                     const std::string& dst,
                                     const IOOptions& options,
                                     IODebugContext* dbg) {
  if (IOStatus s = Check(Op::kMetadata); !s.ok()) return s;
  const bool dst_existed = target_->FileExists(dst, options, dbg).ok();
  IOStatus s = target_->RenameFile(src, dst, options, dbg);
  if (!s.ok()) return s;
  const std::string from = Normal(src);
  const std::string to = Normal(dst);
  std::lock_guard lock(mu_);
  auto it = files_.find(from);
  if (it != files_.end()) {
    files_[to] = it->second;
    files_.erase(from);
  } else {
    files_.erase(to);
  }
  // Replacing an existing name is atomic: after a crash one of the two
  // versions is there, and this model keeps the new one. A brand-new name
  // needs its directory synced, like any other.
  const bool src_unsynced = unsynced_names_.erase(from) > 0;
  if (src_unsynced && !dst_existed) {
    unsynced_names_.insert(to);
  } else {
    unsynced_names_.erase(to);
  }
  return s;
}

IOStatus FaultFileSystem::LinkFile(const std::string& src,
                                   const std::string& dst,
                                   const IOOptions& options,
                                   IODebugContext* dbg) {
  if (IOStatus s = Check(Op::kMetadata); !s.ok()) return s;
  return target_->LinkFile(src, dst, options, dbg);
}

IOStatus FaultFileSystem::Truncate(const std::string& fname, size_t size,
                                   const IOOptions& options,
                                   IODebugContext* dbg) {
  if (IOStatus s = Check(Op::kAppend); !s.ok()) return s;
  IOStatus s = target_->Truncate(fname, size, options, dbg);
  if (s.ok()) {
    std::lock_guard lock(mu_);
    auto it = files_.find(Normal(fname));
    if (it != files_.end()) {
      it->second->size_bytes = size;
      it->second->synced_bytes =
          std::min<uint64_t>(it->second->synced_bytes, size);
    }
  }
  return s;
}

IOStatus FaultFileSystem::CreateDir(const std::string& dirname,
                                    const IOOptions& options,
                                    IODebugContext* dbg) {
  if (IOStatus s = Check(Op::kMetadata); !s.ok()) return s;
  return target_->CreateDir(dirname, options, dbg);
}

IOStatus FaultFileSystem::CreateDirIfMissing(const std::string& dirname,
                                             const IOOptions& options,
                                             IODebugContext* dbg) {
  if (IOStatus s = Check(Op::kMetadata); !s.ok()) return s;
  return target_->CreateDirIfMissing(dirname, options, dbg);
}

IOStatus FaultFileSystem::DeleteDir(const std::string& dirname,
                                    const IOOptions& options,
                                    IODebugContext* dbg) {
  if (IOStatus s = Check(Op::kMetadata); !s.ok()) return s;
  return target_->DeleteDir(dirname, options, dbg);
}

absl::StatusOr<PowerLossReport> FaultFileSystem::DropUnsyncedData() {
  if (powered_.load()) {
    return absl::FailedPreconditionError(
        "DropUnsyncedData: cut the power first");
  }
  PowerLossReport report;
  std::map<std::string, std::shared_ptr<FileState>> files;
  std::set<std::string> unsynced_names;
  {
    std::lock_guard lock(mu_);
    files.swap(files_);
    unsynced_names.swap(unsynced_names_);
  }
  for (const std::string& name : unsynced_names) {
    files.erase(name);
    IOStatus s = target_->DeleteFile(name, IOOptions(), nullptr);
    if (s.ok()) {
      ++report.files_removed;
    } else if (!s.IsNotFound() && !s.IsPathNotFound()) {
      return absl::InternalError(
          absl::StrCat("remove ", name, ": ", s.ToString()));
    }
  }
  for (const auto& [name, state] : files) {
    uint64_t size_bytes = 0;
    IOStatus s = target_->GetFileSize(name, IOOptions(), &size_bytes, nullptr);
    if (s.IsNotFound() || s.IsPathNotFound()) continue;
    if (!s.ok()) {
      return absl::InternalError(
          absl::StrCat("size of ", name, ": ", s.ToString()));
    }
    if (size_bytes <= state->synced_bytes) continue;
    // The POSIX FileSystem of RocksDB 7.8 does not implement Truncate.
    std::error_code error;
    std::filesystem::resize_file(name, state->synced_bytes, error);
    if (error) {
      return absl::InternalError(
          absl::StrCat("truncate ", name, ": ", error.message()));
    }
    ++report.files_truncated;
    report.bytes_dropped += size_bytes - state->synced_bytes;
  }
  return report;
}

void FaultFileSystem::RestorePower() { powered_.store(true); }

FaultEnv::FaultEnv()
    : fs_(std::make_shared<FaultFileSystem>()),
      env_(rocksdb::NewCompositeEnv(fs_)) {}

}  // namespace timebank::ledger_test
