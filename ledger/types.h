// Domain types of the timebank ledger: timebanks, accounts, journal entries,
// balances and the commands that change them. Plain values with no behaviour
// beyond small helpers; safe to copy between threads.
//
// Units: every amount of work is an int64 number of minutes; every instant is
// microseconds since the Unix epoch in UTC; every calendar date is a count of
// days since 1970-01-01 (see ledger/civil_date.h).

#ifndef TIMEBANK_LEDGER_TYPES_H_
#define TIMEBANK_LEDGER_TYPES_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace timebank::ledger {

using Seq = uint64_t;                  // Per-timebank journal position, from 1.
using Hash = std::array<uint8_t, 32>;  // SHA-256 digest.

inline constexpr int64_t kDefaultMaxExchangeMinutes = int64_t{24} * 60;

struct TimebankSettings {
  // When true, a member who is one of the two parties may log an exchange;
  // it stays PENDING until the other party or a coordinator confirms it.
  bool members_may_log = true;
  // How far below zero a PERSON account's balance may go, as a negative
  // number of minutes (-1200 is "20 hours into get"). None: no floor.
  std::optional<int64_t> balance_floor_minutes;
  // The largest single exchange.
  int64_t max_exchange_minutes = kDefaultMaxExchangeMinutes;
};

struct Timebank {
  std::string id;  // Slug: [a-z0-9-]{1,48}.
  std::string name;
  TimebankSettings settings;
  int64_t created_at_us = 0;
  Seq last_seq = 0;  // 0 while the journal is empty.
  Hash last_hash{};  // Chain head; all zero while the journal is empty.
  // Counters of the assessment's append-only records.
  uint64_t last_reflection_id = 0;
  uint64_t last_action_id = 0;
  uint64_t last_action_version = 0;
};

enum class AccountKind : uint8_t {
  kPerson = 1,
  kOrganisation = 2,
  kCommunityPot = 3
};
enum class AccountStatus : uint8_t { kActive = 1, kSuspended = 2, kClosed = 3 };

// Running totals of an account over its CONFIRMED exchanges.
struct AccountTotals {
  int64_t minutes_given = 0;
  int64_t minutes_received = 0;
  int64_t exchanges_given = 0;
  int64_t exchanges_received = 0;
  int64_t partners = 0;  // Distinct accounts exchanged with, either way.

  int64_t balance_minutes() const { return minutes_given - minutes_received; }
  bool operator==(const AccountTotals&) const = default;
};

struct Account {
  std::string timebank_id;
  std::string id;  // [A-Za-z0-9._@-]{1,64}, unique inside its timebank.
  AccountKind kind = AccountKind::kPerson;
  AccountStatus status = AccountStatus::kActive;
  std::string display_name;
  std::vector<std::string> skills;
  std::string external_ref;
  int32_t joined_on = 0;  // Days since epoch.
  bool erased = false;    // Personal details were pseudonymised.
  int64_t created_at_us = 0;
  AccountTotals totals;
};

enum class EntryKind : uint8_t {
  kRecord = 1,   // An exchange: giver gave receiver minutes of work.
  kConfirm = 2,  // A PENDING record becomes CONFIRMED and counts.
  kReject = 3,   // A PENDING record becomes REJECTED and never counts.
  kReverse = 4,  // A CONFIRMED record is undone; it becomes REVERSED.
};

enum class ExchangeStatus : uint8_t {
  kPending = 1,
  kConfirmed = 2,
  kRejected = 3,
  kReversed = 4,
};

// One journal entry. For kConfirm, kReject and kReverse, `target_seq` names
// the record acted on, and the exchange fields repeat that record's values so
// that every entry can be read (and balances recomputed) on its own.
struct JournalEntry {
  std::string timebank_id;
  Seq seq = 0;
  EntryKind kind = EntryKind::kRecord;
  int64_t recorded_at_us = 0;
  std::string recorded_by;  // Who asked: an actor's name, never a secret.
  // The member account that logged a PENDING record; empty when a
  // coordinator wrote the entry. Only the other party may confirm.
  std::string recorder_account;
  std::string request_id;
  Seq target_seq = 0;
  // For kRecord: the status the record was created with.
  ExchangeStatus initial_status = ExchangeStatus::kConfirmed;
  std::string giver_id;
  std::string receiver_id;
  int64_t minutes = 0;
  std::string category;
  std::string description;
  int32_t occurred_on = 0;  // Days since epoch.
  std::string note;         // Reason for a reject or reversal.
  Hash hash{};              // SHA-256(previous hash || encoded entry).

  bool operator==(const JournalEntry&) const = default;
};

// An exchange as users see it: a record entry with its current status.
struct Exchange {
  JournalEntry record;
  ExchangeStatus status = ExchangeStatus::kConfirmed;
  Seq closed_by_seq = 0;  // The confirm/reject/reverse entry, 0 if none.
  // From that entry, when GetExchange read it: when, by whom and why (the
  // reason of a reject or reversal). Not stored with the exchange.
  int64_t closed_at_us = 0;
  std::string closed_by;
  std::string close_note;
  // Set on a result that answers a retry: the request id had already made
  // this exchange (or this close), and nothing new was written. Not stored.
  bool replayed = false;
};

// The request-id scope shared by a timebank's coordinators and the
// administrators: one coordinator can finish (retry) another's import, and a
// rotated token still finds its earlier requests.
inline constexpr std::string_view kStaffRequestScope = "staff";

// Who is asking. Roles and scopes are checked by the service layer; the
// ledger only needs to know whether a member (who may act on and read only
// the exchanges they are a party to, and whose records start PENDING) or a
// coordinator is asking, and whose request ids these are.
struct Actor {
  enum class Kind : uint8_t { kCoordinator, kMember };
  Kind kind = Kind::kCoordinator;
  std::string name;        // Recorded in the journal as `recorded_by`.
  std::string account_id;  // For kMember: the member's own account.
  // Whose request ids these are. A request id is looked up only within the
  // scope (and the kind of write) that sent it, so the same id from another
  // caller is another request, checked from scratch. Never contains '\0'.
  //   "staff"              coordinators and administrators (shared)
  //   "member:<account>"   every token of one member
  //   "auditor:<token id>" one auditor token
  std::string request_scope = std::string(kStaffRequestScope);

  static Actor Coordinator(std::string name) {
    return Actor{.kind = Kind::kCoordinator, .name = std::move(name)};
  }
  static Actor Member(std::string name, std::string account_id) {
    std::string scope = "member:" + account_id;
    return Actor{.kind = Kind::kMember,
                 .name = std::move(name),
                 .account_id = std::move(account_id),
                 .request_scope = std::move(scope)};
  }
  // An auditor writes only its own reflections; it shares no scope.
  static Actor Auditor(std::string name, std::string_view token_id) {
    return Actor{.kind = Kind::kCoordinator,
                 .name = std::move(name),
                 .request_scope = "auditor:" + std::string(token_id)};
  }
};

struct RecordExchangeInput {
  std::string request_id;
  std::string giver_id;
  std::string receiver_id;
  int64_t minutes = 0;
  std::string category;
  std::string description;
  std::string occurred_on;  // YYYY-MM-DD.
};

struct OpenAccountInput {
  std::string account_id;
  AccountKind kind = AccountKind::kPerson;
  std::string display_name;
  std::vector<std::string> skills;
  std::string external_ref;
  std::string joined_on;  // YYYY-MM-DD; empty means today (UTC).
  // Open it although another account of the timebank has the same name.
  bool allow_duplicate_name = false;
  // Apply every rule and write nothing.
  bool validate_only = false;
};

// How a bulk record treats its items. By default each item stands on its
// own: those that pass are recorded.
struct BulkOptions {
  // All in one commit or none: if any item fails, nothing is recorded and
  // every other new item fails with kAborted naming the first failure.
  bool all_or_nothing = false;
  // Every rule applied, nothing written: each result is what the call would
  // return now (the seqs it would take, items already recorded, the errors),
  // so a dry run of an import says exactly what it would do.
  bool validate_only = false;
};

// Fields left empty are unchanged.
struct UpdateAccountInput {
  std::string account_id;
  std::optional<std::string> display_name;
  std::optional<std::vector<std::string>> skills;
  std::optional<std::string> external_ref;
  std::optional<AccountStatus> status;
  // Give it a name that another account of the timebank already has.
  bool allow_duplicate_name = false;
};

// Aggregates kept by the writer for reports.
struct MonthTotals {
  int64_t minutes = 0;    // Minutes exchanged (CONFIRMED, not reversed).
  int64_t exchanges = 0;  // Exchanges counted.
  bool operator==(const MonthTotals&) const = default;
};

struct AccountMonthTotals {
  int64_t minutes_given = 0;
  int64_t minutes_received = 0;
  int64_t exchanges_given = 0;
  int64_t exchanges_received = 0;
  bool operator==(const AccountMonthTotals&) const = default;
};

// Exchanges between two accounts, `low` < `high` in byte order.
struct PairTotals {
  int64_t low_to_high_exchanges = 0;
  int64_t high_to_low_exchanges = 0;
  int64_t low_to_high_minutes = 0;
  int64_t high_to_low_minutes = 0;
  bool reciprocal() const {
    return low_to_high_exchanges > 0 && high_to_low_exchanges > 0;
  }
  bool empty() const {
    return low_to_high_exchanges == 0 && high_to_low_exchanges == 0;
  }
  bool operator==(const PairTotals&) const = default;
};

// Month key: year * 100 + month, e.g. 202611.
using YearMonth = int32_t;

struct VerifyReport {
  bool ok = true;
  Seq entries_checked = 0;
  Seq first_bad_seq = 0;  // 0 when the problem is not tied to one entry.
  std::string problem;    // Empty when ok.
};

}  // namespace timebank::ledger

#endif  // TIMEBANK_LEDGER_TYPES_H_
