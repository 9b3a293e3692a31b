// What the line source hands every reader: lines split at "\n", "\r\n" or a
// lone "\r" (old Mac files), gzip members read as one stream and bytes after
// them refused; and the CSV reader's 0/1 label check.
#include <filesystem>

#include <gtest/gtest.h>

#include "adpilot/error.h"
#include "adpilot/line_source.h"
#include "adpilot/reader.h"
#include "common/test_util.h"
#include "data/fixtures.h"

namespace adpilot {
namespace {

using testing::TempDir;

std::vector<std::string> Lines(const std::string& path) {
  LineSource src(path);
  std::vector<std::string> out;
  while (src.Next() == LineSource::Status::kLine) out.emplace_back(src.line());
  return out;
}

struct Count {
  uint64_t rows = 0, bad = 0;
  std::string first_bad;
};

Count ReadCount(const std::string& path, const ReaderOptions& o) {
  auto r = OpenReader(path, o);
  RawRecord rec;
  Count c;
  while (r->Next(rec)) ++c.rows;
  c.bad = r->bad_rows().count();
  if (!r->bad_rows().examples().empty()) c.first_bad = r->bad_rows().examples()[0];
  return c;
}

class CrOnly : public ::testing::TestWithParam<std::string> {};

// Old Mac line ends: each reader sees the same rows as from the LF file, also
// under --on-error fail (avazu used to take the whole file as its header).
TEST_P(CrOnly, ReadsLikeLf) {
  TempDir d;
  for (const auto& f : testing::AllFixtures(d.path().string())) {
    if (f.format != GetParam()) continue;
    std::string cr = f.text;
    for (char& c : cr)
      if (c == '\n') c = '\r';
    testing::WriteText(d.File("cr"), cr);
    ReaderOptions o = testing::OptionsFor(f, d.path().string());
    o.on_error = OnError::kFail;
    Count want = ReadCount(f.file, o), got = ReadCount(d.File("cr"), o);
    EXPECT_GT(want.rows, 1u);
    EXPECT_EQ(got.rows, want.rows);
    EXPECT_EQ(got.bad, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Data, CrOnly,
                         ::testing::Values("criteo", "avazu", "libsvm", "libffm", "vw", "ipinyou", "csv"));

TEST(LineEnds, DetectedFromTheFirstTerminator) {
  TempDir d;
  testing::WriteText(d.File("lf"), "a\nb\r\nc");
  EXPECT_EQ(Lines(d.File("lf")), (std::vector<std::string>{"a", "b", "c"}));
  testing::WriteText(d.File("crlf"), "a\r\nb\r\n\r\nc\r\n");
  EXPECT_EQ(Lines(d.File("crlf")), (std::vector<std::string>{"a", "b", "", "c"}));
  testing::WriteText(d.File("cr"), "a\rb\r\rc\r");
  EXPECT_EQ(Lines(d.File("cr")), (std::vector<std::string>{"a", "b", "", "c"}));
  LineSource src(d.File("cr"));
  src.Next();
  EXPECT_EQ(src.line_end(), '\r');
}

// The first CR lands on the last byte of the line source's first chunk (1 MiB
// less its spare byte): its successor decides CRLF or CR, not the chunk edge.
TEST(LineEnds, CrAtAChunkBoundary) {
  TempDir d;
  const size_t first = (1u << 20) - 2;
  std::string longline(first, 'x');
  testing::WriteText(d.File("crlf"), longline + "\r\nb\r\n");
  EXPECT_EQ(Lines(d.File("crlf")), (std::vector<std::string>{longline, "b"}));
  testing::WriteText(d.File("cr"), longline + "\rb\r");
  EXPECT_EQ(Lines(d.File("cr")), (std::vector<std::string>{longline, "b"}));
  testing::WriteGz(d.File("cr.gz"), longline + "\rb\rc");
  EXPECT_EQ(Lines(d.File("cr.gz")), (std::vector<std::string>{longline, "b", "c"}));
}

// VW used to merge every record of a CR file into one.
TEST(LineEnds, VwCrFileKeepsEveryRecord) {
  TempDir d;
  std::string cr;
  for (int i = 0; i < 200; ++i) cr += (i % 2 ? "1 |a x" : "-1 |a y") + std::to_string(i) + "\r";
  testing::WriteText(d.File("f.vw"), cr);
  ReaderOptions o;
  o.format = "vw";
  Count c = ReadCount(d.File("f.vw"), o);
  EXPECT_EQ(c.rows, 200u);
  EXPECT_EQ(c.bad, 0u);
}

TEST(Gzip, ConcatenatedMembersReadAsOneStream) {
  TempDir d;
  testing::WriteGz(d.File("a.gz"), "1\n2\n");
  testing::WriteGz(d.File("b.gz"), "3\n");
  testing::WriteText(d.File("ab.gz"), testing::ReadAll(d.File("a.gz")) + testing::ReadAll(d.File("b.gz")));
  EXPECT_EQ(Lines(d.File("ab.gz")), (std::vector<std::string>{"1", "2", "3"}));
}

// zlib's gzread ignores what follows the last member; adpilot refuses it, naming the file.
TEST(Gzip, TrailingGarbageIsBadInputNamingTheFile) {
  TempDir d;
  testing::WriteGz(d.File("a.gz"), testing::CriteoFixture());
  std::string gz = testing::ReadAll(d.File("a.gz"));
  for (std::string tail : {std::string("garbage\n"), std::string(16, '\0'), std::string("\x1f")}) {
    SCOPED_TRACE(tail.size());
    testing::WriteText(d.File("t.gz"), gz + tail);
    ReaderOptions o;
    o.format = "criteo";
    try {
      ReadCount(d.File("t.gz"), o);
      FAIL() << "trailing bytes after the gzip data were accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kBadInput);
      EXPECT_NE(std::string(e.what()).find(d.File("t.gz")), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("trailing garbage"), std::string::npos) << e.what();
    }
  }
}

TEST(CsvLabel, OutsideZeroOneIsABadRow) {
  TempDir d;
  testing::WriteText(d.File("schema.toml"), testing::CsvSchemaFixture());
  std::string text =
      testing::CsvFixture() + "7,1,u3,1700000000,2,a.com,x,t,z\n" + "0.5,1,u3,1700000000,2,a.com,x,t,z\n";
  testing::WriteText(d.File("a.csv"), text);
  ReaderOptions o;
  o.format = "csv";
  o.schema_path = d.File("schema.toml");
  Count c = ReadCount(d.File("a.csv"), o);
  EXPECT_EQ(c.rows, 3u);
  EXPECT_EQ(c.bad, 2u);
  EXPECT_NE(c.first_bad.find(":5: click: expected 0 or 1, got '7'"), std::string::npos) << c.first_bad;
  o.on_error = OnError::kFail;
  try {
    ReadCount(d.File("a.csv"), o);
    FAIL() << "label 7 accepted under --on-error fail";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    EXPECT_EQ(std::string(e.what()).rfind(d.File("a.csv") + ":5: click:", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace adpilot
