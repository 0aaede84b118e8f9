// `timebank exchange import`: many exchanges from a CSV file through the bulk
// RecordExchanges call, and RecordInBatches, which the demo shares.

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/commands.h"
#include "client/csv.h"
#include "client/dates.h"
#include "client/hours.h"
#include "client/request_id.h"

namespace timebank::client {
namespace {

// The headings an import understands and the field each fills; the
// second names match `exchange list --csv`, so a statement exported from
// one timebank can be imported into another.
const std::map<std::string, std::string>& Headings() {
  static const auto* const headings = new std::map<std::string, std::string>{
      {"giver", "giver"},           {"giver_id", "giver"},
      {"receiver", "receiver"},     {"receiver_id", "receiver"},
      {"hours", "hours"},           {"minutes", "minutes"},
      {"category", "category"},     {"date", "date"},
      {"occurred_on", "date"},      {"description", "description"},
      {"request_id", "request_id"}, {"status", "status"}};
  return *headings;
}

absl::StatusOr<CsvColumns> MapColumns(const CsvRecord& header,
                                      std::ostream& err) {
  absl::StatusOr<CsvColumns> columns =
      CsvColumns::FromHeader(header, Headings(), err);
  if (!columns.ok()) return columns.status();
  const bool has_amount = columns->Has("hours") != columns->Has("minutes");
  if (!columns->Has("giver") || !columns->Has("receiver") ||
      !columns->Has("category") || !has_amount) {
    return absl::InvalidArgumentError(absl::StrCat(
        "line ", header.line,
        ": the header needs giver, receiver, category and "
        "one of hours or minutes (optional: date, description, request_id)"));
  }
  return columns;
}

// One row that could not be recorded.
struct RowError {
  int line = 0;
  std::string request_id;
  absl::Status status;
};

// A row whose request id had already recorded its exchange: an earlier run
// of the same import, or another coordinator's, recorded it.
struct RowAlreadyRecorded {
  int line = 0;
  uint64_t seq = 0;
};

// A row ready to send, and where it came from.
struct Row {
  int line = 0;
  v1::RecordExchangeItem item;
};

absl::StatusOr<int64_t> MinutesOf(const CsvRecord& record,
                                  const CsvColumns& columns) {
  if (columns.Has("hours")) {
    return ParseDurationFlag("hours", columns.Get(record, "hours"));
  }
  // Whole minutes, as `exchange list --csv` writes them.
  return ParseDurationFlag("minutes",
                           absl::StrCat(columns.Get(record, "minutes"), "m"));
}

absl::StatusOr<v1::RecordExchangeItem> ItemOf(const CsvRecord& record,
                                              const CsvColumns& columns,
                                              const std::string& today) {
  absl::StatusOr<int64_t> minutes = MinutesOf(record, columns);
  if (!minutes.ok()) return minutes.status();
  const std::string date = columns.Get(record, "date");
  if (absl::Status s = CheckDateFlag("date", date); !s.ok()) return s;
  v1::RecordExchangeItem item;
  item.set_giver_id(columns.Get(record, "giver"));
  item.set_receiver_id(columns.Get(record, "receiver"));
  item.set_minutes(*minutes);
  item.set_category(columns.Get(record, "category"));
  item.set_description(columns.Get(record, "description"));
  item.set_occurred_on(date.empty() ? today : date);
  item.set_request_id(columns.Get(record, "request_id"));
  return item;
}

// Rows without a request id get one derived from their content and from how
// many identical rows came before, so importing the same file again records
// nothing twice while two genuinely identical exchanges both count.
void AssignRequestIds(const std::string& timebank_id, std::vector<Row>* rows) {
  std::map<std::string, int> seen;
  for (Row& row : *rows) {
    if (!row.item.request_id().empty()) continue;
    const v1::RecordExchangeItem& item = row.item;
    const std::string minutes = absl::StrCat(item.minutes());
    const std::string content =
        absl::StrJoin({item.giver_id(), item.receiver_id(), minutes,
                       item.category(), item.occurred_on(), item.description()},
                      "\x1f");
    const std::string occurrence = absl::StrCat(seen[content]++);
    row.item.set_request_id(
        ContentRequestId("import", {timebank_id, content, occurrence}));
  }
}

struct ImportFlags {
  std::string timebank_id;
  std::string file;
  bool dry_run = false;
  bool all_or_nothing = false;
};

struct Parsed {
  std::vector<Row> rows;
  std::vector<RowError> errors;
  size_t skipped = 0;
};

// Rows of an exported statement that never counted (pending, rejected) or
// no longer count (reversed) are not imported as if they did.
bool CountsInImport(const CsvRecord& record, const CsvColumns& columns) {
  const std::string status =
      absl::AsciiStrToLower(columns.Get(record, "status"));
  return status.empty() || status == "confirmed";
}

absl::StatusOr<Parsed> ReadRows(const ImportFlags& flags, std::ostream& err) {
  absl::StatusOr<std::vector<CsvRecord>> records = ReadCsvFile(flags.file);
  if (!records.ok()) return records.status();
  if (records->empty())
    return absl::InvalidArgumentError(flags.file + ": is empty");
  absl::StatusOr<CsvColumns> columns = MapColumns(records->front(), err);
  if (!columns.ok()) return columns.status();
  const std::string today = FormatDate(TodayUtc());
  Parsed parsed;
  for (size_t i = 1; i < records->size(); ++i) {
    const CsvRecord& record = (*records)[i];
    if (!CountsInImport(record, *columns)) {
      ++parsed.skipped;
      continue;
    }
    absl::StatusOr<v1::RecordExchangeItem> item =
        ItemOf(record, *columns, today);
    if (!item.ok()) {
      parsed.errors.push_back({.line = record.line, .status = item.status()});
      continue;
    }
    parsed.rows.push_back({.line = record.line, .item = *std::move(item)});
  }
  AssignRequestIds(flags.timebank_id, &parsed.rows);
  return parsed;
}

absl::Status ItemStatus(const v1::RecordExchangeResult& result) {
  if (result.has_exchange()) return absl::OkStatus();
  if (!result.has_error())
    return absl::InternalError("the server sent an empty result");
  return absl::Status(static_cast<absl::StatusCode>(result.error().code()),
                      result.error().message());
}

// Errors on stderr, at most kMaxErrorLines of them: a file with a wrong
// timebank would otherwise print one line per row. JSON carries them all.
void ReportErrors(Session& session, const std::vector<RowError>& errors) {
  constexpr size_t kMaxErrorLines = 50;
  if (session.printer().format() == OutputFormat::kJson) return;
  for (size_t i = 0; i < errors.size() && i < kMaxErrorLines; ++i) {
    session.err() << "line " << errors[i].line << ": "
                  << StatusLine(errors[i].status) << "\n";
  }
  if (errors.size() > kMaxErrorLines) {
    session.err() << "... and " << errors.size() - kMaxErrorLines
                  << " more; use --json to see them all.\n";
  }
}

// Rows already recorded, on stdout, at most kMaxNoteLines of them.
void ReportAlreadyRecorded(Session& session,
                           const std::vector<RowAlreadyRecorded>& rows) {
  constexpr size_t kMaxNoteLines = 50;
  if (session.printer().format() == OutputFormat::kJson) return;
  for (size_t i = 0; i < rows.size() && i < kMaxNoteLines; ++i) {
    session.out() << "line " << rows[i].line << ": already recorded as #"
                  << rows[i].seq << "; not recorded again\n";
  }
  if (rows.size() > kMaxNoteLines) {
    session.out() << "... and " << rows.size() - kMaxNoteLines
                  << " more already recorded; use --json to see them all.\n";
  }
}

// What came of the rows: counts and the rows behind them.
struct Outcome {
  size_t rows = 0;      // Rows that count (confirmed or without a status).
  size_t recorded = 0;  // New exchanges (or, in a dry run, that would be).
  size_t skipped = 0;   // Rows of an export that never counted.
  std::vector<RowError> errors;
  std::vector<RowAlreadyRecorded> already;
  // All or nothing, and something failed: nothing new was recorded.
  bool rolled_back = false;
};

absl::Status Summarise(Session& session, const ImportFlags& flags,
                       const Outcome& outcome) {
  const std::vector<RowError>& errors = outcome.errors;
  if (session.printer().format() == OutputFormat::kJson) {
    Json report = {{"timebank_id", flags.timebank_id},
                   {"rows", outcome.rows},
                   {"recorded", outcome.recorded},
                   {"failed", errors.size()},
                   {"skipped_not_confirmed", outcome.skipped},
                   {"already_recorded", outcome.already.size()},
                   {"dry_run", flags.dry_run},
                   {"all_or_nothing", flags.all_or_nothing},
                   {"recorded_nothing", outcome.rolled_back},
                   {"errors", Json::array()},
                   {"already_recorded_rows", Json::array()}};
    for (const RowAlreadyRecorded& row : outcome.already) {
      report["already_recorded_rows"].push_back(
          {{"line", row.line}, {"seq", row.seq}});
    }
    for (const RowError& error : errors) {
      report["errors"].push_back(
          {{"line", error.line},
           {"request_id", error.request_id},
           {"code", absl::StatusCodeToString(error.status.code())},
           {"message", std::string(error.status.message())}});
    }
    session.printer().PrintJson(report);
  } else {
    // "Recorded into riverside: 2 new, 324 already recorded, 0 failed (326
    // rows)."
    std::ostream& out = session.out();
    if (flags.dry_run) {
      out << "Dry run for " << flags.timebank_id
          << ", nothing recorded: " << outcome.recorded << " would be new, "
          << outcome.already.size() << " already recorded, " << errors.size()
          << " would fail";
    } else if (outcome.rolled_back) {
      out << "Recorded nothing into " << flags.timebank_id << ": "
          << errors.size() << " of the rows failed and the import was all or "
          << "nothing; fix them and run it again";
    } else {
      out << "Recorded into " << flags.timebank_id << ": " << outcome.recorded
          << " new, " << outcome.already.size() << " already recorded, "
          << errors.size() << " failed";
    }
    out << " (" << outcome.rows << " rows";
    if (outcome.skipped > 0) {
      out << "; " << outcome.skipped << " not confirmed, skipped";
    }
    out << ").\n";
  }
  if (errors.empty()) return absl::OkStatus();
  return absl::Status(
      errors.front().status.code(),
      absl::StrCat(errors.size(), " of ", outcome.rows,
                   flags.dry_run ? " rows would not be recorded"
                                 : " rows were not recorded",
                   "; the first is line ", errors.front().line));
}

absl::Status RunImport(Session& session, const ImportFlags& flags) {
  absl::StatusOr<Parsed> parsed = ReadRows(flags, session.err());
  if (!parsed.ok()) return parsed.status();
  Outcome outcome{.rows = parsed->rows.size() + parsed->errors.size(),
                  .skipped = parsed->skipped,
                  .errors = std::move(parsed->errors)};
  // The server judges the rows as a whole, so that a dry run says what the
  // import would do and an all-or-nothing import is one commit.
  const bool whole = flags.dry_run || flags.all_or_nothing;
  if (flags.all_or_nothing && parsed->rows.size() > kMaxBulkItems) {
    return absl::InvalidArgumentError(
        absl::StrCat("--all-or-nothing: the file has ", parsed->rows.size(),
                     " rows; one commit takes at most ", kMaxBulkItems));
  }
  if (flags.all_or_nothing && !outcome.errors.empty()) {
    // A row the CLI could not even read fails the whole file.
    outcome.rolled_back = true;
    ReportErrors(session, outcome.errors);
    return Summarise(session, flags, outcome);
  }
  if (flags.dry_run && parsed->rows.size() > kMaxBulkItems) {
    session.err() << "note: rows are checked " << kMaxBulkItems
                  << " at a time; a row repeating one in an earlier part of "
                     "the file shows as new.\n";
  }
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  std::vector<v1::RecordExchangeItem> items;
  for (const Row& row : parsed->rows) items.push_back(row.item);
  absl::StatusOr<std::vector<v1::RecordExchangeResult>> results =
      RecordInBatches(**connection, flags.timebank_id, items,
                      {.batch_size = whole ? kMaxBulkItems : kBulkBatchSize,
                       .all_or_nothing = flags.all_or_nothing,
                       .validate_only = flags.dry_run});
  if (!results.ok()) {
    if (!flags.dry_run) {
      session.err() << "The import stopped part-way; run it again: rows "
                       "already recorded are recognised by their request "
                       "ids.\n";
    }
    return results.status();
  }
  for (size_t i = 0; i < results->size(); ++i) {
    const v1::RecordExchangeResult& result = (*results)[i];
    absl::Status status = ItemStatus(result);
    if (status.ok() && result.already_recorded()) {
      outcome.already.push_back(
          {.line = parsed->rows[i].line, .seq = result.exchange().seq()});
      continue;
    }
    if (status.ok()) {
      ++outcome.recorded;
      continue;
    }
    // Rows held back only because another failed are not errors of theirs.
    if (flags.all_or_nothing && status.code() == absl::StatusCode::kAborted) {
      continue;
    }
    outcome.errors.push_back({.line = parsed->rows[i].line,
                              .request_id = parsed->rows[i].item.request_id(),
                              .status = status});
  }
  outcome.rolled_back = flags.all_or_nothing && !outcome.errors.empty();
  std::sort(
      outcome.errors.begin(), outcome.errors.end(),
      [](const RowError& a, const RowError& b) { return a.line < b.line; });
  if (!flags.dry_run) ReportAlreadyRecorded(session, outcome.already);
  ReportErrors(session, outcome.errors);
  return Summarise(session, flags, outcome);
}

}  // namespace

absl::StatusOr<std::vector<v1::RecordExchangeResult>> RecordInBatches(
    const Connection& connection, const std::string& timebank_id,
    const std::vector<v1::RecordExchangeItem>& items, BulkSend send) {
  std::vector<v1::RecordExchangeResult> results;
  for (size_t start = 0; start < items.size(); start += send.batch_size) {
    v1::RecordExchangesRequest request;
    request.set_timebank_id(timebank_id);
    request.set_all_or_nothing(send.all_or_nothing);
    request.set_validate_only(send.validate_only);
    const size_t end = std::min(items.size(), start + send.batch_size);
    for (size_t i = start; i < end; ++i) *request.add_items() = items[i];
    absl::StatusOr<v1::RecordExchangesResponse> reply = CallLedger(
        connection, &v1::Ledger::StubInterface::RecordExchanges, request);
    if (!reply.ok()) return reply.status();
    if (static_cast<size_t>(reply->results_size()) != end - start) {
      return absl::InternalError(
          absl::StrCat("the server answered ", reply->results_size(),
                       " results for ", end - start, " items"));
    }
    for (v1::RecordExchangeResult& result : *reply->mutable_results()) {
      results.push_back(std::move(result));
    }
  }
  return results;
}

void AddImportCommand(CLI::App& exchange, CommandRegistry& registry) {
  auto flags = std::make_shared<ImportFlags>();
  CLI::App* command = exchange.add_subcommand(
      "import",
      "Record many exchanges from a CSV file with columns giver,receiver,hours,"
      "category[,date,description,request_id]");
  registry.AddTimebankOption(command, &flags->timebank_id);
  command->add_option("file", flags->file, "CSV file with a header row")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_flag("--dry-run", flags->dry_run,
                    "Ask the server to check every row against every rule, "
                    "and say what the import would do, recording nothing");
  command->add_flag("--all-or-nothing", flags->all_or_nothing,
                    "Record the whole file in one commit, or nothing if any "
                    "row fails (at most 10000 rows)");
  registry.Bind(command, [flags](Session& s) { return RunImport(s, *flags); });
}

}  // namespace timebank::client
