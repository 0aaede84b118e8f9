// `timebank admin backup` and `timebank admin backups` (the server's
// backups, admins only) and `timebank health` (the standard gRPC health
// check, which needs no token: for scripts, container health checks and
// probes).

#include <grpcpp/generic/generic_stub.h>

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/commands.h"
#include "client/dates.h"

namespace timebank::client {
namespace {

constexpr char kHealthCheck[] = "/grpc.health.v1.Health/Check";

Table BackupTable() {
  return Table(
      {{.heading = "Backup", .csv_name = "backup_id", .align = Align::kRight},
       {.heading = "Taken (UTC)", .csv_name = "created_at_unix_s"},
       {.heading = "Size (bytes)",
        .csv_name = "size_bytes",
        .align = Align::kRight},
       {.heading = "Files", .csv_name = "files", .align = Align::kRight}});
}

void AddBackupRow(Table& table, const v1::Backup& backup) {
  table.AddRow({NumberCell(static_cast<uint64_t>(backup.backup_id())),
                Cell(FormatInstantUs(backup.created_at_unix_s() * 1'000'000),
                     absl::StrCat(backup.created_at_unix_s())),
                NumberCell(backup.size_bytes()),
                NumberCell(static_cast<uint64_t>(backup.files()))});
}

absl::Status RunBackup(Session& session) {
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<v1::Backup> backup =
      CallAdmin(**connection, &v1::Admin::StubInterface::CreateBackup,
                v1::CreateBackupRequest());
  if (!backup.ok()) return backup.status();
  if (!session.printer().is_table()) {
    Table table = BackupTable();
    AddBackupRow(table, *backup);
    return session.printer().PrintOne(*backup, table);
  }
  session.out() << "Backup " << backup->backup_id() << " taken and checked in "
                << backup->duration_ms() << " ms: " << backup->size_bytes()
                << " bytes in " << backup->files() << " files.\n";
  Table heads({{.heading = "Timebank", .csv_name = "timebank_id"},
               {.heading = "Journal up to seq",
                .csv_name = "last_seq",
                .align = Align::kRight},
               {.heading = "Verified", .csv_name = "verified"}});
  for (const v1::JournalHead& head : backup->journal_heads()) {
    heads.AddRow({head.timebank_id(), NumberCell(head.last_seq()),
                  YesNoCell(backup->verified())});
  }
  session.printer().PrintTable(heads);
  session.out() << "Restore it with: timebankd restore --backup-dir <the "
                   "server's backup dir> --backup-id "
                << backup->backup_id() << " --data-dir <new dir>\n";
  return absl::OkStatus();
}

absl::Status RunListBackups(Session& session) {
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  absl::StatusOr<v1::ListBackupsResponse> reply =
      CallAdmin(**connection, &v1::Admin::StubInterface::ListBackups,
                v1::ListBackupsRequest());
  if (!reply.ok()) return reply.status();
  if (session.printer().format() == OutputFormat::kJson) {
    absl::StatusOr<Json> value = MessageToJsonValue(*reply);
    if (!value.ok()) return value.status();
    session.printer().PrintJson(*value);
    return absl::OkStatus();
  }
  Table table = BackupTable();
  for (const v1::Backup& backup : reply->backups()) AddBackupRow(table, backup);
  if (session.printer().is_table()) {
    session.out() << "Backups in " << reply->backup_dir()
                  << " (on the server):\n";
  }
  return session.printer().PrintList(MessagePointers(reply->backups()), table,
                                     "(no backups yet)");
}

// grpc.health.v1 messages are two tiny protobufs; they are written and read
// by hand rather than generated for one call.
std::string HealthRequest(const std::string& service) {
  if (service.empty()) return "";
  std::string bytes = {static_cast<char>((1 << 3) | 2),
                       static_cast<char>(service.size())};
  return bytes + service;
}

// HealthCheckResponse.status (field 1, varint): 1 SERVING, 2 NOT_SERVING.
int HealthStatusOf(const std::string& bytes) {
  if (bytes.size() >= 2 && bytes[0] == 0x08)
    return static_cast<unsigned char>(bytes[1]);
  return 0;  // UNKNOWN: the field is absent.
}

absl::Status RunHealth(Session& session, const std::string& service) {
  if (service.size() > 127) {
    return absl::InvalidArgumentError("--service: is too long");
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      session.ConnectWithoutToken();
  if (!channel.ok()) return channel.status();
  grpc::GenericStub stub(*channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       session.call_timeout());
  const std::string request_bytes = HealthRequest(service);
  grpc::Slice request_slice(request_bytes);
  const grpc::ByteBuffer request(&request_slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(
      &context, kHealthCheck, grpc::StubOptions(), &request, &response,
      [&done](grpc::Status status) { done.set_value(std::move(status)); });
  absl::Status status = FromGrpc(done.get_future().get());
  if (!status.ok()) return status;
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (response.Dump(&slices).ok()) {
    for (const grpc::Slice& slice : slices) {
      bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
  }
  const int health = HealthStatusOf(bytes);
  const std::string name = health == 1   ? "SERVING"
                           : health == 2 ? "NOT_SERVING"
                                         : "UNKNOWN";
  if (session.printer().format() == OutputFormat::kJson) {
    session.printer().PrintJson(Json{{"service", service}, {"status", name}});
  } else {
    session.out() << name << "\n";
  }
  if (health == 1) return absl::OkStatus();
  return absl::UnavailableError(
      absl::StrCat("health: the server reports ", name));
}

}  // namespace

void AddAdminCommands(CLI::App& app, CommandRegistry& registry) {
  CLI::App* group =
      app.add_subcommand("admin", "Server operations: backups (admins only)");
  group->require_subcommand(1);
  CLI::App* backup = group->add_subcommand(
      "backup",
      "Take an online backup into the server's --backup-dir and check it");
  registry.Bind(backup, [](Session& s) { return RunBackup(s); });
  CLI::App* backups = group->add_subcommand(
      "backups", "List the backups in the server's --backup-dir");
  registry.Bind(backups, [](Session& s) { return RunListBackups(s); });

  auto service = std::make_shared<std::string>();
  CLI::App* health = app.add_subcommand(
      "health",
      "Ask the server's gRPC health service; exits 0 only when SERVING (no "
      "token needed)");
  health->add_option("--service", *service,
                     "a service name, e.g. timebank.v1.Ledger (default: the "
                     "whole server)");
  registry.Bind(health,
                [service](Session& s) { return RunHealth(s, *service); });
}

}  // namespace timebank::client
