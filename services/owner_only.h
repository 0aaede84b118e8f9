// Keeping timebankd's files to its own user. timebankd runs with the umask
// kOwnerOnlyUmask, so what it creates is the owner's alone; RestrictToOwner
// takes group and other permissions away from what an earlier run, a copy or
// a restore left in its directories.
//
// Thread safety: plain functions. RestrictToOwner may run beside anything
// that does not loosen the same files.

#ifndef TIMEBANK_SERVICES_OWNER_ONLY_H_
#define TIMEBANK_SERVICES_OWNER_ONLY_H_

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace timebank::services {

// No permission for group or others on anything created.
inline constexpr mode_t kOwnerOnlyUmask = 0077;

struct OwnerOnlyResult {
  int64_t tightened = 0;  // Entries whose group/other permissions were removed.
  int64_t failed = 0;     // Entries that could not be read or changed.
  std::string first_failure;  // The first of them, "path: reason".
};

// chmod go-rwx on `root` and everything under it, as `chmod -R go-rwx`, but
// never through a symbolic link inside the tree (its target may be anything
// on the machine); a symbolic `root` itself is followed. Owner, setuid,
// setgid and sticky bits are kept. A missing `root` is nothing to do.
// Failures are counted, not fatal: a volume's mount point may belong to
// root, and the server still runs.
OwnerOnlyResult RestrictToOwner(const std::string& root);

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_OWNER_ONLY_H_
