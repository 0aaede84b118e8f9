// A seeded random walk through the ledger's API, checked at every step
// against a small model of the rules written independently of the ledger
// (plain maps, no shared code): every call's outcome (status code, seq,
// exchange status) must be what the model predicts, and the books must
// balance to exactly zero and equal the model's after every step.
//
// Set TIMEBANK_PROPERTY_SEED to replay another seed.

#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "ledger/civil_date.h"
#include "ledger/ledger.h"
#include "tests/ledger/ledger_fixture.h"
#include "tests/test_util/status_assertions.h"
#include "tests/test_util/temp_dir.h"

namespace timebank::ledger_test {
namespace {

using absl::StatusCode;
using ledger::AccountKind;
using ledger::AccountStatus;
using ledger::AccountTotals;
using ledger::Actor;
using ledger::EntryKind;
using ledger::Exchange;
using ledger::ExchangeStatus;
using ledger::Seq;
using ledger::TimebankSettings;
using timebank::testing::TempDir;

constexpr uint32_t kDefaultSeed = 20260615;
constexpr int kSteps = 3000;
constexpr int kAccountsPerTimebank = 8;

// What the model expects a call to return.
struct Outcome {
  StatusCode code = StatusCode::kOk;
  Seq seq = 0;  // The record's seq, when OK.
  ExchangeStatus status = ExchangeStatus::kConfirmed;
};

// One timebank as the rules say it should be.
class ModelBank {
 public:
  ModelBank(std::string id, TimebankSettings settings)
      : id_(std::move(id)), settings_(settings) {}

  const std::string& id() const { return id_; }
  const TimebankSettings& settings() const { return settings_; }
  Seq last_seq() const { return last_seq_; }

  void AddAccount(const std::string& account, AccountKind kind) {
    accounts_[account] = Account{.kind = kind};
  }
  std::vector<std::string> AccountIds() const {
    std::vector<std::string> ids;
    for (const auto& [id, account] : accounts_) ids.push_back(id);
    return ids;
  }
  void SetActive(const std::string& account, bool active) {
    accounts_.at(account).active = active;
  }
  bool IsActive(const std::string& account) const {
    return accounts_.at(account).active;
  }

  // The checks in the ledger's order: the request's own shape, whether a
  // member took part, a retry, then settings and clock, then accounts.
  Outcome Record(const Actor& actor, const RecordExchangeInput& input) {
    if (input.giver_id == input.receiver_id || input.minutes <= 0) {
      return Fail(StatusCode::kInvalidArgument);
    }
    std::optional<int32_t> day = ledger::ParseDate(input.occurred_on);
    if (!day) return Fail(StatusCode::kInvalidArgument);
    const bool member = actor.kind == Actor::Kind::kMember;
    if (member && actor.account_id != input.giver_id &&
        actor.account_id != input.receiver_id) {
      return Fail(StatusCode::kPermissionDenied);
    }
    const Request request{.is_record = true,
                          .giver = input.giver_id,
                          .receiver = input.receiver_id,
                          .minutes = input.minutes,
                          .category = Lower(input.category),
                          .description = input.description,
                          .occurred_on = input.occurred_on};
    const RequestKey key{actor.request_scope, kRecordKind, input.request_id};
    if (std::optional<Outcome> replay = Replay(key, request)) {
      return *replay;
    }
    if (input.minutes > settings_.max_exchange_minutes ||
        *day > ledger::DayOfInstantUs(kNowUs) + 1) {
      return Fail(StatusCode::kInvalidArgument);
    }
    if (member && !settings_.members_may_log) {
      return Fail(StatusCode::kPermissionDenied);
    }
    auto giver = accounts_.find(input.giver_id);
    if (giver == accounts_.end()) return Fail(StatusCode::kNotFound);
    auto receiver = accounts_.find(input.receiver_id);
    if (receiver == accounts_.end()) return Fail(StatusCode::kNotFound);
    if (!giver->second.active || !receiver->second.active) {
      return Fail(StatusCode::kFailedPrecondition);
    }
    RecordState record{.giver = input.giver_id,
                       .receiver = input.receiver_id,
                       .minutes = input.minutes};
    if (member) {
      record.status = ExchangeStatus::kPending;
      record.recorder = actor.account_id;
    } else if (!Effect(record, +1)) {
      return Fail(StatusCode::kFailedPrecondition);
    }
    const Seq seq = ++last_seq_;
    records_[seq] = record;
    requests_[key] = {request, seq, actor};
    return Ok(seq, record.status);
  }

  // The ledger's order: the entry must be a record, a member must be a
  // party (and may not reverse), then a retry, then the status and the rest.
  Outcome Close(const Actor& actor, EntryKind kind, Seq seq,
                const std::string& request_id, const std::string& reason) {
    if (seq == 0) return Fail(StatusCode::kInvalidArgument);
    if (seq > last_seq_) return Fail(StatusCode::kNotFound);
    auto it = records_.find(seq);
    if (it == records_.end()) return Fail(StatusCode::kFailedPrecondition);
    RecordState& record = it->second;
    const bool member = actor.kind == Actor::Kind::kMember;
    if (member) {
      const bool party = actor.account_id == record.giver ||
                         actor.account_id == record.receiver;
      if (kind == EntryKind::kReverse || !party) {
        return Fail(StatusCode::kPermissionDenied);
      }
    }
    const Request request{
        .is_record = false, .kind = kind, .target = seq, .reason = reason};
    const RequestKey key{actor.request_scope, static_cast<int>(kind),
                         request_id};
    if (std::optional<Outcome> replay = Replay(key, request)) return *replay;
    if (member && kind == EntryKind::kConfirm &&
        actor.account_id == record.recorder) {
      return Fail(StatusCode::kPermissionDenied);
    }
    const ExchangeStatus needed = kind == EntryKind::kReverse
                                      ? ExchangeStatus::kConfirmed
                                      : ExchangeStatus::kPending;
    if (record.status != needed) return Fail(StatusCode::kFailedPrecondition);
    if (kind == EntryKind::kConfirm &&
        (!accounts_.at(record.giver).active ||
         !accounts_.at(record.receiver).active)) {
      return Fail(StatusCode::kFailedPrecondition);
    }
    if (kind != EntryKind::kReject &&
        !Effect(record, kind == EntryKind::kConfirm ? +1 : -1)) {
      return Fail(StatusCode::kFailedPrecondition);
    }
    ++last_seq_;
    record.status = kind == EntryKind::kConfirm  ? ExchangeStatus::kConfirmed
                    : kind == EntryKind::kReject ? ExchangeStatus::kRejected
                                                 : ExchangeStatus::kReversed;
    requests_[key] = {request, seq, actor};
    return Ok(seq, record.status);
  }

  // Record seqs in `status`, in seq order.
  std::vector<Seq> RecordsIn(ExchangeStatus status) const {
    std::vector<Seq> out;
    for (const auto& [seq, record] : records_) {
      if (record.status == status) out.push_back(seq);
    }
    return out;
  }
  // Seqs that are confirm, reject or reversal entries.
  std::vector<Seq> CloseEntrySeqs() const {
    std::vector<Seq> out;
    for (Seq seq = 1; seq <= last_seq_; ++seq) {
      if (!records_.count(seq)) out.push_back(seq);
    }
    return out;
  }
  const std::string& GiverOf(Seq seq) const { return records_.at(seq).giver; }
  const std::string& ReceiverOf(Seq seq) const {
    return records_.at(seq).receiver;
  }
  const std::string& RecorderOf(Seq seq) const {
    return records_.at(seq).recorder;
  }

  // A request id as the ledger keys it: the caller's scope, the kind of
  // write (kRecordKind or a close's EntryKind) and the id.
  using RequestKey = std::tuple<std::string, int, std::string>;
  static constexpr int kRecordKind = 0;

  std::vector<RequestKey> UsedRequests() const {
    std::vector<RequestKey> out;
    for (const auto& [key, done] : requests_) out.push_back(key);
    return out;
  }
  bool UsedForRecord(const RequestKey& key) const {
    return requests_.at(key).request.is_record;
  }
  // Who sent it, so a faithful retry comes from the same scope.
  const Actor& ActorOf(const RequestKey& key) const {
    return requests_.at(key).actor;
  }
  // The input of an earlier successful record request, for a faithful retry.
  RecordExchangeInput RecordInputOf(const RequestKey& key) const {
    const Request& r = requests_.at(key).request;
    return RecordExchangeInput{.request_id = std::get<2>(key),
                               .giver_id = r.giver,
                               .receiver_id = r.receiver,
                               .minutes = r.minutes,
                               .category = r.category,
                               .description = r.description,
                               .occurred_on = r.occurred_on};
  }
  struct CloseRequest {
    EntryKind kind;
    Seq target;
    std::string reason;
  };
  CloseRequest CloseRequestOf(const RequestKey& key) const {
    const Request& r = requests_.at(key).request;
    return {r.kind, r.target, r.reason};
  }

  // How often the model predicted each status code, to show what the walk
  // exercised.
  std::string OutcomeCounts() const {
    std::string out;
    for (const auto& [code, count] : outcomes_) {
      out += " " + absl::StatusCodeToString(code) + "=" + std::to_string(count);
    }
    return out;
  }

  std::map<std::string, int64_t> Balances() const {
    std::map<std::string, int64_t> out;
    for (const auto& [id, account] : accounts_) {
      out[id] = account.given - account.received;
    }
    return out;
  }

  AccountTotals TotalsOf(const std::string& account_id) const {
    const Account& a = accounts_.at(account_id);
    int64_t partners = 0;
    for (const auto& [pair, count] : pair_counts_) {
      if (count > 0 &&
          (pair.first == account_id || pair.second == account_id)) {
        ++partners;
      }
    }
    return AccountTotals{.minutes_given = a.given,
                         .minutes_received = a.received,
                         .exchanges_given = a.exchanges_given,
                         .exchanges_received = a.exchanges_received,
                         .partners = partners};
  }

 private:
  struct Account {
    AccountKind kind = AccountKind::kPerson;
    bool active = true;
    int64_t given = 0;
    int64_t received = 0;
    int64_t exchanges_given = 0;
    int64_t exchanges_received = 0;
  };
  struct RecordState {
    std::string giver;
    std::string receiver;
    int64_t minutes = 0;
    ExchangeStatus status = ExchangeStatus::kConfirmed;
    std::string recorder;
  };
  // The content a request_id was first used with.
  struct Request {
    bool is_record = true;
    std::string giver, receiver;
    int64_t minutes = 0;
    std::string category, description, occurred_on;
    EntryKind kind = EntryKind::kRecord;
    Seq target = 0;
    std::string reason;
    bool operator==(const Request&) const = default;
  };
  struct Done {
    Request request;
    Seq seq = 0;
    Actor actor;
  };

  Outcome Fail(StatusCode code) {
    ++outcomes_[code];
    return Outcome{.code = code};
  }
  Outcome Ok(Seq seq, ExchangeStatus status) {
    ++outcomes_[StatusCode::kOk];
    return Outcome{.seq = seq, .status = status};
  }

  static std::string Lower(std::string text) {
    while (!text.empty() && text.front() == ' ') text.erase(text.begin());
    while (!text.empty() && text.back() == ' ') text.pop_back();
    for (char& c : text)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
  }

  std::optional<Outcome> Replay(const RequestKey& key, const Request& request) {
    auto it = requests_.find(key);
    if (it == requests_.end()) return std::nullopt;
    if (!(it->second.request == request))
      return Fail(StatusCode::kAlreadyExists);
    return Ok(it->second.seq, records_.at(it->second.seq).status);
  }

  // Applies a confirmed exchange (+1) or takes it back (-1), unless the side
  // whose balance falls is a person who would go below the floor.
  bool Effect(const RecordState& record, int sign) {
    Account& giver = accounts_.at(record.giver);
    Account& receiver = accounts_.at(record.receiver);
    const Account& loser = sign > 0 ? receiver : giver;
    if (loser.kind == AccountKind::kPerson && settings_.balance_floor_minutes &&
        loser.given - loser.received - record.minutes <
            *settings_.balance_floor_minutes) {
      return false;
    }
    giver.given += sign * record.minutes;
    giver.exchanges_given += sign;
    receiver.received += sign * record.minutes;
    receiver.exchanges_received += sign;
    pair_counts_[std::minmax(record.giver, record.receiver)] += sign;
    return true;
  }

  std::string id_;
  TimebankSettings settings_;
  std::map<std::string, Account> accounts_;
  std::map<Seq, RecordState> records_;
  std::map<RequestKey, Done> requests_;
  std::map<std::pair<std::string, std::string>, int64_t> pair_counts_;
  Seq last_seq_ = 0;
  std::map<StatusCode, int> outcomes_;
};

::testing::AssertionResult Matches(const absl::StatusOr<Exchange>& got,
                                   const Outcome& want) {
  if (got.status().code() != want.code) {
    return ::testing::AssertionFailure()
           << "got " << got.status() << ", model expects "
           << absl::StatusCodeToString(want.code);
  }
  if (!got.ok()) return ::testing::AssertionSuccess();
  if (got->record.seq != want.seq || got->status != want.status) {
    return ::testing::AssertionFailure()
           << "got seq " << got->record.seq << " status "
           << static_cast<int>(got->status) << ", model expects seq "
           << want.seq << " status " << static_cast<int>(want.status);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult BooksMatch(const Ledger& ledger,
                                      const ModelBank& model) {
  absl::StatusOr<ledger::BalanceSnapshot> snapshot =
      ledger.SnapshotBalances(model.id());
  if (!snapshot.ok()) return ::testing::AssertionFailure() << snapshot.status();
  int64_t sum = 0;
  std::map<std::string, int64_t> balances;
  for (const auto& [id, balance] : snapshot->balances_minutes) {
    sum += balance;
    balances[id] = balance;
  }
  if (sum != 0) {
    return ::testing::AssertionFailure()
           << model.id() << ": balances sum to " << sum;
  }
  if (balances != model.Balances()) {
    std::string diff;
    for (const auto& [id, want] : model.Balances()) {
      if (balances[id] != want) {
        diff += " " + id + " ledger " + std::to_string(balances[id]) +
                " model " + std::to_string(want) + ";";
      }
    }
    return ::testing::AssertionFailure()
           << model.id() << ": balances differ:" << diff;
  }
  if (snapshot->as_of_seq != model.last_seq()) {
    return ::testing::AssertionFailure()
           << model.id() << ": at seq " << snapshot->as_of_seq << ", model at "
           << model.last_seq();
  }
  return ::testing::AssertionSuccess();
}

void ExpectTotalsMatch(const Ledger& ledger, const ModelBank& model) {
  for (const std::string& id : model.AccountIds()) {
    absl::StatusOr<AccountTotals> totals = ledger.GetBalance(model.id(), id);
    ASSERT_OK(totals);
    EXPECT_EQ(*totals, model.TotalsOf(id)) << model.id() << "/" << id;
  }
}

// Draws the operations of the walk.
class Walk {
 public:
  explicit Walk(uint32_t seed) : random_(seed) {}

  size_t Below(size_t n) {
    return std::uniform_int_distribution<size_t>(0, n - 1)(random_);
  }
  int64_t Between(int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(random_);
  }
  bool Chance(int percent) { return Between(1, 100) <= percent; }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Below(items.size())];
  }

  std::string Date() {
    static const int32_t first = *ledger::ParseDate("2026-01-01");
    static const int32_t last = *ledger::ParseDate("2026-06-16");
    return ledger::FormatDate(static_cast<int32_t>(Between(first, last)));
  }
  std::string Category() {
    static const std::vector<std::string> categories = {
        "gardening", "befriending", "IT Help", " diy/repairs ", "cooking"};
    return Pick(categories);
  }
  int64_t Minutes(int64_t max) {
    return Chance(80) ? Between(1, std::min<int64_t>(max, 180))
                      : Between(1, max);
  }
  // A well-formed record between two different accounts of `model`.
  RecordExchangeInput Valid(const ModelBank& model,
                            const std::string& request_id) {
    const std::vector<std::string> ids = model.AccountIds();
    const std::string giver = Pick(ids);
    std::string receiver = giver;
    while (receiver == giver) receiver = Pick(ids);
    RecordExchangeInput input = Gave(
        request_id, giver, receiver,
        Minutes(model.settings().max_exchange_minutes), Date(), Category());
    if (Chance(30)) input.description = "note " + std::to_string(Below(1000));
    return input;
  }
  // A record with exactly one thing wrong with it.
  RecordExchangeInput Invalid(const ModelBank& model,
                              const std::string& request_id) {
    RecordExchangeInput input = Valid(model, request_id);
    switch (Below(6)) {
      case 0:
        input.receiver_id = input.giver_id;
        break;
      case 1:
        input.minutes = -Between(0, 100);
        break;
      case 2:
        input.minutes =
            model.settings().max_exchange_minutes + Between(1, 1000);
        break;
      case 3:
        input.giver_id = "nobody";
        break;
      case 4:
        input.receiver_id = "nobody";
        break;
      case 5:
        input.occurred_on = Chance(50) ? "2026-06-17" : "2026-02-30";
        break;
    }
    return input;
  }

 private:
  std::mt19937 random_;
};

uint32_t SeedFromEnvironment() {
  const char* text = std::getenv("TIMEBANK_PROPERTY_SEED");
  if (text == nullptr || *text == '\0') return kDefaultSeed;
  return static_cast<uint32_t>(std::strtoul(text, nullptr, 10));
}

// One random operation on one timebank, checked against the model.
void Step(Ledger& ledger, ModelBank& model, Walk& walk, int step) {
  const std::string tb = model.id();
  const std::string rid = "p" + std::to_string(step);
  const int roll = static_cast<int>(walk.Below(100));
  const std::vector<Seq> pending = model.RecordsIn(ExchangeStatus::kPending);
  const std::vector<Seq> confirmed =
      model.RecordsIn(ExchangeStatus::kConfirmed);

  if (roll < 24) {  // A coordinator records an exchange.
    const RecordExchangeInput input = walk.Valid(model, rid);
    ASSERT_TRUE(Matches(ledger.RecordExchange(tb, Coordinator(), input),
                        model.Record(Coordinator(), input)))
        << "coordinator record " << rid << " " << input.giver_id << "->"
        << input.receiver_id << " " << input.minutes;
  } else if (roll < 42) {  // A member who took part logs one.
    const RecordExchangeInput input = walk.Valid(model, rid);
    const Actor member =
        Member(walk.Chance(50) ? input.giver_id : input.receiver_id);
    ASSERT_TRUE(Matches(ledger.RecordExchange(tb, member, input),
                        model.Record(member, input)))
        << "member record " << rid << " by " << member.account_id;
  } else if (roll < 54 && !pending.empty()) {  // Someone confirms.
    const Seq seq = walk.Pick(pending);
    const int who = static_cast<int>(walk.Below(3));
    const std::string& recorder = model.RecorderOf(seq);
    const std::string other = recorder == model.GiverOf(seq)
                                  ? model.ReceiverOf(seq)
                                  : model.GiverOf(seq);
    const Actor actor =
        who == 0 ? Coordinator() : Member(who == 1 ? other : recorder);
    ASSERT_TRUE(Matches(ledger.ConfirmExchange(tb, actor, seq, rid),
                        model.Close(actor, EntryKind::kConfirm, seq, rid, "")))
        << "confirm " << seq << " by " << actor.name;
  } else if (roll < 60 && !pending.empty()) {  // Someone rejects.
    const Seq seq = walk.Pick(pending);
    const Actor actor = walk.Chance(40)
                            ? Coordinator()
                            : Member(walk.Chance(50) ? model.GiverOf(seq)
                                                     : model.ReceiverOf(seq));
    ASSERT_TRUE(Matches(
        ledger.RejectExchange(tb, actor, seq, rid, "not as logged"),
        model.Close(actor, EntryKind::kReject, seq, rid, "not as logged")))
        << "reject " << seq << " by " << actor.name;
  } else if (roll < 68 && !confirmed.empty()) {  // A coordinator reverses.
    const Seq seq = walk.Pick(confirmed);
    ASSERT_TRUE(Matches(
        ledger.ReverseExchange(tb, Coordinator(), seq, rid, "mistake"),
        model.Close(Coordinator(), EntryKind::kReverse, seq, rid, "mistake")))
        << "reverse " << seq;
  } else if (roll < 70 && !confirmed.empty()) {  // A member may not reverse.
    const Seq seq = walk.Pick(confirmed);
    const Actor member = Member(model.GiverOf(seq));
    ASSERT_TRUE(Matches(ledger.ReverseExchange(tb, member, seq, rid, ""),
                        model.Close(member, EntryKind::kReverse, seq, rid, "")))
        << "member reverse " << seq;
  } else if (roll < 78) {  // An invalid record.
    const RecordExchangeInput input = walk.Invalid(model, rid);
    const Actor actor =
        walk.Chance(50) ? Coordinator() : Member(input.giver_id);
    ASSERT_TRUE(Matches(ledger.RecordExchange(tb, actor, input),
                        model.Record(actor, input)))
        << "invalid record " << rid << " " << input.giver_id << "->"
        << input.receiver_id << " " << input.minutes << " on "
        << input.occurred_on;
  } else if (roll < 83 &&
             model.last_seq() > 0) {  // A close in the wrong state.
    const EntryKind kind = walk.Chance(34)   ? EntryKind::kConfirm
                           : walk.Chance(50) ? EntryKind::kReject
                                             : EntryKind::kReverse;
    Seq seq = static_cast<Seq>(
        walk.Between(1, static_cast<int64_t>(model.last_seq()) + 3));
    const std::vector<Seq> close_entries = model.CloseEntrySeqs();
    if (walk.Chance(30) && !close_entries.empty())
      seq = walk.Pick(close_entries);
    absl::StatusOr<Exchange> got =
        kind == EntryKind::kConfirm
            ? ledger.ConfirmExchange(tb, Coordinator(), seq, rid)
        : kind == EntryKind::kReject
            ? ledger.RejectExchange(tb, Coordinator(), seq, rid, "")
            : ledger.ReverseExchange(tb, Coordinator(), seq, rid, "");
    ASSERT_TRUE(Matches(got, model.Close(Coordinator(), kind, seq, rid, "")))
        << "close kind " << static_cast<int>(kind) << " of seq " << seq;
  } else if (roll < 88 && model.last_seq() > 0) {  // A faithful retry.
    const ModelBank::RequestKey old = walk.Pick(model.UsedRequests());
    const Actor actor = model.ActorOf(old);
    const std::string& id = std::get<2>(old);
    if (model.UsedForRecord(old)) {
      const RecordExchangeInput input = model.RecordInputOf(old);
      ASSERT_TRUE(Matches(ledger.RecordExchange(tb, actor, input),
                          model.Record(actor, input)))
          << "retry of record " << id;
    } else {
      const ModelBank::CloseRequest close = model.CloseRequestOf(old);
      absl::StatusOr<Exchange> got =
          close.kind == EntryKind::kConfirm
              ? ledger.ConfirmExchange(tb, actor, close.target, id)
          : close.kind == EntryKind::kReject
              ? ledger.RejectExchange(tb, actor, close.target, id, close.reason)
              : ledger.ReverseExchange(tb, actor, close.target, id,
                                       close.reason);
      ASSERT_TRUE(Matches(
          got, model.Close(actor, close.kind, close.target, id, close.reason)))
          << "retry of close " << id;
    }
  } else if (roll < 92 &&
             model.last_seq() > 0) {  // A reused id, other content.
    const std::string old = std::get<2>(walk.Pick(model.UsedRequests()));
    if (walk.Chance(50)) {
      RecordExchangeInput input = walk.Valid(model, old);
      ASSERT_TRUE(Matches(ledger.RecordExchange(tb, Coordinator(), input),
                          model.Record(Coordinator(), input)))
          << "reuse of " << old << " for a record";
    } else {
      const Seq seq = static_cast<Seq>(
          walk.Between(1, static_cast<int64_t>(model.last_seq())));
      ASSERT_TRUE(Matches(
          ledger.RejectExchange(tb, Coordinator(), seq, old, "reused"),
          model.Close(Coordinator(), EntryKind::kReject, seq, old, "reused")))
          << "reuse of " << old << " to reject " << seq;
    }
  } else if (roll < 94) {  // Suspend or reactivate someone.
    const std::string account = walk.Pick(model.AccountIds());
    // Suspensions are short: a suspended account is always reactivated.
    const bool active = !model.IsActive(account) || !walk.Chance(25);
    ASSERT_OK(ledger.UpdateAccount(
        tb, {.account_id = account,
             .status =
                 active ? AccountStatus::kActive : AccountStatus::kSuspended}));
    model.SetActive(account, active);
  } else {  // A bulk import by a coordinator, a few items faulty.
    std::vector<RecordExchangeInput> items;
    const int count = static_cast<int>(walk.Between(5, 40));
    for (int i = 0; i < count; ++i) {
      const std::string item_id = rid + "-" + std::to_string(i);
      if (i > 0 && walk.Chance(5)) {
        items.push_back(items[walk.Below(items.size())]);  // In-batch retry.
      } else if (walk.Chance(10)) {
        items.push_back(walk.Invalid(model, item_id));
      } else {
        items.push_back(walk.Valid(model, item_id));
      }
    }
    absl::StatusOr<std::vector<absl::StatusOr<Exchange>>> results =
        ledger.RecordExchanges(tb, Coordinator(), items);
    ASSERT_OK(results);
    ASSERT_EQ(results->size(), items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      ASSERT_TRUE(Matches((*results)[i], model.Record(Coordinator(), items[i])))
          << "bulk item " << i << " (" << items[i].request_id << ")";
    }
  }
}

TEST(LedgerProperty, RandomOperationsKeepBooksBalancedAndEqualToAModel) {
  const uint32_t seed = SeedFromEnvironment();
  std::printf(
      "LedgerProperty seed: %u (set TIMEBANK_PROPERTY_SEED to change)\n", seed);
  std::fflush(stdout);
  RecordProperty("seed", static_cast<int>(seed));
  Walk walk(seed);

  std::vector<ModelBank> models = {
      ModelBank("alpha", {}),
      ModelBank("beta",
                {.balance_floor_minutes = -300, .max_exchange_minutes = 600}),
      ModelBank("gamma", {.members_may_log = false,
                          .balance_floor_minutes = -1200,
                          .max_exchange_minutes = 240}),
  };
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Ledger> ledger,
                       Ledger::Open(TestOptions(dir.path())));
  for (ModelBank& model : models) {
    ASSERT_OK(ledger->CreateTimebank(model.id(), "Timebank " + model.id(),
                                     model.settings()));
    for (int i = 0; i < kAccountsPerTimebank; ++i) {
      const std::string id = "m" + std::to_string(i);
      const AccountKind kind = i == 0   ? AccountKind::kOrganisation
                               : i == 1 ? AccountKind::kCommunityPot
                                        : AccountKind::kPerson;
      ASSERT_OK(ledger->OpenAccount(
          model.id(),
          {.account_id = id, .kind = kind, .display_name = "Member " + id}));
      model.AddAccount(id, kind);
    }
  }

  for (int step = 0; step < kSteps; ++step) {
    ModelBank& model = models[walk.Below(models.size())];
    ASSERT_NO_FATAL_FAILURE(Step(*ledger, model, walk, step))
        << "step " << step << " on " << model.id() << " (seed " << seed << ")";
    ASSERT_TRUE(BooksMatch(*ledger, model))
        << "after step " << step << " (seed " << seed << ")";
    if (step % 500 == 0) {
      for (const ModelBank& m : models)
        ASSERT_NO_FATAL_FAILURE(ExpectTotalsMatch(*ledger, m));
    }
  }

  std::map<std::string, BooksState> before;
  for (const ModelBank& model : models) {
    ASSERT_NO_FATAL_FAILURE(ExpectTotalsMatch(*ledger, model));
    ASSERT_OK_AND_ASSIGN(ledger::VerifyReport report,
                         ledger->Verify(model.id()));
    EXPECT_TRUE(report.ok) << model.id() << ": " << report.problem;
    EXPECT_EQ(report.entries_checked, model.last_seq());
    ASSERT_OK_AND_ASSIGN(before[model.id()],
                         ReadBooksState(*ledger, model.id()));
    std::printf(
        "LedgerProperty %s: %llu journal entries, %zu pending, %zu confirmed;"
        " outcomes%s\n",
        model.id().c_str(), static_cast<unsigned long long>(model.last_seq()),
        model.RecordsIn(ExchangeStatus::kPending).size(),
        model.RecordsIn(ExchangeStatus::kConfirmed).size(),
        model.OutcomeCounts().c_str());
  }

  ledger->Close();
  ledger.reset();
  ASSERT_OK_AND_ASSIGN(ledger, Ledger::Open(TestOptions(dir.path())));
  EXPECT_EQ(ledger->ListTimebanks().size(), models.size());
  for (const ModelBank& model : models) {
    ASSERT_OK_AND_ASSIGN(BooksState after, ReadBooksState(*ledger, model.id()));
    ExpectSameBooks(before[model.id()], after);
    EXPECT_TRUE(BooksMatch(*ledger, model));
    ASSERT_OK_AND_ASSIGN(ledger::VerifyReport report,
                         ledger->Verify(model.id()));
    EXPECT_TRUE(report.ok) << model.id() << ": " << report.problem;
  }
}

}  // namespace
}  // namespace timebank::ledger_test
