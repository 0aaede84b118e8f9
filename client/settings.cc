#include "client/settings.h"

#include <filesystem>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace timebank::client {
namespace {

// The settings a file may hold, by their name in the file.
struct Known {
  const char* file_name;
  const char* env_name;
};
constexpr Known kKnown[] = {
    {"server", kServerEnv},
    {"token-file", kTokenFileEnv},
    {"timebank", kTimebankEnv},
    {"page-url", kPageUrlEnv},
};

std::optional<std::string> NonEmpty(std::optional<std::string> value) {
  if (value && value->empty()) return std::nullopt;
  return value;
}

// The settings file to read, and whether it must exist.
std::optional<std::pair<std::string, bool>> FileToRead(const EnvLookup& env) {
  if (std::optional<std::string> named = NonEmpty(env(kConfigEnv))) {
    return std::make_pair(*named, true);
  }
  if (std::optional<std::string> xdg = NonEmpty(env("XDG_CONFIG_HOME"))) {
    return std::make_pair(*xdg + "/timebank/config", false);
  }
  if (std::optional<std::string> home = NonEmpty(env("HOME"))) {
    return std::make_pair(*home + "/.config/timebank/config", false);
  }
  return std::nullopt;
}

}  // namespace

Settings::Settings(EnvLookup env) : env_(std::move(env)) {}

absl::StatusOr<Settings> Settings::Load(EnvLookup env) {
  Settings settings(env);
  const std::optional<std::pair<std::string, bool>> file = FileToRead(env);
  if (!file) return settings;
  const auto& [path, required] = *file;
  std::error_code ignored;
  if (!required && !std::filesystem::exists(path, ignored)) return settings;
  absl::StatusOr<std::string> content =
      ReadSmallFile(path, kMaxSettingsFileBytes);
  if (!content.ok()) return content.status();
  settings.path_ = path;
  const std::filesystem::path folder =
      std::filesystem::path(path).parent_path();
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(*content, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    const size_t equals = line.find('=');
    if (equals == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, " line ", line_number,
          ": expected `name = value`, e.g. `timebank = riverside`"));
    }
    const std::string name(absl::StripAsciiWhitespace(line.substr(0, equals)));
    std::string value(absl::StripAsciiWhitespace(line.substr(equals + 1)));
    const Known* known = nullptr;
    for (const Known& k : kKnown) {
      if (name == k.file_name) known = &k;
    }
    if (known == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, " line ", line_number, ": unknown setting '", name,
          "'; the settings are server, token-file, timebank and page-url"));
    }
    if (value.empty()) continue;
    if (known->env_name == std::string_view(kTokenFileEnv) &&
        std::filesystem::path(value).is_relative()) {
      value = (folder / value).string();
    }
    settings.file_values_[known->env_name] = std::move(value);
  }
  return settings;
}

std::optional<std::string> Settings::Get(const char* env_name) const {
  if (std::optional<std::string> value = NonEmpty(env_(env_name))) {
    return value;
  }
  auto it = file_values_.find(env_name);
  if (it == file_values_.end()) return std::nullopt;
  return it->second;
}

std::string Settings::SourceOf(const char* env_name) const {
  if (NonEmpty(env_(env_name))) return absl::StrCat("$", env_name);
  return path_;
}

EnvLookup Settings::AsLookup() const {
  return [this](const char* name) { return Get(name); };
}

}  // namespace timebank::client
