// Calls to a running timebankd as one token holder, for the service
// integration tests, and gtest assertions on grpc::Status:
//
//   Client admin(server->NewChannel(), server->admin_token());
//   Rpc<v1::Timebank> created = admin.CreateTimebank("riverside");
//   ASSERT_RPC_OK(created);
//   EXPECT_RPC_ERROR(admin.CreateTimebank("riverside"), ALREADY_EXISTS,
//                    "timebank_id");
//
// EXPECT_RPC_ERROR checks the code and that the message begins with the
// field name and a colon, as common.proto promises. Every call has a
// deadline, so a hung server fails a test instead of hanging it.
//
// Must() is for set-up steps a test is not about: it returns the reply or
// throws, and gtest reports the exception, with the status, as a failure.
//
// Thread safety: a Client may be used from several threads at once.

#ifndef TIMEBANK_TESTS_SERVICES_RPC_CLIENT_H_
#define TIMEBANK_TESTS_SERVICES_RPC_CLIENT_H_

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "timebank/v1/access.grpc.pb.h"
#include "timebank/v1/admin.grpc.pb.h"
#include "timebank/v1/assessment.grpc.pb.h"
#include "timebank/v1/ledger.grpc.pb.h"

namespace timebank::testing {

inline constexpr std::chrono::milliseconds kCallTimeout{10'000};

// The outcome of one unary call.
template <typename T>
struct Rpc {
  grpc::Status status;
  T reply;

  bool ok() const { return status.ok(); }
  const T* operator->() const { return &reply; }
  const T& operator*() const { return reply; }
};

// "NOT_FOUND: seq: no such journal entry".
std::string Describe(const grpc::Status& status);

// Returns the reply of a set-up call, or throws std::runtime_error naming
// `what` and the status.
template <typename T>
T Must(Rpc<T> rpc, std::string_view what) {
  if (!rpc.ok()) {
    throw std::runtime_error(std::string(what) +
                             " failed: " + Describe(rpc.status));
  }
  return std::move(rpc.reply);
}

class Client {
 public:
  // An empty `token` sends no authorization metadata at all.
  Client(std::shared_ptr<grpc::Channel> channel, std::string token);

  // The same channel with another token.
  Client WithToken(std::string token) const;
  const std::string& token() const { return token_; }

  // A context carrying the token and a deadline `timeout` from now.
  std::unique_ptr<grpc::ClientContext> NewContext(
      std::chrono::milliseconds timeout = kCallTimeout) const;
  v1::Ledger::Stub& ledger() const { return *ledger_; }
  v1::Access::Stub& access() const { return *access_; }
  v1::Assessment::Stub& assessment() const { return *assessment_; }
  v1::Admin::Stub& admin() const { return *admin_; }

  // Any unary method of any service, e.g.
  // client.Call(&v1::Ledger::Stub::GetBalance, request).
  template <typename Request, typename Reply>
  Rpc<Reply> Call(grpc::Status (v1::Ledger::Stub::*method)(grpc::ClientContext*,
                                                           const Request&,
                                                           Reply*),
                  const Request& request) const {
    Rpc<Reply> rpc;
    rpc.status = ((*ledger_).*method)(NewContext().get(), request, &rpc.reply);
    return rpc;
  }
  template <typename Request, typename Reply>
  Rpc<Reply> Call(grpc::Status (v1::Access::Stub::*method)(grpc::ClientContext*,
                                                           const Request&,
                                                           Reply*),
                  const Request& request) const {
    Rpc<Reply> rpc;
    rpc.status = ((*access_).*method)(NewContext().get(), request, &rpc.reply);
    return rpc;
  }
  template <typename Request, typename Reply>
  Rpc<Reply> Call(grpc::Status (v1::Assessment::Stub::*method)(
                      grpc::ClientContext*, const Request&, Reply*),
                  const Request& request) const {
    Rpc<Reply> rpc;
    rpc.status =
        ((*assessment_).*method)(NewContext().get(), request, &rpc.reply);
    return rpc;
  }
  template <typename Request, typename Reply>
  Rpc<Reply> Call(grpc::Status (v1::Admin::Stub::*method)(grpc::ClientContext*,
                                                          const Request&,
                                                          Reply*),
                  const Request& request,
                  std::chrono::milliseconds timeout = kCallTimeout) const {
    Rpc<Reply> rpc;
    rpc.status =
        ((*admin_).*method)(NewContext(timeout).get(), request, &rpc.reply);
    return rpc;
  }

  // Shorthands for the calls most tests make.
  Rpc<v1::Timebank> CreateTimebank(
      const std::string& timebank_id,
      const std::string& name = "Test Timebank") const;
  Rpc<v1::Timebank> GetTimebank(const std::string& timebank_id) const;
  Rpc<v1::Account> OpenAccount(
      const std::string& timebank_id, const std::string& account_id,
      v1::AccountKind kind = v1::ACCOUNT_KIND_PERSON) const;
  Rpc<v1::Account> GetAccount(const std::string& timebank_id,
                              const std::string& account_id) const;
  Rpc<v1::Account> SetAccountStatus(const std::string& timebank_id,
                                    const std::string& account_id,
                                    v1::AccountStatus status) const;
  Rpc<v1::Exchange> RecordExchange(
      const v1::RecordExchangeRequest& request) const;
  Rpc<v1::Exchange> ConfirmExchange(const std::string& timebank_id,
                                    uint64_t seq,
                                    const std::string& request_id) const;
  Rpc<v1::Exchange> RejectExchange(const std::string& timebank_id, uint64_t seq,
                                   const std::string& request_id,
                                   const std::string& reason = "") const;
  Rpc<v1::Exchange> ReverseExchange(const std::string& timebank_id,
                                    uint64_t seq, const std::string& request_id,
                                    const std::string& reason = "") const;
  Rpc<v1::Exchange> GetExchange(const std::string& timebank_id,
                                uint64_t seq) const;
  Rpc<v1::ListExchangesResponse> ListExchanges(
      const std::string& timebank_id, const std::string& account_id,
      const std::string& from_date = "", const std::string& to_date = "",
      int page_size = 0, const std::string& page_token = "") const;
  Rpc<v1::Balance> GetBalance(const std::string& timebank_id,
                              const std::string& account_id) const;
  Rpc<v1::SnapshotBalancesResponse> SnapshotBalances(
      const std::string& timebank_id) const;
  Rpc<v1::VerifyJournalResponse> VerifyJournal(
      const std::string& timebank_id) const;
  // `timebank_ids` and `account_id` as CreateTokenRequest wants them for
  // the role.
  Rpc<v1::CreateTokenResponse> CreateToken(
      v1::Role role, const std::vector<std::string>& timebank_ids,
      const std::string& account_id, const std::string& name) const;
  Rpc<v1::TokenInfo> RevokeToken(const std::string& token_id) const;
  Rpc<v1::ListTokensResponse> ListTokens() const;

  // Reads exactly `count` entries of WatchJournal from `from_seq`, then
  // cancels the stream. OK when all arrived within `timeout`; otherwise the
  // stream's status (DEADLINE_EXCEEDED if they did not come in time) with
  // the entries that did.
  Rpc<std::vector<v1::JournalEntry>> ReadJournal(
      const std::string& timebank_id, uint64_t from_seq, size_t count,
      std::chrono::milliseconds timeout = kCallTimeout) const;

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::string token_;
  std::shared_ptr<v1::Ledger::Stub> ledger_;
  std::shared_ptr<v1::Access::Stub> access_;
  std::shared_ptr<v1::Assessment::Stub> assessment_;
  std::shared_ptr<v1::Admin::Stub> admin_;
};

// A RecordExchangeRequest with a plausible category and description.
v1::RecordExchangeRequest ExchangeRequest(
    const std::string& timebank_id, const std::string& request_id,
    const std::string& giver_id, const std::string& receiver_id,
    int64_t minutes, const std::string& occurred_on = "2024-05-01");

// The same exchange as an item of a bulk call.
v1::RecordExchangeItem ExchangeItem(const v1::RecordExchangeRequest& request);

inline const grpc::Status& StatusOf(const grpc::Status& status) {
  return status;
}
template <typename T>
const grpc::Status& StatusOf(const Rpc<T>& rpc) {
  return rpc.status;
}

::testing::AssertionResult RpcIsOk(const char* expr_text,
                                   const grpc::Status& status);
// `field` empty: any message.
::testing::AssertionResult RpcFailedWith(
    const char* expr_text, const char* code_text, const char* field_text,
    const grpc::Status& status, grpc::StatusCode code, std::string_view field);

template <typename T>
::testing::AssertionResult RpcIsOkFormatter(const char* expr_text,
                                            const T& rpc) {
  return RpcIsOk(expr_text, StatusOf(rpc));
}
template <typename T>
::testing::AssertionResult RpcFailedWithFormatter(
    const char* expr_text, const char* code_text, const char* field_text,
    const T& rpc, grpc::StatusCode code, std::string_view field) {
  return RpcFailedWith(expr_text, code_text, field_text, StatusOf(rpc), code,
                       field);
}

}  // namespace timebank::testing

#define ASSERT_RPC_OK(expr) \
  ASSERT_PRED_FORMAT1(::timebank::testing::RpcIsOkFormatter, expr)
#define EXPECT_RPC_OK(expr) \
  EXPECT_PRED_FORMAT1(::timebank::testing::RpcIsOkFormatter, expr)

// The call failed with grpc::StatusCode::`code` and a message that begins
// with "`field`:".
#define EXPECT_RPC_ERROR(expr, code, field)                              \
  EXPECT_PRED_FORMAT3(::timebank::testing::RpcFailedWithFormatter, expr, \
                      ::grpc::StatusCode::code, field)
#define ASSERT_RPC_ERROR(expr, code, field)                              \
  ASSERT_PRED_FORMAT3(::timebank::testing::RpcFailedWithFormatter, expr, \
                      ::grpc::StatusCode::code, field)
// The call failed with grpc::StatusCode::`code`, whatever the message.
#define EXPECT_RPC_CODE(expr, code) EXPECT_RPC_ERROR(expr, code, "")

#endif  // TIMEBANK_TESTS_SERVICES_RPC_CLIENT_H_
