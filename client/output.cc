#include "client/output.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/csv.h"
#include "client/hours.h"
#include "client/string_view.h"

namespace timebank::client {
namespace {

constexpr std::string_view kEllipsis = "\u2026";
constexpr std::string_view kColumnGap = "  ";

bool IsContinuationByte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Cuts text to at most `width` code points, marking the cut with "…".
std::string Truncate(std::string text, size_t width) {
  if (width == 0 || DisplayWidth(text) <= width) return text;
  size_t kept = 0;
  size_t end = 0;
  while (end < text.size() && kept < width - 1) {
    ++end;
    while (end < text.size() && IsContinuationByte(text[end])) ++end;
    ++kept;
  }
  text.resize(end);
  text += kEllipsis;
  return text;
}

void Pad(std::string* line, std::string_view text, size_t width, Align align) {
  const size_t padding = width - std::min(width, DisplayWidth(text));
  if (align == Align::kRight) line->append(padding, ' ');
  line->append(text);
  if (align == Align::kLeft) line->append(padding, ' ');
}

void TrimRight(std::string* line) {
  while (!line->empty() && line->back() == ' ') line->pop_back();
}

}  // namespace

Cell MinutesCell(int64_t minutes) {
  return Cell(FormatMinutes(minutes), absl::StrCat(minutes));
}

Cell SignedMinutesCell(int64_t minutes) {
  return Cell(FormatSignedMinutes(minutes), absl::StrCat(minutes));
}

Cell YesNoCell(bool value) {
  return value ? Cell("yes", "true") : Cell("no", "false");
}

Cell NumberCell(int64_t value) { return Cell(absl::StrCat(value)); }
Cell NumberCell(uint64_t value) { return Cell(absl::StrCat(value)); }

std::string PrintableText(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) c = ' ';
  }
  return out;
}

size_t DisplayWidth(std::string_view text) {
  return static_cast<size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return !IsContinuationByte(c); }));
}

Table::Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

void Table::AddRow(std::vector<Cell> cells) {
  cells.resize(columns_.size(), Cell(""));
  rows_.push_back(std::move(cells));
}

std::string Table::RenderText() const {
  // Shown text of every cell, cleaned and cut once, then measured.
  std::vector<std::vector<std::string>> shown;
  std::vector<size_t> widths;
  for (const Column& column : columns_)
    widths.push_back(DisplayWidth(column.heading));
  for (const std::vector<Cell>& row : rows_) {
    std::vector<std::string>& line = shown.emplace_back();
    for (size_t i = 0; i < columns_.size(); ++i) {
      line.push_back(
          Truncate(PrintableText(row[i].text), columns_[i].max_width));
      widths[i] = std::max(widths[i], DisplayWidth(line.back()));
    }
  }
  std::string out;
  std::string heading_line;
  std::string rule_line;
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (i > 0) {
      heading_line += kColumnGap;
      rule_line += kColumnGap;
    }
    Pad(&heading_line, columns_[i].heading, widths[i], columns_[i].align);
    rule_line.append(widths[i], '-');
  }
  TrimRight(&heading_line);
  absl::StrAppend(&out, heading_line, "\n", rule_line, "\n");
  for (const std::vector<std::string>& row : shown) {
    std::string line;
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (i > 0) line += kColumnGap;
      Pad(&line, row[i], widths[i], columns_[i].align);
    }
    TrimRight(&line);
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

std::string Table::RenderCsv() const {
  std::vector<std::string> header;
  for (const Column& column : columns_) header.push_back(column.csv_name);
  std::string out = absl::StrCat(CsvLine(header), "\n");
  for (const std::vector<Cell>& row : rows_) {
    std::vector<std::string> fields;
    for (const Cell& cell : row) fields.push_back(cell.csv);
    absl::StrAppend(&out, CsvLine(fields), "\n");
  }
  return out;
}

std::string Table::RenderRecord(size_t row) const {
  if (row >= rows_.size()) return "";
  size_t width = 0;
  for (const Column& column : columns_) {
    width = std::max(width, DisplayWidth(column.heading));
  }
  std::string out;
  for (size_t i = 0; i < columns_.size(); ++i) {
    std::string line;
    Pad(&line, columns_[i].heading, width, Align::kLeft);
    absl::StrAppend(&line, ToAbsl(kColumnGap),
                    PrintableText(rows_[row][i].text));
    TrimRight(&line);
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

absl::StatusOr<Json> MessageToJsonValue(
    const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string text;
  const auto status =
      google::protobuf::util::MessageToJsonString(message, &text, options);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot convert the reply to JSON: ", status.ToString()));
  }
  Json value = Json::parse(text, nullptr, false);
  if (value.is_discarded()) {
    return absl::InternalError("cannot convert the reply to JSON");
  }
  return value;
}

Printer::Printer(OutputFormat format, std::ostream& out)
    : format_(format), out_(out) {}

absl::Status Printer::PrintList(
    const std::vector<const google::protobuf::Message*>& items,
    const Table& table, std::string_view empty_text) {
  if (format_ != OutputFormat::kJson) {
    if (format_ == OutputFormat::kTable && table.size() == 0) {
      out_ << empty_text << "\n";
      return absl::OkStatus();
    }
    PrintTable(table);
    return absl::OkStatus();
  }
  Json array = Json::array();
  for (const google::protobuf::Message* item : items) {
    absl::StatusOr<Json> value = MessageToJsonValue(*item);
    if (!value.ok()) return value.status();
    array.push_back(*std::move(value));
  }
  PrintJson(array);
  return absl::OkStatus();
}

absl::Status Printer::PrintOne(const google::protobuf::Message& item,
                               const Table& table) {
  switch (format_) {
    case OutputFormat::kJson: {
      absl::StatusOr<Json> value = MessageToJsonValue(item);
      if (!value.ok()) return value.status();
      PrintJson(*value);
      return absl::OkStatus();
    }
    case OutputFormat::kCsv:
      out_ << table.RenderCsv();
      return absl::OkStatus();
    case OutputFormat::kTable:
      out_ << table.RenderRecord(0);
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

void Printer::PrintJson(const Json& value) {
  out_ << value.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
}

void Printer::PrintTable(const Table& table) {
  out_ << (format_ == OutputFormat::kCsv ? table.RenderCsv()
                                         : table.RenderText());
}

int ExitCodeFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 0;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 2;
    case absl::StatusCode::kNotFound:
      return 3;
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnauthenticated:
      return 4;
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
      return 5;
    default:
      return 1;
  }
}

std::string StatusLine(const absl::Status& status) {
  return absl::StrCat(absl::StatusCodeToString(status.code()), ": ",
                      PrintableText(ToStd(status.message())));
}

std::string ErrorLine(const absl::Status& status) {
  return absl::StrCat("error: ", StatusLine(status));
}

}  // namespace timebank::client
