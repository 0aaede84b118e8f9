// `timebank`: the command-line client of a Timebank ledger server, for
// coordinators, members and councils. This file wires the global flags and
// the command areas together; each area lives in its own commands_*.cc.

#include <CLI/CLI.hpp>
#include <iostream>

#include "client/commands.h"
#include "client/output.h"

namespace timebank::client {
namespace {

void AddGlobalFlags(CLI::App& app, GlobalFlags* flags) {
  ConnectionOptions& connection = flags->connection;
  app.add_option(
      "--server", connection.server,
      "Server host:port (default $TIMEBANK_SERVER, else localhost:50051)");
  app.add_option("--token-file", connection.token_file,
                 "File holding your token (default $TIMEBANK_TOKEN_FILE, else "
                 "data/admin.token when it exists)");
  app.add_flag("--tls", connection.tls, "Connect with TLS");
  app.add_option("--tls-ca", connection.tls_ca_file,
                 "PEM root certificates to trust")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-cert", connection.tls_cert_file,
                 "PEM client certificate chain, for mutual TLS")
      ->check(CLI::ExistingFile);
  app.add_option("--tls-key", connection.tls_key_file,
                 "PEM client private key, for mutual TLS")
      ->check(CLI::ExistingFile);
  app.add_option("--timeout", flags->timeout_seconds, "Seconds a call may take")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  CLI::Option* json = app.add_flag("--json", flags->json, "Print JSON");
  app.add_flag("--csv", flags->csv, "Print CSV")->excludes(json);
}

int Run(int argc, char** argv) {
  CLI::App app{
      "Keep the books of a timebank: accounts, exchanges of time, balances.",
      "timebank"};
  // Global flags may come after the subcommand, where people tend to add them.
  app.fallthrough();
  app.require_subcommand(1);
  GlobalFlags flags;
  AddGlobalFlags(app, &flags);
  CommandRegistry registry;
  AddTimebankCommands(app, registry);
  AddAccountCommands(app, registry);
  AddExchangeCommands(app, registry);
  AddBalanceCommands(app, registry);
  AddJournalCommands(app, registry);
  AddReportCommands(app, registry);
  AddPlanCommands(app, registry);
  AddTokenCommands(app, registry);
  AddDemoCommand(app, registry);
  AddAdminCommands(app, registry);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // CLI11 prints help or the mistake; every mistake is a usage error.
    return app.exit(error) == 0
               ? 0
               : ExitCodeFor(absl::StatusCode::kInvalidArgument);
  }
  if (!registry.chosen()) {
    std::cerr << ErrorLine(
                     absl::InvalidArgumentError("no command given; see --help"))
              << "\n";
    return ExitCodeFor(absl::StatusCode::kInvalidArgument);
  }
  Session session(flags, std::cout, std::cerr);
  const absl::Status status = registry.chosen()(session);
  std::cout.flush();
  if (status.ok()) return 0;
  std::cerr << ErrorLine(status) << "\n";
  return ExitCodeFor(status.code());
}

}  // namespace
}  // namespace timebank::client

int main(int argc, char** argv) { return timebank::client::Run(argc, argv); }
