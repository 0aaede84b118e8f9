#include "services/convert.h"

#include "ledger/civil_date.h"
#include "ledger/validation.h"

namespace timebank::services {

using ledger::FieldInvalid;

absl::StatusOr<ledger::TimebankSettings> ToSettings(
    const v1::TimebankSettings& proto) {
  ledger::TimebankSettings settings;
  settings.members_may_log = proto.members_may_log();
  if (proto.has_balance_floor()) {
    settings.balance_floor_minutes = proto.balance_floor_minutes();
  } else if (proto.balance_floor_minutes() != 0) {
    return FieldInvalid("settings.balance_floor_minutes",
                        "is set but settings.has_balance_floor is false");
  }
  if (proto.max_exchange_minutes() != 0) {
    settings.max_exchange_minutes = proto.max_exchange_minutes();
  }
  return settings;
}

void ToProto(const ledger::Timebank& timebank, v1::Timebank* out) {
  out->set_timebank_id(timebank.id);
  out->set_name(timebank.name);
  v1::TimebankSettings* settings = out->mutable_settings();
  settings->set_members_may_log(timebank.settings.members_may_log);
  settings->set_has_balance_floor(
      timebank.settings.balance_floor_minutes.has_value());
  settings->set_balance_floor_minutes(
      timebank.settings.balance_floor_minutes.value_or(0));
  settings->set_max_exchange_minutes(timebank.settings.max_exchange_minutes);
  out->set_created_at_unix_us(timebank.created_at_us);
  out->set_last_seq(timebank.last_seq);
  out->set_last_hash(timebank.last_hash.data(), timebank.last_hash.size());
}

void ToProto(const std::string& timebank_id, const std::string& account_id,
             const ledger::AccountTotals& totals, v1::Balance* out) {
  out->set_timebank_id(timebank_id);
  out->set_account_id(account_id);
  out->set_minutes_given(totals.minutes_given);
  out->set_minutes_received(totals.minutes_received);
  out->set_balance_minutes(totals.balance_minutes());
  out->set_exchanges_given(totals.exchanges_given);
  out->set_exchanges_received(totals.exchanges_received);
  out->set_partners(totals.partners);
}

void ToProto(const ledger::Account& account, v1::Account* out) {
  out->set_timebank_id(account.timebank_id);
  out->set_account_id(account.id);
  out->set_kind(static_cast<v1::AccountKind>(account.kind));
  out->set_status(static_cast<v1::AccountStatus>(account.status));
  out->set_display_name(account.display_name);
  for (const std::string& skill : account.skills) out->add_skills(skill);
  out->set_external_ref(account.external_ref);
  out->set_joined_on(ledger::FormatDate(account.joined_on));
  out->set_erased(account.erased);
  out->set_created_at_unix_us(account.created_at_us);
  ToProto(account.timebank_id, account.id, account.totals,
          out->mutable_balance());
}

void ToProto(const ledger::Exchange& exchange, v1::Exchange* out) {
  const ledger::JournalEntry& r = exchange.record;
  out->set_timebank_id(r.timebank_id);
  out->set_seq(r.seq);
  out->set_giver_id(r.giver_id);
  out->set_receiver_id(r.receiver_id);
  out->set_minutes(r.minutes);
  out->set_category(r.category);
  out->set_description(r.description);
  out->set_occurred_on(ledger::FormatDate(r.occurred_on));
  out->set_status(static_cast<v1::ExchangeStatus>(exchange.status));
  out->set_hash(r.hash.data(), r.hash.size());
  out->set_recorded_at_unix_us(r.recorded_at_us);
  out->set_recorded_by(r.recorded_by);
  out->set_request_id(r.request_id);
  out->set_closed_by_seq(exchange.closed_by_seq);
  out->set_logged_by_account_id(r.recorder_account);
  out->set_closed_at_unix_us(exchange.closed_at_us);
  out->set_closed_by(exchange.closed_by);
  out->set_close_reason(exchange.close_note);
}

void ToProto(const ledger::JournalEntry& e, v1::JournalEntry* out) {
  out->set_timebank_id(e.timebank_id);
  out->set_seq(e.seq);
  out->set_kind(static_cast<v1::EntryKind>(e.kind));
  out->set_recorded_at_unix_us(e.recorded_at_us);
  out->set_recorded_by(e.recorded_by);
  out->set_request_id(e.request_id);
  out->set_target_seq(e.target_seq);
  out->set_initial_status(static_cast<v1::ExchangeStatus>(e.initial_status));
  out->set_giver_id(e.giver_id);
  out->set_receiver_id(e.receiver_id);
  out->set_minutes(e.minutes);
  out->set_category(e.category);
  out->set_description(e.description);
  out->set_occurred_on(ledger::FormatDate(e.occurred_on));
  out->set_note(e.note);
  out->set_hash(e.hash.data(), e.hash.size());
}

void ToProto(const ledger::Token& token, v1::TokenInfo* out) {
  out->set_token_id(token.id);
  out->set_name(token.name);
  out->set_role(static_cast<v1::Role>(token.role));
  for (const std::string& tb : token.timebank_ids) out->add_timebank_ids(tb);
  out->set_account_id(token.account_id);
  out->set_created_at_unix_us(token.created_at_us);
  out->set_expires_at_unix_us(token.expires_at_us);
  out->set_revoked(token.revoked);
}

ledger::OpenAccountInput ToInput(const v1::OpenAccountRequest& request) {
  return {.account_id = request.account_id(),
          .kind = request.kind() == v1::ACCOUNT_KIND_UNSPECIFIED
                      ? ledger::AccountKind::kPerson
                      : ToLedgerEnum<ledger::AccountKind>(request.kind()),
          .display_name = request.display_name(),
          .skills = {request.skills().begin(), request.skills().end()},
          .external_ref = request.external_ref(),
          .joined_on = request.joined_on(),
          .allow_duplicate_name = request.allow_duplicate_name(),
          .validate_only = request.validate_only()};
}

absl::StatusOr<ledger::UpdateAccountInput> ToInput(
    const v1::UpdateAccountRequest& request) {
  ledger::UpdateAccountInput input{
      .account_id = request.account_id(),
      .allow_duplicate_name = request.allow_duplicate_name()};
  if (request.has_display_name()) input.display_name = request.display_name();
  if (request.has_external_ref()) input.external_ref = request.external_ref();
  if (request.has_status()) {
    input.status = ToLedgerEnum<ledger::AccountStatus>(request.status());
  }
  if (request.replace_skills()) {
    input.skills = std::vector<std::string>(request.skills().begin(),
                                            request.skills().end());
  } else if (request.skills_size() > 0) {
    return FieldInvalid("skills", "given without replace_skills");
  }
  return input;
}

ledger::RecordExchangeInput ToInput(const v1::RecordExchangeRequest& request) {
  return {.request_id = request.request_id(),
          .giver_id = request.giver_id(),
          .receiver_id = request.receiver_id(),
          .minutes = request.minutes(),
          .category = request.category(),
          .description = request.description(),
          .occurred_on = request.occurred_on()};
}

ledger::RecordExchangeInput ToInput(const v1::RecordExchangeItem& item) {
  return {.request_id = item.request_id(),
          .giver_id = item.giver_id(),
          .receiver_id = item.receiver_id(),
          .minutes = item.minutes(),
          .category = item.category(),
          .description = item.description(),
          .occurred_on = item.occurred_on()};
}

ledger::NewToken ToInput(const v1::CreateTokenRequest& request) {
  return ledger::NewToken{.role = ToLedgerEnum<ledger::Role>(request.role()),
                          .timebank_ids = {request.timebank_ids().begin(),
                                           request.timebank_ids().end()},
                          .account_id = request.account_id(),
                          .name = request.name(),
                          .expires_at_us = request.expires_at_unix_us()};
}

}  // namespace timebank::services
