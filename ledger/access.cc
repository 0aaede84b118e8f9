#include "ledger/access.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/codec.h"
#include "ledger/ledger.h"
#include "ledger/validation.h"

namespace timebank::ledger {
namespace {

constexpr std::string_view kTokenPrefix = "tbk_";
constexpr size_t kIdBytes = kTokenIdLength / 2;
constexpr size_t kSecretBytes = 32;
constexpr size_t kMaxTokens = 100'000;

absl::StatusOr<std::string> RandomHex(size_t bytes) {
  std::string buffer(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(buffer.data()),
                 static_cast<int>(bytes)) != 1) {
    return absl::InternalError(
        "random: OpenSSL could not provide random bytes");
  }
  return absl::BytesToHexString(buffer);
}

absl::Status CheckNewToken(const NewToken& request, int64_t now_us) {
  if (absl::Status s = CheckRole(request.role); !s.ok()) return s;
  if (absl::Status s = CheckText("name", request.name, kActorNameMaxLength,
                                 TextRule::kRequired);
      !s.ok()) {
    return s;
  }
  if (request.role == Role::kAdmin && !request.timebank_ids.empty()) {
    return FieldInvalid("timebank_ids", "an ADMIN token covers every timebank");
  }
  if (request.role != Role::kAdmin && request.timebank_ids.empty()) {
    return FieldInvalid("timebank_ids", "name at least one timebank");
  }
  if (request.timebank_ids.size() > 100) {
    return FieldInvalid("timebank_ids", "at most 100 timebanks");
  }
  for (const std::string& tb : request.timebank_ids) {
    if (absl::Status s = CheckTimebankId("timebank_ids", tb); !s.ok()) return s;
  }
  if (request.role == Role::kMember) {
    if (request.timebank_ids.size() != 1) {
      return FieldInvalid("timebank_ids",
                          "a MEMBER token names exactly one timebank");
    }
    if (absl::Status s = CheckAccountId("account_id", request.account_id);
        !s.ok()) {
      return s;
    }
  } else if (!request.account_id.empty()) {
    return FieldInvalid("account_id", "only a MEMBER token names an account");
  }
  if (request.expires_at_us != 0 && request.expires_at_us <= now_us) {
    return FieldInvalid("expires_at_unix_us", "must be in the future");
  }
  return absl::OkStatus();
}

}  // namespace

bool ShareNameScope(const Token& a, const Token& b) {
  if (a.role != b.role) return false;
  if (a.role == Role::kAdmin) return true;
  return std::any_of(a.timebank_ids.begin(), a.timebank_ids.end(),
                     [&b](const std::string& tb) {
                       return std::find(b.timebank_ids.begin(),
                                        b.timebank_ids.end(),
                                        tb) != b.timebank_ids.end();
                     });
}

bool Token::CoversTimebank(std::string_view tb) const {
  return role == Role::kAdmin ||
         std::find(timebank_ids.begin(), timebank_ids.end(), tb) !=
             timebank_ids.end();
}

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "ADMIN";
    case Role::kCoordinator:
      return "COORDINATOR";
    case Role::kMember:
      return "MEMBER";
    case Role::kAuditor:
      return "AUDITOR";
  }
  return "UNKNOWN";
}

AccessRegistry::AccessRegistry(Ledger* ledger) : ledger_(ledger) {}

absl::StatusOr<std::unique_ptr<AccessRegistry>> AccessRegistry::Open(
    Ledger* ledger) {
  std::unique_ptr<AccessRegistry> registry(new AccessRegistry(ledger));
  absl::StatusOr<std::vector<std::string>> records =
      ledger->LoadAccessRecords();
  if (!records.ok()) return records.status();
  for (const std::string& bytes : *records) {
    absl::StatusOr<Token> token = DecodeToken(bytes);
    if (!token.ok()) return token.status();
    const std::string id = token->id;
    registry->tokens_[id] = *std::move(token);
  }
  return registry;
}

absl::Status AccessRegistry::Store(const Token& token) {
  return ledger_->StoreAccessRecord(token.id, EncodeToken(token));
}

absl::StatusOr<std::pair<std::string, Token>> AccessRegistry::Create(
    const NewToken& request) {
  const int64_t now_us = ledger_->NowUs();
  if (absl::Status s = CheckNewToken(request, now_us); !s.ok()) return s;
  // A token for a timebank that does not exist yet would gain access the
  // moment someone created it.
  for (const std::string& tb : request.timebank_ids) {
    if (!ledger_->GetTimebank(tb).ok()) {
      return FieldNotFound("timebank_ids", "no such timebank '" + tb + "'");
    }
  }
  // A MEMBER token is one member's key to their own account: one that names
  // no account of its timebank would be a key to nothing, or to whoever is
  // later given that id (NOT_FOUND naming account_id, from the ledger).
  if (request.role == Role::kMember) {
    absl::StatusOr<Account> account =
        ledger_->GetAccount(request.timebank_ids.front(), request.account_id);
    if (!account.ok()) return account.status();
  }
  absl::StatusOr<std::string> id = RandomHex(kIdBytes);
  if (!id.ok()) return id.status();
  absl::StatusOr<std::string> secret = RandomHex(kSecretBytes);
  if (!secret.ok()) return secret.status();
  Token token{.id = *id,
              .name = request.name,
              .role = request.role,
              .timebank_ids = request.timebank_ids,
              .account_id = request.account_id,
              .created_at_us = now_us,
              .expires_at_us = request.expires_at_us,
              .secret_hash = Sha256(*secret)};
  std::lock_guard lock(mu_);
  if (tokens_.size() >= kMaxTokens) {
    return absl::ResourceExhaustedError(
        "name: too many tokens; revoke some first");
  }
  for (const auto& [other_id, other] : tokens_) {
    if (!other.revoked && other.name == request.name &&
        ShareNameScope(other, token)) {
      return absl::AlreadyExistsError(
          "name: a live token of this role and timebank has this name; revoke "
          "it or choose another name");
    }
  }
  if (absl::Status s = Store(token); !s.ok()) return s;
  tokens_[token.id] = token;
  return std::pair{std::string(kTokenPrefix) + *id + "_" + *secret, token};
}

absl::Status NoSuchToken() {
  return FieldNotFound("token_id", "no such token");
}

absl::Status CheckTokenId(std::string_view field, std::string_view id) {
  if (id.empty()) return FieldInvalid(field, "is required");
  const bool hex = std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
  if (id.size() != kTokenIdLength || !hex) {
    return FieldInvalid(field,
                        absl::StrCat("must be ", kTokenIdLength,
                                     " lower-case hexadecimal characters, "
                                     "as ListTokens shows"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Token> AccessRegistry::Revoke(const std::string& token_id) {
  if (absl::Status s = CheckTokenId("token_id", token_id); !s.ok()) return s;
  std::lock_guard lock(mu_);
  auto it = tokens_.find(token_id);
  if (it == tokens_.end()) return NoSuchToken();
  Token revoked = it->second;
  revoked.revoked = true;
  if (absl::Status s = Store(revoked); !s.ok()) return s;
  it->second = revoked;
  revocations_.fetch_add(1, std::memory_order_release);
  return revoked;
}

std::optional<Token> AccessRegistry::Find(const std::string& token_id) const {
  std::lock_guard lock(mu_);
  auto it = tokens_.find(token_id);
  if (it == tokens_.end()) return std::nullopt;
  return it->second;
}

std::vector<Token> AccessRegistry::List() const {
  std::lock_guard lock(mu_);
  std::vector<Token> out;
  for (const auto& [id, token] : tokens_) out.push_back(token);
  return out;
}

bool AccessRegistry::Empty() const {
  std::lock_guard lock(mu_);
  return tokens_.empty();
}

absl::StatusOr<Token> AccessRegistry::Authenticate(
    std::string_view bearer) const {
  const auto refuse = [] {
    return absl::UnauthenticatedError(
        "authorization: missing, unknown, revoked or expired token");
  };
  if (bearer.substr(0, kTokenPrefix.size()) != kTokenPrefix) return refuse();
  bearer.remove_prefix(kTokenPrefix.size());
  const size_t separator = bearer.find('_');
  if (separator != kIdBytes * 2) return refuse();
  const std::string id(bearer.substr(0, separator));
  const Hash presented = Sha256(bearer.substr(separator + 1));
  std::lock_guard lock(mu_);
  auto it = tokens_.find(id);
  if (it == tokens_.end()) return refuse();
  // Constant time, so response timing says nothing about how much matched.
  if (CRYPTO_memcmp(presented.data(), it->second.secret_hash.data(),
                    presented.size()) != 0) {
    return refuse();
  }
  const Token& token = it->second;
  if (token.revoked ||
      (token.expires_at_us != 0 && token.expires_at_us <= ledger_->NowUs())) {
    return refuse();
  }
  return token;
}

}  // namespace timebank::ledger
