// How the Assessment service's enums and figures read: the words people type
// on the command line ("--principle people-as-assets", "--status
// in-progress"), the words tables and the council report show ("Promoting
// reciprocity", "AMBER", "not assessed"), and metric values formatted the
// way the server's evidence sentences write them ("58%", "2.3 hours"). Pure
// functions; thread-safe.

#ifndef TIMEBANK_CLIENT_ASSESSMENT_TEXT_H_
#define TIMEBANK_CLIENT_ASSESSMENT_TEXT_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "timebank/v1/assessment.pb.h"

namespace timebank::client {

// The four principles as typed: "people-as-assets", "valuing-work",
// "reciprocity", "social-networks"; "overall" for PRINCIPLE_UNSPECIFIED (the
// overall action plan).
std::string PrincipleFlagName(timebank::v1::Principle principle);

// The seed tool's name of a principle, e.g. "Promoting reciprocity";
// "Overall plan" for PRINCIPLE_UNSPECIFIED.
std::string PrincipleTitle(timebank::v1::Principle principle);

// Parses a --principle value: one of the flag names above (case-insensitive,
// "_" accepted for "-", "valuing-work-differently" too). `allow_overall`
// also accepts "overall". INVALID_ARGUMENT naming `flag` otherwise.
absl::StatusOr<timebank::v1::Principle> ParsePrinciple(std::string_view flag,
                                                       std::string_view text,
                                                       bool allow_overall);

// "member", "family", "staff", "council"; "?" when unspecified.
std::string PerspectiveName(timebank::v1::Perspective perspective);
absl::StatusOr<timebank::v1::Perspective> ParsePerspective(
    std::string_view flag, std::string_view text);

// "RED", "AMBER", "GREEN"; "NOT SCORED" when unspecified.
std::string RagWord(timebank::v1::Rag rag);
absl::StatusOr<timebank::v1::Rag> ParseRag(std::string_view flag,
                                           std::string_view text);

// "ledger", "reflections", "not assessed".
std::string BasisName(timebank::v1::Basis basis);

// "planned", "in-progress", "done", "dropped"; "?" when unspecified.
std::string ActionStatusName(timebank::v1::ActionStatus status);
absl::StatusOr<timebank::v1::ActionStatus> ParseActionStatus(
    std::string_view flag, std::string_view text);

// "month", "quarter", "year".
absl::StatusOr<timebank::v1::Granularity> ParseGranularity(
    std::string_view flag, std::string_view text);
// "month" for UNSPECIFIED and MONTH, "quarter", "year".
std::string GranularityName(timebank::v1::Granularity granularity);

// The seed tool's words for a stage: 1 "You really haven't got this" to 4
// "You're doing REALLY well"; "Not assessed" for anything else.
std::string StageLabelOf(int stage);

// A share 0..1 as a whole percentage: 0.583 -> "58%".
std::string FormatShare(double share);

// A metric value as the server's sentences write it: shares as "58%",
// anything else with one decimal and its unit, "2.3 hours".
std::string FormatMetricValue(std::string_view unit, double value);

// A threshold with its comparison: "≥ 40%", "≤ 20%", "≥ 2.5 partners".
std::string FormatThreshold(timebank::v1::Comparison comparison,
                            std::string_view unit, double threshold);

// A median stage, which may be a half: "3", "2.5".
std::string FormatStage(double stage);

}  // namespace timebank::client

#endif  // TIMEBANK_CLIENT_ASSESSMENT_TEXT_H_
