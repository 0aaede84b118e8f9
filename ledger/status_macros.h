// Early-return helpers for absl::Status and absl::StatusOr.

#ifndef TIMEBANK_LEDGER_STATUS_MACROS_H_
#define TIMEBANK_LEDGER_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define TIMEBANK_CONCAT_INNER(a, b) a##b
#define TIMEBANK_CONCAT(a, b) TIMEBANK_CONCAT_INNER(a, b)

// Returns the status of `expr` from the enclosing function unless it is OK.
#define RETURN_IF_ERROR(expr)                           \
  do {                                                  \
    if (absl::Status _status = (expr); !_status.ok()) { \
      return _status;                                   \
    }                                                   \
  } while (false)

// Evaluates a StatusOr `expr`; returns its status on error, otherwise moves
// its value into `lhs` (which may declare a variable).
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(TIMEBANK_CONCAT(_status_or_, __LINE__), lhs, expr)
// `lhs` may declare a variable and `tmp` is a name, so neither can be put in
// parentheses.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)    \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return std::move(tmp).status(); \
  lhs = *std::move(tmp)
// NOLINTEND(bugprone-macro-parentheses)

#endif  // TIMEBANK_LEDGER_STATUS_MACROS_H_
