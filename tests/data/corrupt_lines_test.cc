// Thousands of randomly corrupted lines through every reader (and the hasher):
// never a crash, every line either a good row or a counted bad row.
#include <random>

#include <gtest/gtest.h>

#include "adpilot/features.h"
#include "adpilot/reader.h"
#include "common/test_util.h"
#include "data/fixtures.h"

namespace adpilot {
namespace {

std::string Mutate(std::string line, std::mt19937_64& rng) {
  static const char kSpecial[] = {'\t', ',', ':', '|', ' ', '"', '\'', '\0', '\r', '-', '.', 'e', 'n', 'i', '\xff'};
  int edits = 1 + int(rng() % 4);
  for (int e = 0; e < edits && !line.empty(); ++e) {
    size_t pos = rng() % line.size();
    switch (rng() % 6) {
      case 0:
        line[pos] = char(rng());
        break;  // random byte
      case 1:
        line[pos] = kSpecial[rng() % sizeof kSpecial];
        break;  // a delimiter where none belongs
      case 2:
        line.erase(pos, 1 + rng() % 8);
        break;  // deletion
      case 3:
        line.insert(pos, 1 + rng() % 3, kSpecial[rng() % sizeof kSpecial]);
        break;
      case 4:
        line.resize(pos);
        break;  // truncation
      case 5:
        line.insert(pos, line.substr(rng() % line.size(), 1 + rng() % 16));
        break;  // duplication
    }
  }
  // A mutation may produce a newline: that splits the row into two lines, which is fine.
  return line;
}

class CorruptLines : public ::testing::TestWithParam<std::string> {};

TEST_P(CorruptLines, NeverCrashAndEveryLineIsAccountedFor) {
  testing::TempDir d;
  auto fx = testing::AllFixtures(d.path().string());
  testing::FormatFixture f;
  for (auto& x : fx)
    if (x.format == GetParam()) f = x;
  std::vector<std::string> lines;
  for (size_t s = 0, e; (e = f.text.find('\n', s)) != std::string::npos; s = e + 1)
    lines.push_back(f.text.substr(s, e - s));
  bool header = f.format == "avazu" || f.format == "csv";
  std::mt19937_64 rng(20240601 + std::hash<std::string>()(f.format));
  std::string text = header ? lines[0] + "\n" : "";
  for (int i = 0; i < 5000; ++i) {
    std::string l = lines[header + rng() % (lines.size() - header)];
    text += (rng() % 4 ? Mutate(l, rng) : l) + "\n";  // a quarter stay intact
  }
  testing::WriteText(f.file, text);
  ReaderOptions o = testing::OptionsFor(f, d.path().string());
  auto r = OpenReader(f.file, o);
  FeatureConfig fc;
  fc.bits = 16;
  FeatureHasher h(fc, r->schema());
  RawRecord rec;
  Example ex;
  uint64_t rows = 0;
  while (r->Next(rec)) {
    h.Hash(rec, ex);
    for (auto& x : ex.features) ASSERT_LT(x.index, 1u << 16);
    ++rows;
  }
  uint64_t bad = r->bad_rows().count();
  EXPECT_GT(bad, 500u) << f.format;
  EXPECT_GT(rows, 1000u) << f.format;
  // Blank lines are skipped silently, so good + bad can fall short of the line count, never exceed it.
  uint64_t nonblank_lines = 0;
  for (size_t s = 0, e; s < text.size(); s = e + 1) {
    e = text.find('\n', s);
    if (e == std::string::npos) e = text.size();
    nonblank_lines += e > s && !(e == s + 1 && text[s] == '\r');
  }
  EXPECT_LE(rows + bad + header, nonblank_lines);
  EXPECT_GE(rows + bad + header + 200, nonblank_lines) << "too many lines neither good nor bad";
}

INSTANTIATE_TEST_SUITE_P(Data, CorruptLines,
                         ::testing::Values("criteo", "avazu", "libsvm", "libffm", "vw", "ipinyou", "csv"));

}  // namespace
}  // namespace adpilot
