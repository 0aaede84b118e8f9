#include "ledger/validation.h"

#include "absl/strings/str_cat.h"

namespace timebank::ledger {

absl::Status FieldInvalid(std::string_view field, std::string_view message) {
  return absl::InvalidArgumentError(std::string(field) + ": " +
                                    std::string(message));
}

absl::Status FieldNotFound(std::string_view field, std::string_view message) {
  return absl::NotFoundError(std::string(field) + ": " + std::string(message));
}

absl::Status FieldPrecondition(std::string_view field,
                               std::string_view message) {
  return absl::FailedPreconditionError(std::string(field) + ": " +
                                       std::string(message));
}

bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    size_t extra = 0;
    uint32_t code = 0;
    if (byte < 0x80) {
      ++i;
      continue;
    } else if ((byte & 0xE0) == 0xC0) {
      extra = 1;
      code = byte & 0x1F;
    } else if ((byte & 0xF0) == 0xE0) {
      extra = 2;
      code = byte & 0x0F;
    } else if ((byte & 0xF8) == 0xF0) {
      extra = 3;
      code = byte & 0x07;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;  // Truncated sequence.
    for (size_t k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (code < kMinForLength[extra] || code > 0x10FFFF ||
        (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

absl::Status CheckTimebankId(std::string_view field, std::string_view id) {
  if (id.empty()) return FieldInvalid(field, "is required");
  if (id.size() > kTimebankIdMaxLength) {
    return FieldInvalid(field, "must be at most 48 characters");
  }
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return FieldInvalid(
          field, "may contain only lower-case letters, digits and '-'");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckAccountId(std::string_view field, std::string_view id) {
  if (id.empty()) return FieldInvalid(field, "is required");
  if (id.size() > kAccountIdMaxLength) {
    return FieldInvalid(field, "must be at most 64 characters");
  }
  if (id.front() == '.') return FieldInvalid(field, "must not start with '.'");
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                    c == '@' || c == '-';
    if (!ok) {
      return FieldInvalid(field,
                          "may contain only letters, digits and . _ @ -");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckRequestId(std::string_view field, std::string_view id) {
  if (id.empty()) return FieldInvalid(field, "is required");
  if (id.size() > kRequestIdMaxLength) {
    return FieldInvalid(field, "must be at most 128 characters");
  }
  for (char c : id) {
    if (c <= ' ' || c > '~') {
      return FieldInvalid(field, "must be printable ASCII without spaces");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckText(std::string_view field, std::string_view text,
                       size_t max_length, TextRule rule, Lines lines) {
  if (rule == TextRule::kRequired && text.empty()) {
    return FieldInvalid(field, "is required");
  }
  if (text.size() > max_length) {
    return FieldInvalid(field,
                        absl::StrCat("must be at most ", max_length, " bytes"));
  }
  if (!IsValidUtf8(text)) return FieldInvalid(field, "must be valid UTF-8");
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool allowed_space =
        lines == Lines::kMulti && (c == '\n' || c == '\t');
    if ((byte < 0x20 || byte == 0x7F) && !allowed_space) {
      return FieldInvalid(field, "must not contain control characters");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckTag(std::string_view field, std::string_view tag) {
  if (tag.empty()) return FieldInvalid(field, "is required");
  if (tag.size() > kCategoryMaxLength) {
    return FieldInvalid(field, "must be at most 64 characters");
  }
  for (char c : tag) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == ' ' || c == '-' || c == '_' || c == '/' || c == '&';
    if (!ok) {
      return FieldInvalid(
          field,
          "may contain only lower-case letters, digits, spaces and -_/&");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckSkills(std::string_view field,
                         const std::vector<std::string>& skills) {
  if (skills.size() > kSkillsMax) {
    return FieldInvalid(field, "at most 32 skills");
  }
  for (const std::string& skill : skills) {
    if (absl::Status s = CheckTag(field, skill); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status CheckAccountKind(AccountKind kind) {
  if (kind >= AccountKind::kPerson && kind <= AccountKind::kCommunityPot) {
    return absl::OkStatus();
  }
  return FieldInvalid("kind", "must be PERSON, ORGANISATION or COMMUNITY_POT");
}

absl::Status CheckAccountStatus(AccountStatus status) {
  if (status >= AccountStatus::kActive && status <= AccountStatus::kClosed) {
    return absl::OkStatus();
  }
  return FieldInvalid("status", "must be ACTIVE, SUSPENDED or CLOSED");
}

absl::StatusOr<int> CheckPageSize(int page_size) {
  if (page_size == 0) return kPageSizeDefault;
  if (page_size < 0 || page_size > kPageSizeMax) {
    return FieldInvalid("page_size",
                        absl::StrCat("must be between 0 and ", kPageSizeMax));
  }
  return page_size;
}

std::string NormaliseTag(std::string_view tag) {
  size_t begin = 0;
  size_t end = tag.size();
  while (begin < end && tag[begin] == ' ') ++begin;
  while (end > begin && tag[end - 1] == ' ') --end;
  std::string out(tag.substr(begin, end - begin));
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace timebank::ledger
