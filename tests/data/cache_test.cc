// The hashed-dataset cache: same examples as parsing, reused across opens,
// rebuilt when the source or the feature config changes, and damage is a
// kCorruption error, never wrong data.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "adpilot/atomic_file.h"
#include "adpilot/cache.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "common/old_formats.h"
#include "common/test_util.h"
#include "data/fixtures.h"

namespace adpilot {
namespace {

using testing::TempDir;
namespace fs = std::filesystem;

std::string ManyCriteoRows(int copies) {
  std::string s;
  for (int i = 0; i < copies; ++i) s += testing::CriteoFixture();
  return s;
}

std::vector<Example> Drain(HashedDataset& ds) {
  std::vector<Example> out;
  Example ex;
  while (ds.Next(ex)) out.push_back(ex);
  return out;
}

void ExpectSame(const std::vector<Example>& a, const std::vector<Example>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].label, b[i].label);
    EXPECT_EQ(a[i].weight, b[i].weight);
    EXPECT_EQ(a[i].user_id, b[i].user_id);
    ASSERT_EQ(a[i].features.size(), b[i].features.size()) << i;
    for (size_t k = 0; k < a[i].features.size(); ++k) {
      EXPECT_EQ(a[i].features[k].field, b[i].features[k].field);
      EXPECT_EQ(a[i].features[k].index, b[i].features[k].index);
      EXPECT_EQ(a[i].features[k].value, b[i].features[k].value);
    }
  }
}

TEST(Cache, SecondPassAndSecondOpenReadTheCache) {
  TempDir d;
  testing::WriteGz(d.File("a.tsv.gz"), ManyCriteoRows(3000) + "garbage row\n");  // 9000 rows, > 2 blocks
  ReaderOptions o;
  FeatureConfig fc;
  fc.crosses = {"C1xC2"};
  Context ctx;
  auto plain = OpenHashedDataset(d.File("a.tsv.gz"), o, fc, ctx);
  auto want = Drain(*plain);
  EXPECT_EQ(want.size(), 9000u);
  EXPECT_EQ(plain->cache_path(), "");

  auto ds = OpenHashedDataset(d.File("a.tsv.gz"), o, fc, ctx, d.File("cache"));
  EXPECT_FALSE(ds->from_cache());
  ExpectSame(Drain(*ds), want);
  EXPECT_EQ(ds->rows(), 9000u);
  EXPECT_EQ(ds->bad_rows(), 1u);
  ASSERT_TRUE(fs::exists(ds->cache_path()));
  // A trainer holds the hasher across epochs: switching to the cache at
  // Rewind must keep that very object (it used to be replaced and freed).
  const FeatureHasher* held = &ds->hasher();
  ds->Rewind();
  EXPECT_TRUE(ds->from_cache());
  EXPECT_EQ(&ds->hasher(), held);
  ExpectSame(Drain(*ds), want);
  ds->Rewind();
  ExpectSame(Drain(*ds), want);

  auto again = OpenHashedDataset(d.File("a.tsv.gz"), o, fc, ctx, d.File("cache"));
  EXPECT_TRUE(again->from_cache());
  EXPECT_EQ(again->rows(), 9000u);
  EXPECT_EQ(again->bad_rows(), 1u);
  EXPECT_EQ(again->hasher().field_names(), plain->hasher().field_names());
  ExpectSame(Drain(*again), want);
}

TEST(Cache, NextPastTheEndKeepsAnsweringFalse) {
  TempDir d;
  testing::WriteText(d.File("a.tsv"), ManyCriteoRows(10));
  auto ds = OpenHashedDataset(d.File("a.tsv"), ReaderOptions(), FeatureConfig(), Context(), d.File("c"));
  auto want = Drain(*ds);
  Example ex;
  EXPECT_FALSE(ds->Next(ex));  // parse pass over
  ds->Rewind();
  ASSERT_TRUE(ds->from_cache());
  ExpectSame(Drain(*ds), want);
  EXPECT_FALSE(ds->Next(ex));  // must not read the footer as a block
  EXPECT_FALSE(ds->Next(ex));
  ds->Rewind();
  ExpectSame(Drain(*ds), want);
}

TEST(Cache, AbandonedFirstPassLeavesNoCache) {
  TempDir d;
  testing::WriteText(d.File("a.tsv"), ManyCriteoRows(10));
  auto ds = OpenHashedDataset(d.File("a.tsv"), ReaderOptions(), FeatureConfig(), Context(), d.File("c"));
  Example ex;
  ASSERT_TRUE(ds->Next(ex));
  std::string path = ds->cache_path();
  ds.reset();
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(fs::is_empty(d.File("c")));
}

TEST(Cache, RebuiltWhenSourceOrConfigChanges) {
  TempDir d;
  testing::WriteText(d.File("a.tsv"), ManyCriteoRows(10));
  ReaderOptions o;
  FeatureConfig fc;
  Context ctx;
  {
    auto ds = OpenHashedDataset(d.File("a.tsv"), o, fc, ctx, d.File("c"));
    Drain(*ds);
  }
  EXPECT_TRUE(OpenHashedDataset(d.File("a.tsv"), o, fc, ctx, d.File("c"))->from_cache());
  // Another feature config: stale.
  FeatureConfig fc2 = fc;
  fc2.bits = 12;
  {
    auto ds = OpenHashedDataset(d.File("a.tsv"), o, fc2, ctx, d.File("c"));
    EXPECT_FALSE(ds->from_cache());
    for (auto& ex : Drain(*ds))
      for (auto& f : ex.features) EXPECT_LT(f.index, 1u << 12);
  }
  EXPECT_TRUE(OpenHashedDataset(d.File("a.tsv"), o, fc2, ctx, d.File("c"))->from_cache());
  // The source grows: stale, and the new rows appear.
  testing::WriteText(d.File("a.tsv"), ManyCriteoRows(11));
  auto ds = OpenHashedDataset(d.File("a.tsv"), o, fc2, ctx, d.File("c"));
  EXPECT_FALSE(ds->from_cache());
  EXPECT_EQ(Drain(*ds).size(), 33u);
  // Same size, new mtime: stale too.
  fs::last_write_time(d.File("a.tsv"), fs::last_write_time(d.File("a.tsv")) + std::chrono::seconds(5));
  EXPECT_FALSE(OpenHashedDataset(d.File("a.tsv"), o, fc2, ctx, d.File("c"))->from_cache());
  // Another pseudonymisation key changes what the reader yields: stale.
  ReaderOptions keyed = o;
  keyed.pseudonymize_key = "k";
  auto k = OpenHashedDataset(d.File("a.tsv"), o, fc2, ctx, d.File("c"));
  Drain(*k);
  EXPECT_FALSE(OpenHashedDataset(d.File("a.tsv"), keyed, fc2, ctx, d.File("c"))->from_cache());
}

TEST(Cache, DamageIsCorruption) {
  TempDir d;
  testing::WriteText(d.File("a.tsv"), ManyCriteoRows(2000));
  ReaderOptions o;
  FeatureConfig fc;
  Context ctx;
  std::string path;
  {
    auto ds = OpenHashedDataset(d.File("a.tsv"), o, fc, ctx, d.File("c"));
    Drain(*ds);
    path = ds->cache_path();
  }
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto expect_corrupt = [&](const std::string& damaged, const char* what) {
    SCOPED_TRACE(what);
    testing::WriteText(path, damaged);
    try {
      auto ds = OpenHashedDataset(d.File("a.tsv"), o, fc, ctx, d.File("c"));
      Drain(*ds);
      FAIL() << "expected kCorruption";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kCorruption) << e.what();
    }
  };
  std::string flip = bytes;
  flip[bytes.size() / 2] ^= 0x40;
  expect_corrupt(flip, "a flipped bit in a block");
  expect_corrupt(bytes.substr(0, bytes.size() - 10), "truncated");
  expect_corrupt(bytes.substr(0, 12), "truncated in the header");
  std::string magic = bytes;
  magic[0] = 'X';
  expect_corrupt(magic, "bad magic");
  std::string newer = bytes;
  newer[8] = 9;
  expect_corrupt(newer, "newer version");
  testing::WriteText(path, bytes);
  EXPECT_TRUE(OpenHashedDataset(d.File("a.tsv"), o, fc, ctx, d.File("c"))->from_cache());
}

// A cache written before the container (version 1) is still read, pass after
// pass, and still refused when damaged.
TEST(Cache, Version1CacheStillReads) {
  TempDir d;
  testing::WriteText(d.File("a.tsv"), ManyCriteoRows(2000));  // 6000 rows, 2 blocks
  ReaderOptions o;
  FeatureConfig fc;
  Context ctx;
  auto first = OpenHashedDataset(d.File("a.tsv"), o, fc, ctx, d.File("c"));
  auto want = Drain(*first);
  std::string path = first->cache_path();
  first.reset();
  std::string now = ReadFile(path);
  ASSERT_EQ(now[8], 2);  // version
  testing::v1::Parts parts = testing::v1::SplitContainer(now);
  std::string old = testing::v1::CacheFile(parts.config, parts.payload);
  testing::WriteText(path, old);
  auto ds = OpenHashedDataset(d.File("a.tsv"), o, fc, ctx, d.File("c"));
  ASSERT_TRUE(ds->from_cache());
  EXPECT_EQ(ds->rows(), 6000u);
  for (int pass = 0; pass < 2; ++pass, ds->Rewind()) ExpectSame(Drain(*ds), want);
  ds.reset();
  EXPECT_EQ(ReadFile(path), old);  // read, not rewritten
  std::string flip = old;
  flip[old.size() / 2] ^= 0x40;
  testing::WriteText(path, flip);
  try {
    auto bad = OpenHashedDataset(d.File("a.tsv"), o, fc, ctx, d.File("c"));
    Drain(*bad);
    FAIL() << "read a damaged version 1 cache";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorruption) << e.what();
  }
}

TEST(Cache, QuantileEdgesAreFittedAndStored) {
  TempDir d;
  std::string s;
  for (int i = 0; i < 1000; ++i) s += std::to_string(i % 2) + "\t" + std::to_string(i) + std::string(38, '\t') + "\n";
  testing::WriteText(d.File("q.tsv"), s);
  FeatureConfig fc;
  fc.numeric = "quantile";
  fc.quantile_bins = 4;
  Context ctx;
  auto ds = OpenHashedDataset(d.File("q.tsv"), ReaderOptions(), fc, ctx, d.File("c"));
  const auto& edges = ds->hasher().quantile_edges();
  ASSERT_EQ(edges.size(), 39u);
  EXPECT_EQ(edges[0], (std::vector<double>{250, 500, 750}));
  EXPECT_TRUE(edges[1].empty());  // I2 is always missing
  auto want = Drain(*ds);
  // I1 of rows 0..249 share one bucket, 250..499 another.
  EXPECT_EQ(want[0].features[0].index, want[249].features[0].index);
  EXPECT_NE(want[249].features[0].index, want[250].features[0].index);
  auto cached = OpenHashedDataset(d.File("q.tsv"), ReaderOptions(), fc, ctx, d.File("c"));
  ASSERT_TRUE(cached->from_cache());
  EXPECT_EQ(cached->hasher().quantile_edges(), edges);
  EXPECT_EQ(cached->hasher().StateDigest(), ds->hasher().StateDigest());
  ExpectSame(Drain(*cached), want);
}

}  // namespace
}  // namespace adpilot
