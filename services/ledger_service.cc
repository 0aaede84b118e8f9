#include "services/ledger_service.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

#include "ledger/status_macros.h"
#include "ledger/validation.h"
#include "services/convert.h"
#include "services/grpc_status.h"
#include "services/serve.h"

namespace timebank::services {

namespace {

// An exchange as a reply carries it: with its parties' display names, so
// that a member page or CLI can say "Gave 1 h to Brenda K." without a call
// per person. (Bulk results stay lean and carry none.)
void ToProtoWithNames(const ledger::Ledger& ledger,
                      const ledger::Exchange& exchange, v1::Exchange* out) {
  ToProto(exchange, out);
  const std::string& tb = exchange.record.timebank_id;
  if (std::optional<std::string> name =
          ledger.DisplayNameOf(tb, exchange.record.giver_id)) {
    out->set_giver_name(*std::move(name));
  }
  if (std::optional<std::string> name =
          ledger.DisplayNameOf(tb, exchange.record.receiver_id)) {
    out->set_receiver_name(*std::move(name));
  }
}

}  // namespace
namespace {

constexpr int kJournalPage = 256;
constexpr auto kWatchPoll = std::chrono::milliseconds(500);

}  // namespace

grpc::Status LedgerService::CreateTimebank(
    grpc::ServerContext* context, const v1::CreateTimebankRequest* request,
    v1::Timebank* reply) {
  return Serve([&]() -> absl::Status {
    RETURN_IF_ERROR(
        authorizer_->Authorize(*context, "Ledger.CreateTimebank").status());
    ledger::TimebankSettings settings;
    if (request->has_settings()) {
      ASSIGN_OR_RETURN(settings, ToSettings(request->settings()));
    }
    ASSIGN_OR_RETURN(ledger::Timebank timebank,
                     ledger_->CreateTimebank(request->timebank_id(),
                                             request->name(), settings));
    ToProto(timebank, reply);
    return absl::OkStatus();
  });
}

grpc::Status LedgerService::GetTimebank(grpc::ServerContext* context,
                                        const v1::GetTimebankRequest* request,
                                        v1::Timebank* reply) {
  return Serve([&]() -> absl::Status {
    RETURN_IF_ERROR(
        authorizer_
            ->Authorize(*context, "Ledger.GetTimebank", request->timebank_id())
            .status());
    ASSIGN_OR_RETURN(ledger::Timebank timebank,
                     ledger_->GetTimebank(request->timebank_id()));
    ToProto(timebank, reply);
    return absl::OkStatus();
  });
}

grpc::Status LedgerService::ListTimebanks(grpc::ServerContext* context,
                                          const v1::ListTimebanksRequest*,
                                          v1::ListTimebanksResponse* reply) {
  return Serve([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Principal caller,
                     authorizer_->Authorize(*context, "Ledger.ListTimebanks"));
    for (const ledger::Timebank& timebank : ledger_->ListTimebanks()) {
      if (caller.token.CoversTimebank(timebank.id)) {
        ToProto(timebank, reply->add_timebanks());
      }
    }
    return absl::OkStatus();
  });
}

grpc::Status LedgerService::UpdateTimebank(
    grpc::ServerContext* context, const v1::UpdateTimebankRequest* request,
    v1::Timebank* reply) {
  return Serve([&]() -> absl::Status {
    RETURN_IF_ERROR(authorizer_
                        ->Authorize(*context, "Ledger.UpdateTimebank",
                                    request->timebank_id())
                        .status());
    if (!request->has_settings()) {
      return ledger::FieldInvalid("settings", "is required");
    }
    ASSIGN_OR_RETURN(ledger::TimebankSettings settings,
                     ToSettings(request->settings()));
    ASSIGN_OR_RETURN(
        ledger::Timebank timebank,
        ledger_->UpdateTimebankSettings(request->timebank_id(), settings));
    ToProto(timebank, reply);
    return absl::OkStatus();
  });
}

grpc::Status LedgerService::OpenAccount(grpc::ServerContext* context,
                                        const v1::OpenAccountRequest* request,
                                        v1::Account* reply) {
  return Serve([&]() -> absl::Status {
    RETURN_IF_ERROR(
        authorizer_
            ->Authorize(*context, "Ledger.OpenAccount", request->timebank_id())
            .status());
    ASSIGN_OR_RETURN(
        ledger::Account account,
        ledger_->OpenAccount(request->timebank_id(), ToInput(*request)));
    ToProto(account, reply);
    return absl::OkStatus();
  });
}

grpc::Status LedgerService::GetAccount(grpc::ServerContext* context,
                                       const v1::GetAccountRequest* request,
                                       v1::Account* reply) {
  return Serve([&]() -> absl::Status {
    RETURN_IF_ERROR(authorizer_
                        ->Authorize(*context, "Ledger.GetAccount",
                                    request->timebank_id(),
                                    request->account_id())
                        .status());
    ASSIGN_OR_RETURN(
        ledger::Account account,
        ledger_->GetAccount(request->timebank_id(), request->account_id()));
    ToProto(account, reply);
    return absl::OkStatus();
  });
}

grpc::Status LedgerService::UpdateAccount(
    grpc::ServerContext* context, const v1::UpdateAccountRequest* request,
    v1::Account* reply) {
  return Serve([&]() -> absl::Status {
    RETURN_IF_ERROR(authorizer_
                        ->Authorize(*context, "Ledger.UpdateAccount",
                                    request->timebank_id())
                        .status());
    ASSIGN_OR_RETURN(ledger::UpdateAccountInput input, ToInput(*request));
    ASSIGN_OR_RETURN(ledger::Account account,
                     ledger_->UpdateAccount(request->timebank_id(), input));
    ToProto(account, reply);
    return absl::OkStatus();
  });
}

grpc::Status LedgerService::EraseAccount(grpc::ServerContext* context,
                                         const v1::EraseAccountRequest* request,
                                         v1::Account* reply) {
  return Serve([&]() -> absl::Status {
    RETURN_IF_ERROR(
        authorizer_
            ->Authorize(*context, "Ledger.EraseAccount", request->timebank_id())
            .status());
    ASSIGN_OR_RETURN(
        ledger::Account account,
        ledger_->EraseAccount(request->timebank_id(), request->account_id()));
    ToProto(account, reply);
    return absl::OkStatus();
  });
}

grpc::Status LedgerService::ListAccounts(grpc::ServerContext* context,
                                         const v1::ListAccountsRequest* request,
                                         v1::ListAccountsResponse* reply) {
  return Serve([&]() -> absl::Status {
    ASSIGN_OR_RETURN(const Principal principal,
                     authorizer_->Authorize(*context, "Ledger.ListAccounts",
                                            request->timebank_id()));
    ASSIGN_OR_RETURN(
        ledger::PageOf<ledger::Account> page,
        ledger_->ListAccounts(request->timebank_id(),
                              {.page_size = request->page_size(),
                               .page_token = request->page_token()},
                              request->query()));
    for (const ledger::Account& account : page.items) {
      v1::Account* out = reply->add_accounts();
      if (principal.is_member()) {
        // Members find each other by name; nothing else about another
        // account (balance, skills, status, references) is theirs to see.
        out->set_timebank_id(account.timebank_id);
        out->set_account_id(account.id);
        out->set_display_name(account.display_name);
        continue;
      }
      ToProto(account, out);
    }
    reply->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status LedgerService::RecordExchange(
    grpc::ServerContext* context, const v1::RecordExchangeRequest* request,
    v1::Exchange* reply) {
  return Serve([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Principal caller,
                     authorizer_->Authorize(*context, "Ledger.RecordExchange",
                                            request->timebank_id()));
    ASSIGN_OR_RETURN(ledger::Exchange exchange,
                     ledger_->RecordExchange(request->timebank_id(),
                                             caller.actor, ToInput(*request)));
    ToProtoWithNames(*ledger_, exchange, reply);
    return absl::OkStatus();
  });
}

grpc::Status LedgerService::RecordExchanges(
    grpc::ServerContext* context, const v1::RecordExchangesRequest* request,
    v1::RecordExchangesResponse* reply) {
  return Serve([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Principal caller,
                     authorizer_->Authorize(*context, "Ledger.RecordExchanges",
                                            request->timebank_id()));
    std::vector<ledger::RecordExchangeInput> inputs;
    inputs.reserve(request->items_size());
    for (const v1::RecordExchangeItem& item : request->items()) {
      inputs.push_back(ToInput(item));
    }
    ASSIGN_OR_RETURN(
        auto results,
        ledger_->RecordExchanges(request->timebank_id(), caller.actor, inputs,
                                 {.all_or_nothing = request->all_or_nothing(),
                                  .validate_only = request->validate_only()}));
    for (size_t i = 0; i < results.size(); ++i) {
      v1::RecordExchangeResult* result = reply->add_results();
      result->set_request_id(inputs[i].request_id);
      if (results[i].ok()) {
        ToProto(*results[i], result->mutable_exchange());
        result->set_already_recorded(results[i]->replayed);
      } else {
        const grpc::Status error = ToGrpcStatus(results[i].status());
        result->mutable_error()->set_code(error.error_code());
        result->mutable_error()->set_message(error.error_message());
      }
    }
    return absl::OkStatus();
  });
}

grpc::Status LedgerService::ConfirmExchange(
    grpc::ServerContext* context, const v1::ConfirmExchangeRequest* request,
    v1::Exchange* reply) {
  return Serve([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Principal caller,
                     authorizer_->Authorize(*context, "Ledger.ConfirmExchange",
                                            request->timebank_id()));
    ASSIGN_OR_RETURN(
        ledger::Exchange exchange,
        ledger_->ConfirmExchange(request->timebank_id(), caller.actor,
                                 request->seq(), request->request_id()));
    ToProtoWithNames(*ledger_, exchange, reply);
    return absl::OkStatus();
  });
}

grpc::Status LedgerService::RejectExchange(
    grpc::ServerContext* context, const v1::RejectExchangeRequest* request,
    v1::Exchange* reply) {
  return Serve([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Principal caller,
                     authorizer_->Authorize(*context, "Ledger.RejectExchange",
                                            request->timebank_id()));
    ASSIGN_OR_RETURN(ledger::Exchange exchange,
                     ledger_->RejectExchange(
                         request->timebank_id(), caller.actor, request->seq(),
                         request->request_id(), request->reason()));
    ToProtoWithNames(*ledger_, exchange, reply);
    return absl::OkStatus();
  });
}

grpc::Status LedgerService::ReverseExchange(
    grpc::ServerContext* context, const v1::ReverseExchangeRequest* request,
    v1::Exchange* reply) {
  return Serve([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Principal caller,
                     authorizer_->Authorize(*context, "Ledger.ReverseExchange",
                                            request->timebank_id()));
    ASSIGN_OR_RETURN(ledger::Exchange exchange,
                     ledger_->ReverseExchange(
                         request->timebank_id(), caller.actor, request->seq(),
                         request->request_id(), request->reason()));
    ToProtoWithNames(*ledger_, exchange, reply);
    return absl::OkStatus();
  });
}

grpc::Status LedgerService::GetExchange(grpc::ServerContext* context,
                                        const v1::GetExchangeRequest* request,
                                        v1::Exchange* reply) {
  return Serve([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Principal caller,
                     authorizer_->Authorize(*context, "Ledger.GetExchange",
                                            request->timebank_id()));
    ASSIGN_OR_RETURN(ledger::Exchange exchange,
                     ledger_->GetExchange(request->timebank_id(), caller.actor,
                                          request->seq()));
    ToProtoWithNames(*ledger_, exchange, reply);
    return absl::OkStatus();
  });
}

grpc::Status LedgerService::ListExchanges(
    grpc::ServerContext* context, const v1::ListExchangesRequest* request,
    v1::ListExchangesResponse* reply) {
  return Serve([&]() -> absl::Status {
    RETURN_IF_ERROR(authorizer_
                        ->Authorize(*context, "Ledger.ListExchanges",
                                    request->timebank_id(),
                                    request->account_id())
                        .status());
    ASSIGN_OR_RETURN(
        ledger::PageOf<ledger::Exchange> page,
        ledger_->ListExchanges(request->timebank_id(),
                               {.account_id = request->account_id(),
                                .from_date = request->from_date(),
                                .to_date = request->to_date(),
                                .oldest_first = request->oldest_first()},
                               {.page_size = request->page_size(),
                                .page_token = request->page_token()}));
    for (const ledger::Exchange& exchange : page.items) {
      ToProtoWithNames(*ledger_, exchange, reply->add_exchanges());
    }
    reply->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status LedgerService::GetBalance(grpc::ServerContext* context,
                                       const v1::GetBalanceRequest* request,
                                       v1::Balance* reply) {
  return Serve([&]() -> absl::Status {
    RETURN_IF_ERROR(authorizer_
                        ->Authorize(*context, "Ledger.GetBalance",
                                    request->timebank_id(),
                                    request->account_id())
                        .status());
    ASSIGN_OR_RETURN(
        ledger::AccountTotals totals,
        ledger_->GetBalance(request->timebank_id(), request->account_id()));
    ToProto(request->timebank_id(), request->account_id(), totals, reply);
    return absl::OkStatus();
  });
}

grpc::Status LedgerService::SnapshotBalances(
    grpc::ServerContext* context, const v1::SnapshotBalancesRequest* request,
    v1::SnapshotBalancesResponse* reply) {
  return Serve([&]() -> absl::Status {
    RETURN_IF_ERROR(authorizer_
                        ->Authorize(*context, "Ledger.SnapshotBalances",
                                    request->timebank_id())
                        .status());
    ASSIGN_OR_RETURN(ledger::BalanceSnapshot snapshot,
                     ledger_->SnapshotBalances(request->timebank_id()));
    reply->set_timebank_id(request->timebank_id());
    reply->set_as_of_seq(snapshot.as_of_seq);
    for (const auto& [account_id, minutes] : snapshot.balances_minutes) {
      v1::AccountBalance* balance = reply->add_balances();
      balance->set_account_id(account_id);
      balance->set_balance_minutes(minutes);
    }
    return absl::OkStatus();
  });
}

grpc::Status LedgerService::WatchJournal(
    grpc::ServerContext* context, const v1::WatchJournalRequest* request,
    grpc::ServerWriter<v1::JournalEntry>* writer) {
  return Serve([&]() -> absl::Status {
    const std::string& tb = request->timebank_id();
    ASSIGN_OR_RETURN(
        Principal caller,
        authorizer_->Authorize(*context, "Ledger.WatchJournal", tb));
    ASSIGN_OR_RETURN(ledger::Timebank timebank, ledger_->GetTimebank(tb));
    ledger::Seq next = std::max<ledger::Seq>(1, request->from_seq());
    if (next > timebank.last_seq + 1) {
      return ledger::FieldInvalid(
          "from_seq", "is beyond the end of the journal (last seq is " +
                          std::to_string(timebank.last_seq) + ")");
    }
    ASSIGN_OR_RETURN(JournalFeed::Slot slot, feed_->Acquire(caller.token.id));
    // Rights are checked again before every entry sent, so at most the one
    // entry already being written follows a revocation or an expiry. The
    // check is cheap: it authenticates again only when some token was
    // revoked since the last check, or this one's expiry time has come.
    uint64_t revocations_seen = authorizer_->revocations();
    const auto still_allowed = [&]() -> absl::Status {
      const uint64_t revocations = authorizer_->revocations();
      const bool expiry_due = caller.token.expires_at_us != 0 &&
                              ledger_->NowUs() >= caller.token.expires_at_us;
      if (revocations == revocations_seen && !expiry_due) {
        return absl::OkStatus();
      }
      revocations_seen = revocations;
      return authorizer_->Authorize(*context, "Ledger.WatchJournal", tb)
          .status();
    };
    while (!context->IsCancelled() && !feed_->shutting_down()) {
      RETURN_IF_ERROR(still_allowed());
      ASSIGN_OR_RETURN(std::vector<ledger::JournalEntry> entries,
                       ledger_->ReadJournal(tb, next, kJournalPage));
      for (const ledger::JournalEntry& entry : entries) {
        RETURN_IF_ERROR(still_allowed());
        v1::JournalEntry proto;
        ToProto(entry, &proto);
        // Blocks only this stream when the client reads slowly.
        if (!writer->Write(proto)) return absl::OkStatus();
        next = entry.seq + 1;
      }
      if (static_cast<int>(entries.size()) < kJournalPage) {
        feed_->WaitPast(tb, next - 1, kWatchPoll);
      }
    }
    return absl::OkStatus();
  });
}

grpc::Status LedgerService::VerifyJournal(
    grpc::ServerContext* context, const v1::VerifyJournalRequest* request,
    v1::VerifyJournalResponse* reply) {
  return Serve([&]() -> absl::Status {
    ASSIGN_OR_RETURN(Principal caller,
                     authorizer_->Authorize(*context, "Ledger.VerifyJournal",
                                            request->timebank_id()));
    ASSIGN_OR_RETURN(ledger::VerifyReport report,
                     ledger_->Verify(request->timebank_id()));
    reply->set_ok(report.ok);
    reply->set_entries_checked(report.entries_checked);
    reply->set_first_bad_seq(report.first_bad_seq);
    // A problem may name an account; auditors see aggregates only.
    reply->set_problem(caller.is_auditor() && !report.ok
                           ? "the journal and the stored totals disagree"
                           : report.problem);
    return absl::OkStatus();
  });
}

}  // namespace timebank::services
