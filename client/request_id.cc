#include "client/request_id.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/string_view.h"

namespace timebank::client {
namespace {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

void Mix(uint64_t* hash, std::string_view bytes) {
  for (char c : bytes) {
    *hash ^= static_cast<unsigned char>(c);
    *hash *= kFnvPrime;
  }
}

}  // namespace

std::string RandomRequestId() {
  std::random_device device;
  const uint64_t high = (static_cast<uint64_t>(device()) << 32) | device();
  const uint64_t low = (static_cast<uint64_t>(device()) << 32) | device();
  // Version 4 and the RFC 4122 variant, so tools that parse UUIDs accept it.
  const uint64_t versioned_high = (high & ~0xF000ULL) | 0x4000ULL;
  const uint64_t variant_low = (low & ~(0x3ULL << 62)) | (0x2ULL << 62);
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", versioned_high >> 32,
                         (versioned_high >> 16) & 0xFFFF,
                         versioned_high & 0xFFFF, variant_low >> 48,
                         variant_low & 0xFFFFFFFFFFFFULL);
}

uint64_t StableHash(const std::vector<std::string_view>& parts) {
  uint64_t hash = kFnvOffset;
  for (std::string_view part : parts) {
    Mix(&hash, absl::StrCat(part.size(), ":"));
    Mix(&hash, part);
  }
  return hash;
}

std::string ContentRequestId(std::string_view prefix,
                             const std::vector<std::string_view>& parts) {
  return absl::StrFormat("%s-%016x", ToAbsl(prefix), StableHash(parts));
}

}  // namespace timebank::client
