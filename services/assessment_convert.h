// Translation between assessment proto messages and ledger domain types.
// Thread safety: pure functions.

#ifndef TIMEBANK_SERVICES_ASSESSMENT_CONVERT_H_
#define TIMEBANK_SERVICES_ASSESSMENT_CONVERT_H_

#include "absl/status/statusor.h"
#include "ledger/assessment.h"
#include "ledger/ledger.h"
#include "ledger/report.h"
#include "timebank/v1/assessment.pb.h"

namespace timebank::services {

// Who the figures are for: auditors get aggregates only.
enum class Audience { kFull, kAggregatesOnly };

// GRANULARITY_UNSPECIFIED is MONTH.
ledger::Granularity ToGranularity(v1::Granularity granularity);
void ToProto(const ledger::ReciprocityReport& report,
             v1::ReciprocityReport* out);
void ToProto(const ledger::AssessmentResult& result,
             v1::PrinciplesAssessment* out);
void ToProto(const ledger::Reflection& reflection, Audience audience,
             v1::Reflection* out);
void ToProto(const ledger::Action& action, Audience audience, v1::Action* out);
void ToProto(const std::string& timebank_id,
             const ledger::ThresholdOverrides& overrides, v1::Thresholds* out);

// Enum numbers pass as they are (see ToLedgerEnum): the ledger judges them.
// In a filter, and in AddAction, the UNSPECIFIED value means "not given";
// in SubmitReflection it is a number the ledger refuses.
ledger::ReflectionInput ToInput(const v1::SubmitReflectionRequest& request);
ledger::ReflectionFilter ToInput(const v1::ListReflectionsRequest& request);
ledger::ActionInput ToInput(const v1::AddActionRequest& request);
ledger::ActionUpdate ToInput(const v1::UpdateActionRequest& request);
absl::StatusOr<std::map<std::string, std::optional<double>>> ToInput(
    const v1::SetThresholdsRequest& request);
// A principle that is set, even to PRINCIPLE_UNSPECIFIED (the overall plan),
// filters; so does any status. The ledger judges the numbers: an unknown one
// is INVALID_ARGUMENT, not a filter that matches nothing.
ledger::ActionFilter ToInput(const v1::ListActionsRequest& request);

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_ASSESSMENT_CONVERT_H_
