#include "ledger/rules.h"

#include <algorithm>
#include <cassert>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "ledger/civil_date.h"
#include "ledger/status_macros.h"
#include "ledger/validation.h"

namespace timebank::ledger {
namespace {

constexpr std::string_view kErasedName = "(erased)";

std::string_view StatusName(ExchangeStatus status) {
  switch (status) {
    case ExchangeStatus::kPending:
      return "PENDING";
    case ExchangeStatus::kConfirmed:
      return "CONFIRMED";
    case ExchangeStatus::kRejected:
      return "REJECTED";
    case ExchangeStatus::kReversed:
      return "REVERSED";
  }
  return "UNKNOWN";
}

std::string_view AccountStatusName(AccountStatus status) {
  switch (status) {
    case AccountStatus::kActive:
      return "ACTIVE";
    case AccountStatus::kSuspended:
      return "SUSPENDED";
    case AccountStatus::kClosed:
      return "CLOSED";
  }
  return "UNKNOWN";
}

// Sum of two int64 values, or an error naming `field` on overflow.
absl::Status CheckedAdd(int64_t a, int64_t b, std::string_view field,
                        int64_t* out) {
  if (__builtin_add_overflow(a, b, out)) {
    return FieldPrecondition(field, "the total would overflow");
  }
  return absl::OkStatus();
}

absl::StatusOr<Timebank> WritableTimebank(const Draft& draft,
                                          const std::string& tb) {
  if (absl::Status s = CheckTimebankId("timebank_id", tb); !s.ok()) return s;
  std::optional<Timebank> timebank = draft.FindTimebank(tb);
  if (!timebank) return FieldNotFound("timebank_id", "no such timebank");
  return *timebank;
}

absl::StatusOr<Account> ExistingAccount(const Draft& draft,
                                        const std::string& tb,
                                        std::string_view field,
                                        const std::string& account_id) {
  if (absl::Status s = CheckAccountId(field, account_id); !s.ok()) return s;
  std::optional<Account> account = draft.FindAccount(tb, account_id);
  if (!account) {
    return FieldNotFound(
        field, absl::StrCat("no account '", account_id, "' in timebank ", tb));
  }
  return *account;
}

absl::Status CheckActive(std::string_view field, const Account& account) {
  if (account.status != AccountStatus::kActive) {
    return FieldPrecondition(
        field, absl::StrCat("account '", account.id, "' is ",
                            std::string(AccountStatusName(account.status))));
  }
  return absl::OkStatus();
}

// The identity of a request's content, so a retry can be told apart from a
// different request that reuses the id.
Hash Fingerprint(std::initializer_list<std::string_view> parts) {
  std::string joined;
  for (std::string_view part : parts) {
    joined.append(std::to_string(part.size())).push_back(':');
    joined.append(part);
  }
  return Sha256(joined);
}

// The outcome of an earlier request with the same id from the same caller
// scope and of the same kind: its result when the content matches,
// kAlreadyExists when it does not, nullopt when new.
absl::StatusOr<std::optional<Exchange>> Replay(
    Draft& draft, const std::string& tb, const Actor& actor, RequestKind kind,
    const std::string& request_id, const Hash& fingerprint) {
  absl::StatusOr<std::optional<RequestRecord>> earlier =
      draft.FindRequest(tb, actor.request_scope, kind, request_id);
  if (!earlier.ok()) return earlier.status();
  if (!earlier->has_value()) return std::nullopt;
  if ((*earlier)->fingerprint != fingerprint) {
    return absl::AlreadyExistsError(
        "request_id: already used for a different request");
  }
  absl::StatusOr<std::optional<Exchange>> exchange =
      draft.FindExchange(tb, (*earlier)->seq);
  if (!exchange.ok()) return exchange.status();
  if (!exchange->has_value()) {
    return absl::DataLossError("request_id: names a missing journal entry");
  }
  (*exchange)->replayed = true;
  return exchange;
}

// Counts one exchange (sign +1) or takes it back (sign -1) on a pair, in the
// giver's direction.
absl::Status AddToPair(PairTotals& pair, bool giver_low, int sign,
                       int64_t minutes) {
  int64_t& count =
      giver_low ? pair.low_to_high_exchanges : pair.high_to_low_exchanges;
  int64_t& pair_minutes =
      giver_low ? pair.low_to_high_minutes : pair.high_to_low_minutes;
  count += sign;
  return CheckedAdd(pair_minutes, minutes, "minutes", &pair_minutes);
}

// Adds (sign +1) or removes (sign -1) a confirmed exchange's effect on
// balances, counters and aggregates. Every new value is computed and checked
// before anything is written to the draft.
absl::Status ApplyEffect(Draft& draft, const JournalEntry& record, int sign) {
  const std::string& tb = record.timebank_id;
  Account giver = *draft.FindAccount(tb, record.giver_id);
  Account receiver = *draft.FindAccount(tb, record.receiver_id);
  const int64_t minutes = sign * record.minutes;
  const Timebank timebank = *draft.FindTimebank(tb);

  AccountTotals g = giver.totals;
  AccountTotals r = receiver.totals;
  absl::Status s;
  if (!(s = CheckedAdd(g.minutes_given, minutes, "minutes", &g.minutes_given))
           .ok() ||
      !(s = CheckedAdd(r.minutes_received, minutes, "minutes",
                       &r.minutes_received))
           .ok()) {
    return s;
  }
  g.exchanges_given += sign;
  r.exchanges_received += sign;

  // The side whose balance falls must stay at or above the floor.
  const Account& loser = sign > 0 ? receiver : giver;
  const AccountTotals& loser_after = sign > 0 ? r : g;
  if (loser.kind == AccountKind::kPerson &&
      timebank.settings.balance_floor_minutes.has_value() &&
      loser_after.balance_minutes() <
          *timebank.settings.balance_floor_minutes) {
    return FieldPrecondition(
        sign > 0 ? "receiver_id" : "giver_id",
        absl::StrCat("account '", loser.id,
                     "' would fall below the balance "
                     "floor of ",
                     *timebank.settings.balance_floor_minutes, " minutes"));
  }

  const bool giver_low = record.giver_id < record.receiver_id;
  const std::string_view low = giver_low ? record.giver_id : record.receiver_id;
  const std::string_view high =
      giver_low ? record.receiver_id : record.giver_id;
  const YearMonth month = MonthOf(record.occurred_on);
  const std::string pair_key = PairKey(tb, low, high);
  const std::string pair_month_key = PairMonthKey(tb, month, low, high);
  absl::StatusOr<PairTotals> pair = draft.GetPairTotals(pair_key);
  if (!pair.ok()) return pair.status();
  absl::StatusOr<PairTotals> pair_month = draft.GetPairTotals(pair_month_key);
  if (!pair_month.ok()) return pair_month.status();
  PairTotals pair_after = *pair;
  if (!(s = AddToPair(pair_after, giver_low, sign, minutes)).ok() ||
      !(s = AddToPair(*pair_month, giver_low, sign, minutes)).ok()) {
    return s;
  }
  if (pair->empty() != pair_after.empty()) {
    const int partner_change = pair_after.empty() ? -1 : 1;
    g.partners += partner_change;
    r.partners += partner_change;
  }

  const std::string giver_month_key =
      AccountMonthKey(tb, record.giver_id, month);
  const std::string receiver_month_key =
      AccountMonthKey(tb, record.receiver_id, month);
  const std::string tb_month_key = TimebankMonthKey(tb, month);
  const std::string category_key = CategoryMonthKey(tb, month, record.category);
  absl::StatusOr<AccountMonthTotals> giver_month =
      draft.GetAccountMonthTotals(giver_month_key);
  if (!giver_month.ok()) return giver_month.status();
  absl::StatusOr<AccountMonthTotals> receiver_month =
      draft.GetAccountMonthTotals(receiver_month_key);
  if (!receiver_month.ok()) return receiver_month.status();
  absl::StatusOr<MonthTotals> tb_month = draft.GetMonthTotals(tb_month_key);
  if (!tb_month.ok()) return tb_month.status();
  absl::StatusOr<MonthTotals> category_month =
      draft.GetMonthTotals(category_key);
  if (!category_month.ok()) return category_month.status();

  if (!(s = CheckedAdd(giver_month->minutes_given, minutes, "minutes",
                       &giver_month->minutes_given))
           .ok() ||
      !(s = CheckedAdd(receiver_month->minutes_received, minutes, "minutes",
                       &receiver_month->minutes_received))
           .ok() ||
      !(s = CheckedAdd(tb_month->minutes, minutes, "minutes",
                       &tb_month->minutes))
           .ok() ||
      !(s = CheckedAdd(category_month->minutes, minutes, "minutes",
                       &category_month->minutes))
           .ok()) {
    return s;
  }
  giver_month->exchanges_given += sign;
  receiver_month->exchanges_received += sign;
  tb_month->exchanges += sign;
  category_month->exchanges += sign;

  giver.totals = g;
  receiver.totals = r;
  draft.PutAccount(giver);
  draft.PutAccount(receiver);
  draft.PutPairTotals(pair_key, pair_after);
  draft.PutPairTotals(pair_month_key, *pair_month);
  draft.PutAccountMonthTotals(giver_month_key, *giver_month);
  draft.PutAccountMonthTotals(receiver_month_key, *receiver_month);
  draft.PutMonthTotals(tb_month_key, *tb_month);
  draft.PutMonthTotals(category_key, *category_month);
  return absl::OkStatus();
}

// Checks that depend only on the request itself, so a retry of an accepted
// request passes them whatever has changed since.
absl::Status CheckRecordShape(const RecordExchangeInput& input) {
  absl::Status s;
  if (!(s = CheckRequestId("request_id", input.request_id)).ok() ||
      !(s = CheckAccountId("giver_id", input.giver_id)).ok() ||
      !(s = CheckAccountId("receiver_id", input.receiver_id)).ok()) {
    return s;
  }
  if (input.giver_id == input.receiver_id) {
    return FieldInvalid("receiver_id", "must differ from giver_id");
  }
  if (input.minutes <= 0)
    return FieldInvalid("minutes", "must be greater than 0");
  if (!(s = CheckTag("category", NormaliseTag(input.category))).ok() ||
      !(s = CheckText("description", input.description, kDescriptionMaxLength,
                      TextRule::kOptional, Lines::kMulti))
           .ok()) {
    return s;
  }
  if (!ParseDate(input.occurred_on)) {
    return FieldInvalid("occurred_on", "must be a real date as YYYY-MM-DD");
  }
  return absl::OkStatus();
}

// Checks against the timebank's settings and the clock, which may change
// between a request and its retry; run only for new requests.
absl::Status CheckRecordAgainstNow(const Timebank& timebank,
                                   const RecordExchangeInput& input,
                                   int64_t now_us) {
  if (const int64_t max = timebank.settings.max_exchange_minutes;
      input.minutes > max) {
    // People think of exchanges in hours: say the limit in hours first.
    const std::string hours =
        max % 60 == 0 ? absl::StrCat(max / 60, " h")
                      : absl::StrCat(max / 60, " h ", max % 60, " m");
    return FieldInvalid("minutes",
                        absl::StrCat("must be at most ", hours, " (", max,
                                     " minutes), this timebank's largest "
                                     "exchange"));
  }
  // A day of slack for members ahead of UTC.
  if (*ParseDate(input.occurred_on) > DayOfInstantUs(now_us) + 1) {
    return FieldInvalid("occurred_on", "must not be in the future");
  }
  return absl::OkStatus();
}

}  // namespace

// Who is writing goes into the hash-chained journal, so it must be as clean
// as any other stored text.
absl::Status CheckActor(const Actor& actor) {
  if (absl::Status s = CheckText("actor.name", actor.name, kActorNameMaxLength,
                                 TextRule::kRequired);
      !s.ok()) {
    return s;
  }
  if (actor.request_scope.empty() ||
      actor.request_scope.find('\0') != std::string::npos) {
    return absl::InternalError("actor.request_scope: must be set, without NUL");
  }
  if (actor.kind == Actor::Kind::kMember) {
    return CheckAccountId("actor.account_id", actor.account_id);
  }
  return absl::OkStatus();
}

absl::Status CheckWritesAllowed(const Draft& draft, const std::string& tb) {
  if (draft.WritesBlocked(tb)) {
    return FieldPrecondition(
        "timebank_id",
        "the journal failed verification; writes are refused until an "
        "administrator repairs it");
  }
  return absl::OkStatus();
}

absl::Status CheckSettings(const TimebankSettings& settings) {
  if (settings.max_exchange_minutes <= 0 ||
      settings.max_exchange_minutes > kMaxExchangeMinutesLimit) {
    return FieldInvalid(
        "settings.max_exchange_minutes",
        absl::StrCat("must be between 1 and ", kMaxExchangeMinutesLimit));
  }
  if (settings.balance_floor_minutes.has_value() &&
      (*settings.balance_floor_minutes > 0 ||
       *settings.balance_floor_minutes < kBalanceFloorLimitMinutes)) {
    return FieldInvalid(
        "settings.balance_floor_minutes",
        absl::StrCat("must be between ", kBalanceFloorLimitMinutes, " and 0"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Timebank> ApplyCreateTimebank(Draft& draft,
                                             const std::string& timebank_id,
                                             const std::string& name,
                                             const TimebankSettings& settings) {
  absl::Status s;
  if (!(s = CheckTimebankId("timebank_id", timebank_id)).ok() ||
      !(s = CheckText("name", name, kNameMaxLength, TextRule::kRequired))
           .ok() ||
      !(s = CheckSettings(settings)).ok()) {
    return s;
  }
  if (draft.FindTimebank(timebank_id)) {
    return absl::AlreadyExistsError(
        "timebank_id: a timebank with this id exists");
  }
  Timebank timebank{.id = timebank_id,
                    .name = name,
                    .settings = settings,
                    .created_at_us = draft.now_us()};
  draft.PutTimebank(timebank);
  return timebank;
}

absl::StatusOr<Timebank> ApplyUpdateSettings(Draft& draft,
                                             const std::string& timebank_id,
                                             const TimebankSettings& settings) {
  absl::StatusOr<Timebank> timebank = WritableTimebank(draft, timebank_id);
  if (!timebank.ok()) return timebank.status();
  if (absl::Status s = CheckSettings(settings); !s.ok()) return s;
  timebank->settings = settings;
  draft.PutTimebank(*timebank);
  return timebank;
}

namespace {

// A name as people compare names: ASCII letters in lower case, runs of
// white space as one space, none at the ends.
std::string FoldedName(std::string_view name) {
  std::string folded;
  bool space = false;
  for (const char c : name) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      space = !folded.empty();
      continue;
    }
    if (space) folded += ' ';
    space = false;
    folded += absl::ascii_tolower(static_cast<unsigned char>(c));
  }
  return folded;
}

// Refuses what an import of people's names gets wrong: an id that differs
// from an existing one only in case (`Mary` beside `mary`), and a second
// account of a name that is already there (both "Mary O'Brien"), unless
// `allow_duplicate_name`. `account_id` is the account being opened or
// renamed, which never clashes with itself; `check_id` is false for a rename.
absl::Status CheckNamesApart(const Draft& draft, const std::string& tb,
                             const std::string& account_id, bool check_id,
                             const std::string* display_name,
                             bool allow_duplicate_name) {
  const std::string folded_id = absl::AsciiStrToLower(account_id);
  const std::string folded_name =
      display_name == nullptr ? "" : FoldedName(*display_name);
  std::optional<Account> id_clash, name_clash;
  draft.VisitAccounts(tb, [&](const Account& other) {
    if (other.id == account_id) return;
    if (check_id && !id_clash && absl::AsciiStrToLower(other.id) == folded_id) {
      id_clash = other;
    }
    if (display_name != nullptr && !allow_duplicate_name && !name_clash &&
        !other.erased && FoldedName(other.display_name) == folded_name) {
      name_clash = other;
    }
  });
  if (id_clash) {
    return absl::AlreadyExistsError(absl::StrCat(
        "account_id: differs only in case from the existing account '",
        id_clash->id, "' (", id_clash->display_name,
        "); ids are told apart by case, people are not"));
  }
  if (name_clash) {
    return absl::AlreadyExistsError(absl::StrCat(
        "display_name: account '", name_clash->id, "' is already called '",
        name_clash->display_name,
        "'; set allow_duplicate_name if this is another person of that name"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Account> ApplyOpenAccount(Draft& draft,
                                         const std::string& timebank_id,
                                         const OpenAccountInput& input) {
  absl::StatusOr<Timebank> timebank = WritableTimebank(draft, timebank_id);
  if (!timebank.ok()) return timebank.status();
  absl::Status s;
  if (!(s = CheckAccountId("account_id", input.account_id)).ok() ||
      !(s = CheckText("display_name", input.display_name, kNameMaxLength,
                      TextRule::kRequired))
           .ok() ||
      !(s = CheckText("external_ref", input.external_ref, kExternalRefMaxLength,
                      TextRule::kOptional))
           .ok()) {
    return s;
  }
  std::vector<std::string> skills;
  for (const std::string& skill : input.skills)
    skills.push_back(NormaliseTag(skill));
  if (!(s = CheckSkills("skills", skills)).ok()) return s;
  assert(CheckAccountKind(input.kind).ok() && "checked by Ledger::OpenAccount");
  int32_t joined_on = DayOfInstantUs(draft.now_us());
  if (!input.joined_on.empty()) {
    std::optional<int32_t> day = ParseDate(input.joined_on);
    if (!day)
      return FieldInvalid("joined_on", "must be a real date as YYYY-MM-DD");
    joined_on = *day;
  }
  if (draft.FindAccount(timebank_id, input.account_id)) {
    return absl::AlreadyExistsError(
        "account_id: an account with this id exists in the timebank");
  }
  RETURN_IF_ERROR(CheckNamesApart(draft, timebank_id, input.account_id,
                                  /*check_id=*/true, &input.display_name,
                                  input.allow_duplicate_name));
  Account account{.timebank_id = timebank_id,
                  .id = input.account_id,
                  .kind = input.kind,
                  .status = AccountStatus::kActive,
                  .display_name = input.display_name,
                  .skills = std::move(skills),
                  .external_ref = input.external_ref,
                  .joined_on = joined_on,
                  .created_at_us = draft.now_us()};
  draft.PutAccount(account);
  return account;
}

absl::StatusOr<Account> ApplyUpdateAccount(Draft& draft,
                                           const std::string& timebank_id,
                                           const UpdateAccountInput& input) {
  absl::StatusOr<Timebank> timebank = WritableTimebank(draft, timebank_id);
  if (!timebank.ok()) return timebank.status();
  absl::StatusOr<Account> account =
      ExistingAccount(draft, timebank_id, "account_id", input.account_id);
  if (!account.ok()) return account.status();
  absl::Status s;
  if (input.display_name) {
    if (!(s = CheckText("display_name", *input.display_name, kNameMaxLength,
                        TextRule::kRequired))
             .ok()) {
      return s;
    }
    if (FoldedName(*input.display_name) != FoldedName(account->display_name)) {
      RETURN_IF_ERROR(CheckNamesApart(draft, timebank_id, input.account_id,
                                      /*check_id=*/false, &*input.display_name,
                                      input.allow_duplicate_name));
    }
    account->display_name = *input.display_name;
  }
  if (input.external_ref) {
    if (!(s = CheckText("external_ref", *input.external_ref,
                        kExternalRefMaxLength, TextRule::kOptional))
             .ok()) {
      return s;
    }
    account->external_ref = *input.external_ref;
  }
  if (input.skills) {
    std::vector<std::string> skills;
    for (const std::string& skill : *input.skills) {
      skills.push_back(NormaliseTag(skill));
    }
    if (!(s = CheckSkills("skills", skills)).ok()) return s;
    account->skills = std::move(skills);
  }
  if (input.status) {
    assert(CheckAccountStatus(*input.status).ok() &&
           "checked by Ledger::UpdateAccount");
    account->status = *input.status;
  }
  if (account->erased &&
      (input.display_name || input.external_ref || input.skills)) {
    return FieldPrecondition("account_id",
                             "personal details were erased and stay erased");
  }
  draft.PutAccount(*account);
  return account;
}

absl::StatusOr<Account> ApplyEraseAccount(Draft& draft,
                                          const std::string& timebank_id,
                                          const std::string& account_id) {
  absl::StatusOr<Timebank> timebank = WritableTimebank(draft, timebank_id);
  if (!timebank.ok()) return timebank.status();
  absl::StatusOr<Account> account =
      ExistingAccount(draft, timebank_id, "account_id", account_id);
  if (!account.ok()) return account.status();
  account->display_name = std::string(kErasedName);
  account->skills.clear();
  account->external_ref.clear();
  account->erased = true;
  draft.PutAccount(*account);
  return account;
}

absl::StatusOr<Exchange> ApplyRecord(Draft& draft,
                                     const std::string& timebank_id,
                                     const Actor& actor,
                                     const RecordExchangeInput& input) {
  absl::StatusOr<Timebank> timebank = WritableTimebank(draft, timebank_id);
  if (!timebank.ok()) return timebank.status();
  absl::Status s;
  if (!(s = CheckActor(actor)).ok() || !(s = CheckRecordShape(input)).ok()) {
    return s;
  }
  const bool member = actor.kind == Actor::Kind::kMember;
  if (member && actor.account_id != input.giver_id &&
      actor.account_id != input.receiver_id) {
    return absl::PermissionDeniedError(
        "giver_id: a member may log only exchanges they took part in");
  }
  const std::string category = NormaliseTag(input.category);
  const Hash fingerprint =
      Fingerprint({"record", input.giver_id, input.receiver_id,
                   std::to_string(input.minutes), category, input.description,
                   input.occurred_on});
  absl::StatusOr<std::optional<Exchange>> earlier =
      Replay(draft, timebank_id, actor, RequestKind::kRecord, input.request_id,
             fingerprint);
  if (!earlier.ok()) return earlier.status();
  if (earlier->has_value()) return **earlier;
  if (!(s = CheckRecordAgainstNow(*timebank, input, draft.now_us())).ok()) {
    return s;
  }
  if (member && !timebank->settings.members_may_log) {
    return absl::PermissionDeniedError(
        "timebank_id: members of this timebank may not log exchanges; ask a "
        "coordinator");
  }

  absl::StatusOr<Account> giver =
      ExistingAccount(draft, timebank_id, "giver_id", input.giver_id);
  if (!giver.ok()) return giver.status();
  absl::StatusOr<Account> receiver =
      ExistingAccount(draft, timebank_id, "receiver_id", input.receiver_id);
  if (!receiver.ok()) return receiver.status();
  if (!(s = CheckActive("giver_id", *giver)).ok() ||
      !(s = CheckActive("receiver_id", *receiver)).ok()) {
    return s;
  }

  JournalEntry entry{.timebank_id = timebank_id,
                     .kind = EntryKind::kRecord,
                     .recorded_by = actor.name,
                     .request_id = input.request_id,
                     .initial_status = ExchangeStatus::kConfirmed,
                     .giver_id = input.giver_id,
                     .receiver_id = input.receiver_id,
                     .minutes = input.minutes,
                     .category = category,
                     .description = input.description,
                     .occurred_on = *ParseDate(input.occurred_on)};
  if (member) {
    entry.initial_status = ExchangeStatus::kPending;
    entry.recorder_account = actor.account_id;
  } else {
    // ApplyEffect checks everything before it writes, so a refusal here
    // leaves the draft untouched.
    if (absl::Status effect = ApplyEffect(draft, entry, +1); !effect.ok()) {
      return effect;
    }
  }
  entry = draft.Append(std::move(entry));
  draft.PutRequest(timebank_id, actor.request_scope, RequestKind::kRecord,
                   input.request_id,
                   RequestRecord{.seq = entry.seq, .fingerprint = fingerprint});
  return Exchange{.record = entry, .status = entry.initial_status};
}

absl::StatusOr<Exchange> ApplyClose(Draft& draft,
                                    const std::string& timebank_id,
                                    const Actor& actor, EntryKind kind, Seq seq,
                                    const std::string& request_id,
                                    const std::string& reason) {
  absl::StatusOr<Timebank> timebank = WritableTimebank(draft, timebank_id);
  if (!timebank.ok()) return timebank.status();
  absl::Status s;
  if (!(s = CheckActor(actor)).ok() ||
      !(s = CheckRequestId("request_id", request_id)).ok() ||
      !(s = CheckText("reason", reason, kDescriptionMaxLength,
                      TextRule::kOptional, Lines::kMulti))
           .ok()) {
    return s;
  }
  if (seq == 0) return FieldInvalid("seq", "must be 1 or more");
  absl::StatusOr<std::optional<JournalEntry>> target =
      draft.FindEntry(timebank_id, seq);
  if (!target.ok()) return target.status();
  if (!target->has_value())
    return FieldNotFound("seq", "no such journal entry");
  if ((*target)->kind != EntryKind::kRecord) {
    return FieldPrecondition(
        "seq",
        "names a confirm, reject or reversal entry; only exchanges can "
        "be confirmed, rejected or reversed");
  }
  // Rights first, retries after: a member learns nothing of others'
  // exchanges, whatever request id they send.
  if (actor.kind == Actor::Kind::kMember) {
    const JournalEntry& record = **target;
    const bool party = actor.account_id == record.giver_id ||
                       actor.account_id == record.receiver_id;
    if (kind == EntryKind::kReverse || !party) {
      return absl::PermissionDeniedError(
          kind == EntryKind::kReverse
              ? "seq: only a coordinator may reverse an exchange"
              : "seq: a member may act only on exchanges they took part in");
    }
  }
  const RequestKind request_kind = RequestKindOfClose(kind);
  const Hash fingerprint =
      Fingerprint({"close", std::to_string(static_cast<int>(kind)),
                   std::to_string(seq), reason});
  absl::StatusOr<std::optional<Exchange>> earlier =
      Replay(draft, timebank_id, actor, request_kind, request_id, fingerprint);
  if (!earlier.ok()) return earlier.status();
  if (earlier->has_value()) return **earlier;

  absl::StatusOr<std::optional<Exchange>> exchange =
      draft.FindExchange(timebank_id, seq);
  if (!exchange.ok()) return exchange.status();
  const ExchangeStatus status = (*exchange)->status;
  const JournalEntry& record = (*exchange)->record;
  if (actor.kind == Actor::Kind::kMember && kind == EntryKind::kConfirm &&
      actor.account_id == record.recorder_account) {
    return absl::PermissionDeniedError(
        "seq: the other party or a coordinator must confirm this exchange");
  }
  const ExchangeStatus needed = kind == EntryKind::kReverse
                                    ? ExchangeStatus::kConfirmed
                                    : ExchangeStatus::kPending;
  if (status != needed) {
    return FieldPrecondition(
        "seq", absl::StrCat("exchange is ", std::string(StatusName(status)),
                            ", not ", std::string(StatusName(needed))));
  }
  if (kind == EntryKind::kConfirm) {
    for (const auto& [field, id] :
         {std::pair{"giver_id", record.giver_id},
          std::pair{"receiver_id", record.receiver_id}}) {
      if (!(s = CheckActive(field, *draft.FindAccount(timebank_id, id))).ok()) {
        return s;
      }
    }
  }
  if (kind != EntryKind::kReject) {
    if (!(s = ApplyEffect(draft, record, kind == EntryKind::kConfirm ? +1 : -1))
             .ok()) {
      return s;
    }
  }

  JournalEntry entry{.timebank_id = timebank_id,
                     .kind = kind,
                     .recorded_by = actor.name,
                     .request_id = request_id,
                     .target_seq = seq,
                     .initial_status = record.initial_status,
                     .giver_id = record.giver_id,
                     .receiver_id = record.receiver_id,
                     .minutes = record.minutes,
                     .category = record.category,
                     .occurred_on = record.occurred_on,
                     .note = reason};
  entry = draft.Append(std::move(entry));
  const ExchangeStatus after =
      kind == EntryKind::kConfirm  ? ExchangeStatus::kConfirmed
      : kind == EntryKind::kReject ? ExchangeStatus::kRejected
                                   : ExchangeStatus::kReversed;
  draft.PutState(timebank_id, seq,
                 ExchangeState{.status = after, .closed_by_seq = entry.seq});
  draft.PutRequest(timebank_id, actor.request_scope, request_kind, request_id,
                   RequestRecord{.seq = seq, .fingerprint = fingerprint});
  return Exchange{
      .record = record, .status = after, .closed_by_seq = entry.seq};
}

}  // namespace timebank::ledger
