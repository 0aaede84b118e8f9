#include "client/assessment_text.h"

#include <gtest/gtest.h>

namespace timebank::client {
namespace {

namespace v1 = ::timebank::v1;

TEST(AssessmentText, PrincipleFlagNamesParseBack) {
  for (v1::Principle p :
       {v1::PRINCIPLE_PEOPLE_AS_ASSETS, v1::PRINCIPLE_VALUING_WORK_DIFFERENTLY,
        v1::PRINCIPLE_RECIPROCITY, v1::PRINCIPLE_SOCIAL_NETWORKS}) {
    absl::StatusOr<v1::Principle> parsed =
        ParsePrinciple("--principle", PrincipleFlagName(p), false);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, p);
  }
  EXPECT_EQ(*ParsePrinciple("--principle", "People_As_Assets", false),
            v1::PRINCIPLE_PEOPLE_AS_ASSETS);
  EXPECT_EQ(*ParsePrinciple("--principle", "valuing-work-differently", false),
            v1::PRINCIPLE_VALUING_WORK_DIFFERENTLY);
}

TEST(AssessmentText, OverallIsAPrincipleOnlyWhereAllowed) {
  EXPECT_EQ(*ParsePrinciple("--principle", "overall", true),
            v1::PRINCIPLE_UNSPECIFIED);
  absl::StatusOr<v1::Principle> refused =
      ParsePrinciple("--principle", "overall", false);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("--principle"),
            absl::string_view::npos);
}

TEST(AssessmentText, ParsesPerspectivesColoursStatusesAndPeriods) {
  EXPECT_EQ(*ParsePerspective("--perspective", "Council"),
            v1::PERSPECTIVE_COUNCIL);
  EXPECT_FALSE(ParsePerspective("--perspective", "mayor").ok());
  EXPECT_EQ(*ParseRag("--rag", "AMBER"), v1::RAG_AMBER);
  EXPECT_FALSE(ParseRag("--rag", "blue").ok());
  EXPECT_EQ(*ParseActionStatus("--status", "in-progress"),
            v1::ACTION_STATUS_IN_PROGRESS);
  EXPECT_EQ(*ParseActionStatus("--status", "IN_PROGRESS"),
            v1::ACTION_STATUS_IN_PROGRESS);
  EXPECT_FALSE(ParseActionStatus("--status", "").ok());
  EXPECT_EQ(*ParseGranularity("--by", "quarter"), v1::GRANULARITY_QUARTER);
  EXPECT_FALSE(ParseGranularity("--by", "week").ok());
}

TEST(AssessmentText, WordsForTheVerdict) {
  EXPECT_EQ(RagWord(v1::RAG_GREEN), "GREEN");
  EXPECT_EQ(RagWord(v1::RAG_UNSPECIFIED), "NOT SCORED");
  EXPECT_EQ(BasisName(v1::BASIS_NONE), "not assessed");
  EXPECT_EQ(StageLabelOf(1), "You really haven't got this");
  EXPECT_EQ(StageLabelOf(4), "You're doing REALLY well");
  EXPECT_EQ(StageLabelOf(0), "Not assessed");
  EXPECT_EQ(PrincipleTitle(v1::PRINCIPLE_RECIPROCITY), "Promoting reciprocity");
}

TEST(AssessmentText, FormatsValuesAsTheServersSentencesDo) {
  EXPECT_EQ(FormatMetricValue("share", 0.583), "58%");
  EXPECT_EQ(FormatMetricValue("share", 0.005), "1%");
  EXPECT_EQ(FormatMetricValue("hours", 4.26), "4.3 hours");
  EXPECT_EQ(FormatMetricValue("partners", 2), "2.0 partners");
  EXPECT_EQ(FormatThreshold(v1::COMPARISON_AT_LEAST, "share", 0.4),
            "\u2265 40%");
  EXPECT_EQ(FormatThreshold(v1::COMPARISON_AT_MOST, "share", 0.2),
            "\u2264 20%");
  EXPECT_EQ(FormatStage(3), "3");
  EXPECT_EQ(FormatStage(2.5), "2.5");
}

}  // namespace
}  // namespace timebank::client
