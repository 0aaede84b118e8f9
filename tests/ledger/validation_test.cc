#include "ledger/validation.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/test_util/status_assertions.h"

namespace timebank::ledger {
namespace {

using absl::StatusCode;

TEST(Validation, FieldErrorsCarryCodeAndStartWithTheFieldName) {
  EXPECT_STATUS(FieldInvalid("minutes", "must be greater than 0"),
                StatusCode::kInvalidArgument,
                "minutes: must be greater than 0");
  EXPECT_STATUS(FieldNotFound("giver_id", "no such account"),
                StatusCode::kNotFound, "giver_id: no such account");
  EXPECT_STATUS(FieldPrecondition("seq", "exchange is PENDING"),
                StatusCode::kFailedPrecondition, "seq: exchange is PENDING");
}

TEST(Validation, TimebankIdIsALowerCaseSlugOfAtMost48) {
  for (const std::string& id : std::vector<std::string>{
           "a", "abc-123", "north-leeds", "0", "-", std::string(48, 'z')}) {
    EXPECT_OK(CheckTimebankId("timebank_id", id)) << id;
  }
  for (const std::string& id : std::vector<std::string>{
           "", std::string(49, 'z'), "ABC", "North", "a_b", "a b", "a/b", "a.b",
           "../x", "caf\xC3\xA9", std::string("a\0b", 3), "a\n"}) {
    EXPECT_STATUS(CheckTimebankId("timebank_id", id),
                  StatusCode::kInvalidArgument, "timebank_id: ")
        << id;
  }
}

TEST(Validation, AccountIdAllowsLettersDigitsAndDotUnderscoreAtDash) {
  for (const std::string& id :
       std::vector<std::string>{"ann", "Ann.Smith@example-org_2", "a.", "a..b",
                                "42", "@x", std::string(64, 'A')}) {
    EXPECT_OK(CheckAccountId("account_id", id)) << id;
  }
}

TEST(Validation, AccountIdRejectsPathTricksControlCharsAndOverlongIds) {
  const std::vector<std::string> bad = {
      "",
      std::string(65, 'a'),
      ".",
      "..",
      ".hidden",
      "../etc/passwd",
      "a/b",
      "a\\b",
      "a b",
      "a\tb",
      "a\nb",
      std::string("a\0b", 3),
      "a\x7F",
      "a\x01",
      "caf\xC3\xA9",
      "a:b",
      "a*b",
  };
  for (const std::string& id : bad) {
    EXPECT_STATUS(CheckAccountId("giver_id", id), StatusCode::kInvalidArgument,
                  "giver_id: ")
        << "id of " << id.size() << " bytes: " << id;
  }
}

TEST(Validation, RequestIdIsPrintableAsciiWithoutSpacesUpTo128) {
  for (const std::string& id : std::vector<std::string>{
           "r1", "2026-06-15/import#7", "~!{}", std::string(128, 'x')}) {
    EXPECT_OK(CheckRequestId("request_id", id)) << id;
  }
  for (const std::string& id : std::vector<std::string>{
           "", std::string(129, 'x'), "a b", "a\tb", "a\x7F", "caf\xC3\xA9",
           std::string("a\0", 2)}) {
    EXPECT_STATUS(CheckRequestId("request_id", id),
                  StatusCode::kInvalidArgument, "request_id: ")
        << id;
  }
}

TEST(Validation, Utf8AcceptsEveryWellFormedLength) {
  for (const std::string& text : std::vector<std::string>{
           std::string(), std::string("plain ascii"),
           std::string("\xC3\xA9"),          // U+00E9
           std::string("\xC2\x80"),          // U+0080, smallest 2-byte
           std::string("\xDF\xBF"),          // U+07FF
           std::string("\xE0\xA0\x80"),      // U+0800, smallest 3-byte
           std::string("\xE2\x82\xAC"),      // U+20AC euro
           std::string("\xED\x9F\xBF"),      // U+D7FF, before surrogates
           std::string("\xEE\x80\x80"),      // U+E000, after surrogates
           std::string("\xEF\xBF\xBF"),      // U+FFFF
           std::string("\xF0\x90\x80\x80"),  // U+10000, smallest 4-byte
           std::string("\xF0\x9D\x84\x9E"),  // U+1D11E
           std::string("\xF4\x8F\xBF\xBF"),  // U+10FFFF, the last
           std::string("gardening for Zo\xC3\xAB"),  // Mixed.
       }) {
    EXPECT_TRUE(IsValidUtf8(text)) << ::testing::PrintToString(text);
  }
}

TEST(Validation, Utf8RejectsOverlongForms) {
  for (const std::string& text : std::vector<std::string>{
           std::string("\xC0\x80"),  // NUL in two bytes.
           std::string("\xC0\xAF"),  // '/' in two bytes.
           std::string("\xC1\xBF"),
           std::string("\xE0\x80\xAF"),      // '/' in three bytes.
           std::string("\xE0\x9F\xBF"),      // U+07FF in three bytes.
           std::string("\xF0\x80\x80\xAF"),  // '/' in four bytes.
           std::string("\xF0\x8F\xBF\xBF"),  // U+FFFF in four bytes.
       }) {
    EXPECT_FALSE(IsValidUtf8(text)) << ::testing::PrintToString(text);
  }
}

TEST(Validation, Utf8RejectsSurrogatesAndValuesPastU10FFFF) {
  for (const std::string& text : std::vector<std::string>{
           std::string("\xED\xA0\x80"),              // U+D800
           std::string("\xED\xAD\xBF"),              // U+DB7F
           std::string("\xED\xBF\xBF"),              // U+DFFF
           std::string("\xED\xA0\xBD\xED\xB2\xA9"),  // CESU-8 pair.
           std::string("\xF4\x90\x80\x80"),          // U+110000
           std::string("\xF5\x80\x80\x80"),
           std::string("\xF7\xBF\xBF\xBF"),
       }) {
    EXPECT_FALSE(IsValidUtf8(text)) << ::testing::PrintToString(text);
  }
}

TEST(Validation, Utf8RejectsTruncatedAndStrayBytes) {
  for (const std::string& text : std::vector<std::string>{
           std::string("\xC3"),
           std::string("ok\xC3"),
           std::string("\xE2\x82"),
           std::string("ok\xE2\x82"),
           std::string("\xF0\x9D\x84"),
           std::string("\xE2\x82x"),     // Sequence cut by ASCII.
           std::string("\xC3\xC3\xA9"),  // Lead byte where continuation due.
           std::string("\x80"),          // Continuation with no lead.
           std::string("a\xBF"
                       "b"),
           std::string("\xF8\x88\x80\x80\x80"),  // Five-byte form.
           std::string("\xFC\x84\x80\x80\x80\x80"),
           std::string("\xFE"),
           std::string("\xFF"),
       }) {
    EXPECT_FALSE(IsValidUtf8(text)) << ::testing::PrintToString(text);
  }
}

TEST(Validation, TextLimitsAreInBytesAndInclusive) {
  EXPECT_OK(CheckText("name", std::string(200, 'x'), 200, TextRule::kRequired));
  EXPECT_STATUS(
      CheckText("name", std::string(201, 'x'), 200, TextRule::kRequired),
      StatusCode::kInvalidArgument, "name: must be at most 200");
  // 100 two-byte characters are 200 bytes: allowed; 101 are not.
  std::string accented;
  for (int i = 0; i < 100; ++i) accented += "\xC3\xA9";
  EXPECT_OK(CheckText("name", accented, 200, TextRule::kRequired));
  EXPECT_STATUS(
      CheckText("name", accented + "\xC3\xA9", 200, TextRule::kRequired),
      StatusCode::kInvalidArgument, "name: ");
}

TEST(Validation, RequiredTextMustNotBeEmptyButOptionalMay) {
  EXPECT_STATUS(CheckText("display_name", "", 200, TextRule::kRequired),
                StatusCode::kInvalidArgument, "display_name: is required");
  EXPECT_OK(CheckText("external_ref", "", 200, TextRule::kOptional));
}

TEST(Validation, TextRejectsControlCharactersAndBadUtf8) {
  for (const std::string& text : std::vector<std::string>{
           std::string("a\x01"), std::string("a\x1F"), std::string("a\x7F"),
           std::string("a\rb"), std::string("nul\0inside", 10)}) {
    EXPECT_STATUS(CheckText("description", text, 1000, TextRule::kOptional,
                            Lines::kMulti),
                  StatusCode::kInvalidArgument, "description: ")
        << ::testing::PrintToString(text);
  }
  EXPECT_STATUS(CheckText("description", "caf\xC3", 1000, TextRule::kOptional),
                StatusCode::kInvalidArgument,
                "description: must be valid UTF-8");
  EXPECT_STATUS(CheckText("description", "\xC0\xAF", 1000, TextRule::kOptional),
                StatusCode::kInvalidArgument,
                "description: must be valid UTF-8");
}

TEST(Validation, NewlineAndTabOnlyInMultiLineText) {
  EXPECT_OK(CheckText("description", "line one\n\tline two", 1000,
                      TextRule::kOptional, Lines::kMulti));
  EXPECT_STATUS(CheckText("name", "line one\nline two", 200,
                          TextRule::kRequired, Lines::kSingle),
                StatusCode::kInvalidArgument, "name: ");
  EXPECT_STATUS(CheckText("name", "a\tb", 200, TextRule::kRequired),
                StatusCode::kInvalidArgument, "name: ");
}

TEST(Validation, TagsAreLowerCaseWordsDigitsSpacesAndPunctuation) {
  for (const std::string& tag : std::vector<std::string>{
           "gardening", "it help", "diy/repairs", "arts & crafts",
           "first-aid_2", std::string(64, 'g')}) {
    EXPECT_OK(CheckTag("category", tag)) << tag;
  }
  for (const std::string& tag :
       std::vector<std::string>{"", "Gardening", "caf\xC3\xA9", "a,b", "a.b",
                                "a\tb", "a\nb", std::string(65, 'g')}) {
    EXPECT_STATUS(CheckTag("category", tag), StatusCode::kInvalidArgument,
                  "category: ")
        << tag;
  }
}

TEST(Validation, NormaliseTagLowerCasesAndTrimsOuterSpaces) {
  EXPECT_EQ(NormaliseTag("  Gardening  "), "gardening");
  EXPECT_EQ(NormaliseTag("IT Help"), "it help");
  EXPECT_EQ(NormaliseTag("arts  &  crafts"), "arts  &  crafts");
  EXPECT_EQ(NormaliseTag("   "), "");
  EXPECT_EQ(NormaliseTag(""), "");
}

TEST(Validation, SkillsAreAtMost32ValidTags) {
  std::vector<std::string> skills(32, "cooking");
  EXPECT_OK(CheckSkills("skills", skills));
  skills.push_back("cooking");
  EXPECT_STATUS(CheckSkills("skills", skills), StatusCode::kInvalidArgument,
                "skills: ");
  EXPECT_STATUS(CheckSkills("skills", {"cooking", "Bad!"}),
                StatusCode::kInvalidArgument, "skills: ");
  EXPECT_OK(CheckSkills("skills", {}));
}

}  // namespace
}  // namespace timebank::ledger
