#include "tests/services/rpc_client.h"

#include <utility>

#include "services/grpc_status.h"

namespace timebank::testing {

std::string Describe(const grpc::Status& status) {
  if (status.ok()) return "OK";
  return services::StatusCodeName(status.error_code()) + ": " +
         status.error_message();
}

Client::Client(std::shared_ptr<grpc::Channel> channel, std::string token)
    : channel_(std::move(channel)),
      token_(std::move(token)),
      ledger_(v1::Ledger::NewStub(channel_)),
      access_(v1::Access::NewStub(channel_)),
      assessment_(v1::Assessment::NewStub(channel_)),
      admin_(v1::Admin::NewStub(channel_)) {}

Client Client::WithToken(std::string token) const {
  return Client(channel_, std::move(token));
}

std::unique_ptr<grpc::ClientContext> Client::NewContext(
    std::chrono::milliseconds timeout) const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + timeout);
  if (!token_.empty())
    context->AddMetadata("authorization", "Bearer " + token_);
  return context;
}

Rpc<v1::Timebank> Client::CreateTimebank(const std::string& timebank_id,
                                         const std::string& name) const {
  v1::CreateTimebankRequest request;
  request.set_timebank_id(timebank_id);
  request.set_name(name);
  return Call(&v1::Ledger::Stub::CreateTimebank, request);
}

Rpc<v1::Timebank> Client::GetTimebank(const std::string& timebank_id) const {
  v1::GetTimebankRequest request;
  request.set_timebank_id(timebank_id);
  return Call(&v1::Ledger::Stub::GetTimebank, request);
}

Rpc<v1::Account> Client::OpenAccount(const std::string& timebank_id,
                                     const std::string& account_id,
                                     v1::AccountKind kind) const {
  v1::OpenAccountRequest request;
  request.set_timebank_id(timebank_id);
  request.set_account_id(account_id);
  request.set_display_name("Name of " + account_id);
  request.set_kind(kind);
  return Call(&v1::Ledger::Stub::OpenAccount, request);
}

Rpc<v1::Account> Client::GetAccount(const std::string& timebank_id,
                                    const std::string& account_id) const {
  v1::GetAccountRequest request;
  request.set_timebank_id(timebank_id);
  request.set_account_id(account_id);
  return Call(&v1::Ledger::Stub::GetAccount, request);
}

Rpc<v1::Account> Client::SetAccountStatus(const std::string& timebank_id,
                                          const std::string& account_id,
                                          v1::AccountStatus status) const {
  v1::UpdateAccountRequest request;
  request.set_timebank_id(timebank_id);
  request.set_account_id(account_id);
  request.set_status(status);
  return Call(&v1::Ledger::Stub::UpdateAccount, request);
}

Rpc<v1::Exchange> Client::RecordExchange(
    const v1::RecordExchangeRequest& request) const {
  return Call(&v1::Ledger::Stub::RecordExchange, request);
}

Rpc<v1::Exchange> Client::ConfirmExchange(const std::string& timebank_id,
                                          uint64_t seq,
                                          const std::string& request_id) const {
  v1::ConfirmExchangeRequest request;
  request.set_timebank_id(timebank_id);
  request.set_seq(seq);
  request.set_request_id(request_id);
  return Call(&v1::Ledger::Stub::ConfirmExchange, request);
}

Rpc<v1::Exchange> Client::RejectExchange(const std::string& timebank_id,
                                         uint64_t seq,
                                         const std::string& request_id,
                                         const std::string& reason) const {
  v1::RejectExchangeRequest request;
  request.set_timebank_id(timebank_id);
  request.set_seq(seq);
  request.set_request_id(request_id);
  request.set_reason(reason);
  return Call(&v1::Ledger::Stub::RejectExchange, request);
}

Rpc<v1::Exchange> Client::ReverseExchange(const std::string& timebank_id,
                                          uint64_t seq,
                                          const std::string& request_id,
                                          const std::string& reason) const {
  v1::ReverseExchangeRequest request;
  request.set_timebank_id(timebank_id);
  request.set_seq(seq);
  request.set_request_id(request_id);
  request.set_reason(reason);
  return Call(&v1::Ledger::Stub::ReverseExchange, request);
}

Rpc<v1::Exchange> Client::GetExchange(const std::string& timebank_id,
                                      uint64_t seq) const {
  v1::GetExchangeRequest request;
  request.set_timebank_id(timebank_id);
  request.set_seq(seq);
  return Call(&v1::Ledger::Stub::GetExchange, request);
}

Rpc<v1::ListExchangesResponse> Client::ListExchanges(
    const std::string& timebank_id, const std::string& account_id,
    const std::string& from_date, const std::string& to_date, int page_size,
    const std::string& page_token) const {
  v1::ListExchangesRequest request;
  request.set_timebank_id(timebank_id);
  request.set_account_id(account_id);
  request.set_from_date(from_date);
  request.set_to_date(to_date);
  request.set_page_size(page_size);
  request.set_page_token(page_token);
  return Call(&v1::Ledger::Stub::ListExchanges, request);
}

Rpc<v1::Balance> Client::GetBalance(const std::string& timebank_id,
                                    const std::string& account_id) const {
  v1::GetBalanceRequest request;
  request.set_timebank_id(timebank_id);
  request.set_account_id(account_id);
  return Call(&v1::Ledger::Stub::GetBalance, request);
}

Rpc<v1::SnapshotBalancesResponse> Client::SnapshotBalances(
    const std::string& timebank_id) const {
  v1::SnapshotBalancesRequest request;
  request.set_timebank_id(timebank_id);
  return Call(&v1::Ledger::Stub::SnapshotBalances, request);
}

Rpc<v1::VerifyJournalResponse> Client::VerifyJournal(
    const std::string& timebank_id) const {
  v1::VerifyJournalRequest request;
  request.set_timebank_id(timebank_id);
  return Call(&v1::Ledger::Stub::VerifyJournal, request);
}

Rpc<v1::CreateTokenResponse> Client::CreateToken(
    v1::Role role, const std::vector<std::string>& timebank_ids,
    const std::string& account_id, const std::string& name) const {
  v1::CreateTokenRequest request;
  request.set_role(role);
  for (const std::string& tb : timebank_ids) request.add_timebank_ids(tb);
  request.set_account_id(account_id);
  request.set_name(name);
  return Call(&v1::Access::Stub::CreateToken, request);
}

Rpc<v1::TokenInfo> Client::RevokeToken(const std::string& token_id) const {
  v1::RevokeTokenRequest request;
  request.set_token_id(token_id);
  return Call(&v1::Access::Stub::RevokeToken, request);
}

Rpc<v1::ListTokensResponse> Client::ListTokens() const {
  return Call(&v1::Access::Stub::ListTokens, v1::ListTokensRequest());
}

Rpc<std::vector<v1::JournalEntry>> Client::ReadJournal(
    const std::string& timebank_id, uint64_t from_seq, size_t count,
    std::chrono::milliseconds timeout) const {
  v1::WatchJournalRequest request;
  request.set_timebank_id(timebank_id);
  request.set_from_seq(from_seq);
  std::unique_ptr<grpc::ClientContext> context = NewContext(timeout);
  std::unique_ptr<grpc::ClientReader<v1::JournalEntry>> reader =
      ledger_->WatchJournal(context.get(), request);
  Rpc<std::vector<v1::JournalEntry>> rpc;
  v1::JournalEntry entry;
  while (rpc.reply.size() < count && reader->Read(&entry)) {
    rpc.reply.push_back(entry);
  }
  if (rpc.reply.size() == count) {
    // The stream never ends by itself: stop it once we have what we want.
    context->TryCancel();
    reader->Finish();
    return rpc;
  }
  rpc.status = reader->Finish();
  if (rpc.status.ok()) {
    rpc.status = grpc::Status(grpc::StatusCode::UNKNOWN,
                              "stream ended before the entries came");
  }
  return rpc;
}

v1::RecordExchangeRequest ExchangeRequest(const std::string& timebank_id,
                                          const std::string& request_id,
                                          const std::string& giver_id,
                                          const std::string& receiver_id,
                                          int64_t minutes,
                                          const std::string& occurred_on) {
  v1::RecordExchangeRequest request;
  request.set_timebank_id(timebank_id);
  request.set_request_id(request_id);
  request.set_giver_id(giver_id);
  request.set_receiver_id(receiver_id);
  request.set_minutes(minutes);
  request.set_category("gardening");
  request.set_description("Weeded the vegetable beds");
  request.set_occurred_on(occurred_on);
  return request;
}

v1::RecordExchangeItem ExchangeItem(const v1::RecordExchangeRequest& request) {
  v1::RecordExchangeItem item;
  item.set_request_id(request.request_id());
  item.set_giver_id(request.giver_id());
  item.set_receiver_id(request.receiver_id());
  item.set_minutes(request.minutes());
  item.set_category(request.category());
  item.set_description(request.description());
  item.set_occurred_on(request.occurred_on());
  return item;
}

::testing::AssertionResult RpcIsOk(const char* expr_text,
                                   const grpc::Status& status) {
  if (status.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << expr_text << " failed: " << Describe(status);
}

::testing::AssertionResult RpcFailedWith(
    const char* expr_text, const char* code_text, const char* field_text,
    const grpc::Status& status, grpc::StatusCode code, std::string_view field) {
  const std::string prefix = field.empty() ? "" : std::string(field) + ":";
  if (status.error_code() == code &&
      std::string_view(status.error_message()).substr(0, prefix.size()) ==
          prefix) {
    return ::testing::AssertionSuccess();
  }
  ::testing::AssertionResult failure = ::testing::AssertionFailure();
  failure << expr_text << " returned " << Describe(status) << "\n  expected "
          << code_text << " (" << services::StatusCodeName(code) << ")";
  if (!field.empty()) {
    failure << " with a message beginning \"" << prefix << "\" (" << field_text
            << ")";
  }
  return failure;
}

}  // namespace timebank::testing
