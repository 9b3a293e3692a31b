// Deep models and the rest of the pipeline: training streamed from the
// binary hashed-dataset cache, warm starts that would change the shape, and
// user-profile vectors joined by user.
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

#include "adpilot/cache.h"
#include "adpilot/profile_store.h"
#include "deep_fixture.h"

namespace adpilot::testing {
namespace {

// Training streams mini-batches from the binary hashed-dataset cache written
// by `adpilot data cache` (OpenHashedDataset): same examples, same model as
// parsing the text, and the cache is read, not rebuilt.
TEST(Deep, TrainsFromTheBinaryCacheLikeFromText) {
  REQUIRE_DEEP();
  Context ctx;
  ctx.threads = 1;
  TempDir dir;
  std::string data = ToyCriteo(dir.File("toy.tsv"), 3000, 9), cache = dir.File("cache");
  ReaderOptions ro;
  ro.format = "criteo";
  FeatureConfig fc;
  fc.bits = 10;
  std::string cache_file;
  {
    auto ds = OpenHashedDataset(data, ro, fc, ctx, cache);
    Example ex;
    while (ds->Next(ex)) {}
    cache_file = ds->cache_path();
  }
  ASSERT_TRUE(std::filesystem::exists(cache_file));
  auto written = std::filesystem::last_write_time(cache_file);
  auto h = std::make_shared<FeatureHasher>(fc, OpenReader(data, ro)->schema());
  LabelConfig label;
  std::vector<std::vector<float>> params;
  for (bool cached : {false, true}) {
    auto m = Make("dcnv2", h, kToy, ctx);
    auto src =
        cached ? OpenCachedExampleSource(data, ro, h, label, cache, ctx) : OpenExampleSource(data, ro, h, label, ctx);
    TrainConfig cfg;
    cfg.epochs = 2;
    auto r = m->Train(*src, nullptr, cfg, ctx);
    EXPECT_EQ(r.train_rows, 3000u);
    params.emplace_back(m->Parameters().begin(), m->Parameters().end());
  }
  EXPECT_EQ(std::filesystem::last_write_time(cache_file), written) << "the cache was rebuilt";
  EXPECT_TRUE(params[0] == params[1]) << "training from the cache differs from training from the text";
}

// --init keeps the model's shape: a different --k / --hidden (model option)
// or --bits (feature option) is a clear error naming both shapes.
TEST(Deep, WarmStartWithAnotherShapeIsAClearError) {
  REQUIRE_DEEP();
  Context ctx;
  TempDir dir;
  auto h = TinyHasher(3, 10);
  auto m = Make("dcnv2", h, kToy, ctx);
  m->Save(dir.File("a.apm"));
  auto train = Toy(*h, 500, 4);
  for (auto [key, value, asked] : {std::tuple<std::string, std::string, std::string>{"k", "8", "k=8, cross0.w [24,24]"},
                                   {"hidden", "32", "dnn0.w [32,12]"},
                                   {"cross_layers", "3", "cross2.w [12,12]"}}) {
    auto warm = LoadModel(dir.File("a.apm"));
    OptionSet o;
    warm->Describe(o);
    o.SetFromString(key, value, "--" + key);
    MemorySource src(train);
    TrainConfig cfg;
    cfg.epochs = 1;
    try {
      warm->Train(src, nullptr, cfg, ctx);
      ADD_FAILURE() << "--" << key << " " << value << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      std::string what = e.what();
      EXPECT_NE(what.find("model has k=4, cross0.w [12,12]"), std::string::npos) << what;
      EXPECT_NE(what.find(asked), std::string::npos) << what;
    }
  }
  if (!std::filesystem::exists(ADPILOT_CLI_PATH)) return;
  std::string data = ToyCriteo(dir.File("toy.tsv"), 500, 3);
  auto r = RunCli("train --model dcnv2 --k 4 --hidden 16 --bits 10 --epochs 1 --data " + data +
                  " --format criteo --out " + dir.File("b.apm"));
  ASSERT_EQ(r.exit_code, 0);
  for (std::string flags : {"--bits 12", "--k 8"}) {
    r = RunCli("train --init " + dir.File("b.apm") + " " + flags + " --epochs 1 --data " + data + " --out " +
                   dir.File("c.apm"),
               dir.File("err.txt"));
    std::ifstream in(dir.File("err.txt"));
    std::string err((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(r.exit_code, 2) << flags << ": " << err;
    EXPECT_NE(err.find(flags == "--bits 12" ? "--bits 12 differs from the --init model" : "options ask for k=8"),
              std::string::npos)
        << err;
    EXPECT_NE(err.find(flags == "--bits 12" ? "(--bits 10)" : "model has k=4"), std::string::npos) << err;
    EXPECT_FALSE(std::filesystem::exists(dir.File("c.apm")));
  }
}

// Profile vectors joined by user token carry what the user id cannot: the
// click depends on a class that only the users' (sparse, one-hot) profile
// vectors reveal, and the validation users never occur in training.
TEST(Deep, SparseProfileVectorsJoinedByUserLiftAuc) {
  REQUIRE_DEEP();
  Context ctx;
  TempDir dir;
  std::vector<std::string> ids;
  std::vector<float> vecs;
  for (int u = 0; u < 2000; ++u) {
    ids.push_back("u" + std::to_string(u));
    for (int d = 0; d < 8; ++d) vecs.push_back(d == (u % 2) * 4 + (u / 2) % 4 ? 1.0f : 0.0f);
  }
  ProfileStore(8, ids, vecs).Save(dir.File("users.prof"));
  auto h = TinyHasher(2, 12);
  auto rows = [&](int n, uint64_t seed, int first_user) {
    std::mt19937_64 rng(seed);
    std::vector<Example> out;
    for (int i = 0; i < n; ++i) {
      int u = first_user + int(rng() % 1000);
      // RawFeature holds views: the tokens must outlive Hash().
      std::string noise = "n" + std::to_string(rng() % 5);
      RawRecord rec;
      for (auto [f, t] : {std::pair<uint32_t, const std::string*>{0, &ids[size_t(u)]}, {1, &noise}}) {
        RawFeature rf;
        rf.field = f;
        rf.token = *t;
        rec.features.push_back(rf);
      }
      rec.label = std::uniform_real_distribution<double>(0, 1)(rng) < (u % 2 ? 0.8 : 0.2) ? 1 : 0;
      Example ex;
      h->Hash(rec, ex);
      out.push_back(ex);
    }
    return out;
  };
  // Validation users are new: only what the profile says about them transfers.
  auto train = rows(3000, 1, 0), valid = rows(2000, 2, 1000);
  std::map<std::string, double> auc;
  for (std::string norm : {"", "dim", "unit"}) {
    Params p = {{"k", "4"}, {"hidden", "16"}, {"batch_size", "32"}, {"lr", "0.01"}, {"emb_lr", "0.01"}};
    if (!norm.empty())
      for (auto kv : Params{{"profile", dir.File("users.prof")},
                            {"profile_key", "token"},
                            {"profile_field", "F0"},
                            {"profile_norm", norm}})
        p.push_back(kv);
    auto m = Make("dcnv2", h, p, ctx);
    MemorySource src(train), vsrc(valid);
    TrainConfig cfg;
    cfg.epochs = 3;
    cfg.patience = 3;
    auc[norm] = m->Train(src, &vsrc, cfg, ctx).valid_auc;
  }
  // Bayes AUC 0.8; without profiles new users are at chance.
  EXPECT_LT(auc[""], 0.65);
  EXPECT_GT(auc["dim"], 0.75);
  EXPECT_GT(auc["unit"], 0.75);
}

}  // namespace
}  // namespace adpilot::testing
