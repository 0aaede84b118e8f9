// The co-production assessment: the ledger read as evidence for the four
// principles of the self-reflection tool (people as assets, valuing work
// differently, reciprocity, social networks), each given a stage
//   1 "You really haven't got this"   2 "You've got the basics"
//   3 "You're getting there"          4 "You're doing REALLY well"
// and a RAG colour (1 RED, 2-3 AMBER, 4 GREEN), beside people's own
// reflections from several perspectives.
//
// Each metric has three thresholds: the values that reach stage 2, 3 and 4.
// A metric's stage is the highest whose threshold it meets, and none while
// the range has fewer active members than the timebank's minimum (10 by
// default): "too few to judge". A principle's ledger stage is the lowest
// stage of its metrics (a place is only as far along as its weakest sign).
// Thresholds have defaults, explained in DefaultThresholds(), and can be
// set per timebank.
//
// People lead; the ledger is evidence. A principle's stage is the one
// people give: each perspective's median stage, then the median of those
// perspectives (so the largest group does not outvote the others), rounded
// down, once at least two perspectives have reflected in the range; before
// that it is 0, "not yet assessed". Its colour follows the same rule over
// the colours people gave (RED < AMBER < GREEN), or the stage's own where
// fewer than two perspectives gave one. The ledger stage is what the
// figures suggest, shown beside it, with a note where the two are a whole
// stage or more apart. People as assets is about how a service is run: its
// figures never set even a ledger stage.
//
// Pure functions; thread-safe.

#ifndef TIMEBANK_LEDGER_ASSESSMENT_H_
#define TIMEBANK_LEDGER_ASSESSMENT_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ledger/report.h"
#include "ledger/types.h"

namespace timebank::ledger {

enum class Principle : uint8_t {
  kPeopleAsAssets = 1,
  kValuingWorkDifferently = 2,
  kReciprocity = 3,
  kSocialNetworks = 4,
};
inline constexpr Principle kPrinciples[] = {
    Principle::kPeopleAsAssets, Principle::kValuingWorkDifferently,
    Principle::kReciprocity, Principle::kSocialNetworks};

// kNone: not assessed (no evidence of any kind).
enum class Rag : uint8_t { kNone = 0, kRed = 1, kAmber = 2, kGreen = 3 };
enum class Basis : uint8_t { kLedger = 1, kReflections = 2, kNone = 3 };
enum class Comparison : uint8_t { kAtLeast = 1, kAtMost = 2 };
enum class Perspective : uint8_t {
  kMember = 1,
  kFamily = 2,
  kStaff = 3,
  kCouncil = 4
};

std::string_view PrincipleName(Principle principle);
std::string_view StageLabel(int stage);
Rag RagOfStage(int stage);

// The range rules of the enums above and ActionStatus: OK for a value the
// enum names, INVALID_ARGUMENT naming `field` for any other number (callers
// convert untrusted numbers without judging them). kNone is a valid Rag:
// "unset".
absl::Status CheckPrinciple(std::string_view field, Principle principle);
absl::Status CheckPerspective(std::string_view field, Perspective perspective);
absl::Status CheckRag(std::string_view field, Rag rag);

// One metric's thresholds for stages 2, 3 and 4.
struct MetricDefinition {
  std::string metric;  // e.g. "reciprocity.gave_and_received_share"
  Principle principle;
  Comparison comparison;
  std::string unit;  // "share", "partners", "minutes"
  double stage2, stage3, stage4;
  std::string reasoning;  // Why these defaults, tied to the seed's stages.
};

// Every metric with its default thresholds.
const std::vector<MetricDefinition>& DefaultThresholds();

// Per-timebank overrides: "<metric>.stage2" (or 3, 4) to value, and
// kMinActiveMembers to the fewest active members a figure needs.
using ThresholdOverrides = std::map<std::string, double>;

// Below this many active members in the range no ledger figure sets a
// stage: each says "too few to judge". Settable per timebank like a
// threshold, under this name.
inline constexpr char kMinActiveMembers[] = "min_active_members";
inline constexpr int kMinActiveMembersDefault = 10;
int MinActiveMembers(const ThresholdOverrides& overrides);
// Whether `name` is "<metric>.stage2" (or 3, 4) of a known metric, or
// kMinActiveMembers.
bool IsThresholdName(const std::string& name);

// Checks names and values, and that with the overrides applied every
// metric's thresholds still rise (or fall, for at-most metrics) by stage.
absl::Status CheckOverrides(const ThresholdOverrides& overrides);
std::vector<MetricDefinition> EffectiveThresholds(
    const ThresholdOverrides& overrides);

struct Reflection {
  std::string timebank_id;
  uint64_t id = 0;
  Principle principle = Principle::kReciprocity;
  Perspective perspective = Perspective::kMember;
  int stage = 1;         // 1..4
  Rag rag = Rag::kNone;  // The person's own colour; kNone if not given.
  std::string evidence;
  std::string author;
  int32_t reflected_on = 0;  // Day.
  int64_t submitted_at_us = 0;
  std::string submitted_by;
  std::string request_id;
};

enum class ActionStatus : uint8_t {
  kPlanned = 1,
  kInProgress = 2,
  kDone = 3,
  kDropped = 4,
};

// One step of the action plan: what, who, when and how. Every change is
// stored as a new version; the latest version is the action.
struct Action {
  std::string timebank_id;
  uint64_t id = 0;
  std::optional<Principle> principle;  // None: the overall plan.
  std::string who;
  std::string what;
  std::string how;
  int32_t due_on = 0;  // Day; 0 when not set.
  ActionStatus status = ActionStatus::kPlanned;
  std::string note;
  int64_t created_at_us = 0;
  int64_t updated_at_us = 0;
  std::string created_by;
  std::string updated_by;
  std::string request_id;
};

absl::Status CheckActionStatus(std::string_view field, ActionStatus status);
// As CheckPrinciple where no principle, the overall plan, is a choice too
// (an action plan filter), and the message says so.
absl::Status CheckPlanPrinciple(std::string_view field,
                                std::optional<Principle> principle);

struct ActionUpdate {
  uint64_t action_id = 0;
  std::optional<ActionStatus> status;
  std::optional<std::string> note;
  std::optional<std::string> who;
  std::optional<std::string> what;
  std::optional<std::string> how;
  std::optional<std::string> due_on;  // YYYY-MM-DD; empty clears it.
};

struct Evidence {
  std::string metric;
  double value = 0;
  std::string unit;
  double threshold = 0;  // The boundary that decided the metric's stage.
  Comparison comparison = Comparison::kAtLeast;
  bool met = false;      // Whether `value` meets `threshold`.
  int stage = 1;         // The metric's own stage.
  std::string sentence;  // What it shows, in plain words.
};

struct PerspectiveSummary {
  Perspective perspective;
  int reflections = 0;
  int lowest_stage = 0;
  int highest_stage = 0;
  double median_stage = 0;
};

struct PrincipleAssessment {
  Principle principle;
  int stage = 0;  // People's; 0 when basis is kNone (not yet assessed).
  Rag rag = Rag::kRed;
  Basis basis = Basis::kNone;
  int ledger_stage = 0;  // 0 where the ledger cannot show the principle.
  std::vector<Evidence> evidence;
  int reflections = 0;
  double reflections_median_stage = 0;
  std::vector<PerspectiveSummary> perspectives;
  std::string disagreement;  // Empty when ledger and reflections agree.
  std::string summary;
};

// Assesses the four principles from the report's total figures and the
// reflections made in the same range.
std::vector<PrincipleAssessment> AssessPrinciples(
    const ReciprocityReport& report, const std::vector<Reflection>& reflections,
    const ThresholdOverrides& overrides);

}  // namespace timebank::ledger

#endif  // TIMEBANK_LEDGER_ASSESSMENT_H_
