// `timebank account import`: many members from a CSV file (id, name, kind,
// joined date, skills, external reference), each opened with OpenAccount.
// A dry run asks the server to check every row (validate_only) and opens
// nothing; a row whose account already exists with the same name and kind
// is "already there", so running the same file again opens nothing twice.

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/commands.h"
#include "client/csv.h"
#include "client/dates.h"
#include "client/string_view.h"

namespace timebank::client {
namespace {

const std::map<std::string, std::string>& Headings() {
  static const auto* const headings =
      new std::map<std::string, std::string>{{"id", "id"},
                                             {"account_id", "id"},
                                             {"name", "name"},
                                             {"display_name", "name"},
                                             {"kind", "kind"},
                                             {"joined", "joined"},
                                             {"joined_on", "joined"},
                                             {"skills", "skills"},
                                             {"external_ref", "external_ref"},
                                             {"reference", "external_ref"}};
  return *headings;
}

struct AccountImportFlags {
  std::string timebank_id;
  std::string file;
  bool dry_run = false;
  bool allow_duplicate_names = false;
};

struct Row {
  int line = 0;
  v1::OpenAccountRequest request;
};

struct RowError {
  int line = 0;
  absl::Status status;
};

// Folds case and runs of spaces, as the server compares names.
std::string NameKey(std::string_view name) {
  std::string key;
  for (absl::string_view word :
       absl::StrSplit(ToAbsl(name), ' ', absl::SkipEmpty())) {
    if (!key.empty()) key += ' ';
    key += absl::AsciiStrToLower(word);
  }
  return key;
}

absl::StatusOr<v1::OpenAccountRequest> RequestOf(
    const CsvRecord& record, const CsvColumns& columns,
    const AccountImportFlags& flags) {
  v1::OpenAccountRequest request;
  request.set_timebank_id(flags.timebank_id);
  request.set_account_id(columns.Get(record, "id"));
  request.set_display_name(columns.Get(record, "name"));
  if (request.account_id().empty()) {
    return absl::InvalidArgumentError("id: is empty; every member needs one");
  }
  if (request.display_name().empty()) {
    return absl::InvalidArgumentError(
        "name: is empty; every member needs the name people know them by");
  }
  const std::string kind = absl::AsciiStrToLower(columns.Get(record, "kind"));
  auto known = AccountKindsByName().find(kind.empty() ? "person" : kind);
  if (known == AccountKindsByName().end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "kind: \"", kind, "\" is not person, organisation or pot"));
  }
  request.set_kind(known->second);
  const std::string joined = columns.Get(record, "joined");
  if (absl::Status s = CheckDateFlag("joined", joined); !s.ok()) return s;
  request.set_joined_on(joined);
  // Skills are separated by ";" within their cell: "gardening; lifts".
  for (absl::string_view skill :
       absl::StrSplit(columns.Get(record, "skills"), ';', absl::SkipEmpty())) {
    absl::string_view tag = absl::StripAsciiWhitespace(skill);
    if (!tag.empty()) request.add_skills(std::string(tag));
  }
  request.set_external_ref(columns.Get(record, "external_ref"));
  request.set_allow_duplicate_name(flags.allow_duplicate_names);
  request.set_validate_only(flags.dry_run);
  return request;
}

struct Parsed {
  std::vector<Row> rows;
  std::vector<RowError> errors;
};

// Reads the file and refuses, line by line, what the server could not see
// in a dry run: an id or a name given twice within the file.
absl::StatusOr<Parsed> ReadRows(const AccountImportFlags& flags,
                                std::ostream& err) {
  absl::StatusOr<std::vector<CsvRecord>> records = ReadCsvFile(flags.file);
  if (!records.ok()) return records.status();
  if (records->empty()) {
    return absl::InvalidArgumentError(flags.file + ": is empty");
  }
  absl::StatusOr<CsvColumns> columns =
      CsvColumns::FromHeader(records->front(), Headings(), err);
  if (!columns.ok()) return columns.status();
  if (!columns->Has("id") || !columns->Has("name")) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", records->front().line,
                     ": the header needs id and name (optional: kind, "
                     "joined, skills, external_ref)"));
  }
  Parsed parsed;
  std::map<std::string, int> ids;    // Lower-case id -> first line.
  std::map<std::string, int> names;  // NameKey -> first line.
  for (size_t i = 1; i < records->size(); ++i) {
    const CsvRecord& record = (*records)[i];
    absl::StatusOr<v1::OpenAccountRequest> request =
        RequestOf(record, *columns, flags);
    if (!request.ok()) {
      parsed.errors.push_back({record.line, request.status()});
      continue;
    }
    auto [id, new_id] =
        ids.emplace(absl::AsciiStrToLower(request->account_id()), record.line);
    if (!new_id) {
      parsed.errors.push_back(
          {record.line,
           absl::AlreadyExistsError(absl::StrCat(
               "id: \"", request->account_id(), "\" is already on line ",
               id->second, " (ids may not differ only in capitals)"))});
      continue;
    }
    auto [name, new_name] =
        names.emplace(NameKey(request->display_name()), record.line);
    if (!new_name && !flags.allow_duplicate_names) {
      parsed.errors.push_back(
          {record.line,
           absl::AlreadyExistsError(absl::StrCat(
               "name: \"", request->display_name(), "\" is already on line ",
               name->second,
               "; if they are two people of that name, run again with "
               "--allow-duplicate-names"))});
      continue;
    }
    parsed.rows.push_back({record.line, *std::move(request)});
  }
  return parsed;
}

// An account that exists already: the same member when name and kind agree
// (an earlier run of the file), otherwise a clash to resolve by hand.
absl::Status CompareExisting(const v1::Account& existing,
                             const v1::OpenAccountRequest& wanted) {
  if (NameKey(existing.display_name()) == NameKey(wanted.display_name()) &&
      existing.kind() == wanted.kind()) {
    return absl::OkStatus();
  }
  return absl::AlreadyExistsError(absl::StrCat(
      "id: ", existing.account_id(), " already exists as \"",
      existing.display_name(), "\" (", AccountKindName(existing.kind()),
      "); change the file, or the account with `timebank account update`"));
}

struct Outcome {
  size_t rows = 0;
  size_t opened = 0;  // Or, in a dry run, that would be.
  size_t already = 0;
  std::vector<RowError> errors;
};

absl::Status Summarise(Session& session, const AccountImportFlags& flags,
                       const Outcome& outcome) {
  if (session.printer().format() == OutputFormat::kJson) {
    Json report = {
        {"timebank_id", flags.timebank_id}, {"rows", outcome.rows},
        {"opened", outcome.opened},         {"already_there", outcome.already},
        {"failed", outcome.errors.size()},  {"dry_run", flags.dry_run},
        {"errors", Json::array()}};
    for (const RowError& error : outcome.errors) {
      report["errors"].push_back(
          {{"line", error.line},
           {"code", absl::StatusCodeToString(error.status.code())},
           {"message", std::string(error.status.message())}});
    }
    session.printer().PrintJson(report);
  } else {
    for (const RowError& error : outcome.errors) {
      session.err() << "line " << error.line << ": " << StatusLine(error.status)
                    << "\n";
    }
    if (flags.dry_run) {
      session.out() << "Dry run for " << flags.timebank_id
                    << ", nothing opened: " << outcome.opened
                    << " would be new, " << outcome.already
                    << " already there, " << outcome.errors.size()
                    << " would fail";
    } else {
      session.out() << "Opened in " << flags.timebank_id << ": "
                    << outcome.opened << " new, " << outcome.already
                    << " already there, " << outcome.errors.size() << " failed";
    }
    session.out() << " (" << outcome.rows << " rows).\n";
  }
  if (outcome.errors.empty()) return absl::OkStatus();
  return absl::Status(
      outcome.errors.front().status.code(),
      absl::StrCat(outcome.errors.size(), " of ", outcome.rows,
                   flags.dry_run ? " members would not be opened"
                                 : " members were not opened",
                   "; the first is line ", outcome.errors.front().line));
}

absl::Status RunAccountImport(Session& session,
                              const AccountImportFlags& flags) {
  absl::StatusOr<Parsed> parsed = ReadRows(flags, session.err());
  if (!parsed.ok()) return parsed.status();
  Outcome outcome{.rows = parsed->rows.size() + parsed->errors.size(),
                  .errors = std::move(parsed->errors)};
  absl::StatusOr<const Connection*> connection = session.Connect();
  if (!connection.ok()) return connection.status();
  for (const Row& row : parsed->rows) {
    v1::GetAccountRequest get;
    get.set_timebank_id(flags.timebank_id);
    get.set_account_id(row.request.account_id());
    absl::StatusOr<v1::Account> existing =
        CallLedger(**connection, &v1::Ledger::StubInterface::GetAccount, get);
    if (existing.ok()) {
      if (absl::Status same = CompareExisting(*existing, row.request);
          !same.ok()) {
        outcome.errors.push_back({row.line, same});
      } else {
        ++outcome.already;
      }
      continue;
    }
    if (existing.status().code() != absl::StatusCode::kNotFound) {
      outcome.errors.push_back({row.line, existing.status()});
      continue;
    }
    absl::StatusOr<v1::Account> opened = CallLedger(
        **connection, &v1::Ledger::StubInterface::OpenAccount, row.request);
    if (!opened.ok()) {
      const absl::StatusCode code = opened.status().code();
      outcome.errors.push_back(
          {row.line, WithDuplicateNameHint(opened.status())});
      // The server is gone or refuses the token: every row would say so.
      if (code == absl::StatusCode::kUnavailable ||
          code == absl::StatusCode::kUnauthenticated ||
          code == absl::StatusCode::kPermissionDenied) {
        break;
      }
      continue;
    }
    ++outcome.opened;
  }
  std::sort(
      outcome.errors.begin(), outcome.errors.end(),
      [](const RowError& a, const RowError& b) { return a.line < b.line; });
  return Summarise(session, flags, outcome);
}

}  // namespace

void AddAccountImportCommand(CLI::App& account, CommandRegistry& registry) {
  auto flags = std::make_shared<AccountImportFlags>();
  CLI::App* command = account.add_subcommand(
      "import",
      "Open many members from a CSV file with columns id,name"
      "[,kind,joined,skills,external_ref]");
  registry.AddTimebankOption(command, &flags->timebank_id);
  command->add_option("file", flags->file, "CSV file with a header row")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_flag("--dry-run", flags->dry_run,
                    "Have the server check every row; open nothing");
  command->add_flag("--allow-duplicate-names", flags->allow_duplicate_names,
                    "Open members whose name another member already has");
  registry.Bind(command,
                [flags](Session& s) { return RunAccountImport(s, *flags); });
}

}  // namespace timebank::client
