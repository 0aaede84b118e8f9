#include "client/qr.h"

#include <qrencode.h>

#include <memory>
#include <string>

namespace timebank::client {
namespace {

struct QrFree {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

}  // namespace

absl::StatusOr<std::vector<std::string>> QrLines(std::string_view text,
                                                 QrInk ink) {
  const std::string copy(text);  // libqrencode wants a C string.
  std::unique_ptr<QRcode, QrFree> code(
      QRcode_encodeString8bit(copy.c_str(), /*version=*/0, QR_ECLEVEL_M));
  if (code == nullptr) {
    return absl::InvalidArgumentError("too long for a QR code");
  }
  const int width = code->width;
  const int size = width + 2 * kQrQuietModules;
  // Bit 0 of each byte of `data` is the module's colour: 1 for dark.
  auto dark = [&](int row, int column) {
    row -= kQrQuietModules;
    column -= kQrQuietModules;
    if (row < 0 || column < 0 || row >= width || column >= width) return false;
    return (code->data[row * width + column] & 1) != 0;
  };
  const std::string begin = ink == QrInk::kTerminal ? "\x1b[30;107m" : "";
  const std::string end = ink == QrInk::kTerminal ? "\x1b[0m" : "";
  std::vector<std::string> lines;
  for (int row = 0; row < size; row += 2) {
    std::string line = begin;
    for (int column = 0; column < size; ++column) {
      const bool top = dark(row, column);
      const bool bottom = dark(row + 1, column);
      line += top && bottom ? "█" : top ? "▀" : bottom ? "▄" : " ";
    }
    lines.push_back(line + end);
  }
  return lines;
}

}  // namespace timebank::client
