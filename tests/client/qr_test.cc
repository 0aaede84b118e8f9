#include "client/qr.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace timebank::client {
namespace {

// The lines as a grid of modules again (true for dark), undoing the two
// modules per character.
std::vector<std::vector<bool>> Modules(const std::vector<std::string>& lines) {
  std::vector<std::vector<bool>> rows;
  for (const std::string& line : lines) {
    std::vector<bool> top, bottom;
    for (size_t i = 0; i < line.size();) {
      if (line[i] == ' ') {
        top.push_back(false);
        bottom.push_back(false);
        ++i;
        continue;
      }
      const std::string cell = line.substr(i, 3);  // Each block is 3 bytes.
      top.push_back(cell == "█" || cell == "▀");
      bottom.push_back(cell == "█" || cell == "▄");
      EXPECT_TRUE(cell == "█" || cell == "▀" || cell == "▄") << line;
      i += 3;
    }
    rows.push_back(top);
    rows.push_back(bottom);
  }
  return rows;
}

// A finder pattern (7 x 7: dark ring, light ring, dark 3 x 3 centre) with its
// top-left module at (row, column).
bool FinderAt(const std::vector<std::vector<bool>>& m, size_t row,
              size_t column) {
  for (size_t r = 0; r < 7; ++r) {
    for (size_t c = 0; c < 7; ++c) {
      const bool ring = r == 0 || r == 6 || c == 0 || c == 6;
      const bool centre = r >= 2 && r <= 4 && c >= 2 && c <= 4;
      if (m.at(row + r).at(column + c) != (ring || centre)) return false;
    }
  }
  return true;
}

TEST(QrLines, DrawsASquareCodeWithItsFinderPatternsAndQuietZone) {
  absl::StatusOr<std::vector<std::string>> lines = QrLines(
      "http://127.0.0.1:8080/#token=tbk_0123456789abcdef", QrInk::kPlain);
  ASSERT_TRUE(lines.ok()) << lines.status();
  std::vector<std::vector<bool>> m = Modules(*lines);
  const size_t size = m.front().size();
  // A QR code is 21 + 4k modules wide; two rows per line may add one row.
  ASSERT_EQ((size - 2 * kQrQuietModules - 21) % 4, 0u) << size;
  ASSERT_GE(m.size(), size);
  m.resize(size);
  for (const std::vector<bool>& row : m) ASSERT_EQ(row.size(), size);
  const size_t q = kQrQuietModules;
  const size_t far = size - q - 7;
  EXPECT_TRUE(FinderAt(m, q, q));
  EXPECT_TRUE(FinderAt(m, q, far));
  EXPECT_TRUE(FinderAt(m, far, q));
  EXPECT_FALSE(FinderAt(m, far, far));  // QR codes have three, not four.
  for (size_t i = 0; i < size; ++i) {
    for (size_t k = 0; k < q; ++k) {
      EXPECT_FALSE(m[k][i] || m[i][k] || m[size - 1 - k][i] ||
                   m[i][size - 1 - k])
          << "the quiet zone has a dark module at " << i;
    }
  }
}

TEST(QrLines, TerminalInkWrapsEachLineInBlackOnWhite) {
  absl::StatusOr<std::vector<std::string>> plain = QrLines("x", QrInk::kPlain);
  absl::StatusOr<std::vector<std::string>> ink = QrLines("x", QrInk::kTerminal);
  ASSERT_TRUE(plain.ok() && ink.ok());
  ASSERT_EQ(plain->size(), ink->size());
  for (size_t i = 0; i < plain->size(); ++i) {
    EXPECT_EQ((*ink)[i], "\x1b[30;107m" + (*plain)[i] + "\x1b[0m");
  }
}

TEST(QrLines, RefusesTextTooLongForAQrCode) {
  EXPECT_EQ(QrLines(std::string(8000, 'a'), QrInk::kPlain).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace timebank::client
