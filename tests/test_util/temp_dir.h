// A temporary directory that exists for the lifetime of one object: made
// unique under $TMPDIR (or /tmp) on construction, removed with everything in
// it on destruction, so each test cleans up after itself even when it fails.
//
// Thread safety: const methods may be called from any thread.

#ifndef TIMEBANK_TESTS_TEST_UTIL_TEMP_DIR_H_
#define TIMEBANK_TESTS_TEST_UTIL_TEMP_DIR_H_

#include <string>
#include <string_view>

namespace timebank::testing {

class TempDir {
 public:
  // Creates the directory; aborts the test program if it cannot, since no
  // test can run without it.
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // `path()/name`, not created.
  std::string Join(std::string_view name) const;

 private:
  std::string path_;
};

}  // namespace timebank::testing

#endif  // TIMEBANK_TESTS_TEST_UTIL_TEMP_DIR_H_
