// A QR code drawn with text, so that a coordinator can show a member their
// sign-in link on a screen or print it on paper. Encoding is libqrencode's;
// this file only draws the modules. Pure functions; thread-safe.

#ifndef TIMEBANK_CLIENT_QR_H_
#define TIMEBANK_CLIENT_QR_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace timebank::client {

// Light modules around the code, as scanners need.
inline constexpr int kQrQuietModules = 2;

// How the lines are coloured.
enum class QrInk {
  // Dark modules as block characters, light as spaces: right on paper and
  // on a light terminal.
  kPlain,
  // The same with ANSI colours forcing black on white, so that the code also
  // reads on a dark terminal.
  kTerminal,
};

// The QR code of `text` (error correction level M), with a quiet zone of
// kQrQuietModules, as lines of UTF-8: each character is two modules, one
// above the other ("█", "▀", "▄" or " "). INVALID_ARGUMENT when the text is
// too long for a QR code.
absl::StatusOr<std::vector<std::string>> QrLines(std::string_view text,
                                                 QrInk ink);

}  // namespace timebank::client

#endif  // TIMEBANK_CLIENT_QR_H_
