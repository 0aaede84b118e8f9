#include "ledger/assessment.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

#include "absl/strings/str_cat.h"
#include "ledger/civil_date.h"
#include "ledger/validation.h"

namespace timebank::ledger {
namespace {

// How a metric is computed from a period's figures; nullopt when the ledger
// cannot show it (for instance, no active members to divide by).
using MetricFn = std::function<std::optional<double>(const PeriodFigures&)>;

std::optional<double> Share(int64_t part, int64_t whole) {
  if (whole <= 0) return std::nullopt;
  return static_cast<double>(part) / static_cast<double>(whole);
}

// The months a period's figures speak for: its days from the timebank's
// first exchange to today, in average months.
double MonthsCovered(const PeriodFigures& p) {
  constexpr double kDaysPerMonth = 365.2425 / 12;
  return p.days_covered / kDaysPerMonth;
}

struct MetricSpec {
  MetricDefinition definition;
  MetricFn compute;
  // "42% of active members both gave and received"
  std::function<std::string(double)> describe;
  std::string unavailable;  // Why the ledger may not show it.
};

std::string Percent(double share) {
  return absl::StrCat(static_cast<int>(std::lround(share * 100)), "%");
}

std::string Decimal(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

std::string FormatValue(const std::string& unit, double value) {
  return unit == "share" ? Percent(value) : Decimal(value);
}

const std::vector<MetricSpec>& Specs() {
  static const auto* specs = new std::vector<MetricSpec>{
      {{"assets.new_members_gave_within_90_days_share",
        Principle::kPeopleAsAssets, Comparison::kAtLeast, "share", 0.2, 0.4,
        0.6,
        "Supporting evidence only: whether newcomers' skills are put to use "
        "soon after they join. The seed's stages for this principle describe "
        "how a service is run (who designs, recruits, evaluates), which no "
        "ledger shows, so this never sets the stage."},
       [](const PeriodFigures& p) {
         return Share(p.new_members_gave_within_90_days,
                      p.new_members_90_days_over);
       },
       [](double v) {
         return Percent(v) + " of new members gave within 90 days of joining";
       },
       "no member who joined in the range has had 90 days yet"},
      {{"work.participation_share", Principle::kValuingWorkDifferently,
        Comparison::kAtLeast, "share", 0.2, 0.4, 0.6,
        "Share of members whose work was recorded at all. Basics: some "
        "people's time is \"recorded and celebrated\"; doing really well: "
        "everyone is \"actively encouraged to contribute\" and the work is "
        "\"formally recognised and recorded\", so most members appear."},
       [](const PeriodFigures& p) {
         return Share(p.active_members, p.members);
       },
       [](double v) {
         return Percent(v) + " of members had work recorded in the range";
       },
       "the timebank has no members"},
      {{"work.hours_per_active_member_per_month",
        Principle::kValuingWorkDifferently, Comparison::kAtLeast, "hours", 1.0,
        2.0, 4.0,
        "Hours recorded per active member per month, over the days the "
        "ledger covers (from the first exchange to today). An hour a month "
        "is an occasional volunteer; four is work done \"on a regular "
        "basis\" and recognised \"for what it is\"."},
       [](const PeriodFigures& p) -> std::optional<double> {
         if (p.active_members <= 0 || p.days_covered <= 0) return std::nullopt;
         return static_cast<double>(p.minutes_exchanged) / 60.0 /
                static_cast<double>(p.active_members) / MonthsCovered(p);
       },
       [](double v) {
         return Decimal(v) + " hours recorded per active member per month";
       },
       "no member was active in the range"},
      {{"work.organisation_recognition_share",
        Principle::kValuingWorkDifferently, Comparison::kAtLeast, "share", 0.01,
        0.03, 0.05,
        "Share of all hours that organisations gave members, as the seed's "
        "Council rewards Jane's group with training places and rooms: "
        "institutions recognising core-economy work in kind."},
       [](const PeriodFigures& p) -> std::optional<double> {
         if (p.organisations <= 0) return std::nullopt;
         return Share(p.organisation_to_member_minutes, p.minutes_exchanged);
       },
       [](double v) {
         return Percent(v) + " of hours were given to members by organisations";
       },
       "no organisation account, or no hours exchanged"},
      {{"reciprocity.gave_and_received_share", Principle::kReciprocity,
        Comparison::kAtLeast, "share", 0.2, 0.4, 0.6,
        "Active members who both gave and received. Basics: people \"are "
        "allowed to support each other\"; getting there: newcomers get peer "
        "supporters; doing really well: \"everyone who uses the service has a "
        "valued role in giving something back\"."},
       [](const PeriodFigures& p) {
         return Share(p.members_gave_and_received, p.active_members);
       },
       [](double v) {
         return Percent(v) + " of active members both gave and received";
       },
       "no member was active in the range"},
      {{"reciprocity.only_received_share", Principle::kReciprocity,
        Comparison::kAtMost, "share", 0.6, 0.4, 0.2,
        "Active members who only received. The seed warns against people being "
        "\"seen as, treated as\" only \"people who need help\"; the fewer "
        "who only get, the better."},
       [](const PeriodFigures& p) {
         return Share(p.members_only_received, p.active_members);
       },
       [](double v) { return Percent(v) + " of active members only received"; },
       "no member was active in the range"},
      {{"reciprocity.balance_within_5h_share", Principle::kReciprocity,
        Comparison::kAtLeast, "share", 0.3, 0.5, 0.7,
        "Members who have exchanged whose balance is within 5 hours of zero: "
        "over time they give about as much as they get, the \"give and get\" "
        "the seed asks for. Members who never exchanged are left out: a "
        "balance of zero from doing nothing is not reciprocity."},
       [](const PeriodFigures& p) -> std::optional<double> {
         if (p.balances.members <= 0) return std::nullopt;
         return p.balances.share_within_5h;
       },
       [](double v) {
         return Percent(v) +
                " of members who have exchanged have a balance within 5 hours "
                "of zero";
       },
       "no member has exchanged yet"},
      {{"networks.partners_per_active_member", Principle::kSocialNetworks,
        Comparison::kAtLeast, "partners", 1.5, 2.5, 4.0,
        "The median number of different members each active member "
        "exchanged with (organisations and the community pot are not "
        "partners). Basics: people meet at occasional events; doing really "
        "well: people are \"active ordinary members of the local community\" "
        "with several connections, like Vera with \"more friends now than I "
        "ever did\"."},
       [](const PeriodFigures& p) -> std::optional<double> {
         if (p.active_members <= 0) return std::nullopt;
         return static_cast<double>(p.median_partners);
       },
       [](double v) {
         return absl::StrCat("The typical active member exchanged with ",
                             static_cast<int64_t>(v), " different members");
       },
       "no member was active in the range"},
      {{"networks.three_plus_partners_share", Principle::kSocialNetworks,
        Comparison::kAtLeast, "share", 0.15, 0.3, 0.5,
        "Active members who exchanged with three or more other members: a "
        "network rather than a line between a helper and a helped."},
       [](const PeriodFigures& p) {
         return Share(p.members_with_three_plus_partners, p.active_members);
       },
       [](double v) {
         return Percent(v) +
                " of active members exchanged with three or more other members";
       },
       "no member was active in the range"},
      {{"networks.reciprocal_pair_share", Principle::kSocialNetworks,
        Comparison::kAtLeast, "share", 0.05, 0.15, 0.3,
        "Pairs of members who helped each other both ways: relationships, "
        "not only services, as Vera and Mia's family became."},
       [](const PeriodFigures& p) {
         return Share(p.reciprocal_pairs, p.distinct_pairs);
       },
       [](double v) {
         return Percent(v) +
                " of pairs of members who exchanged helped each other both "
                "ways";
       },
       "no two members exchanged in the range"},
  };
  return *specs;
}

bool Meets(Comparison comparison, double value, double threshold) {
  // A small tolerance so 0.4 computed as 2/5 meets a threshold of 0.4.
  constexpr double kEpsilon = 1e-9;
  return comparison == Comparison::kAtLeast ? value + kEpsilon >= threshold
                                            : value - kEpsilon <= threshold;
}

Evidence Judge(const MetricSpec& spec, const MetricDefinition& limits,
               double value) {
  const double boundaries[] = {limits.stage2, limits.stage3, limits.stage4};
  int stage = 1;
  while (stage < 4 && Meets(limits.comparison, value, boundaries[stage - 1])) {
    ++stage;
  }
  Evidence evidence{.metric = limits.metric,
                    .value = value,
                    .unit = limits.unit,
                    .comparison = limits.comparison,
                    .stage = stage};
  const std::string word =
      limits.comparison == Comparison::kAtLeast ? "at least " : "at most ";
  if (stage == 4) {
    evidence.threshold = limits.stage4;
    evidence.met = true;
    evidence.sentence = absl::StrCat(
        spec.describe(value), ": stage 4 (", std::string(StageLabel(4)),
        "), which needs ", word, FormatValue(limits.unit, limits.stage4), ".");
  } else {
    evidence.threshold = boundaries[stage - 1];
    evidence.met = false;
    evidence.sentence = absl::StrCat(
        spec.describe(value), ": stage ", stage, " (",
        std::string(StageLabel(stage)), "); stage ", stage + 1, " needs ", word,
        FormatValue(limits.unit, evidence.threshold), ".");
  }
  return evidence;
}

template <typename Number>
double Median(std::vector<Number> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid]
                                : (values[mid - 1] + values[mid]) / 2.0;
}

// Each perspective's median, then the median of those, so that the largest
// group does not outvote the others; rounded down, to the more cautious of
// two stages. 0 until at least two perspectives have a say.
int MedianOfPerspectives(const std::map<Perspective, std::vector<int>>& by) {
  if (by.size() < 2) return 0;
  std::vector<double> medians;
  medians.reserve(by.size());
  for (const auto& [perspective, values] : by) {
    medians.push_back(Median(values));
  }
  return static_cast<int>(std::floor(Median(medians)));
}

// The stage and colour people give a principle (PrincipleAssessment).
struct PeopleSay {
  int stage = 0;
  Rag rag = Rag::kNone;
};

PeopleSay WhatPeopleSay(const std::vector<Reflection>& reflections,
                        Principle principle) {
  std::map<Perspective, std::vector<int>> stages, colours;
  for (const Reflection& r : reflections) {
    if (r.principle != principle) continue;
    stages[r.perspective].push_back(r.stage);
    if (r.rag != Rag::kNone) {
      colours[r.perspective].push_back(static_cast<int>(r.rag));
    }
  }
  PeopleSay say{.stage = MedianOfPerspectives(stages)};
  if (say.stage > 0) {
    const int colour = MedianOfPerspectives(colours);
    // Where fewer than two perspectives gave a colour, the stage's own.
    say.rag = colour > 0 ? static_cast<Rag>(colour) : RagOfStage(say.stage);
  }
  return say;
}

std::string_view PerspectiveName(Perspective perspective) {
  switch (perspective) {
    case Perspective::kMember:
      return "members";
    case Perspective::kFamily:
      return "families";
    case Perspective::kStaff:
      return "staff";
    case Perspective::kCouncil:
      return "the council";
  }
  return "someone";
}

void SummariseReflections(const std::vector<Reflection>& reflections,
                          PrincipleAssessment& out) {
  std::vector<int> all;
  std::map<Perspective, std::vector<int>> by_perspective;
  for (const Reflection& r : reflections) {
    if (r.principle != out.principle) continue;
    all.push_back(r.stage);
    by_perspective[r.perspective].push_back(r.stage);
  }
  out.reflections = static_cast<int>(all.size());
  out.reflections_median_stage = Median(all);
  for (const auto& [perspective, stages] : by_perspective) {
    out.perspectives.push_back(PerspectiveSummary{
        .perspective = perspective,
        .reflections = static_cast<int>(stages.size()),
        .lowest_stage = *std::min_element(stages.begin(), stages.end()),
        .highest_stage = *std::max_element(stages.begin(), stages.end()),
        .median_stage = Median(stages)});
  }
}

std::string Disagreement(const PrincipleAssessment& a) {
  std::vector<std::string> notes;
  if (a.ledger_stage > 0 && a.reflections > 0) {
    // The stage people give once assessed; before, what they said so far.
    const double people = a.stage > 0 ? a.stage : a.reflections_median_stage;
    const double gap = people - a.ledger_stage;
    if (std::abs(gap) >= 1) {
      notes.push_back(absl::StrCat(
          "People's reflections put this at stage ", Decimal(people),
          " but the ledger suggests stage ", a.ledger_stage,
          gap > 0 ? ": people see more than the ledger records"
                  : ": the ledger shows more than people feel"));
    }
  }
  if (a.perspectives.size() >= 2) {
    auto [low, high] = std::minmax_element(
        a.perspectives.begin(), a.perspectives.end(),
        [](const PerspectiveSummary& x, const PerspectiveSummary& y) {
          return x.median_stage < y.median_stage;
        });
    if (high->median_stage - low->median_stage >= 1) {
      notes.push_back(
          absl::StrCat(std::string(PerspectiveName(high->perspective)),
                       " see stage ", Decimal(high->median_stage), ", ",
                       std::string(PerspectiveName(low->perspective)),
                       " stage ", Decimal(low->median_stage)));
    }
  }
  std::string out;
  for (const std::string& note : notes) {
    absl::StrAppend(&out, out.empty() ? "" : "; ", note);
  }
  return out.empty() ? out : out + ".";
}

}  // namespace

std::string_view PrincipleName(Principle principle) {
  switch (principle) {
    case Principle::kPeopleAsAssets:
      return "people as assets";
    case Principle::kValuingWorkDifferently:
      return "valuing work differently";
    case Principle::kReciprocity:
      return "reciprocity";
    case Principle::kSocialNetworks:
      return "social networks";
  }
  return "unknown";
}

constexpr char kPrincipleNames[] =
    "PEOPLE_AS_ASSETS, VALUING_WORK_DIFFERENTLY, RECIPROCITY or "
    "SOCIAL_NETWORKS";

absl::Status CheckPrinciple(std::string_view field, Principle principle) {
  if (principle >= Principle::kPeopleAsAssets &&
      principle <= Principle::kSocialNetworks) {
    return absl::OkStatus();
  }
  return FieldInvalid(field, absl::StrCat("must be ", kPrincipleNames));
}

absl::Status CheckPlanPrinciple(std::string_view field,
                                std::optional<Principle> principle) {
  if (!principle || CheckPrinciple(field, *principle).ok()) {
    return absl::OkStatus();
  }
  return FieldInvalid(field,
                      absl::StrCat("must be UNSPECIFIED (the overall plan), ",
                                   kPrincipleNames));
}

absl::Status CheckPerspective(std::string_view field, Perspective perspective) {
  if (perspective >= Perspective::kMember &&
      perspective <= Perspective::kCouncil) {
    return absl::OkStatus();
  }
  return FieldInvalid(field, "must be MEMBER, FAMILY, STAFF or COUNCIL");
}

absl::Status CheckRag(std::string_view field, Rag rag) {
  if (rag <= Rag::kGreen) return absl::OkStatus();
  return FieldInvalid(field, "must be RED, AMBER or GREEN, or unset");
}

absl::Status CheckActionStatus(std::string_view field, ActionStatus status) {
  if (status >= ActionStatus::kPlanned && status <= ActionStatus::kDropped) {
    return absl::OkStatus();
  }
  return FieldInvalid(field, "must be PLANNED, IN_PROGRESS, DONE or DROPPED");
}

std::string_view StageLabel(int stage) {
  switch (stage) {
    case 1:
      return "You really haven't got this";
    case 2:
      return "You've got the basics";
    case 3:
      return "You're getting there";
    case 4:
      return "You're doing REALLY well";
  }
  return "Not assessed";
}

Rag RagOfStage(int stage) {
  if (stage <= 0) return Rag::kNone;
  return stage >= 4 ? Rag::kGreen : stage >= 2 ? Rag::kAmber : Rag::kRed;
}

const std::vector<MetricDefinition>& DefaultThresholds() {
  static const auto* definitions = [] {
    auto* out = new std::vector<MetricDefinition>;
    for (const MetricSpec& spec : Specs()) out->push_back(spec.definition);
    return out;
  }();
  return *definitions;
}

int MinActiveMembers(const ThresholdOverrides& overrides) {
  auto it = overrides.find(kMinActiveMembers);
  return it == overrides.end() ? kMinActiveMembersDefault
                               : static_cast<int>(it->second);
}

bool IsThresholdName(const std::string& name) {
  if (name == kMinActiveMembers) return true;
  for (const MetricDefinition& d : DefaultThresholds()) {
    for (const char* stage : {".stage2", ".stage3", ".stage4"}) {
      if (name == d.metric + stage) return true;
    }
  }
  return false;
}

absl::Status CheckOverrides(const ThresholdOverrides& overrides) {
  for (const auto& [name, value] : overrides) {
    if (name == kMinActiveMembers) {
      if (!std::isfinite(value) || value < 1 || value > 1000 ||
          value != std::floor(value)) {
        return FieldInvalid("thresholds.value",
                            name + " must be a whole number from 1 to 1000");
      }
      continue;
    }
    const MetricDefinition* metric = nullptr;
    for (const MetricDefinition& d : DefaultThresholds()) {
      for (const char* stage : {".stage2", ".stage3", ".stage4"}) {
        if (name == d.metric + stage) metric = &d;
      }
    }
    if (metric == nullptr) {
      return FieldInvalid("thresholds.metric", "no metric named " + name);
    }
    if (!std::isfinite(value) || value < 0 || value > 1000 ||
        (metric->unit == "share" && value > 1)) {
      return FieldInvalid("thresholds.value",
                          name + " must be from 0 to " +
                              (metric->unit == "share" ? "1" : "1000"));
    }
  }
  for (const MetricDefinition& d : EffectiveThresholds(overrides)) {
    const bool rising = d.comparison == Comparison::kAtLeast;
    if (rising ? !(d.stage2 <= d.stage3 && d.stage3 <= d.stage4)
               : !(d.stage2 >= d.stage3 && d.stage3 >= d.stage4)) {
      return FieldInvalid("thresholds.value", d.metric +
                                                  ": stage thresholds must " +
                                                  (rising ? "rise" : "fall") +
                                                  " from stage 2 to stage 4");
    }
  }
  return absl::OkStatus();
}

std::vector<MetricDefinition> EffectiveThresholds(
    const ThresholdOverrides& overrides) {
  std::vector<MetricDefinition> out = DefaultThresholds();
  for (MetricDefinition& d : out) {
    for (auto [suffix, field] :
         {std::pair{".stage2", &d.stage2}, std::pair{".stage3", &d.stage3},
          std::pair{".stage4", &d.stage4}}) {
      if (auto it = overrides.find(d.metric + suffix); it != overrides.end()) {
        *field = it->second;
      }
    }
  }
  return out;
}

std::vector<PrincipleAssessment> AssessPrinciples(
    const ReciprocityReport& report, const std::vector<Reflection>& reflections,
    const ThresholdOverrides& overrides) {
  const std::vector<MetricDefinition> limits = EffectiveThresholds(overrides);
  const int64_t active = report.total.active_members;
  const int minimum = MinActiveMembers(overrides);
  std::vector<PrincipleAssessment> out;
  for (Principle principle : kPrinciples) {
    PrincipleAssessment a{.principle = principle};
    int ledger_stage = 5;
    for (size_t i = 0; i < Specs().size(); ++i) {
      const MetricSpec& spec = Specs()[i];
      if (spec.definition.principle != principle) continue;
      std::optional<double> value = spec.compute(report.total);
      if (!value) {
        a.evidence.push_back(Evidence{
            .metric = spec.definition.metric,
            .unit = spec.definition.unit,
            .comparison = spec.definition.comparison,
            .stage = 0,
            .sentence =
                "The ledger cannot show this: " + spec.unavailable + "."});
        continue;
      }
      Evidence evidence = Judge(spec, limits[i], *value);
      if (active < minimum) {
        // A figure over a handful of people says more about those people
        // than about the timebank: shown, but it decides nothing.
        evidence.stage = 0;
        evidence.met = false;
        evidence.sentence = absl::StrCat(
            spec.describe(*value), ": too few to judge, with ", active,
            active == 1 ? " active member" : " active members",
            " in the range; a figure sets a stage from ", minimum, ".");
        a.evidence.push_back(std::move(evidence));
        continue;
      }
      // People as assets is about how a service is run; its figures inform
      // but never set the stage.
      if (principle != Principle::kPeopleAsAssets) {
        ledger_stage = std::min(ledger_stage, evidence.stage);
      }
      a.evidence.push_back(std::move(evidence));
    }
    a.ledger_stage = ledger_stage == 5 ? 0 : ledger_stage;
    SummariseReflections(reflections, a);
    // People lead: the stage is the one people give; the ledger's figures
    // are evidence beside it.
    const PeopleSay people = WhatPeopleSay(reflections, principle);
    a.stage = people.stage;
    a.rag = people.rag;
    a.basis = a.stage > 0 ? Basis::kReflections : Basis::kNone;
    a.disagreement = Disagreement(a);
    const std::string ledger_says =
        a.ledger_stage > 0
            ? absl::StrCat("the ledger suggests stage ", a.ledger_stage, ", ",
                           std::string(StageLabel(a.ledger_stage)))
            : std::string("the ledger sets no stage for it");
    if (a.stage > 0) {
      a.summary = absl::StrCat(
          "Stage ", a.stage, ", ", std::string(StageLabel(a.stage)),
          ", as people see it: the median of ", a.perspectives.size(),
          " perspectives (", a.reflections,
          a.reflections == 1 ? " reflection" : " reflections", "); ",
          ledger_says, ".");
    } else {
      a.summary = absl::StrCat(
          "Not yet assessed: ",
          a.reflections == 0
              ? std::string("nobody has reflected on it yet")
              : std::string("a stage needs reflections from at least two "
                            "perspectives"),
          "; ", ledger_says, ".");
    }
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace timebank::ledger
