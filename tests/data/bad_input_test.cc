// The bad-input list of issue 2, for every reader: empty file, missing file,
// truncated gzip, binary garbage, a 10 MB line, wrong column count, non-numeric
// numbers, NaN/inf, CRLF line ends and a UTF-8 BOM. Bad rows are counted and
// reported as file:line: field: reason; under kFail the first one throws kBadInput.
#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "adpilot/error.h"
#include "adpilot/reader.h"
#include "common/test_util.h"
#include "data/fixtures.h"

namespace adpilot {
namespace {

using testing::TempDir;

struct Count {
  uint64_t rows = 0, bad = 0;
  std::vector<std::string> examples;
};

Count ReadCount(const std::string& path, ReaderOptions o) {
  auto r = OpenReader(path, o);
  RawRecord rec;
  Count c;
  while (r->Next(rec)) ++c.rows;
  c.bad = r->bad_rows().count();
  c.examples = r->bad_rows().examples();
  return c;
}

class EveryReader : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    fx_ = testing::AllFixtures(dir_.path().string());
    for (auto& f : fx_)
      if (f.format == GetParam()) me_ = f;
    opts_ = testing::OptionsFor(me_, dir_.path().string());
  }
  // Lines of the fixture without the header (avazu/csv have one).
  size_t GoodRows() const {
    size_t n = std::count(me_.text.begin(), me_.text.end(), '\n');
    return (me_.format == "avazu" || me_.format == "csv") ? n - 1 : n;
  }
  TempDir dir_;
  std::vector<testing::FormatFixture> fx_;
  testing::FormatFixture me_;
  ReaderOptions opts_;
};

TEST_P(EveryReader, EmptyFileHasNoRows) {
  testing::WriteText(dir_.File("empty"), "");
  Count c = ReadCount(dir_.File("empty"), opts_);
  EXPECT_EQ(c.rows, 0u);
  EXPECT_EQ(c.bad, 0u);
}

TEST_P(EveryReader, MissingFileIsNotFound) {
  try {
    ReadCount(dir_.File("nope"), opts_);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
}

TEST_P(EveryReader, GzipIsTransparentAndTruncationIsBadInput) {
  testing::WriteGz(dir_.File("a.gz"), me_.text);
  EXPECT_EQ(ReadCount(dir_.File("a.gz"), opts_).rows, GoodRows());
  // A gzip of enough rows to span several buffers, cut in the middle.
  std::string big;
  std::string body = me_.text;
  if (GetParam() == "avazu" || GetParam() == "csv") body = body.substr(body.find('\n') + 1);
  big = me_.text;
  while (big.size() < (4u << 20)) big += body;
  testing::WriteGz(dir_.File("b.gz"), big);
  auto size = std::filesystem::file_size(dir_.File("b.gz"));
  std::filesystem::resize_file(dir_.File("b.gz"), size / 2);
  try {
    ReadCount(dir_.File("b.gz"), opts_);
    FAIL() << "a truncated gzip must not read as a shorter file";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("b.gz"), std::string::npos) << e.what();
  }
}

TEST_P(EveryReader, BinaryGarbageIsCountedNotFatal) {
  std::mt19937 rng(7);
  std::string junk(64 << 10, '\0');
  for (auto& c : junk) c = char(rng());
  testing::WriteText(dir_.File("junk"), me_.text + junk);
  Count c = ReadCount(dir_.File("junk"), opts_);
  EXPECT_GE(c.rows, GoodRows());
  EXPECT_GT(c.bad, 0u);
}

TEST_P(EveryReader, TenMegabyteLineIsSkippedAndCounted) {
  std::string huge(10u << 20, 'x');
  ReaderOptions o = opts_;
  o.max_line_bytes = 1u << 20;
  testing::WriteText(dir_.File("huge"),
                     me_.text + huge + "\n" + me_.text.substr(me_.text.rfind('\n', me_.text.size() - 2) + 1));
  Count c = ReadCount(dir_.File("huge"), o);
  EXPECT_EQ(c.rows, GoodRows() + 1);
  EXPECT_EQ(c.bad, 1u);
  ASSERT_FALSE(c.examples.empty());
  EXPECT_NE(c.examples[0].find("longer than the line limit"), std::string::npos) << c.examples[0];
  // With the default limit (16 MB) the same line is parsed, and rejected as a row.
  Count d = ReadCount(dir_.File("huge"), opts_);
  EXPECT_EQ(d.rows + d.bad, GoodRows() + 2);
}

TEST_P(EveryReader, CrlfAndBomReadLikeLf) {
  std::string crlf;
  for (char ch : me_.text) {
    if (ch == '\n') crlf += '\r';
    crlf += ch;
  }
  testing::WriteText(dir_.File("crlf"), "\xEF\xBB\xBF" + crlf);
  Count c = ReadCount(dir_.File("crlf"), opts_);
  EXPECT_EQ(c.rows, GoodRows());
  EXPECT_EQ(c.bad, 0u) << (c.examples.empty() ? "" : c.examples[0]);
}

TEST_P(EveryReader, FailPolicyThrowsBadInputWithLocation) {
  testing::WriteText(dir_.File("bad"), me_.text + "\x01\x02 garbage, row\n");
  ReaderOptions o = opts_;
  o.on_error = OnError::kFail;
  try {
    ReadCount(dir_.File("bad"), o);
    FAIL() << "expected kBadInput";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    std::string where =
        dir_.File("bad") + ":" + std::to_string(std::count(me_.text.begin(), me_.text.end(), '\n') + 1) + ":";
    EXPECT_EQ(std::string(e.what()).rfind(where, 0), 0u) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Data, EveryReader,
                         ::testing::Values("criteo", "avazu", "libsvm", "libffm", "vw", "ipinyou", "csv"));

// Format-specific malformed rows: each is counted with its field and reason.
struct BadRow {
  std::string format, row, field;
};

TEST(BadRows, FieldAndReasonAreReported) {
  TempDir d;
  auto fx = testing::AllFixtures(d.path().string());
  std::string crit = testing::CriteoFixture().substr(0, testing::CriteoFixture().find('\n'));
  auto replace_col = [](std::string line, char delim, int col, const std::string& v) {
    size_t s = 0;
    for (int i = 0; i < col; ++i) s = line.find(delim, s) + 1;
    size_t e = line.find(delim, s);
    return line.substr(0, s) + v + (e == std::string::npos ? "" : line.substr(e));
  };
  std::string ipy = testing::IpinyouFixture().substr(0, testing::IpinyouFixture().find('\n'));
  std::string avz = testing::AvazuFixture(false).substr(0, testing::AvazuFixture(false).find('\n'));
  std::vector<BadRow> cases = {
      {"criteo", crit.substr(0, crit.rfind('\t')), "line"},  // wrong column count
      {"criteo", replace_col(crit, '\t', 3, "abc"), "I3"},   // non-numeric
      {"criteo", replace_col(crit, '\t', 3, "nan"), "I3"},   // NaN
      {"criteo", replace_col(crit, '\t', 3, "inf"), "I3"},   // infinity
      {"criteo", replace_col(crit, '\t', 0, "2"), "label"},  // label not 0/1
      {"avazu", replace_col(avz, ',', 2, "1410"), "hour"},
      {"avazu", avz + ",extra", "line"},
      {"libsvm", "1 3:x", "features"},
      {"libsvm", "1 3:inf", "features"},
      {"libsvm", "yes 3:1", "label"},
      {"libffm", "1 0:3", "features"},
      {"libffm", "1 0::1", "features"},
      {"libffm", "1 a:3:1", "features"},
      {"vw", "1 user age:25", "line"},
      {"vw", "1 |user age:NaN", "user"},
      {"vw", "2 |user x", "label"},
      {"vw", "1 -3 |user x", "importance"},
      {"ipinyou", replace_col(ipy, '\t', 23, "-5"), "payprice"},
      {"ipinyou", replace_col(ipy, '\t', 4, "2013"), "timestamp"},
      {"ipinyou", replace_col(ipy, '\t', 20, "cheap"), "slotprice"},
      {"csv", "1,1,u1,2024-01-02,abc,s,t,x,y", "price"},
      {"csv", "1,1,u1,yesterday,1,s,t,x,y", "ts"},
      {"csv", "1,1,u1,2024-01-02,1,s,t,\"open,y", "line"},
      {"csv", "1,1", "line"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.format + ": " + c.row);
    testing::FormatFixture f;
    for (auto& x : fx)
      if (x.format == c.format) f = x;
    testing::WriteText(f.file, f.text + c.row + "\n");
    Count n = ReadCount(f.file, testing::OptionsFor(f, d.path().string()));
    ASSERT_EQ(n.bad, 1u);
    EXPECT_NE(n.examples[0].find(": " + c.field + ": "), std::string::npos) << n.examples[0];
  }
}

}  // namespace
}  // namespace adpilot
