// Client-chosen request ids, which make retried writes safe: the server
// returns the original result for a repeated id with the same content.
// RandomRequestId is thread-safe (it keeps no shared state); the rest are
// pure functions.

#ifndef TIMEBANK_CLIENT_REQUEST_ID_H_
#define TIMEBANK_CLIENT_REQUEST_ID_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace timebank::client {

// A fresh id in the shape of a version 4 UUID, from the system's random
// source: for one-off writes typed at the command line.
std::string RandomRequestId();

// 64-bit FNV-1a over the parts, each preceded by its length so that
// ("ab", "c") and ("a", "bc") differ. Stable across runs and machines, which
// std::hash is not.
uint64_t StableHash(const std::vector<std::string_view>& parts);

// "<prefix>-<16 hex digits of StableHash(parts)>": the same content always
// gets the same id, so re-running an import or the demo records nothing
// twice.
std::string ContentRequestId(std::string_view prefix,
                             const std::vector<std::string_view>& parts);

}  // namespace timebank::client

#endif  // TIMEBANK_CLIENT_REQUEST_ID_H_
