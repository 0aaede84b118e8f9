// The sample timebank that `timebank demo` fills: about forty members with
// plausible names and skills, an organisation, the community pot, a year of
// exchanges between them, the corrections and pending entries a real
// timebank has, and people's reflections on the four co-production
// principles with the action plan they led to. Planning is pure and
// deterministic (a fixed seed and a portable random engine), so the same anchor
// date always gives the same plan, and therefore the same request ids and
// content: running the demo twice records nothing twice. Thread-safe.

#ifndef TIMEBANK_CLIENT_DEMO_PLAN_H_
#define TIMEBANK_CLIENT_DEMO_PLAN_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace timebank::client {

enum class DemoKind { kPerson, kOrganisation, kCommunityPot };

struct DemoAccount {
  std::string id;
  std::string name;
  DemoKind kind = DemoKind::kPerson;
  std::vector<std::string> skills;
  std::string joined_on;
};

struct DemoExchange {
  std::string request_id;
  std::string giver_id;
  std::string receiver_id;
  int64_t minutes = 0;
  std::string category;
  std::string description;
  std::string occurred_on;
};

// A correction of one planned exchange.
struct DemoCorrection {
  size_t index = 0;  // Into DemoPlan::exchanges or DemoPlan::pending.
  std::string request_id;
  std::string reason;
};

// The co-production principles, perspectives, colours and action statuses,
// numbered as in the Assessment proto (this header stays free of proto
// types so that the plan remains a plain value).
enum class DemoPrinciple {
  kOverall = 0,
  kPeopleAsAssets = 1,
  kValuingWork = 2,
  kReciprocity = 3,
  kSocialNetworks = 4,
};
enum class DemoPerspective {
  kMember = 1,
  kFamily = 2,
  kStaff = 3,
  kCouncil = 4
};
enum class DemoRag { kNone = 0, kRed = 1, kAmber = 2, kGreen = 3 };
enum class DemoActionStatus {
  kPlanned = 1,
  kInProgress = 2,
  kDone = 3,
  kDropped = 4,
};

// Someone's own view of a principle, as the self-reflection tool asks for.
struct DemoReflection {
  std::string request_id;
  DemoPrinciple principle = DemoPrinciple::kReciprocity;
  DemoPerspective perspective = DemoPerspective::kMember;
  int stage = 1;  // 1 to 4.
  DemoRag rag = DemoRag::kNone;
  std::string evidence;
  std::string author;
  std::string reflected_on;
};

// One step of the action plan: who will do what, how and by when.
struct DemoAction {
  std::string request_id;
  DemoPrinciple principle = DemoPrinciple::kOverall;
  std::string who;
  std::string what;
  std::string how;
  std::string due_on;
  DemoActionStatus status = DemoActionStatus::kPlanned;
};

struct DemoOptions {
  std::string timebank_id = "riverside";
  // Every date is before this day; the demo uses the timebank's creation
  // date, so that a later run plans exactly the same exchanges.
  std::chrono::sys_days anchor;
  // The timebank's balance floor for PERSON accounts (zero or negative).
  int64_t floor_minutes = -20 * 60;
  // The largest single exchange the timebank accepts.
  int64_t max_exchange_minutes = 24 * 60;
  size_t exchanges = 400;
  uint64_t seed = 20261120;
};

// What to write, in this order: accounts, exchanges (recorded by a
// coordinator, so confirmed), reversals of some of them, the pending
// exchanges logged by `pending_member`, then the confirmation and the
// rejection of one pending exchange each, and last the reflections on the
// four principles and the action plan. Balances of PERSON accounts never
// fall below the floor at any point of that order. Reflections are dated in
// the last weeks before the anchor, so an assessment of the demo's year
// sees them; actions fall due in the months after it.
struct DemoPlan {
  std::vector<DemoAccount> accounts;
  std::vector<DemoExchange> exchanges;
  std::vector<DemoCorrection> reversals;
  std::string pending_member;
  std::vector<DemoExchange> pending;
  DemoCorrection confirm;
  DemoCorrection reject;
  std::vector<DemoReflection> reflections;
  std::vector<DemoAction> actions;
  // Candidate exchanges left out because they would have broken the floor.
  size_t skipped_for_floor = 0;
};

DemoPlan MakeDemoPlan(const DemoOptions& options);

}  // namespace timebank::client

#endif  // TIMEBANK_CLIENT_DEMO_PLAN_H_
