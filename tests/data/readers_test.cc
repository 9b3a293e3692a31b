// Each reader on a generated fixture: labels, fields, values, user ids.
#include <cmath>
#include <map>

#include <gtest/gtest.h>

#include "adpilot/error.h"
#include "adpilot/hash.h"
#include "adpilot/pseudonym.h"
#include "adpilot/reader.h"
#include "common/test_util.h"
#include "data/fixtures.h"

namespace adpilot {
namespace {

using testing::TempDir;

std::vector<RawRecord> ReadAll(const std::string& path, const ReaderOptions& o, uint64_t* bad = nullptr,
                               std::vector<std::map<std::string, std::string>>* tokens = nullptr) {
  auto r = OpenReader(path, o);
  std::vector<RawRecord> out;
  RawRecord rec;
  while (r->Next(rec)) {
    if (tokens) {
      std::map<std::string, std::string> m;
      for (auto& f : rec.features) {
        std::string& v = m[r->schema().fields[f.field]];
        if (!v.empty()) v += ";";
        v += f.missing ? "<missing>" : f.numeric ? std::to_string(f.value) : std::string(f.token);
      }
      tokens->push_back(m);
    }
    rec.features.clear();  // the views die with the next row
    rec.user_id = {};
    out.push_back(rec);
  }
  if (bad) *bad = r->bad_rows().count();
  return out;
}

TEST(Readers, Criteo) {
  TempDir d;
  testing::WriteText(d.File("a.tsv"), testing::CriteoFixture());
  ReaderOptions o;
  std::vector<std::map<std::string, std::string>> t;
  uint64_t bad = 0;
  auto rows = ReadAll(d.File("a.tsv"), o, &bad, &t);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(rows[0].label, 1);
  EXPECT_EQ(t[0]["I2"], "<missing>");
  EXPECT_EQ(t[0]["I5"], std::to_string(1382.0));
  EXPECT_EQ(t[0]["C1"], "68fd1e64");
  EXPECT_EQ(t[2]["C26"], "<missing>");
}

TEST(Readers, AvazuWithAndWithoutHeader) {
  TempDir d;
  testing::WriteText(d.File("h.csv"), testing::AvazuFixture(true));
  testing::WriteText(d.File("n.csv"), testing::AvazuFixture(false));
  ReaderOptions o;
  o.format = "avazu";
  std::vector<std::map<std::string, std::string>> th, tn;
  auto rh = ReadAll(d.File("h.csv"), o, nullptr, &th);
  auto rn = ReadAll(d.File("n.csv"), o, nullptr, &tn);
  ASSERT_EQ(rh.size(), 3u);
  ASSERT_EQ(rn.size(), 3u);
  EXPECT_EQ(th, tn);
  EXPECT_EQ(rh[1].label, 1);
  EXPECT_EQ(th[0].count("id"), 0u);
  EXPECT_EQ(th[2]["hour_of_day"], "13");
  // 2014-10-23 was a Thursday (4 with Sunday = 0).
  EXPECT_EQ(th[2]["weekday"], "4");
  EXPECT_EQ(rh[2].timestamp, 1414069200);  // 2014-10-23 13:00 UTC
  EXPECT_EQ(th[0]["device_id"], "a99f214a");
  // Forcing no header on a file that has one turns the header into a bad row.
  o.header = "no";
  uint64_t bad = 0;
  EXPECT_EQ(ReadAll(d.File("h.csv"), o, &bad).size(), 3u);
  EXPECT_EQ(bad, 1u);
}

TEST(Readers, AvazuPseudonymizesDeviceIds) {
  TempDir d;
  testing::WriteText(d.File("h.csv"), testing::AvazuFixture(true));
  ReaderOptions o;
  o.format = "avazu";
  o.pseudonymize_key = "secret";
  auto r = OpenReader(d.File("h.csv"), o);
  RawRecord rec;
  ASSERT_TRUE(r->Next(rec));
  EXPECT_EQ(rec.user_id, Pseudonymize("a99f214a", "secret"));
  int dev = r->schema().FieldIndex("device_ip");
  for (auto& f : rec.features) {
    if (int(f.field) == dev) {
      EXPECT_EQ(f.token, Pseudonymize("96809ac8", "secret"));
    }
  }
}

TEST(Readers, LibSvmAndLibFfm) {
  TempDir d;
  testing::WriteText(d.File("a.svm"), testing::LibSvmFixture());
  testing::WriteText(d.File("a.ffm"), testing::LibFfmFixture());
  ReaderOptions o;
  o.format = "libsvm";
  std::vector<std::map<std::string, std::string>> t;
  auto rows = ReadAll(d.File("a.svm"), o, nullptr, &t);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[1].label, 0);         // -1
  EXPECT_EQ(rows[2].label, 1);         // +1
  EXPECT_EQ(t[2]["features"], "2;7");  // qid and the comment are not features
  o.format = "libffm";
  auto r = OpenReader(d.File("a.ffm"), o);
  EXPECT_EQ(r->schema().fields.size(), 3u);
  RawRecord rec;
  ASSERT_TRUE(r->Next(rec));
  ASSERT_EQ(rec.features.size(), 3u);
  EXPECT_EQ(rec.features[1].field, 1u);
  EXPECT_EQ(rec.features[1].token, "11");
  EXPECT_DOUBLE_EQ(rec.features[1].value, 0.5);
}

TEST(Readers, VowpalWabbit) {
  TempDir d;
  testing::WriteText(d.File("a.vw"), testing::VwFixture());
  ReaderOptions o;
  o.format = "vw";
  auto r = OpenReader(d.File("a.vw"), o);
  EXPECT_EQ(r->schema().fields, (std::vector<std::string>{"user", "ad"}));
  RawRecord rec;
  ASSERT_TRUE(r->Next(rec));
  EXPECT_EQ(rec.label, 1);
  ASSERT_EQ(rec.features.size(), 4u);
  EXPECT_EQ(rec.features[0].token, "age");
  EXPECT_DOUBLE_EQ(rec.features[0].value, 25);
  ASSERT_TRUE(r->Next(rec));
  EXPECT_EQ(rec.label, 0);
  EXPECT_DOUBLE_EQ(rec.weight, 2.0);
  ASSERT_TRUE(r->Next(rec));
  EXPECT_EQ(rec.features[0].field, 1u);
  EXPECT_DOUBLE_EQ(rec.features[0].value, 0.5);  // namespace scale
}

TEST(Readers, Ipinyou) {
  TempDir d;
  testing::WriteText(d.File("train.log.txt"), testing::IpinyouFixture(false));
  testing::WriteText(d.File("test.log.txt"), testing::IpinyouFixture(true));
  ReaderOptions o;
  o.format = "ipinyou";
  std::vector<std::map<std::string, std::string>> t;
  auto rows = ReadAll(d.File("train.log.txt"), o, nullptr, &t);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].label, 1);
  EXPECT_EQ(rows[0].market_price, 205);
  EXPECT_EQ(rows[0].bid_price, 277);
  EXPECT_TRUE(std::isnan(rows[0].conversion));
  EXPECT_EQ(t[1]["usertag"], "10075;10083;10006");
  EXPECT_EQ(t[0]["IP"], "113.76.1");
  EXPECT_EQ(t[0]["keypage"], "<missing>");
  EXPECT_EQ(rows[0].timestamp, 1382449861);  // 2013-10-22 13:51:01 UTC
  auto test = ReadAll(d.File("test.log.txt"), o);
  ASSERT_EQ(test.size(), 2u);
  EXPECT_EQ(test[0].conversion, 1);
}

TEST(Readers, CsvWithSchema) {
  TempDir d;
  testing::WriteText(d.File("a.csv"), testing::CsvFixture());
  testing::WriteText(d.File("s.toml"), testing::CsvSchemaFixture());
  ReaderOptions o;
  o.format = "csv";
  o.schema_path = d.File("s.toml");
  std::vector<std::map<std::string, std::string>> t;
  uint64_t bad = 0;
  auto rows = ReadAll(d.File("a.csv"), o, &bad, &t);
  EXPECT_EQ(bad, 0u);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].weight, 2);
  EXPECT_EQ(rows[0].timestamp, 1704164645);
  EXPECT_EQ(rows[1].timestamp, 1700000000);
  EXPECT_EQ(t[0]["tags"], "a;b");
  EXPECT_EQ(t[0]["title"], "cheap;flights;to;paris");
  EXPECT_EQ(t[1]["title"], "he;said;hi");
  EXPECT_EQ(t[1]["price"], "<missing>");
  EXPECT_EQ(t[1]["tags"], "<missing>");
  EXPECT_EQ(t[0].count("unused"), 0u);
}

TEST(Readers, CsvSchemaErrorsNameKeyAndFile) {
  TempDir d;
  testing::WriteText(d.File("a.csv"), testing::CsvFixture());
  testing::WriteText(d.File("s.toml"), "label = \"click\"\ncolour = \"red\"\n");
  ReaderOptions o;
  o.format = "csv";
  o.schema_path = d.File("s.toml");
  try {
    OpenReader(d.File("a.csv"), o);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("colour"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("s.toml"), std::string::npos) << e.what();
  }
  testing::WriteText(d.File("s.toml"), "label = \"nope\"\n");
  EXPECT_THROW(OpenReader(d.File("a.csv"), o), Error);
  o.schema_path.clear();
  EXPECT_THROW(OpenReader(d.File("a.csv"), o), Error);
}

TEST(Readers, UnknownFormatListsValidOnes) {
  ReaderOptions o;
  o.format = "parquet";
  try {
    OpenReader("/nonexistent", o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("libffm"), std::string::npos) << e.what();
  }
}

TEST(Readers, GuessFormat) {
  TempDir d;
  auto fx = testing::AllFixtures(d.path().string());
  for (const auto& f : fx) {
    if (f.format == "csv") continue;  // needs a schema: never guessed
    EXPECT_EQ(GuessFormat(f.file), f.format) << f.file;
  }
  testing::WriteText(d.File("plain.txt"), testing::LibFfmFixture());
  EXPECT_EQ(GuessFormat(d.File("plain.txt")), "libffm");
  EXPECT_EQ(GuessFormat(d.File("missing.txt")), "");
}

}  // namespace
}  // namespace adpilot
