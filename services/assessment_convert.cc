#include "services/assessment_convert.h"

#include "absl/strings/str_cat.h"
#include "ledger/civil_date.h"
#include "ledger/validation.h"
#include "services/convert.h"

namespace timebank::services {
namespace {

using ledger::FieldInvalid;

void ToProto(const ledger::PeriodFigures& p, v1::PeriodFigures* out) {
  out->set_label(p.label);
  out->set_from_date(ledger::FormatDate(p.from_day));
  out->set_to_date(ledger::FormatDate(p.to_day));
  out->set_minutes_exchanged(p.minutes_exchanged);
  out->set_exchanges(p.exchanges);
  out->set_members(p.members);
  out->set_organisations(p.organisations);
  out->set_active_members(p.active_members);
  out->set_members_gave_and_received(p.members_gave_and_received);
  out->set_members_only_gave(p.members_only_gave);
  out->set_members_only_received(p.members_only_received);
  out->set_members_inactive(p.members_inactive);
  v1::BalanceDistribution* balances = out->mutable_balances();
  balances->set_members(p.balances.members);
  balances->set_p25_minutes(p.balances.p25_minutes);
  balances->set_median_minutes(p.balances.median_minutes);
  balances->set_p75_minutes(p.balances.p75_minutes);
  balances->set_share_within_5h(p.balances.share_within_5h);
  out->set_distinct_pairs(p.distinct_pairs);
  out->set_reciprocal_pairs(p.reciprocal_pairs);
  out->set_members_with_three_plus_partners(p.members_with_three_plus_partners);
  out->set_new_members(p.new_members);
  out->set_new_members_gave_within_90_days(p.new_members_gave_within_90_days);
  for (const ledger::CategoryFigures& c : p.top_categories) {
    v1::CategoryFigures* category = out->add_top_categories();
    category->set_category(c.category);
    category->set_minutes(c.minutes);
    category->set_exchanges(c.exchanges);
  }
  out->set_organisation_to_member_minutes(p.organisation_to_member_minutes);
  out->set_member_to_organisation_minutes(p.member_to_organisation_minutes);
  out->set_median_partners(p.median_partners);
  out->set_minutes_among_members(p.minutes_among_members);
  out->set_exchanges_among_members(p.exchanges_among_members);
  out->set_pot_to_member_minutes(p.pot_to_member_minutes);
  out->set_member_to_pot_minutes(p.member_to_pot_minutes);
  out->set_partial(p.partial);
  out->set_days_covered(p.days_covered);
  out->set_new_members_90_days_over(p.new_members_90_days_over);
}

}  // namespace

ledger::Granularity ToGranularity(v1::Granularity granularity) {
  return granularity == v1::GRANULARITY_UNSPECIFIED
             ? ledger::Granularity::kMonth
             : ToLedgerEnum<ledger::Granularity>(granularity);
}

void ToProto(const ledger::ReciprocityReport& report,
             v1::ReciprocityReport* out) {
  out->set_timebank_id(report.timebank_id);
  out->set_from_date(ledger::FormatDate(report.from_day));
  out->set_to_date(ledger::FormatDate(report.to_day));
  out->set_granularity(static_cast<v1::Granularity>(report.granularity));
  out->set_computed_on(ledger::FormatDate(report.today));
  for (const ledger::PeriodFigures& period : report.periods) {
    ToProto(period, out->add_periods());
  }
  ToProto(report.total, out->mutable_total());
}

void ToProto(const ledger::AssessmentResult& result,
             v1::PrinciplesAssessment* out) {
  out->set_timebank_id(result.report.timebank_id);
  out->set_from_date(ledger::FormatDate(result.report.from_day));
  out->set_to_date(ledger::FormatDate(result.report.to_day));
  for (const ledger::PrincipleAssessment& a : result.principles) {
    v1::PrincipleAssessment* p = out->add_principles();
    p->set_principle(static_cast<v1::Principle>(a.principle));
    p->set_stage(a.stage);
    if (a.stage > 0)
      p->set_stage_label(std::string(ledger::StageLabel(a.stage)));
    p->set_rag(static_cast<v1::Rag>(a.rag));
    p->set_basis(static_cast<v1::Basis>(a.basis));
    p->set_ledger_stage(a.ledger_stage);
    for (const ledger::Evidence& e : a.evidence) {
      v1::Evidence* evidence = p->add_evidence();
      evidence->set_metric(e.metric);
      evidence->set_value(e.value);
      evidence->set_unit(e.unit);
      evidence->set_threshold(e.threshold);
      evidence->set_comparison(static_cast<v1::Comparison>(e.comparison));
      evidence->set_met(e.met);
      evidence->set_stage(e.stage);
      evidence->set_sentence(e.sentence);
    }
    v1::ReflectionSummary* summary = p->mutable_reflections();
    summary->set_reflections(a.reflections);
    summary->set_median_stage(a.reflections_median_stage);
    for (const ledger::PerspectiveSummary& s : a.perspectives) {
      v1::PerspectiveSummary* perspective = summary->add_perspectives();
      perspective->set_perspective(static_cast<v1::Perspective>(s.perspective));
      perspective->set_reflections(s.reflections);
      perspective->set_lowest_stage(s.lowest_stage);
      perspective->set_highest_stage(s.highest_stage);
      perspective->set_median_stage(s.median_stage);
    }
    p->set_disagreement(a.disagreement);
    p->set_summary(a.summary);
  }
}

void ToProto(const ledger::Reflection& r, Audience audience,
             v1::Reflection* out) {
  out->set_timebank_id(r.timebank_id);
  out->set_reflection_id(r.id);
  out->set_principle(static_cast<v1::Principle>(r.principle));
  out->set_perspective(static_cast<v1::Perspective>(r.perspective));
  out->set_stage(r.stage);
  out->set_rag(static_cast<v1::Rag>(r.rag));
  out->set_reflected_on(ledger::FormatDate(r.reflected_on));
  out->set_submitted_at_unix_us(r.submitted_at_us);
  if (audience == Audience::kFull) {
    // Free text and names may identify people; auditors see the stages.
    out->set_evidence(r.evidence);
    out->set_author(r.author);
    out->set_submitted_by(r.submitted_by);
    out->set_request_id(r.request_id);
  }
}

void ToProto(const ledger::Action& a, Audience audience, v1::Action* out) {
  out->set_timebank_id(a.timebank_id);
  out->set_action_id(a.id);
  out->set_principle(a.principle ? static_cast<v1::Principle>(*a.principle)
                                 : v1::PRINCIPLE_UNSPECIFIED);
  out->set_what(a.what);
  out->set_due_on(a.due_on == 0 ? "" : ledger::FormatDate(a.due_on));
  out->set_status(static_cast<v1::ActionStatus>(a.status));
  if (audience == Audience::kFull) {
    // `what` is written for councils to read; who does it, how, the notes
    // and who wrote them name people or tokens, so auditors get none of it.
    out->set_who(a.who);
    out->set_how(a.how);
    out->set_note(a.note);
    out->set_created_at_unix_us(a.created_at_us);
    out->set_updated_at_unix_us(a.updated_at_us);
    out->set_created_by(a.created_by);
    out->set_request_id(a.request_id);
  }
}

void ToProto(const std::string& timebank_id,
             const ledger::ThresholdOverrides& overrides, v1::Thresholds* out) {
  out->set_timebank_id(timebank_id);
  const std::vector<ledger::MetricDefinition> effective =
      ledger::EffectiveThresholds(overrides);
  const std::vector<ledger::MetricDefinition>& defaults =
      ledger::DefaultThresholds();
  for (size_t i = 0; i < effective.size(); ++i) {
    const ledger::MetricDefinition& d = effective[i];
    const double values[] = {d.stage2, d.stage3, d.stage4};
    const double default_values[] = {defaults[i].stage2, defaults[i].stage3,
                                     defaults[i].stage4};
    for (int stage = 2; stage <= 4; ++stage) {
      v1::Threshold* t = out->add_thresholds();
      t->set_metric(d.metric);
      t->set_principle(static_cast<v1::Principle>(d.principle));
      t->set_stage(stage);
      t->set_value(values[stage - 2]);
      t->set_default_value(default_values[stage - 2]);
      t->set_comparison(static_cast<v1::Comparison>(d.comparison));
      t->set_unit(d.unit);
      t->set_description(d.reasoning);
    }
  }
  v1::Threshold* minimum = out->add_thresholds();
  minimum->set_metric(ledger::kMinActiveMembers);
  minimum->set_value(ledger::MinActiveMembers(overrides));
  minimum->set_default_value(ledger::kMinActiveMembersDefault);
  minimum->set_comparison(v1::COMPARISON_AT_LEAST);
  minimum->set_unit("members");
  minimum->set_description(
      "The fewest active members in the range for which a ledger figure "
      "sets a stage. Below it every figure is shown but says \"too few to "
      "judge\": a share of two or three people describes those people, not "
      "the timebank.");
}

ledger::ReflectionInput ToInput(const v1::SubmitReflectionRequest& request) {
  return {
      .request_id = request.request_id(),
      .principle = ToLedgerEnum<ledger::Principle>(request.principle()),
      .perspective = ToLedgerEnum<ledger::Perspective>(request.perspective()),
      .stage = request.stage(),
      .rag = ToLedgerEnum<ledger::Rag>(request.rag()),
      .evidence = request.evidence(),
      .author = request.author(),
      .reflected_on = request.reflected_on()};
}

ledger::ReflectionFilter ToInput(const v1::ListReflectionsRequest& request) {
  ledger::ReflectionFilter filter{.from_date = request.from_date(),
                                  .to_date = request.to_date()};
  if (request.principle() != v1::PRINCIPLE_UNSPECIFIED) {
    filter.principle = ToLedgerEnum<ledger::Principle>(request.principle());
  }
  if (request.perspective() != v1::PERSPECTIVE_UNSPECIFIED) {
    filter.perspective =
        ToLedgerEnum<ledger::Perspective>(request.perspective());
  }
  return filter;
}

ledger::ActionInput ToInput(const v1::AddActionRequest& request) {
  ledger::ActionInput input{.request_id = request.request_id(),
                            .who = request.who(),
                            .what = request.what(),
                            .how = request.how(),
                            .due_on = request.due_on()};
  if (request.principle() != v1::PRINCIPLE_UNSPECIFIED) {
    input.principle = ToLedgerEnum<ledger::Principle>(request.principle());
  }
  if (request.status() != v1::ACTION_STATUS_UNSPECIFIED) {
    input.status = ToLedgerEnum<ledger::ActionStatus>(request.status());
  }
  return input;
}

ledger::ActionUpdate ToInput(const v1::UpdateActionRequest& request) {
  ledger::ActionUpdate update{.action_id = request.action_id()};
  if (request.has_status()) {
    update.status = ToLedgerEnum<ledger::ActionStatus>(request.status());
  }
  if (request.has_note()) update.note = request.note();
  if (request.has_who()) update.who = request.who();
  if (request.has_what()) update.what = request.what();
  if (request.has_how()) update.how = request.how();
  if (request.has_due_on()) update.due_on = request.due_on();
  return update;
}

absl::StatusOr<std::map<std::string, std::optional<double>>> ToInput(
    const v1::SetThresholdsRequest& request) {
  std::map<std::string, std::optional<double>> changes;
  if (request.thresholds_size() > 100) {
    return FieldInvalid("thresholds", "at most 100 changes per call");
  }
  for (const v1::ThresholdSetting& setting : request.thresholds()) {
    if (setting.metric() == ledger::kMinActiveMembers) {
      if (setting.stage() != 0) {
        return FieldInvalid("thresholds.stage",
                            "must be unset for min_active_members");
      }
      changes[setting.metric()] =
          setting.has_value() ? std::optional(setting.value()) : std::nullopt;
      continue;
    }
    if (setting.stage() < 2 || setting.stage() > 4) {
      return FieldInvalid("thresholds.stage", "must be 2, 3 or 4");
    }
    const std::string name =
        absl::StrCat(setting.metric(), ".stage", setting.stage());
    changes[name] =
        setting.has_value() ? std::optional(setting.value()) : std::nullopt;
  }
  return changes;
}

ledger::ActionFilter ToInput(const v1::ListActionsRequest& request) {
  ledger::ActionFilter filter;
  if (request.has_principle()) {
    filter.principle =
        request.principle() == v1::PRINCIPLE_UNSPECIFIED
            ? std::optional<ledger::Principle>()
            : ToLedgerEnum<ledger::Principle>(request.principle());
  }
  for (const int status : request.statuses()) {
    filter.statuses.push_back(ToLedgerEnum<ledger::ActionStatus>(status));
  }
  return filter;
}

}  // namespace timebank::services
