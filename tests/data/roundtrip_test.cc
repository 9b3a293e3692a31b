// Every reader round-trips through convert: read A, write B, read B back gives
// the same hashed examples (field, bucket, value) and labels.
#include <gtest/gtest.h>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/features.h"
#include "adpilot/reader.h"
#include "adpilot/writer.h"
#include "common/test_util.h"
#include "data/fixtures.h"

namespace adpilot {
namespace {

using testing::TempDir;

std::vector<Example> Hashed(const std::string& path, const ReaderOptions& o, const FeatureConfig& fc,
                            Schema* schema = nullptr) {
  auto r = OpenReader(path, o);
  FeatureHasher h(fc, r->schema());
  if (schema) *schema = r->schema();
  std::vector<Example> out;
  RawRecord rec;
  Example ex;
  while (r->Next(rec)) {
    h.Hash(rec, ex);
    out.push_back(ex);
  }
  return out;
}

struct Triple {
  uint32_t field, index;
  float value;
  bool operator==(const Triple&) const = default;
};

// Reads a converted sparse file back as (field, bucket, value) per row.
std::vector<std::pair<float, std::vector<Triple>>> ReadBack(const std::string& path, const std::string& format,
                                                            const FeatureHasher& h) {
  ReaderOptions o;
  o.format = format;
  o.on_error = OnError::kFail;
  auto r = OpenReader(path, o);
  std::vector<std::pair<float, std::vector<Triple>>> out;
  RawRecord rec;
  while (r->Next(rec)) {
    std::vector<Triple> t;
    for (auto& f : rec.features) {
      uint32_t field = 0;
      if (format == "libffm") field = std::stoul(r->schema().fields[f.field]);
      if (format == "vw") {
        field = UINT32_MAX;
        for (int i = 0; i < h.num_fields(); ++i)
          if (WriterFieldName(h, i) == r->schema().fields[f.field]) field = uint32_t(i);
      }
      t.push_back({field, uint32_t(std::stoul(std::string(f.token))), float(f.value)});
    }
    out.push_back({float(rec.label), t});
  }
  return out;
}

class RoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(RoundTrip, ThroughEverySparseWriter) {
  TempDir d;
  auto fx = testing::AllFixtures(d.path().string());
  for (const auto& f : fx) {
    if (f.format != GetParam()) continue;
    ReaderOptions o = testing::OptionsFor(f, d.path().string());
    FeatureConfig fc;
    fc.bits = 18;
    Schema schema;
    auto want = Hashed(f.file, o, fc, &schema);
    ASSERT_FALSE(want.empty());
    FeatureHasher h(fc, schema);
    for (std::string to : {"libffm", "libsvm", "vw"}) {
      SCOPED_TRACE(f.format + " -> " + to);
      std::string out = d.File("out." + to);
      ConvertResult r = ConvertFile(f.file, o, fc, out, to, Context::Default());
      EXPECT_EQ(r.rows, want.size());
      auto got = ReadBack(out, to, h);
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_EQ(got[i].first, want[i].label);
        std::vector<Triple> w;
        for (auto& x : want[i].features) w.push_back({to == "libsvm" ? 0u : x.field, x.index, x.value});
        EXPECT_EQ(got[i].second, w) << "row " << i;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Data, RoundTrip,
                         ::testing::Values("criteo", "avazu", "libsvm", "libffm", "vw", "ipinyou", "csv"));

TEST(RoundTripCriteo, CriteoToCriteoIsIdentical) {
  TempDir d;
  testing::WriteText(d.File("a.tsv"), testing::CriteoFixture());
  ReaderOptions o;
  FeatureConfig fc;
  fc.crosses = {"C1xC2"};
  ConvertFile(d.File("a.tsv"), o, fc, d.File("b.tsv"), "criteo", Context::Default());
  auto a = Hashed(d.File("a.tsv"), o, fc), b = Hashed(d.File("b.tsv"), o, fc);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].label, b[i].label);
    ASSERT_EQ(a[i].features.size(), b[i].features.size());
    for (size_t k = 0; k < a[i].features.size(); ++k) {
      EXPECT_EQ(a[i].features[k].index, b[i].features[k].index);
      EXPECT_EQ(a[i].features[k].value, b[i].features[k].value);
    }
  }
}

TEST(RoundTripCriteo, AvazuToCriteoKeepsTokens) {
  TempDir d;
  testing::WriteText(d.File("a.csv"), testing::AvazuFixture());
  ReaderOptions o;
  o.format = "avazu";
  ConvertFile(d.File("a.csv"), o, FeatureConfig(), d.File("b.tsv"), "criteo", Context::Default());
  auto ra = OpenReader(d.File("a.csv"), o);
  ReaderOptions oc;
  oc.on_error = OnError::kFail;
  auto rb = OpenReader(d.File("b.tsv"), oc);
  RawRecord a, b;
  while (ra->Next(a)) {
    ASSERT_TRUE(rb->Next(b));
    EXPECT_EQ(a.label, b.label);
    std::vector<std::string> ta, tb;
    for (auto& f : a.features) ta.emplace_back(f.token);
    for (auto& f : b.features)
      if (!f.missing) tb.emplace_back(f.token);
    EXPECT_EQ(ta, tb);
  }
  EXPECT_FALSE(rb->Next(b));
}

TEST(RoundTripCriteo, MultiValuedFieldsAreRefusedNotFlattened) {
  TempDir d;
  testing::WriteText(d.File("a.log.txt"), testing::IpinyouFixture());
  ReaderOptions o;
  o.format = "ipinyou";
  try {
    ConvertFile(d.File("a.log.txt"), o, FeatureConfig(), d.File("b.tsv"), "criteo", Context::Default());
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("usertag"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(d.File("b.tsv")));
}

}  // namespace
}  // namespace adpilot
