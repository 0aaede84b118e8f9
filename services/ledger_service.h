// The Ledger gRPC service: each handler authorises the caller, decodes the
// request, calls the ledger and encodes the reply. No rule lives here.
// Thread safety: handlers run concurrently on gRPC's threads.

#ifndef TIMEBANK_SERVICES_LEDGER_SERVICE_H_
#define TIMEBANK_SERVICES_LEDGER_SERVICE_H_

#include "ledger/ledger.h"
#include "services/authorizer.h"
#include "services/journal_feed.h"
#include "timebank/v1/ledger.grpc.pb.h"

namespace timebank::services {

class LedgerService final : public v1::Ledger::Service {
 public:
  LedgerService(ledger::Ledger* ledger, const Authorizer* authorizer,
                JournalFeed* feed)
      : ledger_(ledger), authorizer_(authorizer), feed_(feed) {}

  grpc::Status CreateTimebank(grpc::ServerContext* context,
                              const v1::CreateTimebankRequest* request,
                              v1::Timebank* reply) override;
  grpc::Status GetTimebank(grpc::ServerContext* context,
                           const v1::GetTimebankRequest* request,
                           v1::Timebank* reply) override;
  grpc::Status ListTimebanks(grpc::ServerContext* context,
                             const v1::ListTimebanksRequest* request,
                             v1::ListTimebanksResponse* reply) override;
  grpc::Status UpdateTimebank(grpc::ServerContext* context,
                              const v1::UpdateTimebankRequest* request,
                              v1::Timebank* reply) override;
  grpc::Status OpenAccount(grpc::ServerContext* context,
                           const v1::OpenAccountRequest* request,
                           v1::Account* reply) override;
  grpc::Status GetAccount(grpc::ServerContext* context,
                          const v1::GetAccountRequest* request,
                          v1::Account* reply) override;
  grpc::Status UpdateAccount(grpc::ServerContext* context,
                             const v1::UpdateAccountRequest* request,
                             v1::Account* reply) override;
  grpc::Status EraseAccount(grpc::ServerContext* context,
                            const v1::EraseAccountRequest* request,
                            v1::Account* reply) override;
  grpc::Status ListAccounts(grpc::ServerContext* context,
                            const v1::ListAccountsRequest* request,
                            v1::ListAccountsResponse* reply) override;
  grpc::Status RecordExchange(grpc::ServerContext* context,
                              const v1::RecordExchangeRequest* request,
                              v1::Exchange* reply) override;
  grpc::Status RecordExchanges(grpc::ServerContext* context,
                               const v1::RecordExchangesRequest* request,
                               v1::RecordExchangesResponse* reply) override;
  grpc::Status ConfirmExchange(grpc::ServerContext* context,
                               const v1::ConfirmExchangeRequest* request,
                               v1::Exchange* reply) override;
  grpc::Status RejectExchange(grpc::ServerContext* context,
                              const v1::RejectExchangeRequest* request,
                              v1::Exchange* reply) override;
  grpc::Status ReverseExchange(grpc::ServerContext* context,
                               const v1::ReverseExchangeRequest* request,
                               v1::Exchange* reply) override;
  grpc::Status GetExchange(grpc::ServerContext* context,
                           const v1::GetExchangeRequest* request,
                           v1::Exchange* reply) override;
  grpc::Status ListExchanges(grpc::ServerContext* context,
                             const v1::ListExchangesRequest* request,
                             v1::ListExchangesResponse* reply) override;
  grpc::Status GetBalance(grpc::ServerContext* context,
                          const v1::GetBalanceRequest* request,
                          v1::Balance* reply) override;
  grpc::Status SnapshotBalances(grpc::ServerContext* context,
                                const v1::SnapshotBalancesRequest* request,
                                v1::SnapshotBalancesResponse* reply) override;
  grpc::Status WatchJournal(
      grpc::ServerContext* context, const v1::WatchJournalRequest* request,
      grpc::ServerWriter<v1::JournalEntry>* writer) override;
  grpc::Status VerifyJournal(grpc::ServerContext* context,
                             const v1::VerifyJournalRequest* request,
                             v1::VerifyJournalResponse* reply) override;

 private:
  ledger::Ledger* ledger_;
  const Authorizer* authorizer_;
  JournalFeed* feed_;
};

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_LEDGER_SERVICE_H_
