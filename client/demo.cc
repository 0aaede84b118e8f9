// `timebank demo`: fills a realistic sample timebank so that a newcomer sees
// real statements, balances, reports and an assessment at once. What it writes
// is planned by demo_plan.h; this file only sends the plan, as the admin and,
// for the pending exchanges, as one member. Every write is idempotent, so the
// demo can be run again (or resumed after a failure) without duplicating
// anything.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/commands.h"
#include "client/dates.h"
#include "client/demo_plan.h"

namespace timebank::client {
namespace {

struct DemoFlags {
  std::string timebank_id = "riverside";
  std::string name = "Riverside Timebank";
};

// What the demo did, for the summary.
struct DemoReport {
  size_t accounts_opened = 0;
  size_t accounts_existing = 0;
  size_t exchanges_recorded = 0;
  size_t reversed = 0;
  size_t pending_logged = 0;
  bool confirmed = false;
  bool rejected = false;
  size_t reflections = 0;
  size_t actions = 0;
  size_t failures = 0;
  absl::Status first_failure;

  void Fail(Session& session, std::string_view step,
            const absl::Status& status) {
    session.err() << "warning: " << step << ": " << StatusLine(status) << "\n";
    if (failures++ == 0) first_failure = status;
  }
};

// Creates the timebank unless it exists and returns it as it now stands.
absl::StatusOr<v1::Timebank> EnsureTimebank(const Connection& connection,
                                            const DemoFlags& flags) {
  v1::CreateTimebankRequest create;
  create.set_timebank_id(flags.timebank_id);
  create.set_name(flags.name);
  v1::TimebankSettings* settings = create.mutable_settings();
  settings->set_members_may_log(true);
  settings->set_has_balance_floor(true);
  settings->set_balance_floor_minutes(-20 * 60);
  absl::StatusOr<v1::Timebank> created = CallLedger(
      connection, &v1::Ledger::StubInterface::CreateTimebank, create);
  if (created.ok()) return created;
  if (!absl::IsAlreadyExists(created.status())) return created.status();
  v1::GetTimebankRequest get;
  get.set_timebank_id(flags.timebank_id);
  return CallLedger(connection, &v1::Ledger::StubInterface::GetTimebank, get);
}

// Plans from the timebank's creation day, which never changes, so every run
// plans the same exchanges.
DemoPlan PlanFor(const v1::Timebank& timebank) {
  DemoOptions options{.timebank_id = timebank.timebank_id()};
  options.anchor =
      timebank.created_at_unix_us() > 0
          ? std::chrono::floor<std::chrono::days>(
                std::chrono::sys_time<std::chrono::microseconds>(
                    std::chrono::microseconds(timebank.created_at_unix_us())))
          : TodayUtc();
  const v1::TimebankSettings& settings = timebank.settings();
  if (settings.has_balance_floor())
    options.floor_minutes = settings.balance_floor_minutes();
  if (settings.max_exchange_minutes() > 0) {
    options.max_exchange_minutes = settings.max_exchange_minutes();
  }
  return MakeDemoPlan(options);
}

v1::AccountKind KindOf(DemoKind kind) {
  switch (kind) {
    case DemoKind::kPerson:
      return v1::ACCOUNT_KIND_PERSON;
    case DemoKind::kOrganisation:
      return v1::ACCOUNT_KIND_ORGANISATION;
    case DemoKind::kCommunityPot:
      return v1::ACCOUNT_KIND_COMMUNITY_POT;
  }
  return v1::ACCOUNT_KIND_UNSPECIFIED;
}

absl::Status OpenAccounts(const Connection& connection,
                          const std::string& timebank_id, const DemoPlan& plan,
                          DemoReport* report) {
  for (const DemoAccount& account : plan.accounts) {
    v1::OpenAccountRequest request;
    request.set_timebank_id(timebank_id);
    request.set_account_id(account.id);
    request.set_display_name(account.name);
    request.set_kind(KindOf(account.kind));
    for (const std::string& skill : account.skills) request.add_skills(skill);
    request.set_joined_on(account.joined_on);
    absl::StatusOr<v1::Account> opened = CallLedger(
        connection, &v1::Ledger::StubInterface::OpenAccount, request);
    if (opened.ok()) {
      ++report->accounts_opened;
    } else if (absl::IsAlreadyExists(opened.status())) {
      ++report->accounts_existing;
    } else {
      return opened.status();
    }
  }
  return absl::OkStatus();
}

v1::RecordExchangeItem ItemOf(const DemoExchange& exchange) {
  v1::RecordExchangeItem item;
  item.set_request_id(exchange.request_id);
  item.set_giver_id(exchange.giver_id);
  item.set_receiver_id(exchange.receiver_id);
  item.set_minutes(exchange.minutes);
  item.set_category(exchange.category);
  item.set_description(exchange.description);
  item.set_occurred_on(exchange.occurred_on);
  return item;
}

// Records the year of exchanges; returns the seq of each (0 where it failed).
absl::StatusOr<std::vector<uint64_t>> RecordExchanges(
    Session& session, const Connection& connection,
    const std::string& timebank_id, const DemoPlan& plan, DemoReport* report) {
  std::vector<v1::RecordExchangeItem> items;
  for (const DemoExchange& exchange : plan.exchanges)
    items.push_back(ItemOf(exchange));
  absl::StatusOr<std::vector<v1::RecordExchangeResult>> results =
      RecordInBatches(connection, timebank_id, items);
  if (!results.ok()) return results.status();
  std::vector<uint64_t> seqs;
  for (const v1::RecordExchangeResult& result : *results) {
    if (result.has_exchange()) {
      seqs.push_back(result.exchange().seq());
      ++report->exchanges_recorded;
      continue;
    }
    seqs.push_back(0);
    report->Fail(
        session, absl::StrCat("exchange ", result.request_id()),
        absl::Status(static_cast<absl::StatusCode>(result.error().code()),
                     result.error().message()));
  }
  return seqs;
}

void ReverseSome(Session& session, const Connection& connection,
                 const std::string& timebank_id, const DemoPlan& plan,
                 const std::vector<uint64_t>& seqs, DemoReport* report) {
  for (const DemoCorrection& reversal : plan.reversals) {
    if (seqs[reversal.index] == 0) continue;
    v1::ReverseExchangeRequest request;
    request.set_timebank_id(timebank_id);
    request.set_seq(seqs[reversal.index]);
    request.set_request_id(reversal.request_id);
    request.set_reason(reversal.reason);
    absl::StatusOr<v1::Exchange> reversed = CallLedger(
        connection, &v1::Ledger::StubInterface::ReverseExchange, request);
    if (reversed.ok()) {
      ++report->reversed;
    } else {
      report->Fail(session, absl::StrCat("reverse #", request.seq()),
                   reversed.status());
    }
  }
}

// A MEMBER token for the member who logs the pending exchanges. Its name is
// unique among the live MEMBER tokens of its timebank, so one left over from
// an interrupted run is revoked first.
absl::StatusOr<v1::CreateTokenResponse> MemberToken(
    const Connection& connection, const std::string& timebank_id,
    const std::string& member) {
  v1::CreateTokenRequest request;
  request.set_role(v1::ROLE_MEMBER);
  request.add_timebank_ids(timebank_id);
  request.set_account_id(member);
  request.set_name(
      absl::StrCat("demo-", member, "@", timebank_id).substr(0, 64));
  absl::StatusOr<v1::CreateTokenResponse> created =
      CallAccess(connection, &v1::Access::StubInterface::CreateToken, request);
  if (!absl::IsAlreadyExists(created.status())) return created;
  absl::StatusOr<v1::ListTokensResponse> tokens =
      CallAccess(connection, &v1::Access::StubInterface::ListTokens,
                 v1::ListTokensRequest());
  if (!tokens.ok()) return tokens.status();
  for (const v1::TokenInfo& info : tokens->tokens()) {
    if (info.revoked() || info.name() != request.name()) continue;
    v1::RevokeTokenRequest revoke;
    revoke.set_token_id(info.token_id());
    absl::StatusOr<v1::TokenInfo> revoked =
        CallAccess(connection, &v1::Access::StubInterface::RevokeToken, revoke);
    if (!revoked.ok()) return revoked.status();
  }
  return CallAccess(connection, &v1::Access::StubInterface::CreateToken,
                    request);
}

// Logs the pending exchanges as the member; returns their seqs (0 where the
// member could not log one).
std::vector<uint64_t> LogPending(Session& session, const Connection& member,
                                 const std::string& timebank_id,
                                 const DemoPlan& plan, DemoReport* report) {
  std::vector<uint64_t> seqs;
  for (const DemoExchange& exchange : plan.pending) {
    v1::RecordExchangeRequest request;
    request.set_timebank_id(timebank_id);
    request.set_request_id(exchange.request_id);
    request.set_giver_id(exchange.giver_id);
    request.set_receiver_id(exchange.receiver_id);
    request.set_minutes(exchange.minutes);
    request.set_category(exchange.category);
    request.set_description(exchange.description);
    request.set_occurred_on(exchange.occurred_on);
    absl::StatusOr<v1::Exchange> logged =
        CallLedger(member, &v1::Ledger::StubInterface::RecordExchange, request);
    seqs.push_back(logged.ok() ? logged->seq() : 0);
    if (logged.ok()) {
      ++report->pending_logged;
    } else {
      report->Fail(session, absl::StrCat("log as ", plan.pending_member),
                   logged.status());
    }
  }
  return seqs;
}

void ConfirmAndReject(Session& session, const Connection& connection,
                      const std::string& timebank_id, const DemoPlan& plan,
                      const std::vector<uint64_t>& seqs, DemoReport* report) {
  if (!plan.confirm.request_id.empty() && seqs[plan.confirm.index] != 0) {
    v1::ConfirmExchangeRequest request;
    request.set_timebank_id(timebank_id);
    request.set_seq(seqs[plan.confirm.index]);
    request.set_request_id(plan.confirm.request_id);
    absl::StatusOr<v1::Exchange> confirmed = CallLedger(
        connection, &v1::Ledger::StubInterface::ConfirmExchange, request);
    report->confirmed = confirmed.ok();
    if (!confirmed.ok()) report->Fail(session, "confirm", confirmed.status());
  }
  if (!plan.reject.request_id.empty() && seqs[plan.reject.index] != 0) {
    v1::RejectExchangeRequest request;
    request.set_timebank_id(timebank_id);
    request.set_seq(seqs[plan.reject.index]);
    request.set_request_id(plan.reject.request_id);
    request.set_reason(plan.reject.reason);
    absl::StatusOr<v1::Exchange> rejected = CallLedger(
        connection, &v1::Ledger::StubInterface::RejectExchange, request);
    report->rejected = rejected.ok();
    if (!rejected.ok()) report->Fail(session, "reject", rejected.status());
  }
}

void PendingPart(Session& session, const Connection& connection,
                 const std::string& timebank_id, const DemoPlan& plan,
                 DemoReport* report) {
  absl::StatusOr<v1::CreateTokenResponse> token =
      MemberToken(connection, timebank_id, plan.pending_member);
  if (!token.ok()) {
    report->Fail(session, "member token", token.status());
    return;
  }
  const std::unique_ptr<Connection> member =
      connection.WithToken(token->token());
  const std::vector<uint64_t> seqs =
      LogPending(session, *member, timebank_id, plan, report);
  ConfirmAndReject(session, connection, timebank_id, plan, seqs, report);
  // The demo's member token has served its purpose; leave no live secret.
  v1::RevokeTokenRequest revoke;
  revoke.set_token_id(token->info().token_id());
  absl::StatusOr<v1::TokenInfo> revoked =
      CallAccess(connection, &v1::Access::StubInterface::RevokeToken, revoke);
  if (!revoked.ok())
    report->Fail(session, "revoke member token", revoked.status());
}

// The demo's enums are numbered as the proto's (see demo_plan.h).
static_assert(static_cast<int>(DemoPrinciple::kOverall) ==
                  v1::PRINCIPLE_UNSPECIFIED &&
              static_cast<int>(DemoPrinciple::kValuingWork) ==
                  v1::PRINCIPLE_VALUING_WORK_DIFFERENTLY &&
              static_cast<int>(DemoPrinciple::kSocialNetworks) ==
                  v1::PRINCIPLE_SOCIAL_NETWORKS);
static_assert(static_cast<int>(DemoPerspective::kMember) ==
                  v1::PERSPECTIVE_MEMBER &&
              static_cast<int>(DemoPerspective::kCouncil) ==
                  v1::PERSPECTIVE_COUNCIL);
static_assert(static_cast<int>(DemoRag::kNone) == v1::RAG_UNSPECIFIED &&
              static_cast<int>(DemoRag::kGreen) == v1::RAG_GREEN);
static_assert(static_cast<int>(DemoActionStatus::kPlanned) ==
                  v1::ACTION_STATUS_PLANNED &&
              static_cast<int>(DemoActionStatus::kDropped) ==
                  v1::ACTION_STATUS_DROPPED);

v1::SubmitReflectionRequest ReflectionRequestOf(const std::string& timebank_id,
                                                const DemoReflection& r) {
  v1::SubmitReflectionRequest request;
  request.set_timebank_id(timebank_id);
  request.set_request_id(r.request_id);
  request.set_principle(static_cast<v1::Principle>(r.principle));
  request.set_perspective(static_cast<v1::Perspective>(r.perspective));
  request.set_stage(r.stage);
  request.set_rag(static_cast<v1::Rag>(r.rag));
  request.set_evidence(r.evidence);
  request.set_author(r.author);
  request.set_reflected_on(r.reflected_on);
  return request;
}

v1::AddActionRequest ActionRequestOf(const std::string& timebank_id,
                                     const DemoAction& a) {
  v1::AddActionRequest request;
  request.set_timebank_id(timebank_id);
  request.set_request_id(a.request_id);
  request.set_principle(static_cast<v1::Principle>(a.principle));
  request.set_who(a.who);
  request.set_what(a.what);
  request.set_how(a.how);
  request.set_due_on(a.due_on);
  request.set_status(static_cast<v1::ActionStatus>(a.status));
  return request;
}

// People's reflections on the four principles and the action plan they led
// to. Fixed request ids and content: a second run returns the originals.
void ReflectAndPlan(Session& session, const Connection& connection,
                    const std::string& timebank_id, const DemoPlan& plan,
                    DemoReport* report) {
  for (const DemoReflection& reflection : plan.reflections) {
    absl::StatusOr<v1::Reflection> submitted = CallAssessment(
        connection, &v1::Assessment::StubInterface::SubmitReflection,
        ReflectionRequestOf(timebank_id, reflection));
    if (submitted.ok()) {
      ++report->reflections;
    } else {
      report->Fail(session, reflection.request_id, submitted.status());
    }
  }
  for (const DemoAction& action : plan.actions) {
    absl::StatusOr<v1::Action> added =
        CallAssessment(connection, &v1::Assessment::StubInterface::AddAction,
                       ActionRequestOf(timebank_id, action));
    if (added.ok()) {
      ++report->actions;
    } else {
      report->Fail(session, action.request_id, added.status());
    }
  }
}

void PrintSummary(Session& session, const v1::Timebank& timebank,
                  const DemoPlan& plan, const DemoReport& report) {
  const std::string& id = timebank.timebank_id();
  const size_t still_pending = report.pending_logged -
                               (report.confirmed ? 1 : 0) -
                               (report.rejected ? 1 : 0);
  if (session.printer().format() == OutputFormat::kJson) {
    session.printer().PrintJson(
        {{"timebank_id", id},
         {"accounts_opened", report.accounts_opened},
         {"accounts_existing", report.accounts_existing},
         {"exchanges_recorded", report.exchanges_recorded},
         {"reversed", report.reversed},
         {"pending_logged", report.pending_logged},
         {"confirmed", report.confirmed},
         {"rejected", report.rejected},
         {"reflections", report.reflections},
         {"actions", report.actions},
         {"failures", report.failures}});
    return;
  }
  std::ostream& out = session.out();
  if (plan.exchanges.empty()) return;  // Only with options no caller uses.
  const std::string& from = plan.exchanges.front().occurred_on;
  const std::string& to = plan.exchanges.back().occurred_on;
  out << timebank.name() << " (" << id << "): " << plan.accounts.size()
      << " accounts (" << report.accounts_opened << " opened now); "
      << report.exchanges_recorded << " exchanges recorded from "
      << plan.exchanges.front().occurred_on << " to "
      << plan.exchanges.back().occurred_on << ", " << report.reversed
      << " of them since reversed; " << report.pending_logged << " logged by "
      << plan.pending_member << " ("
      << (report.confirmed ? "1 confirmed, " : "")
      << (report.rejected ? "1 rejected, " : "") << still_pending
      << " still pending); " << report.reflections
      << " reflections on the four principles and " << report.actions
      << " actions in the plan.\n\nTry:\n"
      << "  timebank balance --timebank " << id << " --account "
      << plan.pending_member << "\n"
      << "  timebank exchange list --timebank " << id << " --account "
      << plan.pending_member << "\n"
      << "  timebank balances --timebank " << id << "\n"
      << "  timebank journal verify --timebank " << id << "\n"
      << "  timebank report --timebank " << id << " --from " << from << " --to "
      << to << " --by quarter\n"
      << "  timebank assess --timebank " << id << " --from " << from << " --to "
      << to << "\n"
      << "  timebank action list --timebank " << id << "\n"
      << "  timebank report --timebank " << id << " --from " << from << " --to "
      << to << " --html council-report.html\n";
}

absl::Status RunDemo(Session& session, const DemoFlags& flags) {
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  const Connection& admin = **connection;
  session.err() << "Creating timebank " << flags.timebank_id
                << " and its accounts...\n";
  absl::StatusOr<v1::Timebank> timebank = EnsureTimebank(admin, flags);
  if (!timebank.ok()) return timebank.status();
  const DemoPlan plan = PlanFor(*timebank);
  DemoReport report;
  if (absl::Status s = OpenAccounts(admin, flags.timebank_id, plan, &report);
      !s.ok()) {
    return s;
  }
  session.err() << "Recording " << plan.exchanges.size() << " exchanges...\n";
  absl::StatusOr<std::vector<uint64_t>> seqs =
      RecordExchanges(session, admin, flags.timebank_id, plan, &report);
  if (!seqs.ok()) return seqs.status();
  ReverseSome(session, admin, flags.timebank_id, plan, *seqs, &report);
  PendingPart(session, admin, flags.timebank_id, plan, &report);
  session.err() << "Adding " << plan.reflections.size() << " reflections and "
                << plan.actions.size() << " actions...\n";
  ReflectAndPlan(session, admin, flags.timebank_id, plan, &report);
  PrintSummary(session, *timebank, plan, report);
  if (report.failures == 0) return absl::OkStatus();
  return absl::Status(
      report.first_failure.code(),
      absl::StrCat(report.failures, " demo steps failed; the first: ",
                   report.first_failure.message()));
}

}  // namespace

void AddDemoCommand(CLI::App& app, CommandRegistry& registry) {
  auto flags = std::make_shared<DemoFlags>();
  CLI::App* command = app.add_subcommand(
      "demo",
      "Fill a sample timebank with members, a year of exchanges, reflections "
      "and an action plan (admin)");
  command->add_option("--timebank,-t", flags->timebank_id, "Timebank id")
      ->capture_default_str();
  command->add_option("--name", flags->name, "Timebank name")
      ->capture_default_str();
  registry.Bind(command, [flags](Session& s) { return RunDemo(s, *flags); });
}

}  // namespace timebank::client
