// What the CLI uses when a flag is not given: the environment first, then a
// small settings file, so that a coordinator types `timebank balances`
// rather than `timebank balances --timebank riverside --server ...` every
// time.
//
// The settings file holds one `name = value` per line; `#` starts a comment
// line and blank lines are ignored. Its names are those of the environment
// variables without the TIMEBANK_ prefix, in lower case with `-`:
//
//   # ~/.config/timebank/config
//   server = ledger.example.org:50051
//   token-file = riverside-coordinator.token
//   timebank = riverside
//   page-url = https://ledger.example.org/
//
// The file is $TIMEBANK_CONFIG when set (it must then exist), else
// $XDG_CONFIG_HOME/timebank/config, else $HOME/.config/timebank/config (both
// optional). A relative token-file is relative to the settings file's own
// folder. A setting the CLI does not know, or a line without `=`, is an
// error naming the file and the line, so a typing mistake is never ignored.
//
// Thread safety: immutable once loaded.

#ifndef TIMEBANK_CLIENT_SETTINGS_H_
#define TIMEBANK_CLIENT_SETTINGS_H_

#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "client/connection.h"

namespace timebank::client {

inline constexpr char kTimebankEnv[] = "TIMEBANK_TIMEBANK";
inline constexpr char kPageUrlEnv[] = "TIMEBANK_PAGE_URL";
inline constexpr char kConfigEnv[] = "TIMEBANK_CONFIG";

// Settings files are a few lines; anything bigger is not one.
inline constexpr size_t kMaxSettingsFileBytes = 64 * 1024;

class Settings {
 public:
  // No settings at all: every lookup falls through to the environment.
  explicit Settings(EnvLookup env);

  // Reads the settings file that `env` points to (see above). Fails with
  // INVALID_ARGUMENT for a malformed file and NOT_FOUND when the file
  // TIMEBANK_CONFIG names cannot be read.
  static absl::StatusOr<Settings> Load(EnvLookup env);

  // The value for the environment variable `env_name` (e.g.
  // "TIMEBANK_TIMEBANK"): the variable when set and not empty, else the
  // settings file's, else nullopt.
  std::optional<std::string> Get(const char* env_name) const;

  // Where a value Get returns came from, for help texts:
  // "$TIMEBANK_TIMEBANK" or the settings file's path.
  std::string SourceOf(const char* env_name) const;

  // An EnvLookup over Get, for ResolveOptions; valid while this Settings
  // lives.
  EnvLookup AsLookup() const;

 private:
  EnvLookup env_;
  std::string path_;
  // Keyed by environment variable name.
  std::map<std::string, std::string> file_values_;
};

}  // namespace timebank::client

#endif  // TIMEBANK_CLIENT_SETTINGS_H_
