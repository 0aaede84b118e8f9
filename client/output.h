// How the CLI shows results and errors: aligned tables for people (hours as
// "12 h 30 m"), JSON for programs (the proto3 JSON mapping with proto field
// names; lists as arrays) and CSV for spreadsheets (RFC 4180 quoting, and
// amounts as whole minutes so that they add up).
//
// Thread safety: Table is a plain value; a Printer writes to one stream and
// must be used from one thread at a time.

#ifndef TIMEBANK_CLIENT_OUTPUT_H_
#define TIMEBANK_CLIENT_OUTPUT_H_

#include <google/protobuf/message.h>
#include <google/protobuf/repeated_ptr_field.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace timebank::client {

enum class OutputFormat { kTable, kJson, kCsv };

// JSON values keep their keys in insertion order, so objects read in the
// order of the proto's fields rather than alphabetically.
using Json = nlohmann::ordered_json;

enum class Align { kLeft, kRight };

struct Column {
  // Heading people read, e.g. "Receiver".
  std::string heading;
  // Heading in CSV output, e.g. "receiver_id"; machine-friendly and stable.
  std::string csv_name;
  Align align = Align::kLeft;
  // Longest text shown in a table cell, in characters; longer text is cut
  // with "…". 0 means no limit. CSV output is never cut.
  size_t max_width = 0;
};

// One value as a person reads it (`text`) and as CSV carries it (`csv`).
struct Cell {
  Cell(std::string value) : text(value), csv(std::move(value)) {}  // NOLINT
  Cell(const char* value) : Cell(std::string(value)) {}            // NOLINT
  Cell(std::string shown, std::string raw)
      : text(std::move(shown)), csv(std::move(raw)) {}
  std::string text;
  std::string csv;
};

// A cell for an amount: "2 h 30 m" in tables, "150" (minutes) in CSV.
Cell MinutesCell(int64_t minutes);
// As MinutesCell, with "+" in front of positive amounts in tables.
Cell SignedMinutesCell(int64_t minutes);
// A cell for a yes/no value: "yes"/"no" in tables, "true"/"false" in CSV.
Cell YesNoCell(bool value);
// A cell for a count or sequence number.
Cell NumberCell(int64_t value);
Cell NumberCell(uint64_t value);

// Rows of cells under column headings.
class Table {
 public:
  explicit Table(std::vector<Column> columns);

  // Adds a row; missing cells are empty and extra cells are dropped, so a
  // row can never shift the columns.
  void AddRow(std::vector<Cell> cells);

  size_t size() const { return rows_.size(); }

  // Headings, a rule, and the rows, each column padded to its widest cell.
  // Control characters in cells become spaces so that no value can move the
  // cursor or inject terminal escape sequences.
  std::string RenderText() const;

  // The CSV header line and one line per row, each ending in "\n".
  std::string RenderCsv() const;

  // One row as "Heading  value" lines, for showing a single item.
  std::string RenderRecord(size_t row) const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<Cell>> rows_;
};

// The text with C0 control characters and DEL replaced by spaces: values
// come from other people and must not be able to drive the terminal.
std::string PrintableText(std::string_view text);

// Characters as a terminal counts them: UTF-8 code points.
size_t DisplayWidth(std::string_view text);

// The proto3 JSON mapping of a message, with proto field names and every
// field present (zeros included, so programs need no defaults table).
absl::StatusOr<Json> MessageToJsonValue(
    const google::protobuf::Message& message);

// Pointers to every element, for Printer::PrintList.
template <typename Message>
std::vector<const google::protobuf::Message*> MessagePointers(
    const google::protobuf::RepeatedPtrField<Message>& items) {
  std::vector<const google::protobuf::Message*> pointers;
  pointers.reserve(static_cast<size_t>(items.size()));
  for (const Message& item : items) pointers.push_back(&item);
  return pointers;
}

class Printer {
 public:
  Printer(OutputFormat format, std::ostream& out);

  OutputFormat format() const { return format_; }
  bool is_table() const { return format_ == OutputFormat::kTable; }
  std::ostream& stream() const { return out_; }

  // A list: a JSON array of the messages, or the table as text or CSV. An
  // empty list prints `empty_text` in table format.
  absl::Status PrintList(
      const std::vector<const google::protobuf::Message*>& items,
      const Table& table, std::string_view empty_text = "(none)");

  // One item: a JSON object, or the table's first row as a record (table)
  // or a header and one line (CSV).
  absl::Status PrintOne(const google::protobuf::Message& item,
                        const Table& table);

  // Pretty JSON followed by a newline. Invalid UTF-8 is replaced, never
  // thrown on.
  void PrintJson(const Json& value);

  // The table as text or CSV, whatever the format (JSON callers use
  // PrintJson).
  void PrintTable(const Table& table);

 private:
  OutputFormat format_;
  std::ostream& out_;
};

// The process exit code for a failed command: 2 for usage and invalid
// arguments, 3 not found, 4 permission or authentication, 5 a failed
// precondition or something that already exists, 1 anything else. 0 for OK.
int ExitCodeFor(absl::StatusCode code);

// "NOT_FOUND: <message>" on one line, control characters removed.
std::string StatusLine(const absl::Status& status);

// "error: " and the StatusLine: how every failed command ends.
std::string ErrorLine(const absl::Status& status);

}  // namespace timebank::client

#endif  // TIMEBANK_CLIENT_OUTPUT_H_
