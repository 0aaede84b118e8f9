// `timebank journal export` (a timebank's whole journal as newline-delimited
// JSON, read with WatchJournal) and `timebank journal import` (replays such a
// file into another timebank through RecordExchanges and ReverseExchange).
// See journal_replay.h for what a replay keeps and what it cannot.

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/commands.h"
#include "client/journal_replay.h"

namespace timebank::client {
namespace {

struct ExportFlags {
  std::string timebank_id;
  std::string output;  // Empty or "-": standard output.
};

// Streams entries 1..last_seq, writing each line as it comes.
absl::Status StreamJournal(const Connection& connection,
                           const std::string& timebank_id, uint64_t last_seq,
                           std::ostream& out, uint64_t* written) {
  std::unique_ptr<grpc::ClientContext> context = connection.NewStreamContext();
  v1::WatchJournalRequest request;
  request.set_timebank_id(timebank_id);
  request.set_from_seq(1);
  std::unique_ptr<grpc::ClientReaderInterface<v1::JournalEntry>> reader =
      connection.ledger().WatchJournal(context.get(), request);
  v1::JournalEntry entry;
  absl::Status status;
  while (*written < last_seq && reader->Read(&entry)) {
    if (entry.seq() != *written + 1) {
      status = absl::DataLossError(absl::StrCat(
          "the server sent seq ", entry.seq(), " after ", *written));
      break;
    }
    absl::StatusOr<std::string> line = ArchiveLine(entry);
    if (!line.ok()) {
      status = line.status();
      break;
    }
    out << *line << '\n';
    ++*written;
  }
  // The stream would go on with live entries; the export ends at the head it
  // read first.
  context->TryCancel();
  const absl::Status finished = FromGrpc(reader->Finish());
  if (!status.ok()) return status;
  if (*written == last_seq) return absl::OkStatus();
  return finished.ok() ? absl::DataLossError("the journal stream ended early")
                       : finished;
}

absl::Status RunExport(Session& session, const ExportFlags& flags) {
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  v1::GetTimebankRequest get;
  get.set_timebank_id(flags.timebank_id);
  absl::StatusOr<v1::Timebank> timebank =
      CallLedger(**connection, &v1::Ledger::StubInterface::GetTimebank, get);
  if (!timebank.ok()) return timebank.status();
  const bool to_stdout = flags.output.empty() || flags.output == "-";
  const std::string partial = flags.output + ".partial";
  std::ofstream file;
  if (!to_stdout) {
    file.open(partial, std::ios::binary | std::ios::trunc);
    if (!file) {
      return absl::InvalidArgumentError(
          absl::StrCat("--output ", flags.output, ": cannot be written"));
    }
  }
  std::ostream& out = to_stdout ? session.out() : file;
  uint64_t written = 0;
  absl::Status status = StreamJournal(**connection, flags.timebank_id,
                                      timebank->last_seq(), out, &written);
  out.flush();
  if (status.ok() && !out)
    status = absl::DataLossError("cannot write the export");
  if (!to_stdout) {
    file.close();
    // Only a whole export gets the name asked for.
    if (status.ok() &&
        std::rename(partial.c_str(), flags.output.c_str()) != 0) {
      status = absl::InvalidArgumentError(
          absl::StrCat("--output ", flags.output, ": cannot be written"));
    }
    if (!status.ok()) std::remove(partial.c_str());
  }
  if (!status.ok()) return status;
  session.err() << "Exported " << written << " journal entries of "
                << flags.timebank_id << " (seq 1 to " << timebank->last_seq()
                << ")" << (to_stdout ? "" : " to " + flags.output) << ".\n";
  return absl::OkStatus();
}

struct ImportFlags {
  std::string timebank_id;
  std::string file;
  bool resume = false;
  bool open_accounts = false;
};

// Opens, as PERSON accounts named by their ids, those the replay needs that
// the target lacks.
absl::Status OpenMissingAccounts(const Connection& connection,
                                 const std::string& timebank_id,
                                 const ReplayPlan& plan, size_t* opened) {
  for (const std::string& account_id : plan.account_ids) {
    v1::GetAccountRequest get;
    get.set_timebank_id(timebank_id);
    get.set_account_id(account_id);
    absl::StatusOr<v1::Account> found =
        CallLedger(connection, &v1::Ledger::StubInterface::GetAccount, get);
    if (found.ok()) continue;
    if (found.status().code() != absl::StatusCode::kNotFound)
      return found.status();
    v1::OpenAccountRequest open;
    open.set_timebank_id(timebank_id);
    open.set_account_id(account_id);
    open.set_display_name(account_id);
    open.set_kind(v1::ACCOUNT_KIND_PERSON);
    absl::StatusOr<v1::Account> made =
        CallLedger(connection, &v1::Ledger::StubInterface::OpenAccount, open);
    if (!made.ok()) return made.status();
    ++*opened;
  }
  return absl::OkStatus();
}

struct ImportResult {
  size_t recorded = 0;
  size_t reversed = 0;
  std::vector<std::string> errors;  // "seq N: CODE: message".
};

// Records a run of consecutive record steps and notes the seq each got.
absl::Status RecordRun(const Connection& connection,
                       const std::string& timebank_id,
                       const std::vector<const ReplayStep*>& run,
                       std::map<uint64_t, uint64_t>* target_seq,
                       ImportResult* result) {
  if (run.empty()) return absl::OkStatus();
  std::vector<v1::RecordExchangeItem> items;
  for (const ReplayStep* step : run) items.push_back(step->record);
  absl::StatusOr<std::vector<v1::RecordExchangeResult>> results =
      RecordInBatches(connection, timebank_id, items);
  if (!results.ok()) return results.status();
  for (size_t i = 0; i < run.size(); ++i) {
    const v1::RecordExchangeResult& item = (*results)[i];
    if (item.has_exchange()) {
      (*target_seq)[run[i]->source_seq] = item.exchange().seq();
      ++result->recorded;
    } else {
      result->errors.push_back(
          absl::StrCat("seq ", run[i]->source_seq, ": ",
                       absl::StatusCodeToString(
                           static_cast<absl::StatusCode>(item.error().code())),
                       ": ", item.error().message()));
    }
  }
  return absl::OkStatus();
}

absl::Status Replay(const Connection& connection,
                    const std::string& timebank_id, const ReplayPlan& plan,
                    ImportResult* result) {
  std::map<uint64_t, uint64_t> target_seq;  // Source RECORD seq -> target seq.
  std::vector<const ReplayStep*> run;
  for (const ReplayStep& step : plan.steps) {
    if (step.kind == ReplayStep::Kind::kRecord) {
      run.push_back(&step);
      continue;
    }
    // A reversal may undo a record of the run: record the run first.
    if (absl::Status s =
            RecordRun(connection, timebank_id, run, &target_seq, result);
        !s.ok()) {
      return s;
    }
    run.clear();
    auto target = target_seq.find(step.reversed_source_seq);
    if (target == target_seq.end()) {
      result->errors.push_back(
          absl::StrCat("seq ", step.source_seq, ": reverses seq ",
                       step.reversed_source_seq, ", which was not imported"));
      continue;
    }
    v1::ReverseExchangeRequest reverse;
    reverse.set_timebank_id(timebank_id);
    reverse.set_seq(target->second);
    reverse.set_request_id(step.request_id);
    reverse.set_reason(step.reason);
    absl::StatusOr<v1::Exchange> reversed = CallLedger(
        connection, &v1::Ledger::StubInterface::ReverseExchange, reverse);
    if (reversed.ok()) {
      ++result->reversed;
    } else if (reversed.status().code() == absl::StatusCode::kUnavailable ||
               reversed.status().code() ==
                   absl::StatusCode::kDeadlineExceeded) {
      return reversed.status();
    } else {
      result->errors.push_back(absl::StrCat("seq ", step.source_seq, ": ",
                                            StatusLine(reversed.status())));
    }
  }
  return RecordRun(connection, timebank_id, run, &target_seq, result);
}

absl::Status RunImport(Session& session, const ImportFlags& flags) {
  std::ifstream in(flags.file, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(flags.file, ": cannot be read"));
  }
  absl::StatusOr<std::vector<v1::JournalEntry>> entries = ReadArchive(in);
  if (!entries.ok()) return entries.status();
  absl::StatusOr<ReplayPlan> plan = PlanReplay(*entries);
  if (!plan.ok()) return plan.status();
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  v1::GetTimebankRequest get;
  get.set_timebank_id(flags.timebank_id);
  absl::StatusOr<v1::Timebank> target =
      CallLedger(**connection, &v1::Ledger::StubInterface::GetTimebank, get);
  if (!target.ok()) return target.status();
  if (target->last_seq() != 0 && !flags.resume) {
    return absl::FailedPreconditionError(absl::StrCat(
        "timebank_id: ", flags.timebank_id, " already has ", target->last_seq(),
        " journal entries; import into an empty timebank, or add --resume to "
        "finish an import that stopped part-way"));
  }
  size_t opened = 0;
  if (flags.open_accounts) {
    if (absl::Status s = OpenMissingAccounts(**connection, flags.timebank_id,
                                             *plan, &opened);
        !s.ok()) {
      return s;
    }
  }
  ImportResult result;
  if (absl::Status s = Replay(**connection, flags.timebank_id, *plan, &result);
      !s.ok()) {
    session.err() << "The import stopped part-way; run it again with --resume: "
                     "what is already recorded is recognised by its request "
                     "id.\n";
    return s;
  }
  if (session.printer().format() == OutputFormat::kJson) {
    session.printer().PrintJson(
        Json{{"timebank_id", flags.timebank_id},
             {"source_timebank_id", plan->source_timebank_id},
             {"entries", plan->entries},
             {"recorded", result.recorded},
             {"reversed", result.reversed},
             {"skipped_pending", plan->skipped_pending},
             {"skipped_rejected", plan->skipped_rejected},
             {"accounts_opened", opened},
             {"errors", result.errors}});
  } else {
    session.out() << "Replayed " << plan->entries << " entries of "
                  << plan->source_timebank_id << " into " << flags.timebank_id
                  << ": " << result.recorded << " exchanges recorded, "
                  << result.reversed << " reversed, " << plan->skipped_pending
                  << " still pending and " << plan->skipped_rejected
                  << " rejected left out";
    if (opened > 0) session.out() << ", " << opened << " accounts opened";
    session.out() << ".\n";
    for (const std::string& error : result.errors) {
      session.err() << error << "\n";
    }
  }
  if (result.errors.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(result.errors.size(),
                   " entries could not be replayed; the "
                   "first: ",
                   result.errors.front()));
}

}  // namespace

void AddArchiveCommands(CLI::App& journal, CommandRegistry& registry) {
  auto export_flags = std::make_shared<ExportFlags>();
  CLI::App* export_command = journal.add_subcommand(
      "export",
      "Write the whole journal as JSON Lines (one entry per line), to archive "
      "or to import elsewhere");
  registry.AddTimebankOption(export_command, &export_flags->timebank_id);
  export_command->add_option("--output,-o", export_flags->output,
                             "File to write (default: standard output)");
  registry.Bind(export_command, [export_flags](Session& s) {
    return RunExport(s, *export_flags);
  });

  auto import_flags = std::make_shared<ImportFlags>();
  CLI::App* import_command = journal.add_subcommand(
      "import",
      "Replay an exported journal into an empty timebank through the normal "
      "write calls; safe to run again");
  registry.AddTimebankOption(import_command, &import_flags->timebank_id);
  import_command
      ->add_option("file", import_flags->file, "JSON Lines file from export")
      ->required()
      ->check(CLI::ExistingFile);
  import_command->add_flag("--resume", import_flags->resume,
                           "Continue into a timebank this file was partly "
                           "imported into");
  import_command->add_flag("--open-accounts", import_flags->open_accounts,
                           "Open missing accounts as PERSON accounts named by "
                           "their ids");
  registry.Bind(import_command, [import_flags](Session& s) {
    return RunImport(s, *import_flags);
  });
}

}  // namespace timebank::client
