#include "client/request_id.h"

#include <gtest/gtest.h>

#include <set>

namespace timebank::client {
namespace {

TEST(RandomRequestId, LooksLikeAVersion4Uuid) {
  const std::string id = RandomRequestId();
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[8], '-');
  EXPECT_EQ(id[13], '-');
  EXPECT_EQ(id[14], '4');
  EXPECT_EQ(id[18], '-');
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);
  EXPECT_EQ(id[23], '-');
}

TEST(RandomRequestId, DoesNotRepeat) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(RandomRequestId());
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(StableHash, IsTheSameEverywhere) {
  // Pinned values: ids derived from content must never change between
  // versions, or a re-run import would record everything again.
  EXPECT_EQ(StableHash({}), 0xcbf29ce484222325ULL);     // The FNV offset basis.
  EXPECT_EQ(StableHash({"a"}), 0x45540418180aba49ULL);  // FNV-1a of "1:a".
}

TEST(StableHash, SeparatesParts) {
  EXPECT_NE(StableHash({"ab", "c"}), StableHash({"a", "bc"}));
  EXPECT_NE(StableHash({"a", ""}), StableHash({"a"}));
}

TEST(ContentRequestId, HasThePrefixAndSixteenHexDigits) {
  const std::string id = ContentRequestId("import", {"riverside", "row"});
  EXPECT_EQ(id.rfind("import-", 0), 0u);
  EXPECT_EQ(id.size(), std::string("import-").size() + 16);
  EXPECT_EQ(id, ContentRequestId("import", {"riverside", "row"}));
  EXPECT_NE(id, ContentRequestId("import", {"riverside", "row2"}));
}

}  // namespace
}  // namespace timebank::client
