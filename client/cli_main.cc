// `timebank`: the command-line client of a Timebank ledger server, for
// coordinators, members and councils. This file wires the global flags and
// the command areas together; each area lives in its own commands_*.cc.

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/commands.h"
#include "client/output.h"

namespace timebank::client {
namespace {

void AddGlobalFlags(CLI::App& app, GlobalFlags* flags) {
  ConnectionOptions& connection = flags->connection;
  app.add_option(
      "--server", connection.server,
      "Server host:port (default $TIMEBANK_SERVER or the settings file, "
      "else localhost:50051)");
  app.add_option("--token-file", connection.token_file,
                 "File holding your token (default $TIMEBANK_TOKEN_FILE or the "
                 "settings file, else data/admin.token when it exists)");
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

// Every command under `app` named `word`, as "exchange import".
void FindCommands(CLI::App& app, const std::string& word,
                  const std::string& path, std::vector<std::string>* found) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    const std::string sub_path =
        path.empty() ? sub->get_name() : path + " " + sub->get_name();
    if (sub->check_name(word)) found->push_back(sub_path);
    FindCommands(*sub, word, sub_path, found);
  }
}

// Checks the command words before CLI11 parses: it would answer
// `timebank import --help` with the top-level help and exit 0, since help
// is handled before unknown words. Walks down the commands as CLI11 will,
// skipping flags and their values, and refuses a word that names no
// command where one is expected, suggesting where that command lives.
absl::Status CheckCommandWords(CLI::App& app, int argc, char** argv) {
  CLI::App* current = &app;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") return absl::OkStatus();
    if (arg.starts_with("-")) {
      if (arg.find('=') != std::string::npos) continue;
      // An option of this command or, by fallthrough, of one above it.
      const CLI::Option* option = nullptr;
      for (const CLI::App* level = current; level != nullptr && !option;
           level = level->get_parent()) {
        option = level->get_option_no_throw(arg);
      }
      // An unknown option is CLI11's to report, by its name.
      if (option == nullptr) return absl::OkStatus();
      if (option->get_type_size() != 0) ++i;  // Skip its value.
      continue;
    }
    std::vector<CLI::App*> subs = current->get_subcommands(
        [&](CLI::App* sub) { return sub->check_name(arg); });
    if (current->get_subcommands([](CLI::App*) { return true; }).empty()) {
      return absl::OkStatus();  // A command's own argument, such as an id.
    }
    if (!subs.empty()) {
      current = subs.front();
      path = path.empty() ? arg : path + " " + arg;
      continue;
    }
    std::vector<std::string> elsewhere;
    FindCommands(app, arg, "", &elsewhere);
    std::string message = absl::StrCat("no command '", arg, "'");
    if (!path.empty()) absl::StrAppend(&message, " in `timebank ", path, "`");
    if (!elsewhere.empty()) {
      absl::StrAppend(&message, "; did you mean `timebank ", elsewhere.front(),
                      "`?");
    }
    absl::StrAppend(&message, " See `timebank ", path, path.empty() ? "" : " ",
                    "--help`.");
    return absl::InvalidArgumentError(message);
  }
  return absl::OkStatus();
}

int Run(int argc, char** argv) {
  CLI::App app{
      "Keep the books of a timebank: accounts, exchanges of time, balances.",
      "timebank"};
  // Global flags may come after the subcommand, where people tend to add them.
  app.fallthrough();
  app.require_subcommand(1);
  // Read before the commands are made, since their options take defaults
  // from it.
  absl::StatusOr<Settings> settings = Settings::Load(ProcessEnv);
  if (!settings.ok()) {
    std::cerr << ErrorLine(settings.status()) << "\n";
    return ExitCodeFor(absl::StatusCode::kInvalidArgument);
  }
  GlobalFlags flags;
  flags.settings = &*settings;
  AddGlobalFlags(app, &flags);
  CommandRegistry registry(*settings);
  AddTimebankCommands(app, registry);
  AddAccountCommands(app, registry);
  AddExchangeCommands(app, registry);
  AddBalanceCommands(app, registry);
  AddStatementCommand(app, registry);
  AddJournalCommands(app, registry);
  AddReportCommands(app, registry);
  AddPlanCommands(app, registry);
  AddTokenCommands(app, registry);
  AddDemoCommand(app, registry);
  AddAdminCommands(app, registry);
  if (absl::Status words = CheckCommandWords(app, argc, argv); !words.ok()) {
    std::cerr << ErrorLine(words) << "\n";
    return ExitCodeFor(words.code());
  }
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
