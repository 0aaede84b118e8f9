// Access tokens: who may call the service, in which role and scope. A token
// is shown once when created ("tbk_<id>_<secret>"); only the SHA-256 of its
// secret is stored, and presented secrets are compared in constant time.
//
// A token's name is unique within its name scope (ShareNameScope): among the
// live tokens of the same role that share one of its timebanks, and for ADMIN
// among the live ADMIN tokens. So whether a name is taken says something only
// about tokens that whoever may create this one may also list: a coordinator
// making a MEMBER token learns nothing about other timebanks, nor about the
// ADMIN, COORDINATOR and AUDITOR tokens of its own.
//
// Thread safety: all methods may be called concurrently. Create and Revoke
// return after the change is durable; Authenticate sees it at once.

#ifndef TIMEBANK_LEDGER_ACCESS_H_
#define TIMEBANK_LEDGER_ACCESS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/types.h"
#include "ledger/validation.h"

namespace timebank::ledger {

class Ledger;

enum class Role : uint8_t {
  kAdmin = 1,
  kCoordinator = 2,
  kMember = 3,
  kAuditor = 4
};

struct Token {
  std::string id;  // Public part: 16 hex digits.
  std::string name;
  Role role = Role::kMember;
  std::vector<std::string> timebank_ids;  // Empty for ADMIN.
  std::string account_id;                 // MEMBER only.
  int64_t created_at_us = 0;
  int64_t expires_at_us = 0;  // 0: never.
  bool revoked = false;
  Hash secret_hash{};

  bool CoversTimebank(std::string_view tb) const;
};

struct NewToken {
  Role role = Role::kMember;
  std::vector<std::string> timebank_ids;
  std::string account_id;
  std::string name;
  int64_t expires_at_us = 0;
};

// Tokens are stored in the ledger's database, and their times (creation,
// expiry) are read on the ledger's clock (Ledger::NowUs).
class AccessRegistry {
 public:
  // Loads every token stored in the ledger's database.
  static absl::StatusOr<std::unique_ptr<AccessRegistry>> Open(Ledger* ledger);

  // Returns the secret token string (shown once) and the stored record.
  // INVALID_ARGUMENT naming the field for a malformed request; NOT_FOUND
  // naming timebank_ids for a timebank that does not exist, or account_id
  // for a MEMBER token whose account is not in its timebank; ALREADY_EXISTS
  // naming name when a live token in the same name scope has the name.
  absl::StatusOr<std::pair<std::string, Token>> Create(const NewToken& request);
  // INVALID_ARGUMENT naming token_id for an id that no token could have
  // (CheckTokenId), NOT_FOUND for one no token has.
  absl::StatusOr<Token> Revoke(const std::string& token_id);
  // The token with this id, revoked or not; nullopt if none has it.
  std::optional<Token> Find(const std::string& token_id) const;
  std::vector<Token> List() const;
  bool Empty() const;

  // The live token a bearer string names, or kUnauthenticated.
  absl::StatusOr<Token> Authenticate(std::string_view bearer) const;

  // How many revocations there have been since the registry opened: a
  // long-lived call (a journal stream) compares it before each message it
  // sends and authenticates again only when it moved, so a revocation
  // reaches it at once for the cost of one atomic load.
  uint64_t revocations() const {
    return revocations_.load(std::memory_order_acquire);
  }

 private:
  explicit AccessRegistry(Ledger* ledger);
  absl::Status Store(const Token& token);

  Ledger* ledger_;
  mutable std::mutex mu_;
  std::map<std::string, Token> tokens_;  // By id.
  std::atomic<uint64_t> revocations_{0};
};

// NOT_FOUND naming token_id: the one answer for an id no token has, so that
// callers who must not learn whether an id exists can give the same.
absl::Status NoSuchToken();

// Whether two tokens' names must differ while both are live: the same role,
// and for roles other than ADMIN at least one timebank in common.
bool ShareNameScope(const Token& a, const Token& b);

// A token id is kTokenIdLength lower-case hexadecimal characters; anything
// else is INVALID_ARGUMENT naming `field`.
inline constexpr size_t kTokenIdLength = 16;
absl::Status CheckTokenId(std::string_view field, std::string_view id);

std::string_view RoleName(Role role);
// OK for a value Role names; INVALID_ARGUMENT naming role for any other
// number. Inline, so units that check requests without a registry (the
// fuzzers) need no more than validation.cc.
inline absl::Status CheckRole(Role role) {
  if (role >= Role::kAdmin && role <= Role::kAuditor) return absl::OkStatus();
  return FieldInvalid("role", "must be ADMIN, COORDINATOR, MEMBER or AUDITOR");
}

std::string EncodeToken(const Token& token);
absl::StatusOr<Token> DecodeToken(std::string_view bytes);

}  // namespace timebank::ledger

#endif  // TIMEBANK_LEDGER_ACCESS_H_
