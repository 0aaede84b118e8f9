#include "client/csv.h"

#include <fstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "client/string_view.h"

namespace timebank::client {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// Walks the text once. Positions only move forward, so parsing is linear.
class CsvParser {
 public:
  explicit CsvParser(std::string_view text) : text_(text) {}

  absl::StatusOr<std::vector<CsvRecord>> Parse() {
    if (text_.substr(0, kByteOrderMark.size()) == kByteOrderMark) {
      pos_ = kByteOrderMark.size();
    }
    std::vector<CsvRecord> records;
    while (pos_ < text_.size()) {
      if (ConsumeLineEnd()) continue;  // A blank line.
      CsvRecord record{.line = line_};
      if (absl::Status s = ParseRecord(&record.fields); !s.ok()) return s;
      records.push_back(std::move(record));
    }
    return records;
  }

 private:
  absl::Status Error(int line, std::string_view why) const {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", line, ": ", ToAbsl(why)));
  }

  // Consumes LF or CRLF at the current position, if there is one.
  bool ConsumeLineEnd() {
    if (text_.substr(pos_, 1) == "\n") {
      pos_ += 1;
    } else if (text_.substr(pos_, 2) == "\r\n") {
      pos_ += 2;
    } else {
      return false;
    }
    ++line_;
    return true;
  }

  absl::Status ParseRecord(std::vector<std::string>* fields) {
    const int start_line = line_;
    while (true) {
      if (fields->size() == kMaxCsvFields) {
        return Error(start_line,
                     absl::StrCat("more than ", kMaxCsvFields, " fields"));
      }
      std::string field;
      if (absl::Status s = ParseField(&field); !s.ok()) return s;
      fields->push_back(std::move(field));
      if (pos_ >= text_.size() || ConsumeLineEnd()) return absl::OkStatus();
      if (text_[pos_] != ',') {
        return Error(
            line_,
            "expected a comma or the end of the line after a quoted field");
      }
      ++pos_;
    }
  }

  absl::Status ParseField(std::string* field) {
    if (pos_ < text_.size() && text_[pos_] == '"') return ParseQuoted(field);
    while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n' &&
           text_.substr(pos_, 2) != "\r\n") {
      if (text_[pos_] == '"') {
        return Error(
            line_,
            "a double quote inside a field that does not start with one");
      }
      if (field->size() == kMaxCsvFieldBytes) return TooLong(line_);
      field->push_back(text_[pos_++]);
    }
    return absl::OkStatus();
  }

  absl::Status ParseQuoted(std::string* field) {
    const int start_line = line_;
    ++pos_;  // The opening quote.
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') {
        if (pos_ < text_.size() && text_[pos_] == '"') {
          ++pos_;
        } else {
          return absl::OkStatus();
        }
      } else if (c == '\n') {
        ++line_;
      }
      if (field->size() == kMaxCsvFieldBytes) return TooLong(start_line);
      field->push_back(c);
    }
    return Error(start_line, "a quoted field is never closed");
  }

  absl::Status TooLong(int line) const {
    return Error(line, absl::StrCat("a field longer than ", kMaxCsvFieldBytes,
                                    " bytes"));
  }

  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

std::string CsvField(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    return std::string(field);
  }
  std::string quoted = "\"";
  for (char c : field) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

std::string CsvLine(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line.push_back(',');
    line += CsvField(fields[i]);
  }
  return line;
}

absl::StatusOr<std::vector<CsvRecord>> ParseCsv(std::string_view text) {
  if (text.size() > kMaxCsvBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("larger than ", kMaxCsvBytes, " bytes; split the file"));
  }
  return CsvParser(text).Parse();
}

absl::StatusOr<std::vector<CsvRecord>> ReadCsvFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  // Read in chunks, so a small file costs little and a huge one stops at
  // the limit rather than filling memory.
  constexpr size_t kChunkBytes = 64 << 10;
  std::string text;
  while (in && text.size() <= kMaxCsvBytes) {
    const size_t old_size = text.size();
    text.resize(old_size + kChunkBytes);
    in.read(text.data() + old_size, static_cast<std::streamsize>(kChunkBytes));
    text.resize(old_size + static_cast<size_t>(in.gcount()));
  }
  if (in.bad())
    return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  absl::StatusOr<std::vector<CsvRecord>> records = ParseCsv(text);
  if (!records.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", records.status().message()));
  }
  return records;
}

absl::StatusOr<CsvColumns> CsvColumns::FromHeader(
    const CsvRecord& header, const std::map<std::string, std::string>& headings,
    std::ostream& err) {
  CsvColumns columns;
  for (size_t i = 0; i < header.fields.size(); ++i) {
    const std::string heading =
        absl::AsciiStrToLower(absl::StripAsciiWhitespace(header.fields[i]));
    auto known = headings.find(heading);
    if (known == headings.end()) {
      err << "note: ignoring column \"" << heading << "\"\n";
      continue;
    }
    if (!columns.columns_.emplace(known->second, i).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", header.line, ": column \"", heading, "\" given twice"));
    }
  }
  return columns;
}

std::string CsvColumns::Get(const CsvRecord& record,
                            std::string_view field) const {
  auto column = columns_.find(field);
  if (column == columns_.end() || column->second >= record.fields.size()) {
    return "";
  }
  return std::string(absl::StripAsciiWhitespace(record.fields[column->second]));
}

}  // namespace timebank::client
