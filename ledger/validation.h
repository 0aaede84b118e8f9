// Checks on user-supplied values, each returning a status whose message
// starts with the field name. Pure functions; thread-safe.

#ifndef TIMEBANK_LEDGER_VALIDATION_H_
#define TIMEBANK_LEDGER_VALIDATION_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/types.h"

namespace timebank::ledger {

// Limits on every string the ledger stores.
inline constexpr size_t kTimebankIdMaxLength = 48;
inline constexpr size_t kAccountIdMaxLength = 64;
inline constexpr size_t kRequestIdMaxLength = 128;
inline constexpr size_t kNameMaxLength = 200;
inline constexpr size_t kCategoryMaxLength = 64;
inline constexpr size_t kDescriptionMaxLength = 1000;
inline constexpr size_t kExternalRefMaxLength = 200;
// A search of accounts by id or name.
inline constexpr size_t kAccountQueryMaxLength = 200;
inline constexpr size_t kSkillsMax = 32;
inline constexpr size_t kActorNameMaxLength = 128;
inline constexpr size_t kEvidenceMaxLength = 4000;
inline constexpr size_t kPlanTextMaxLength = 1000;

// Every paged listing: 0 asks for the default page size.
inline constexpr int kPageSizeDefault = 100;
inline constexpr int kPageSizeMax = 1000;

// "field: message" statuses, so every error names what was wrong.
absl::Status FieldInvalid(std::string_view field, std::string_view message);
absl::Status FieldNotFound(std::string_view field, std::string_view message);
absl::Status FieldPrecondition(std::string_view field,
                               std::string_view message);

bool IsValidUtf8(std::string_view text);

// Timebank id: [a-z0-9-]{1,48}.
absl::Status CheckTimebankId(std::string_view field, std::string_view id);
// Account id: [A-Za-z0-9._@-]{1,64}, not starting with '.' (no path tricks).
absl::Status CheckAccountId(std::string_view field, std::string_view id);
// Request id: 1..128 printable ASCII characters.
absl::Status CheckRequestId(std::string_view field, std::string_view id);
// Free text: valid UTF-8, no control characters except newline and tab when
// `multiline`, at most `max_length` bytes; empty allowed unless `required`.
enum class TextRule { kRequired, kOptional };
enum class Lines { kSingle, kMulti };
absl::Status CheckText(std::string_view field, std::string_view text,
                       size_t max_length, TextRule rule,
                       Lines lines = Lines::kSingle);
// Category and skill tags: lower-case words, digits, spaces and -_/&.
absl::Status CheckTag(std::string_view field, std::string_view tag);
absl::Status CheckSkills(std::string_view field,
                         const std::vector<std::string>& skills);

// OK for a value the enum names; INVALID_ARGUMENT naming kind or status for
// any other number (callers convert untrusted numbers without judging them).
absl::Status CheckAccountKind(AccountKind kind);
absl::Status CheckAccountStatus(AccountStatus status);

// The page size a listing should use: kPageSizeDefault for 0, the size
// itself up to kPageSizeMax, and INVALID_ARGUMENT naming page_size otherwise.
absl::StatusOr<int> CheckPageSize(int page_size);

// Lower-cases and trims a category or skill so "Gardening " == "gardening".
std::string NormaliseTag(std::string_view tag);

}  // namespace timebank::ledger

#endif  // TIMEBANK_LEDGER_VALIDATION_H_
