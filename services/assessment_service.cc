#include "services/assessment_service.h"

#include "ledger/status_macros.h"
#include "services/assessment_convert.h"
#include "services/serve.h"

namespace timebank::services {
namespace {

constexpr int kDefaultTopCategories = 5;

}  // namespace

grpc::Status AssessmentService::GetReciprocityReport(
    grpc::ServerContext* context,
    const v1::GetReciprocityReportRequest* request,
    v1::ReciprocityReport* reply) {
  return Serve([&]() -> absl::Status {
    RETURN_IF_ERROR(authorizer_
                        ->Authorize(*context, "Assessment.GetReciprocityReport",
                                    request->timebank_id())
                        .status());
    const ledger::Granularity granularity =
        ToGranularity(request->granularity());
    const int top = request->top_categories() == 0 ? kDefaultTopCategories
                                                   : request->top_categories();
    ASSIGN_OR_RETURN(
        ledger::ReciprocityReport report,
        ledger_->GetReciprocityReport(request->timebank_id(), request->from(),
                                      request->to(), granularity, top));
    ToProto(report, reply);
    reply->set_generated_at_unix_us(ledger_->NowUs());
    return absl::OkStatus();
  });
}

grpc::Status AssessmentService::AssessPrinciples(
    grpc::ServerContext* context, const v1::AssessPrinciplesRequest* request,
    v1::PrinciplesAssessment* reply) {
  return Serve([&]() -> absl::Status {
    RETURN_IF_ERROR(authorizer_
                        ->Authorize(*context, "Assessment.AssessPrinciples",
                                    request->timebank_id())
                        .status());
    ASSIGN_OR_RETURN(ledger::AssessmentResult result,
                     ledger_->AssessPrinciples(request->timebank_id(),
                                               request->from(), request->to()));
    ToProto(result, reply);
    reply->set_generated_at_unix_us(ledger_->NowUs());
    return absl::OkStatus();
  });
}

grpc::Status AssessmentService::GetThresholds(
    grpc::ServerContext* context, const v1::GetThresholdsRequest* request,
    v1::Thresholds* reply) {
  return Serve([&]() -> absl::Status {
    RETURN_IF_ERROR(authorizer_
                        ->Authorize(*context, "Assessment.GetThresholds",
                                    request->timebank_id())
                        .status());
    ASSIGN_OR_RETURN(ledger::ThresholdOverrides overrides,
                     ledger_->GetThresholds(request->timebank_id()));
    ToProto(request->timebank_id(), overrides, reply);
    return absl::OkStatus();
  });
}

grpc::Status AssessmentService::SetThresholds(
    grpc::ServerContext* context, const v1::SetThresholdsRequest* request,
    v1::Thresholds* reply) {
  return Serve([&]() -> absl::Status {
    RETURN_IF_ERROR(authorizer_
                        ->Authorize(*context, "Assessment.SetThresholds",
                                    request->timebank_id())
                        .status());
    ASSIGN_OR_RETURN(auto changes, ToInput(*request));
    ASSIGN_OR_RETURN(ledger::ThresholdOverrides overrides,
                     ledger_->SetThresholds(request->timebank_id(), changes));
    ToProto(request->timebank_id(), overrides, reply);
    return absl::OkStatus();
  });
}

grpc::Status AssessmentService::SubmitReflection(
    grpc::ServerContext* context, const v1::SubmitReflectionRequest* request,
    v1::Reflection* reply) {
  return Serve([&]() -> absl::Status {
    ASSIGN_OR_RETURN(
        Principal caller,
        authorizer_->Authorize(*context, "Assessment.SubmitReflection",
                               request->timebank_id()));
    ASSIGN_OR_RETURN(
        ledger::Reflection reflection,
        ledger_->SubmitReflection(request->timebank_id(), caller.actor,
                                  ToInput(*request)));
    ToProto(reflection, Audience::kFull, reply);
    return absl::OkStatus();
  });
}

grpc::Status AssessmentService::ListReflections(
    grpc::ServerContext* context, const v1::ListReflectionsRequest* request,
    v1::ListReflectionsResponse* reply) {
  return Serve([&]() -> absl::Status {
    ASSIGN_OR_RETURN(
        Principal caller,
        authorizer_->Authorize(*context, "Assessment.ListReflections",
                               request->timebank_id()));
    ASSIGN_OR_RETURN(
        ledger::PageOf<ledger::Reflection> page,
        ledger_->ListReflections(request->timebank_id(), ToInput(*request),
                                 {.page_size = request->page_size(),
                                  .page_token = request->page_token()}));
    const Audience audience =
        caller.is_auditor() ? Audience::kAggregatesOnly : Audience::kFull;
    for (const ledger::Reflection& r : page.items) {
      ToProto(r, audience, reply->add_reflections());
    }
    reply->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status AssessmentService::AddAction(grpc::ServerContext* context,
                                          const v1::AddActionRequest* request,
                                          v1::Action* reply) {
  return Serve([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Principal caller,
                     authorizer_->Authorize(*context, "Assessment.AddAction",
                                            request->timebank_id()));
    ASSIGN_OR_RETURN(ledger::Action action,
                     ledger_->AddAction(request->timebank_id(), caller.actor,
                                        ToInput(*request)));
    ToProto(action, Audience::kFull, reply);
    return absl::OkStatus();
  });
}

grpc::Status AssessmentService::ListActions(
    grpc::ServerContext* context, const v1::ListActionsRequest* request,
    v1::ListActionsResponse* reply) {
  return Serve([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Principal caller,
                     authorizer_->Authorize(*context, "Assessment.ListActions",
                                            request->timebank_id()));
    ASSIGN_OR_RETURN(
        ledger::PageOf<ledger::Action> page,
        ledger_->ListActions(request->timebank_id(), ToInput(*request),
                             {.page_size = request->page_size(),
                              .page_token = request->page_token()}));
    const Audience audience =
        caller.is_auditor() ? Audience::kAggregatesOnly : Audience::kFull;
    for (const ledger::Action& action : page.items) {
      ToProto(action, audience, reply->add_actions());
    }
    reply->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status AssessmentService::UpdateAction(
    grpc::ServerContext* context, const v1::UpdateActionRequest* request,
    v1::Action* reply) {
  return Serve([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Principal caller,
                     authorizer_->Authorize(*context, "Assessment.UpdateAction",
                                            request->timebank_id()));
    ASSIGN_OR_RETURN(ledger::Action action,
                     ledger_->UpdateAction(request->timebank_id(), caller.actor,
                                           ToInput(*request)));
    ToProto(action, Audience::kFull, reply);
    return absl::OkStatus();
  });
}

}  // namespace timebank::services
