// The Ledger's assessment records: reflections, the action plan and
// threshold overrides. Reflections and action versions are append-only;
// every write goes through the timebank's writer, like exchanges, so ids
// are gapless and a request_id retry returns the original.

#include <algorithm>

#include "absl/strings/numbers.h"
#include "ledger/civil_date.h"
#include "ledger/ledger.h"
#include "ledger/ledger_impl.h"
#include "ledger/rules.h"
#include "ledger/status_macros.h"
#include "ledger/validation.h"

namespace timebank::ledger {
namespace {

// A plan is a handful of actions; a bound keeps a listing cheap.
constexpr uint64_t kMaxActionVersions = 100'000;
constexpr uint64_t kMaxReflections = 1'000'000;

// The id an earlier request with this id, from the same caller scope and of
// the same kind, produced; kAlreadyExists if its content differed, or nullopt
// if the id is new.
absl::StatusOr<std::optional<uint64_t>> EarlierId(
    Draft& draft, const std::string& tb, const Actor& actor, RequestKind kind,
    const std::string& request_id, const Hash& fingerprint) {
  ASSIGN_OR_RETURN(
      std::optional<RequestRecord> earlier,
      draft.FindRequest(tb, actor.request_scope, kind, request_id));
  if (!earlier) return std::nullopt;
  if (earlier->fingerprint != fingerprint) {
    return absl::AlreadyExistsError(
        "request_id: already used for a different request");
  }
  return earlier->seq;
}

Hash FingerprintOf(std::string_view kind, const std::string& encoded) {
  return Sha256(std::string(kind) + ":" + encoded);
}

absl::StatusOr<int32_t> OptionalDay(std::string_view field,
                                    const std::string& text, int32_t absent) {
  if (text.empty()) return absent;
  std::optional<int32_t> day = ParseDate(text);
  if (!day) return FieldInvalid(field, "must be a real date as YYYY-MM-DD");
  return *day;
}

absl::Status CheckActionText(const std::string& who, const std::string& what,
                             const std::string& how, const std::string& note) {
  RETURN_IF_ERROR(CheckText("who", who, kNameMaxLength, TextRule::kRequired));
  RETURN_IF_ERROR(CheckText("what", what, kPlanTextMaxLength,
                            TextRule::kRequired, Lines::kMulti));
  RETURN_IF_ERROR(CheckText("how", how, kPlanTextMaxLength, TextRule::kOptional,
                            Lines::kMulti));
  return CheckText("note", note, kPlanTextMaxLength, TextRule::kOptional,
                   Lines::kMulti);
}

// The latest version of every action of a timebank, in id order.
absl::StatusOr<std::vector<Action>> LatestActions(rocksdb::DB* db,
                                                  const std::string& tb) {
  std::map<uint64_t, Action> latest;
  absl::Status decode_error;
  RETURN_IF_ERROR(ScanPrefix(db, nullptr, ActionVersionPrefix(tb), "",
                             [&](std::string_view, std::string_view value) {
                               absl::StatusOr<Action> a = DecodeAction(value);
                               if (!a.ok()) {
                                 decode_error = a.status();
                                 return false;
                               }
                               const uint64_t id = a->id;
                               latest[id] = *std::move(a);
                               return true;
                             }));
  RETURN_IF_ERROR(decode_error);
  std::vector<Action> out;
  out.reserve(latest.size());
  for (auto& [id, action] : latest) out.push_back(std::move(action));
  return out;
}

bool Matches(const ActionFilter& filter, const Action& action) {
  if (filter.principle && action.principle != *filter.principle) return false;
  return filter.statuses.empty() ||
         std::find(filter.statuses.begin(), filter.statuses.end(),
                   action.status) != filter.statuses.end();
}

// Writes a new version of an action and advances the timebank's counters.
void PutActionVersion(Draft& draft, Timebank timebank, const Action& action) {
  timebank.last_action_version += 1;
  timebank.last_action_id = std::max(timebank.last_action_id, action.id);
  draft.PutRaw(ActionVersionKey(timebank.id, timebank.last_action_version),
               EncodeAction(action));
  draft.PutTimebank(timebank);
}

// The timebank a plan write acts on, once the writer is known to be fit to
// be recorded.
absl::StatusOr<Timebank> PlanTimebank(const Draft& draft, const std::string& tb,
                                      const Actor* actor) {
  if (actor != nullptr) RETURN_IF_ERROR(CheckActor(*actor));
  RETURN_IF_ERROR(CheckTimebankId("timebank_id", tb));
  std::optional<Timebank> timebank = draft.FindTimebank(tb);
  if (!timebank) return FieldNotFound("timebank_id", "no such timebank");
  return *timebank;
}

}  // namespace

absl::StatusOr<Reflection> Ledger::SubmitReflection(
    const std::string& timebank_id, const Actor& actor,
    const ReflectionInput& input) {
  // Enum ranges first, as in Ledger::OpenAccount.
  RETURN_IF_ERROR(CheckPrinciple("principle", input.principle));
  RETURN_IF_ERROR(CheckPerspective("perspective", input.perspective));
  RETURN_IF_ERROR(CheckRag("rag", input.rag));
  return impl_->Run<Reflection>(
      timebank_id, [&](Draft& draft) -> absl::StatusOr<Reflection> {
        ASSIGN_OR_RETURN(Timebank timebank,
                         PlanTimebank(draft, timebank_id, &actor));
        RETURN_IF_ERROR(CheckRequestId("request_id", input.request_id));
        if (input.stage < 1 || input.stage > 4) {
          return FieldInvalid("stage", "must be from 1 to 4");
        }
        RETURN_IF_ERROR(CheckText("evidence", input.evidence,
                                  kEvidenceMaxLength, TextRule::kRequired,
                                  Lines::kMulti));
        RETURN_IF_ERROR(CheckText("author", input.author, kNameMaxLength,
                                  TextRule::kOptional));
        ASSIGN_OR_RETURN(int32_t day,
                         OptionalDay("reflected_on", input.reflected_on,
                                     DayOfInstantUs(draft.now_us())));
        Reflection reflection{.timebank_id = timebank_id,
                              .principle = input.principle,
                              .perspective = input.perspective,
                              .stage = input.stage,
                              .rag = input.rag,
                              .evidence = input.evidence,
                              .author = input.author,
                              .reflected_on = day,
                              .request_id = input.request_id};
        const Hash fingerprint =
            FingerprintOf("reflection", EncodeReflection(reflection));
        ASSIGN_OR_RETURN(
            std::optional<uint64_t> earlier,
            EarlierId(draft, timebank_id, actor, RequestKind::kReflection,
                      input.request_id, fingerprint));
        if (earlier) {
          ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                           draft.ReadRaw(ReflectionKey(timebank_id, *earlier)));
          if (!bytes)
            return absl::DataLossError("request_id: reflection missing");
          return DecodeReflection(*bytes);
        }
        if (timebank.last_reflection_id >= kMaxReflections) {
          return FieldPrecondition("timebank_id", "holds too many reflections");
        }
        reflection.id = ++timebank.last_reflection_id;
        reflection.submitted_at_us = draft.now_us();
        reflection.submitted_by = actor.name;
        draft.PutRaw(ReflectionKey(timebank_id, reflection.id),
                     EncodeReflection(reflection));
        draft.PutRequest(timebank_id, actor.request_scope,
                         RequestKind::kReflection, input.request_id,
                         {.seq = reflection.id, .fingerprint = fingerprint});
        draft.PutTimebank(timebank);
        return reflection;
      });
}

absl::StatusOr<PageOf<Reflection>> Ledger::ListReflections(
    const std::string& timebank_id, const ReflectionFilter& filter,
    const Page& page) const {
  if (filter.principle)
    RETURN_IF_ERROR(CheckPrinciple("principle", *filter.principle));
  if (filter.perspective) {
    RETURN_IF_ERROR(CheckPerspective("perspective", *filter.perspective));
  }
  RETURN_IF_ERROR(impl_->KnownTimebank(timebank_id).status());
  ASSIGN_OR_RETURN(const int checked_page_size, CheckPageSize(page.page_size));
  const auto page_size = static_cast<size_t>(checked_page_size);
  uint64_t after = 0;
  if (!page.page_token.empty()) {
    if (!absl::SimpleAtoi(page.page_token, &after)) {
      return FieldInvalid("page_token", "is not a token this server issued");
    }
  }
  ASSIGN_OR_RETURN(int32_t from,
                   OptionalDay("from_date", filter.from_date, INT32_MIN));
  ASSIGN_OR_RETURN(int32_t to,
                   OptionalDay("to_date", filter.to_date, INT32_MAX));
  PageOf<Reflection> out;
  absl::Status decode_error;
  RETURN_IF_ERROR(ScanPrefix(
      impl_->db_.get(), nullptr, ReflectionPrefix(timebank_id),
      ReflectionKey(timebank_id, after + 1),
      [&](std::string_view, std::string_view value) {
        absl::StatusOr<Reflection> r = DecodeReflection(value);
        if (!r.ok()) {
          decode_error = r.status();
          return false;
        }
        if ((filter.principle && r->principle != *filter.principle) ||
            (filter.perspective && r->perspective != *filter.perspective) ||
            r->reflected_on < from || r->reflected_on > to) {
          return true;
        }
        if (out.items.size() == page_size) {
          out.next_page_token = std::to_string(out.items.back().id);
          return false;
        }
        out.items.push_back(*std::move(r));
        return true;
      }));
  RETURN_IF_ERROR(decode_error);
  return out;
}

absl::StatusOr<Action> Ledger::AddAction(const std::string& timebank_id,
                                         const Actor& actor,
                                         const ActionInput& input) {
  if (input.principle)
    RETURN_IF_ERROR(CheckPrinciple("principle", *input.principle));
  RETURN_IF_ERROR(CheckActionStatus("status", input.status));
  return impl_->Run<Action>(
      timebank_id, [&](Draft& draft) -> absl::StatusOr<Action> {
        ASSIGN_OR_RETURN(Timebank timebank,
                         PlanTimebank(draft, timebank_id, &actor));
        RETURN_IF_ERROR(CheckRequestId("request_id", input.request_id));
        RETURN_IF_ERROR(CheckActionText(input.who, input.what, input.how, ""));
        ASSIGN_OR_RETURN(int32_t due, OptionalDay("due_on", input.due_on, 0));
        Action action{.timebank_id = timebank_id,
                      .principle = input.principle,
                      .who = input.who,
                      .what = input.what,
                      .how = input.how,
                      .due_on = due,
                      .status = input.status,
                      .request_id = input.request_id};
        const Hash fingerprint = FingerprintOf("action", EncodeAction(action));
        ASSIGN_OR_RETURN(
            std::optional<uint64_t> earlier,
            EarlierId(draft, timebank_id, actor, RequestKind::kAction,
                      input.request_id, fingerprint));
        if (earlier) {
          ASSIGN_OR_RETURN(std::vector<Action> actions,
                           LatestActions(impl_->db_.get(), timebank_id));
          for (const Action& a : actions) {
            if (a.id == *earlier) return a;
          }
          return absl::DataLossError("request_id: action missing");
        }
        if (timebank.last_action_version >= kMaxActionVersions) {
          return FieldPrecondition("timebank_id", "the action plan is full");
        }
        action.id = timebank.last_action_id + 1;
        action.created_at_us = action.updated_at_us = draft.now_us();
        action.created_by = action.updated_by = actor.name;
        PutActionVersion(draft, timebank, action);
        draft.PutRequest(timebank_id, actor.request_scope, RequestKind::kAction,
                         input.request_id,
                         {.seq = action.id, .fingerprint = fingerprint});
        return action;
      });
}

absl::StatusOr<Action> Ledger::UpdateAction(const std::string& timebank_id,
                                            const Actor& actor,
                                            const ActionUpdate& update) {
  if (update.status)
    RETURN_IF_ERROR(CheckActionStatus("status", *update.status));
  return impl_->Run<Action>(
      timebank_id, [&](Draft& draft) -> absl::StatusOr<Action> {
        ASSIGN_OR_RETURN(Timebank timebank,
                         PlanTimebank(draft, timebank_id, &actor));
        if (update.action_id == 0 ||
            update.action_id > timebank.last_action_id) {
          return FieldNotFound("action_id", "no such action");
        }
        // Versions written earlier in this same commit are in the draft, so
        // read the newest version through it, newest first.
        std::optional<Action> action;
        for (uint64_t v = timebank.last_action_version; v > 0 && !action; --v) {
          ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                           draft.ReadRaw(ActionVersionKey(timebank_id, v)));
          if (!bytes) continue;
          ASSIGN_OR_RETURN(Action version, DecodeAction(*bytes));
          if (version.id == update.action_id) action = version;
        }
        if (!action) return FieldNotFound("action_id", "no such action");
        if (update.status) action->status = *update.status;
        if (update.who) action->who = *update.who;
        if (update.what) action->what = *update.what;
        if (update.how) action->how = *update.how;
        if (update.note) action->note = *update.note;
        if (update.due_on) {
          ASSIGN_OR_RETURN(action->due_on,
                           OptionalDay("due_on", *update.due_on, 0));
        }
        RETURN_IF_ERROR(CheckActionText(action->who, action->what, action->how,
                                        action->note));
        if (timebank.last_action_version >= kMaxActionVersions) {
          return FieldPrecondition("timebank_id", "the action plan is full");
        }
        action->updated_at_us = draft.now_us();
        action->updated_by = actor.name;
        PutActionVersion(draft, timebank, *action);
        return *action;
      });
}

absl::StatusOr<PageOf<Action>> Ledger::ListActions(
    const std::string& timebank_id, const ActionFilter& filter,
    const Page& page) const {
  ASSIGN_OR_RETURN(const int checked_page_size, CheckPageSize(page.page_size));
  const auto page_size = static_cast<size_t>(checked_page_size);
  if (filter.principle) {
    RETURN_IF_ERROR(CheckPlanPrinciple("principle", *filter.principle));
  }
  for (const ActionStatus status : filter.statuses) {
    RETURN_IF_ERROR(CheckActionStatus("statuses", status));
  }
  uint64_t after = 0;
  if (!page.page_token.empty() && !absl::SimpleAtoi(page.page_token, &after)) {
    return FieldInvalid("page_token", "is not a token this server issued");
  }
  RETURN_IF_ERROR(impl_->KnownTimebank(timebank_id).status());
  // A plan holds at most kMaxActionVersions versions: reading it whole is
  // cheap, and the latest version of each is only known after the last.
  ASSIGN_OR_RETURN(std::vector<Action> actions,
                   LatestActions(impl_->db_.get(), timebank_id));
  PageOf<Action> out;
  for (Action& action : actions) {
    if (action.id <= after || !Matches(filter, action)) continue;
    if (out.items.size() == page_size) {
      out.next_page_token = std::to_string(out.items.back().id);
      break;
    }
    out.items.push_back(std::move(action));
  }
  return out;
}

absl::StatusOr<ThresholdOverrides> Ledger::GetThresholds(
    const std::string& timebank_id) const {
  RETURN_IF_ERROR(impl_->KnownTimebank(timebank_id).status());
  std::string bytes;
  rocksdb::Status s = impl_->db_->Get(rocksdb::ReadOptions(),
                                      ThresholdsKey(timebank_id), &bytes);
  if (s.IsNotFound()) return ThresholdOverrides{};
  RETURN_IF_ERROR(internal::FromRocks(s, "read"));
  return DecodeThresholds(bytes);
}

absl::StatusOr<ThresholdOverrides> Ledger::SetThresholds(
    const std::string& timebank_id,
    const std::map<std::string, std::optional<double>>& changes) {
  return impl_->Run<ThresholdOverrides>(
      timebank_id, [&](Draft& draft) -> absl::StatusOr<ThresholdOverrides> {
        RETURN_IF_ERROR(PlanTimebank(draft, timebank_id, nullptr).status());
        ThresholdOverrides overrides;
        ASSIGN_OR_RETURN(std::optional<std::string> bytes,
                         draft.ReadRaw(ThresholdsKey(timebank_id)));
        if (bytes) {
          ASSIGN_OR_RETURN(overrides, DecodeThresholds(*bytes));
        }
        for (const auto& [name, value] : changes) {
          // Restoring a default names a metric too; an unknown one is a typo.
          if (!IsThresholdName(name)) {
            return FieldInvalid("thresholds.metric", "no metric named " + name);
          }
          if (value) {
            overrides[name] = *value;
          } else {
            overrides.erase(name);
          }
        }
        RETURN_IF_ERROR(CheckOverrides(overrides));
        draft.PutRaw(ThresholdsKey(timebank_id), EncodeThresholds(overrides));
        return overrides;
      });
}

absl::StatusOr<AssessmentResult> Ledger::AssessPrinciples(
    const std::string& timebank_id, const std::string& from_date,
    const std::string& to_date) const {
  AssessmentResult result;
  ASSIGN_OR_RETURN(result.report,
                   GetReciprocityReport(timebank_id, from_date, to_date,
                                        Granularity::kMonth, 5));
  ASSIGN_OR_RETURN(ThresholdOverrides overrides, GetThresholds(timebank_id));
  std::vector<Reflection> reflections;
  ReflectionFilter filter{.from_date = FormatDate(result.report.from_day),
                          .to_date = FormatDate(result.report.to_day)};
  Page page{.page_size = kPageSizeMax};
  do {
    ASSIGN_OR_RETURN(PageOf<Reflection> batch,
                     ListReflections(timebank_id, filter, page));
    for (Reflection& r : batch.items) reflections.push_back(std::move(r));
    page.page_token = batch.next_page_token;
  } while (!page.page_token.empty());
  result.principles = ::timebank::ledger::AssessPrinciples(
      result.report, reflections, overrides);
  return result;
}

}  // namespace timebank::ledger
