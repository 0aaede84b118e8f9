// The sample timebank that `timebank demo` fills: about forty members with
// plausible names and skills, an organisation, the community pot, a year of
// exchanges between them, and the corrections and pending entries a real
// timebank has. Planning is pure and deterministic (a fixed seed and a
// portable random engine), so the same anchor date always gives the same
// plan, and therefore the same request ids and content: running the demo
// twice records nothing twice. Thread-safe.

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
// rejection of one pending exchange each. Balances of PERSON accounts never
// fall below the floor at any point of that order.
struct DemoPlan {
  std::vector<DemoAccount> accounts;
  std::vector<DemoExchange> exchanges;
  std::vector<DemoCorrection> reversals;
  std::string pending_member;
  std::vector<DemoExchange> pending;
  DemoCorrection confirm;
  DemoCorrection reject;
  // Candidate exchanges left out because they would have broken the floor.
  size_t skipped_for_floor = 0;
};

DemoPlan MakeDemoPlan(const DemoOptions& options);

}  // namespace timebank::client

#endif  // TIMEBANK_CLIENT_DEMO_PLAN_H_
