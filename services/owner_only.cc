#include "services/owner_only.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace timebank::services {
namespace {

constexpr mode_t kGroupAndOther = 0077;

enum class Link { kFollow, kDoNotFollow };

void Tighten(const std::string& path, Link link, OwnerOnlyResult& result) {
  const auto fail = [&](const char* what, int error) {
    if (result.failed++ == 0) {
      result.first_failure = path + ": " + what + ": " + std::strerror(error);
    }
  };
  struct stat st {};
  const int read = link == Link::kFollow ? ::stat(path.c_str(), &st)
                                         : ::lstat(path.c_str(), &st);
  if (read != 0) {
    // Gone since it was listed (RocksDB deletes obsolete files as it likes).
    if (errno != ENOENT) fail("stat", errno);
    return;
  }
  // chmod would act on the link's target, which need not be ours.
  if (S_ISLNK(st.st_mode)) return;
  if ((st.st_mode & kGroupAndOther) == 0) return;
  if (::chmod(path.c_str(), st.st_mode & 07777 & ~kGroupAndOther) != 0) {
    fail("chmod", errno);
    return;
  }
  ++result.tightened;
}

}  // namespace

OwnerOnlyResult RestrictToOwner(const std::string& root) {
  namespace fs = std::filesystem;
  OwnerOnlyResult result;
  std::error_code error;
  if (!fs::exists(root, error)) return result;
  Tighten(root, Link::kFollow, result);
  // The iterator does not descend into linked directories by default.
  fs::recursive_directory_iterator it(root, error);
  for (; !error && it != fs::recursive_directory_iterator();
       it.increment(error)) {
    Tighten(it->path().string(), Link::kDoNotFollow, result);
  }
  if (error && result.failed++ == 0) {
    result.first_failure = root + ": listing: " + error.message();
  }
  return result;
}

}  // namespace timebank::services
