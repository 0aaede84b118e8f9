// The Assessment gRPC service: reciprocity reports, the co-production
// assessment, reflections, thresholds and the action plan. Auditors get
// aggregates only: report figures, stages and counts, never names, free
// text or account ids.
// Thread safety: handlers run concurrently on gRPC's threads.

#ifndef TIMEBANK_SERVICES_ASSESSMENT_SERVICE_H_
#define TIMEBANK_SERVICES_ASSESSMENT_SERVICE_H_

#include "ledger/ledger.h"
#include "services/authorizer.h"
#include "timebank/v1/assessment.grpc.pb.h"

namespace timebank::services {

class AssessmentService final : public v1::Assessment::Service {
 public:
  AssessmentService(ledger::Ledger* ledger, const Authorizer* authorizer)
      : ledger_(ledger), authorizer_(authorizer) {}

  grpc::Status GetReciprocityReport(
      grpc::ServerContext* context,
      const v1::GetReciprocityReportRequest* request,
      v1::ReciprocityReport* reply) override;
  grpc::Status AssessPrinciples(grpc::ServerContext* context,
                                const v1::AssessPrinciplesRequest* request,
                                v1::PrinciplesAssessment* reply) override;
  grpc::Status GetThresholds(grpc::ServerContext* context,
                             const v1::GetThresholdsRequest* request,
                             v1::Thresholds* reply) override;
  grpc::Status SetThresholds(grpc::ServerContext* context,
                             const v1::SetThresholdsRequest* request,
                             v1::Thresholds* reply) override;
  grpc::Status SubmitReflection(grpc::ServerContext* context,
                                const v1::SubmitReflectionRequest* request,
                                v1::Reflection* reply) override;
  grpc::Status ListReflections(grpc::ServerContext* context,
                               const v1::ListReflectionsRequest* request,
                               v1::ListReflectionsResponse* reply) override;
  grpc::Status AddAction(grpc::ServerContext* context,
                         const v1::AddActionRequest* request,
                         v1::Action* reply) override;
  grpc::Status ListActions(grpc::ServerContext* context,
                           const v1::ListActionsRequest* request,
                           v1::ListActionsResponse* reply) override;
  grpc::Status UpdateAction(grpc::ServerContext* context,
                            const v1::UpdateActionRequest* request,
                            v1::Action* reply) override;

 private:
  ledger::Ledger* ledger_;
  const Authorizer* authorizer_;
};

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_ASSESSMENT_SERVICE_H_
