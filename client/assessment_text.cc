#include "client/assessment_text.h"

#include <cmath>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "client/string_view.h"

namespace timebank::client {
namespace {

namespace v1 = ::timebank::v1;

// Lower case with "_" read as "-", so "IN_PROGRESS" and "in-progress" match.
std::string Normalised(std::string_view text) {
  std::string out =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(ToAbsl(text)));
  absl::StrReplaceAll({{"_", "-"}}, &out);
  return out;
}

absl::Status Unknown(std::string_view flag, std::string_view text,
                     std::string_view allowed) {
  return absl::InvalidArgumentError(
      absl::StrCat(ToAbsl(flag), ": expected ", ToAbsl(allowed), ", got \"",
                   absl::CHexEscape(ToAbsl(text.substr(0, 64))), "\""));
}

}  // namespace

std::string PrincipleFlagName(v1::Principle principle) {
  switch (principle) {
    case v1::PRINCIPLE_PEOPLE_AS_ASSETS:
      return "people-as-assets";
    case v1::PRINCIPLE_VALUING_WORK_DIFFERENTLY:
      return "valuing-work";
    case v1::PRINCIPLE_RECIPROCITY:
      return "reciprocity";
    case v1::PRINCIPLE_SOCIAL_NETWORKS:
      return "social-networks";
    default:
      return "overall";
  }
}

std::string PrincipleTitle(v1::Principle principle) {
  switch (principle) {
    case v1::PRINCIPLE_PEOPLE_AS_ASSETS:
      return "Recognising people as assets";
    case v1::PRINCIPLE_VALUING_WORK_DIFFERENTLY:
      return "Valuing work differently";
    case v1::PRINCIPLE_RECIPROCITY:
      return "Promoting reciprocity";
    case v1::PRINCIPLE_SOCIAL_NETWORKS:
      return "Building social networks";
    default:
      return "Overall plan";
  }
}

absl::StatusOr<v1::Principle> ParsePrinciple(std::string_view flag,
                                             std::string_view text,
                                             bool allow_overall) {
  const std::string name = Normalised(text);
  if (name == "people-as-assets") return v1::PRINCIPLE_PEOPLE_AS_ASSETS;
  if (name == "valuing-work" || name == "valuing-work-differently") {
    return v1::PRINCIPLE_VALUING_WORK_DIFFERENTLY;
  }
  if (name == "reciprocity") return v1::PRINCIPLE_RECIPROCITY;
  if (name == "social-networks") return v1::PRINCIPLE_SOCIAL_NETWORKS;
  if (allow_overall && name == "overall") return v1::PRINCIPLE_UNSPECIFIED;
  return Unknown(flag, text,
                 allow_overall ? "people-as-assets, valuing-work, reciprocity, "
                                 "social-networks or overall"
                               : "people-as-assets, valuing-work, reciprocity "
                                 "or social-networks");
}

std::string PerspectiveName(v1::Perspective perspective) {
  switch (perspective) {
    case v1::PERSPECTIVE_MEMBER:
      return "member";
    case v1::PERSPECTIVE_FAMILY:
      return "family";
    case v1::PERSPECTIVE_STAFF:
      return "staff";
    case v1::PERSPECTIVE_COUNCIL:
      return "council";
    default:
      return "?";
  }
}

absl::StatusOr<v1::Perspective> ParsePerspective(std::string_view flag,
                                                 std::string_view text) {
  const std::string name = Normalised(text);
  if (name == "member") return v1::PERSPECTIVE_MEMBER;
  if (name == "family") return v1::PERSPECTIVE_FAMILY;
  if (name == "staff") return v1::PERSPECTIVE_STAFF;
  if (name == "council") return v1::PERSPECTIVE_COUNCIL;
  return Unknown(flag, text, "member, family, staff or council");
}

std::string RagWord(v1::Rag rag) {
  switch (rag) {
    case v1::RAG_RED:
      return "RED";
    case v1::RAG_AMBER:
      return "AMBER";
    case v1::RAG_GREEN:
      return "GREEN";
    default:
      return "NOT SCORED";
  }
}

absl::StatusOr<v1::Rag> ParseRag(std::string_view flag, std::string_view text) {
  const std::string name = Normalised(text);
  if (name == "red") return v1::RAG_RED;
  if (name == "amber") return v1::RAG_AMBER;
  if (name == "green") return v1::RAG_GREEN;
  return Unknown(flag, text, "red, amber or green");
}

std::string BasisName(v1::Basis basis) {
  switch (basis) {
    case v1::BASIS_LEDGER:
      return "ledger";
    case v1::BASIS_REFLECTIONS:
      return "reflections";
    default:
      return "not assessed";
  }
}

std::string ActionStatusName(v1::ActionStatus status) {
  switch (status) {
    case v1::ACTION_STATUS_PLANNED:
      return "planned";
    case v1::ACTION_STATUS_IN_PROGRESS:
      return "in-progress";
    case v1::ACTION_STATUS_DONE:
      return "done";
    case v1::ACTION_STATUS_DROPPED:
      return "dropped";
    default:
      return "?";
  }
}

absl::StatusOr<v1::ActionStatus> ParseActionStatus(std::string_view flag,
                                                   std::string_view text) {
  const std::string name = Normalised(text);
  if (name == "planned") return v1::ACTION_STATUS_PLANNED;
  if (name == "in-progress") return v1::ACTION_STATUS_IN_PROGRESS;
  if (name == "done") return v1::ACTION_STATUS_DONE;
  if (name == "dropped") return v1::ACTION_STATUS_DROPPED;
  return Unknown(flag, text, "planned, in-progress, done or dropped");
}

absl::StatusOr<v1::Granularity> ParseGranularity(std::string_view flag,
                                                 std::string_view text) {
  const std::string name = Normalised(text);
  if (name == "month") return v1::GRANULARITY_MONTH;
  if (name == "quarter") return v1::GRANULARITY_QUARTER;
  if (name == "year") return v1::GRANULARITY_YEAR;
  return Unknown(flag, text, "month, quarter or year");
}

std::string GranularityName(v1::Granularity granularity) {
  switch (granularity) {
    case v1::GRANULARITY_QUARTER:
      return "quarter";
    case v1::GRANULARITY_YEAR:
      return "year";
    default:
      return "month";
  }
}

std::string StageLabelOf(int stage) {
  switch (stage) {
    case 1:
      return "You really haven't got this";
    case 2:
      return "You've got the basics";
    case 3:
      return "You're getting there";
    case 4:
      return "You're doing REALLY well";
    default:
      return "Not assessed";
  }
}

std::string FormatShare(double share) {
  if (!std::isfinite(share)) return "?";
  return absl::StrCat(std::lround(share * 100), "%");
}

std::string FormatMetricValue(std::string_view unit, double value) {
  if (unit == "share") return FormatShare(value);
  if (!std::isfinite(value)) return "?";
  std::string out = absl::StrFormat("%.1f", value);
  if (!unit.empty()) absl::StrAppend(&out, " ", ToAbsl(unit));
  return out;
}

std::string FormatThreshold(v1::Comparison comparison, std::string_view unit,
                            double threshold) {
  const char* sign =
      comparison == v1::COMPARISON_AT_MOST ? "\u2264 " : "\u2265 ";
  return absl::StrCat(sign, FormatMetricValue(unit, threshold));
}

std::string FormatStage(double stage) {
  if (!std::isfinite(stage)) return "?";
  if (stage == std::floor(stage)) return absl::StrCat(std::lround(stage));
  return absl::StrFormat("%.1f", stage);
}

}  // namespace timebank::client
