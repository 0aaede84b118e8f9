#include "client/demo_plan.h"

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <utility>

#include "absl/strings/str_format.h"
#include "client/dates.h"

namespace timebank::client {
namespace {

using Days = std::chrono::days;

constexpr char kOrganisationId[] = "riverside-council";
constexpr char kPotId[] = "community-pot";
// The last kNewMembers people joined during the year, the rest before it.
constexpr size_t kNewMembers = 6;
constexpr int kYearDays = 365;

struct Person {
  const char* id;
  const char* name;
};

constexpr Person kPeople[] = {
    {"kathy", "Kathy B."},     {"vera", "Vera O."},
    {"tom", "Tom W."},         {"aisha", "Aisha R."},
    {"george", "George P."},   {"margaret", "Margaret D."},
    {"samuel", "Samuel O."},   {"priya", "Priya S."},
    {"frank", "Frank K."},     {"jean", "Jean M."},
    {"ahmed", "Ahmed H."},     {"lily", "Lily C."},
    {"derek", "Derek H."},     {"fatima", "Fatima B."},
    {"bill", "Bill H."},       {"rosa", "Rosa M."},
    {"eileen", "Eileen O."},   {"kwame", "Kwame M."},
    {"dorothy", "Dorothy W."}, {"ravi", "Ravi G."},
    {"helen", "Helen F."},     {"joseph", "Joseph N."},
    {"grace", "Grace A."},     {"alan", "Alan P."},
    {"mary", "Mary T."},       {"yusuf", "Yusuf A."},
    {"sheila", "Sheila B."},   {"tariq", "Tariq M."},
    {"brenda", "Brenda C."},   {"nadia", "Nadia P."},
    {"colin", "Colin R."},     {"sunita", "Sunita K."},
    {"patrick", "Patrick B."}, {"olive", "Olive J."},
    {"marek", "Marek Z."},     {"hannah", "Hannah L."},
    {"ibrahim", "Ibrahim D."}, {"joan", "Joan F."},
    {"ken", "Ken M."},         {"zainab", "Zainab Y."}};

struct Category {
  const char* tag;
  const char* descriptions[3];
};

// Skills people offer; each is also the category of the work.
constexpr Category kSkills[] = {
    {"gardening",
     {"Weeded and planted the front beds",
      "Mowed the lawn and cut back the hedge", "Helped dig a vegetable patch"}},
    {"befriending",
     {"Afternoon tea and a chat", "A walk round the park together",
      "A visit and a game of cards"}},
    {"shopping",
     {"Weekly shop at the supermarket",
      "Picked up a prescription and groceries",
      "Helped carry the shopping home"}},
    {"it-help",
     {"Set up video calls with family", "Fixed email on a new tablet",
      "Showed how to book GP appointments online"}},
    {"lifts",
     {"Lift to a hospital appointment", "Drove to the day centre and back",
      "Lift to the station"}},
    {"cooking",
     {"Cooked meals for the freezer", "Baked for the coffee morning",
      "Cooking lesson: soups on a budget"}},
    {"diy",
     {"Put up shelves in the kitchen", "Fixed a dripping tap",
      "Assembled a wardrobe"}},
    {"language-practice",
     {"English conversation practice", "Helped fill in a form in English",
      "Polish conversation hour"}},
    {"dog-walking",
     {"Walked the dog while the owner recovers", "Morning dog walks",
      "Took the dog to the vet"}},
    {"reading",
     {"Read the newspaper aloud", "Reading with a child after school",
      "Set up audiobooks and read together"}}};

constexpr Category kTraining = {
    "training",
    {"Place on the council's first-aid course",
     "Food hygiene certificate course", "Volunteer safeguarding training"}};
constexpr Category kDonation = {
    "donation",
    {"Donated spare hours to the community pot", "Gave hours to the pot",
     "Hours for the pot after a good month"}};
constexpr Category kGift = {"gift",
                            {"Hours from the pot after a hospital stay",
                             "Hours from the pot to help with a move",
                             "Hours from the pot while caring for a relative"}};

constexpr int64_t kMinutesChoices[] = {30, 45,  60,  60,  60,  90,
                                       90, 120, 120, 150, 180, 240};
constexpr int64_t kTrainingMinutes[] = {120, 180, 240, 360};

// mt19937_64's output is fixed by the standard, while the standard
// distributions differ between libraries; taking a modulo keeps plans equal
// everywhere, and its bias is negligible for such small ranges.
class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}
  size_t Below(size_t n) { return static_cast<size_t>(engine_() % n); }
  bool Percent(size_t percent) { return Below(100) < percent; }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(N)];
  }

 private:
  std::mt19937_64 engine_;
};

class Planner {
 public:
  explicit Planner(const DemoOptions& options)
      : options_(options), random_(options.seed) {}

  DemoPlan Make() {
    AddAccounts();
    AddExchanges();
    AddReversals();
    AddPending();
    AddReflections();
    AddActions();
    return std::move(plan_);
  }

 private:
  using Day = std::chrono::sys_days;

  const DemoAccount& person(size_t i) const { return plan_.accounts[i]; }

  void AddAccounts();
  void AddExchanges();
  void AddReversals();
  void AddPending();
  void AddReflections();
  void AddActions();
  DemoExchange Candidate(Day day);
  DemoExchange Between(const std::string& giver, const std::string& receiver,
                       const Category& category, int64_t minutes, Day day);
  const Category& SkillOf(size_t member);
  size_t WeightedPerson(const std::vector<size_t>& weights, size_t exclude,
                        Day day);
  std::optional<int64_t> LowestBalance(const std::string& debited,
                                       const DemoExchange& exchange);
  bool Apply(const DemoExchange& exchange, int sign);

  const DemoOptions& options_;
  Random random_;
  DemoPlan plan_;
  size_t people_ = 0;
  std::vector<size_t> give_weight_;
  std::vector<size_t> get_weight_;
  std::map<std::string, int64_t> balance_;
  std::map<std::string, DemoKind> kind_;
  std::map<std::string, Day> joined_;
};

void Planner::AddAccounts() {
  const Day anchor = options_.anchor;
  people_ = std::size(kPeople);
  for (size_t i = 0; i < people_; ++i) {
    // Most members joined before the year; the last few during it, so the
    // reports have newcomers to follow.
    const bool is_new = i >= people_ - kNewMembers;
    const Day joined = is_new
                           ? anchor - Days(60 + random_.Below(240))
                           : anchor - Days(kYearDays + 5 + random_.Below(360));
    DemoAccount account{.id = kPeople[i].id,
                        .name = kPeople[i].name,
                        .joined_on = FormatDate(joined)};
    const size_t skills = 1 + random_.Below(3);
    while (account.skills.size() < skills) {
      const std::string tag = random_.Pick(kSkills).tag;
      if (std::find(account.skills.begin(), account.skills.end(), tag) ==
          account.skills.end()) {
        account.skills.push_back(tag);
      }
    }
    give_weight_.push_back(1 + random_.Below(6));
    get_weight_.push_back(1 + random_.Below(6));
    plan_.accounts.push_back(std::move(account));
  }
  const std::string founded = FormatDate(anchor - Days(2 * kYearDays));
  plan_.accounts.push_back({.id = kOrganisationId,
                            .name = "Riverside Council",
                            .kind = DemoKind::kOrganisation,
                            .skills = {"training"},
                            .joined_on = founded});
  plan_.accounts.push_back({.id = kPotId,
                            .name = "Community Pot",
                            .kind = DemoKind::kCommunityPot,
                            .joined_on = founded});
  for (const DemoAccount& account : plan_.accounts) {
    kind_[account.id] = account.kind;
    joined_[account.id] = *ParseDate(account.joined_on);
  }
}

// A member drawn in proportion to `weights`, among those who had joined by
// `day`, other than `exclude` (people_ excludes no one).
size_t Planner::WeightedPerson(const std::vector<size_t>& weights,
                               size_t exclude, Day day) {
  auto weight = [&](size_t i) {
    return i == exclude || joined_[person(i).id] > day ? 0 : weights[i];
  };
  size_t total = 0;
  for (size_t i = 0; i < people_; ++i) total += weight(i);
  size_t roll = random_.Below(total);
  for (size_t i = 0; i < people_; ++i) {
    if (roll < weight(i)) return i;
    roll -= weight(i);
  }
  return 0;  // Unreachable: `roll` is below the total.
}

const Category& Planner::SkillOf(size_t member) {
  const std::vector<std::string>& skills = person(member).skills;
  const std::string& tag = skills[random_.Below(skills.size())];
  return *std::find_if(std::begin(kSkills), std::end(kSkills),
                       [&](const Category& c) { return c.tag == tag; });
}

DemoExchange Planner::Between(const std::string& giver,
                              const std::string& receiver,
                              const Category& category, int64_t minutes,
                              Day day) {
  return {.giver_id = giver,
          .receiver_id = receiver,
          .minutes = std::min(minutes, options_.max_exchange_minutes),
          .category = category.tag,
          .description = random_.Pick(category.descriptions),
          .occurred_on = FormatDate(day)};
}

// One exchange of the kinds a timebank sees: mostly members helping each
// other, sometimes the council rewarding a member with training, members
// donating hours to the pot, and the pot helping someone in need.
//
// The ledger credits the giver and debits the receiver, so a donation, which
// moves hours from a member to the pot, is recorded with the pot as giver,
// and the pot's help with the member as giver.
DemoExchange Planner::Candidate(Day day) {
  const size_t roll = random_.Below(100);
  const size_t anyone = people_;
  if (roll < 7) {
    const size_t member = WeightedPerson(get_weight_, anyone, day);
    return Between(kOrganisationId, person(member).id, kTraining,
                   random_.Pick(kTrainingMinutes), day);
  }
  if (roll < 12) {
    const size_t donor = WeightedPerson(give_weight_, anyone, day);
    return Between(kPotId, person(donor).id, kDonation,
                   60 * static_cast<int64_t>(1 + random_.Below(2)), day);
  }
  if (roll < 16) {
    const size_t helped = WeightedPerson(get_weight_, anyone, day);
    return Between(person(helped).id, kPotId, kGift,
                   random_.Pick(kMinutesChoices), day);
  }
  const size_t giver = WeightedPerson(give_weight_, anyone, day);
  const size_t receiver = WeightedPerson(get_weight_, giver, day);
  return Between(person(giver).id, person(receiver).id, SkillOf(giver),
                 random_.Pick(kMinutesChoices), day);
}

// The lowest balance the debited side of `exchange` may reach: the floor for
// a member, zero for the pot (it gives only what it holds) and for a member
// donating to it (members donate hours they have), none for organisations.
std::optional<int64_t> Planner::LowestBalance(const std::string& debited,
                                              const DemoExchange& exchange) {
  if (kind_[debited] == DemoKind::kCommunityPot) return 0;
  if (kind_[debited] != DemoKind::kPerson) return std::nullopt;
  if (kind_[exchange.giver_id] == DemoKind::kCommunityPot) return 0;
  return options_.floor_minutes;
}

// Applies an exchange (sign +1) or its reversal (sign -1) to the running
// balances unless the debited side would fall below its lowest balance;
// returns whether it did.
bool Planner::Apply(const DemoExchange& exchange, int sign) {
  const std::string& debited =
      sign > 0 ? exchange.receiver_id : exchange.giver_id;
  const std::optional<int64_t> lowest = LowestBalance(debited, exchange);
  if (lowest && balance_[debited] - exchange.minutes < *lowest) return false;
  balance_[exchange.giver_id] += sign * exchange.minutes;
  balance_[exchange.receiver_id] -= sign * exchange.minutes;
  return true;
}

// Spreads the exchanges evenly over the year, in date order, as a timebank
// catching up on a paper log would record them; the floor is checked in
// that same order, and a candidate that would break it is replaced.
void Planner::AddExchanges() {
  constexpr int kAttempts = 20;
  const size_t count = options_.exchanges;
  for (size_t i = 0; i < count; ++i) {
    const Day day =
        options_.anchor - Days(kYearDays) +
        Days(static_cast<int64_t>(i * kYearDays / std::max<size_t>(count, 1)));
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
      DemoExchange candidate = Candidate(day);
      if (!Apply(candidate, 1)) {
        ++plan_.skipped_for_floor;
        continue;
      }
      candidate.request_id =
          absl::StrFormat("demo-exchange-%04d", plan_.exchanges.size() + 1);
      plan_.exchanges.push_back(std::move(candidate));
      break;
    }
  }
}

void Planner::AddReversals() {
  constexpr const char* kReasons[] = {
      "entered twice", "wrong receiver: logged against the wrong member",
      "the hours belonged to another exchange"};
  const size_t count = plan_.exchanges.size();
  for (size_t step = 0;
       step < count && plan_.reversals.size() < std::size(kReasons); ++step) {
    // Walk back from the most recent exchanges, where mistakes get noticed.
    const size_t index = count - 1 - (step * 7) % count;
    const DemoExchange& exchange = plan_.exchanges[index];
    const bool already =
        std::any_of(plan_.reversals.begin(), plan_.reversals.end(),
                    [&](const DemoCorrection& c) { return c.index == index; });
    const bool between_members =
        kind_[exchange.giver_id] == DemoKind::kPerson &&
        kind_[exchange.receiver_id] == DemoKind::kPerson;
    if (already || !between_members || !Apply(exchange, -1)) continue;
    const size_t n = plan_.reversals.size();
    plan_.reversals.push_back(
        {.index = index,
         .request_id = absl::StrFormat("demo-reverse-%d", n + 1),
         .reason = kReasons[n]});
  }
}

// The first member logs a few exchanges of the last days themselves; they
// wait as PENDING until someone confirms or rejects them.
void Planner::AddPending() {
  constexpr size_t kPending = 4;
  const size_t member = 0;
  plan_.pending_member = person(member).id;
  for (size_t attempt = 0; attempt < 100 && plan_.pending.size() < kPending;
       ++attempt) {
    const Day day = options_.anchor - Days(1 + plan_.pending.size());
    const size_t receiver = WeightedPerson(get_weight_, member, day);
    DemoExchange exchange = Between(person(member).id, person(receiver).id,
                                    SkillOf(member), 60, day);
    // Only the first is confirmed, but any could be: keep room for each.
    if (balance_[exchange.receiver_id] - exchange.minutes <
        options_.floor_minutes)
      continue;
    exchange.request_id =
        absl::StrFormat("demo-pending-%d", plan_.pending.size() + 1);
    plan_.pending.push_back(std::move(exchange));
  }
  if (!plan_.pending.empty()) {
    Apply(plan_.pending[0], 1);
    plan_.confirm = {.index = 0, .request_id = "demo-confirm-1", .reason = ""};
  }
  if (plan_.pending.size() > 1) {
    plan_.reject = {.index = 1,
                    .request_id = "demo-reject-1",
                    .reason = "a social visit, not an exchange"};
  }
}

struct ReflectionText {
  DemoPrinciple principle;
  DemoPerspective perspective;
  int stage;
  DemoRag rag;
  int days_before_anchor;
  const char* author;
  const char* evidence;
};

// What people at Riverside say, in the spirit of the seed tool's voices:
// Kathy's painting, the Council rewarding the parents' group with training
// places, Pete buddying a newcomer, Vera's Thursday toddler group. Their
// views differ on purpose: the tool asks for several perspectives because
// they rarely agree.
constexpr ReflectionText kReflections[] = {
    {DemoPrinciple::kPeopleAsAssets, DemoPerspective::kMember, 3,
     DemoRag::kAmber, 41, "Kathy B.",
     "When I joined, the coordinators asked what I was good at, not what I "
     "needed. I now run the Tuesday painting session at the community centre "
     "and sell cards at the craft fair for the pot."},
    {DemoPrinciple::kPeopleAsAssets, DemoPerspective::kStaff, 2,
     DemoRag::kAmber, 38, "Timebank coordinators",
     "We ask every newcomer about their skills, but members still have no "
     "say in how the timebank is run: the steering group is staff and "
     "councillors only."},
    {DemoPrinciple::kPeopleAsAssets, DemoPerspective::kFamily, 2,
     DemoRag::kAmber, 33, "Jane, for the families group",
     "Families are listened to at reviews, but our sons' and daughters' "
     "skills are rarely what a plan is built on."},
    {DemoPrinciple::kValuingWork, DemoPerspective::kMember, 3, DemoRag::kAmber,
     36, "Tom W.",
     "Every hour I give counts the same as anyone else's, whether it is "
     "fixing a tap or sitting with someone who is lonely. That matters to "
     "me."},
    {DemoPrinciple::kValuingWork, DemoPerspective::kCouncil, 3, DemoRag::kAmber,
     30, "Riverside Council commissioning team",
     "We reward the parents' group for helping new families with their "
     "support plans: places on our training sessions and free meeting rooms, "
     "recorded as hours the Council gives to members."},
    {DemoPrinciple::kValuingWork, DemoPerspective::kFamily, 2, DemoRag::kRed,
     27, "A member's daughter",
     "Looking after Mum at home still isn't seen as work. I only log the "
     "hours I give to other people."},
    {DemoPrinciple::kReciprocity, DemoPerspective::kMember, 4, DemoRag::kGreen,
     25, "Pete",
     "I was helped when I was first diagnosed; now I buddy a newcomer and I "
     "can tell it like it really is. We have even started playing golf "
     "together."},
    {DemoPrinciple::kReciprocity, DemoPerspective::kStaff, 3, DemoRag::kAmber,
     22, "Timebank coordinators",
     "Every newcomer is offered a buddy, but a few older members still only "
     "receive: we have not yet found out what they would like to give."},
    {DemoPrinciple::kReciprocity, DemoPerspective::kCouncil, 2, DemoRag::kAmber,
     20, "Riverside Council commissioning team",
     "From where we sit most hours still go to the same few people who need "
     "the most help; we would like to see more of them giving back."},
    {DemoPrinciple::kSocialNetworks, DemoPerspective::kMember, 4,
     DemoRag::kGreen, 16, "Vera O.",
     "We open the communal lounge on Thursdays for the toddler group. I have "
     "got close to one young mum, and her daughter Mia is like a grandchild "
     "to me."},
    {DemoPrinciple::kSocialNetworks, DemoPerspective::kFamily, 3,
     DemoRag::kAmber, 12, "Vera's daughter",
     "Mum has more friends here than she ever did. I worry much less about "
     "her now that I live so far away."},
    {DemoPrinciple::kSocialNetworks, DemoPerspective::kStaff, 3,
     DemoRag::kAmber, 9, "Timebank coordinators",
     "Members meet at the monthly bring-and-share lunch, but people in the "
     "Mill Lane flats still see no one but their carers."},
};

struct ActionText {
  DemoPrinciple principle;
  int days_after_anchor;
  DemoActionStatus status;
  const char* who;
  const char* what;
  const char* how;
};

// Two or three things that would make a difference, worked up into who,
// what, how and when, as the tool's last page asks. `who` names roles and
// groups, not people: the plan is read by councils.
constexpr ActionText kActions[] = {
    {DemoPrinciple::kReciprocity, 30, DemoActionStatus::kInProgress,
     "The timebank coordinators and a buddy volunteer",
     "Offer every new member a buddy with similar interests within two weeks "
     "of joining",
     "Ask about passions and gifts at the welcome chat, match from the skills "
     "list, and check in after a month"},
    {DemoPrinciple::kSocialNetworks, 45, DemoActionStatus::kPlanned,
     "The Thursday toddler group and its host",
     "Open the lounge a second afternoon and invite the Mill Lane flats",
     "Timebank lifts for people who cannot walk there; a note in every "
     "newsletter"},
    {DemoPrinciple::kValuingWork, 60, DemoActionStatus::kDone,
     "Riverside Council commissioning team",
     "Record the training places given to the parents' group as hours in "
     "the ledger",
     "The Council's account gives hours to each member who attends; reviewed "
     "every quarter"},
    {DemoPrinciple::kPeopleAsAssets, 90, DemoActionStatus::kPlanned,
     "The coordinator and two volunteer members",
     "Put members on the timebank's steering group",
     "Invite nominations at the spring bring-and-share lunch; members chair "
     "every other meeting"},
};

void Planner::AddReflections() {
  for (const ReflectionText& text : kReflections) {
    plan_.reflections.push_back(
        {.request_id = absl::StrFormat("demo-reflection-%d",
                                       plan_.reflections.size() + 1),
         .principle = text.principle,
         .perspective = text.perspective,
         .stage = text.stage,
         .rag = text.rag,
         .evidence = text.evidence,
         .author = text.author,
         .reflected_on =
             FormatDate(options_.anchor - Days(text.days_before_anchor))});
  }
}

void Planner::AddActions() {
  for (const ActionText& text : kActions) {
    plan_.actions.push_back(
        {.request_id =
             absl::StrFormat("demo-action-%d", plan_.actions.size() + 1),
         .principle = text.principle,
         .who = text.who,
         .what = text.what,
         .how = text.how,
         .due_on = FormatDate(options_.anchor + Days(text.days_after_anchor)),
         .status = text.status});
  }
}

}  // namespace

DemoPlan MakeDemoPlan(const DemoOptions& options) {
  return Planner(options).Make();
}

}  // namespace timebank::client
