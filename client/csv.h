// Comma-separated values as RFC 4180 defines them: quoting fields for output
// and reading files for bulk import. Pure functions; thread-safe.

#ifndef TIMEBANK_CLIENT_CSV_H_
#define TIMEBANK_CLIENT_CSV_H_

#include <cstddef>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace timebank::client {

// Limits for reading: an import larger than this is better split, and the
// caps keep a malformed file from using unbounded memory.
inline constexpr size_t kMaxCsvBytes = 64 << 20;
inline constexpr size_t kMaxCsvFields = 64;
inline constexpr size_t kMaxCsvFieldBytes = 64 << 10;

// One record and the line of the file it starts on (from 1), so errors can
// point at it even when quoted fields span lines.
struct CsvRecord {
  int line = 0;
  std::vector<std::string> fields;
};

// Quotes a field when it holds a comma, a double quote, CR or LF, doubling
// any double quotes; returns it unchanged otherwise.
std::string CsvField(std::string_view field);

// Joins fields into one record line, without a line ending.
std::string CsvLine(const std::vector<std::string>& fields);

// Parses CSV text. Records end at LF or CRLF; a quoted field may hold commas,
// doubled quotes and line breaks. Blank lines are skipped; a UTF-8 byte order
// mark at the start is ignored. Returns INVALID_ARGUMENT, naming the line,
// for an unterminated quote, text after a closing quote, or input beyond the
// limits above.
absl::StatusOr<std::vector<CsvRecord>> ParseCsv(std::string_view text);

// Reads and parses a CSV file. Errors name the file: NOT_FOUND if it cannot
// be read, INVALID_ARGUMENT as for ParseCsv or when it is larger than
// kMaxCsvBytes.
absl::StatusOr<std::vector<CsvRecord>> ReadCsvFile(const std::string& path);

// Which column of an import holds each field it knows, read from the
// header row.
class CsvColumns {
 public:
  // `headings` maps each heading the import accepts (lower case) to the
  // field it fills, e.g. {"giver_id", "giver"}. Headings match ignoring case
  // and surrounding spaces; any other is noted on `err` and ignored. A
  // field given twice is INVALID_ARGUMENT naming the line.
  static absl::StatusOr<CsvColumns> FromHeader(
      const CsvRecord& header,
      const std::map<std::string, std::string>& headings, std::ostream& err);

  bool Has(std::string_view field) const { return columns_.contains(field); }
  // The field's value in `record` without surrounding spaces; empty when
  // the file has no such column or the record is short.
  std::string Get(const CsvRecord& record, std::string_view field) const;

 private:
  std::map<std::string, size_t, std::less<>> columns_;
};

}  // namespace timebank::client

#endif  // TIMEBANK_CLIENT_CSV_H_
