// Access tokens at rest: only the SHA-256 of a secret is stored, and a
// presented secret is judged by comparing its hash with the stored one (in
// constant time, with CRYPTO_memcmp; a test cannot time that, but it can show
// what is compared).

#include "ledger/access.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <atomic>
#include <cctype>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ledger/codec.h"
#include "ledger/ledger.h"
#include "tests/ledger/database_edit.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/test_util/status_assertions.h"
#include "tests/test_util/temp_dir.h"

namespace timebank::ledger_test {
namespace {

using absl::StatusCode;
using ledger::AccessRegistry;
using ledger::Role;
using testing::TempDir;

// "tbk_<id>_<secret>" split at its last underscore.
struct TokenParts {
  std::string id;
  std::string secret;
};
TokenParts PartsOf(const std::string& token) {
  const size_t id_begin = token.find('_') + 1;
  const size_t separator = token.rfind('_');
  return {token.substr(id_begin, separator - id_begin),
          token.substr(separator + 1)};
}

// Every byte the database holds under the token's key.
std::string StoredRecord(const std::string& dir, const std::string& token_id) {
  std::string bytes;
  EXPECT_OK(EditDatabase(dir, [&](rocksdb::DB& db) {
    return db.Get(rocksdb::ReadOptions(), ledger::AccessKey(token_id), &bytes);
  }));
  return bytes;
}

struct Created {
  std::string token;
  ledger::Token record;
};

// Makes a coordinator token in a fresh ledger in `dir` and closes it.
Created CreateCoordinatorToken(const std::string& dir) {
  auto ledger = Ledger::Open(TestOptions(dir));
  EXPECT_OK(ledger);
  if (!ledger.ok()) return {};
  EXPECT_OK((*ledger)->CreateTimebank("riverside", "Riverside", {}));
  auto registry = AccessRegistry::Open(ledger->get());
  EXPECT_OK(registry);
  if (!registry.ok()) return {};
  auto created = (*registry)->Create({.role = Role::kCoordinator,
                                      .timebank_ids = {"riverside"},
                                      .name = "coordinator"});
  EXPECT_OK(created);
  (*ledger)->Close();
  if (!created.ok()) return {};
  return {created->first, created->second};
}

TEST(Access, OnlyTheSha256OfTheSecretIsStored) {
  TempDir dir;
  const Created created = CreateCoordinatorToken(dir.path());
  ASSERT_FALSE(created.token.empty());
  const TokenParts parts = PartsOf(created.token);
  ASSERT_EQ(parts.id, created.record.id);
  ASSERT_FALSE(parts.secret.empty());

  const std::string stored = StoredRecord(dir.path(), parts.id);
  ASSERT_FALSE(stored.empty());
  EXPECT_EQ(stored.find(parts.secret), std::string::npos)
      << "the secret itself is on disk";
  ASSERT_OK_AND_ASSIGN(ledger::Token decoded, ledger::DecodeToken(stored));
  const ledger::Hash expected = ledger::Sha256(parts.secret);
  EXPECT_EQ(Hex(decoded.secret_hash), Hex(expected));
  const std::string hash_bytes(expected.begin(), expected.end());
  EXPECT_NE(stored.find(hash_bytes), std::string::npos);
}

// The presented secret is hashed and compared with the stored hash, not
// with anything else: replace the stored hash and the old secret stops
// working while a secret of the new hash starts to.
TEST(Access, PresentedSecretIsComparedWithTheStoredHash) {
  TempDir dir;
  const Created created = CreateCoordinatorToken(dir.path());
  ASSERT_FALSE(created.token.empty());
  const TokenParts parts = PartsOf(created.token);
  const std::string replacement_secret(parts.secret.size(), 'f');
  ASSERT_OK(ChangeStoredValue(
      dir.path(), ledger::AccessKey(parts.id),
      [&](const std::string& bytes) -> absl::StatusOr<std::string> {
        absl::StatusOr<ledger::Token> token = ledger::DecodeToken(bytes);
        if (!token.ok()) return token.status();
        token->secret_hash = ledger::Sha256(replacement_secret);
        return ledger::EncodeToken(*token);
      }));

  ASSERT_OK_AND_ASSIGN(auto ledger, Ledger::Open(TestOptions(dir.path())));
  ASSERT_OK_AND_ASSIGN(auto registry, AccessRegistry::Open(ledger.get()));
  EXPECT_STATUS(registry->Authenticate(created.token),
                StatusCode::kUnauthenticated, "authorization:");
  ASSERT_OK_AND_ASSIGN(
      ledger::Token token,
      registry->Authenticate("tbk_" + parts.id + "_" + replacement_secret));
  EXPECT_EQ(token.id, parts.id);
  EXPECT_EQ(token.role, Role::kCoordinator);
}

TEST(Access, ASecretDifferingInAnyOneCharacterIsRefused) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto ledger, Ledger::Open(TestOptions(dir.path())));
  ASSERT_OK_AND_ASSIGN(auto registry, AccessRegistry::Open(ledger.get()));
  ASSERT_OK_AND_ASSIGN(
      auto created, registry->Create({.role = Role::kAdmin, .name = "root"}));
  const std::string& token = created.first;
  ASSERT_OK(registry->Authenticate(token));
  const size_t secret_begin = token.rfind('_') + 1;
  for (size_t i = secret_begin; i < token.size(); ++i) {
    std::string altered = token;
    altered[i] = altered[i] == '0' ? '1' : '0';
    EXPECT_STATUS(registry->Authenticate(altered), StatusCode::kUnauthenticated,
                  "authorization:")
        << "position " << i;
  }
  // Neither a prefix nor a longer string that starts with the secret.
  EXPECT_STATUS(registry->Authenticate(token.substr(0, token.size() - 1)),
                StatusCode::kUnauthenticated, "authorization:");
  EXPECT_STATUS(registry->Authenticate(token + "0"),
                StatusCode::kUnauthenticated, "authorization:");
}

// An id no token could have is bad input naming the field; a well-formed id
// that no token has is NOT_FOUND.
TEST(Access, RevokeRefusesMalformedIdsAndFindsNoUnknownOne) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Ledger> ledger,
                       Ledger::Open(TestOptions(dir.path())));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<AccessRegistry> registry,
                       AccessRegistry::Open(ledger.get()));
  ASSERT_OK_AND_ASSIGN(
      auto created, registry->Create({.role = Role::kAdmin, .name = "root"}));
  const std::string id = created.second.id;
  ASSERT_OK(ledger::CheckTokenId("token_id", id));
  std::string upper = id;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  upper[0] = 'A';
  for (const std::string& bad :
       {std::string(), id.substr(1), id + "0", upper, "../" + id.substr(3),
        id.substr(0, 15) + std::string(1, '\0')}) {
    EXPECT_STATUS(registry->Revoke(bad), StatusCode::kInvalidArgument,
                  "token_id:")
        << "id " << bad;
  }
  std::string unknown = id;
  unknown[0] = unknown[0] == '0' ? '1' : '0';
  EXPECT_STATUS(registry->Revoke(unknown), StatusCode::kNotFound, "token_id:");
  // Refusals revoked nothing; the real id still revokes.
  EXPECT_OK(registry->Authenticate(created.first));
  ASSERT_OK_AND_ASSIGN(ledger::Token revoked, registry->Revoke(id));
  EXPECT_TRUE(revoked.revoked);
}

// Two timebanks, riverside (kathy, vera) and hillside (bob), and a registry.
struct TwoTimebanks {
  std::unique_ptr<Ledger> ledger;
  std::unique_ptr<AccessRegistry> registry;
};
absl::StatusOr<TwoTimebanks> OpenTwoTimebanks(const std::string& dir) {
  absl::StatusOr<std::unique_ptr<Ledger>> ledger =
      Ledger::Open(TestOptions(dir));
  if (!ledger.ok()) return ledger.status();
  const std::vector<std::pair<std::string, std::string>> accounts = {
      {"riverside", "kathy"}, {"riverside", "vera"}, {"hillside", "bob"}};
  for (const auto& [tb, account] : accounts) {
    if (!(*ledger)->GetTimebank(tb).ok()) {
      if (absl::StatusOr<ledger::Timebank> t =
              (*ledger)->CreateTimebank(tb, tb, {});
          !t.ok()) {
        return t.status();
      }
    }
    if (absl::StatusOr<ledger::Account> a = (*ledger)->OpenAccount(
            tb, {.account_id = account, .display_name = account});
        !a.ok()) {
      return a.status();
    }
  }
  absl::StatusOr<std::unique_ptr<AccessRegistry>> registry =
      AccessRegistry::Open(ledger->get());
  if (!registry.ok()) return registry.status();
  return TwoTimebanks{*std::move(ledger), *std::move(registry)};
}

// A name is taken only within its scope: the same role and a shared
// timebank, or for ADMIN among ADMIN tokens. A name used in another
// timebank, by another role, or by a revoked token is free.
TEST(Access, TokenNamesAreUniqueOnlyWithinTheSameRoleAndTimebank) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(TwoTimebanks world, OpenTwoTimebanks(dir.path()));
  AccessRegistry& registry = *world.registry;
  const auto member = [](const std::string& tb, const std::string& account) {
    return ledger::NewToken{.role = Role::kMember,
                            .timebank_ids = {tb},
                            .account_id = account,
                            .name = "phone"};
  };
  ASSERT_OK_AND_ASSIGN(auto kathy,
                       registry.Create(member("riverside", "kathy")));
  EXPECT_OK(registry.Create(member("hillside", "bob")));
  EXPECT_OK(registry.Create({.role = Role::kCoordinator,
                             .timebank_ids = {"riverside"},
                             .name = "phone"}));
  EXPECT_OK(registry.Create({.role = Role::kAdmin, .name = "phone"}));
  EXPECT_EQ(registry.List().size(), 4u);

  // Taken within a scope.
  EXPECT_STATUS(registry.Create(member("riverside", "vera")),
                StatusCode::kAlreadyExists, "name:");
  EXPECT_STATUS(registry.Create({.role = Role::kAdmin, .name = "phone"}),
                StatusCode::kAlreadyExists, "name:");
  EXPECT_STATUS(registry.Create({.role = Role::kCoordinator,
                                 .timebank_ids = {"hillside", "riverside"},
                                 .name = "phone"}),
                StatusCode::kAlreadyExists, "name:");
  EXPECT_EQ(registry.List().size(), 4u) << "a refused name stored a token";

  // Free again once the holder is revoked.
  ASSERT_OK(registry.Revoke(kathy.second.id));
  EXPECT_OK(registry.Create(member("riverside", "vera")));
}

TEST(Access, TokenNameScopesAreRoleAndSharedTimebankOrAdmin) {
  const auto token = [](Role role, std::vector<std::string> tbs) {
    return ledger::Token{.role = role, .timebank_ids = std::move(tbs)};
  };
  EXPECT_TRUE(
      ledger::ShareNameScope(token(Role::kAdmin, {}), token(Role::kAdmin, {})));
  EXPECT_TRUE(ledger::ShareNameScope(token(Role::kAuditor, {"a", "b"}),
                                     token(Role::kAuditor, {"c", "b"})));
  EXPECT_FALSE(ledger::ShareNameScope(token(Role::kAuditor, {"a", "b"}),
                                      token(Role::kAuditor, {"c"})));
  EXPECT_FALSE(ledger::ShareNameScope(token(Role::kAuditor, {"a"}),
                                      token(Role::kCoordinator, {"a"})));
  EXPECT_FALSE(ledger::ShareNameScope(token(Role::kAdmin, {}),
                                      token(Role::kMember, {"a"})));
}

// A MEMBER token is for an account of its own timebank; anything else is
// NOT_FOUND naming account_id and stores nothing.
TEST(Access, MemberTokenNeedsAnAccountOfItsTimebank) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(TwoTimebanks world, OpenTwoTimebanks(dir.path()));
  AccessRegistry& registry = *world.registry;
  for (const std::string account : {"bob", "olga"}) {
    EXPECT_STATUS(registry.Create({.role = Role::kMember,
                                   .timebank_ids = {"riverside"},
                                   .account_id = account,
                                   .name = "phone-" + account}),
                  StatusCode::kNotFound, "account_id:")
        << account;
  }
  EXPECT_STATUS(registry.Create({.role = Role::kMember,
                                 .timebank_ids = {"riverside", "hillside"},
                                 .account_id = "kathy",
                                 .name = "phone-kathy"}),
                StatusCode::kInvalidArgument, "timebank_ids:");
  EXPECT_TRUE(registry.List().empty());
  ASSERT_OK_AND_ASSIGN(auto bob, registry.Create({.role = Role::kMember,
                                                  .timebank_ids = {"hillside"},
                                                  .account_id = "bob",
                                                  .name = "phone-bob"}));
  EXPECT_EQ(bob.second.account_id, "bob");
}

// A fake clock years away from the real one, so a judgement made on the
// system clock instead would come out the other way.
TEST(Access, ExpiryIsJudgedByTheLedgersClock) {
  TempDir dir;
  constexpr int64_t kHourUs = int64_t{3600} * 1'000'000;
  constexpr int64_t k2040Us = int64_t{2'208'988'800} * 1'000'000;
  std::atomic<int64_t> now_us = k2040Us;
  LedgerOptions options = TestOptions(dir.path());
  options.clock_us = [&now_us] { return now_us.load(); };
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Ledger> ledger, Ledger::Open(options));
  ASSERT_OK(ledger->CreateTimebank("riverside", "Riverside", {}));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<AccessRegistry> registry,
                       AccessRegistry::Open(ledger.get()));

  // In the real future, but already past on the ledger's clock.
  EXPECT_STATUS(registry->Create({.role = Role::kCoordinator,
                                  .timebank_ids = {"riverside"},
                                  .name = "stale",
                                  .expires_at_us = k2040Us - kHourUs}),
                StatusCode::kInvalidArgument, "expires_at_unix_us:");

  ASSERT_OK_AND_ASSIGN(auto created,
                       registry->Create({.role = Role::kCoordinator,
                                         .timebank_ids = {"riverside"},
                                         .name = "hour",
                                         .expires_at_us = k2040Us + kHourUs}));
  EXPECT_EQ(created.second.created_at_us, k2040Us);
  EXPECT_OK(registry->Authenticate(created.first));
  now_us = k2040Us + kHourUs - 1;
  EXPECT_OK(registry->Authenticate(created.first));
  now_us = k2040Us + kHourUs;
  EXPECT_STATUS(registry->Authenticate(created.first),
                StatusCode::kUnauthenticated, "authorization:");
}

}  // namespace
}  // namespace timebank::ledger_test
