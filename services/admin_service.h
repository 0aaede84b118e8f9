// The Admin gRPC service: backups of the whole ledger into the server's own
// backup directory (never a path a caller names). Admins only.
// Thread safety: handlers run concurrently on gRPC's threads; the ledger lets
// one backup run at a time.

#ifndef TIMEBANK_SERVICES_ADMIN_SERVICE_H_
#define TIMEBANK_SERVICES_ADMIN_SERVICE_H_

#include <string>

#include "ledger/ledger.h"
#include "services/authorizer.h"
#include "services/metrics.h"
#include "timebank/v1/admin.grpc.pb.h"

namespace timebank::services {

struct BackupSettings {
  std::string backup_dir;  // Empty: backups are refused.
  int keep_max = 0;        // 0: keep every backup.
};

class AdminService final : public v1::Admin::Service {
 public:
  AdminService(ledger::Ledger* ledger, const Authorizer* authorizer,
               Metrics* metrics, BackupSettings settings)
      : ledger_(ledger),
        authorizer_(authorizer),
        metrics_(metrics),
        settings_(std::move(settings)) {}

  grpc::Status CreateBackup(grpc::ServerContext* context,
                            const v1::CreateBackupRequest* request,
                            v1::Backup* reply) override;
  grpc::Status ListBackups(grpc::ServerContext* context,
                           const v1::ListBackupsRequest* request,
                           v1::ListBackupsResponse* reply) override;

 private:
  ledger::Ledger* ledger_;
  const Authorizer* authorizer_;
  Metrics* metrics_;
  BackupSettings settings_;
};

void ToProto(const ledger::BackupInfo& info, v1::Backup* out);

}  // namespace timebank::services

#endif  // TIMEBANK_SERVICES_ADMIN_SERVICE_H_
