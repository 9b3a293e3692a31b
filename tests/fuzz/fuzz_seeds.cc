// Writes the binary seeds of the loader targets into OUT/<target>/ (text seeds
// come from tests/fuzz/seeds and ../shared/data, see corpus.sh): small trained
// models of every registered kind (fuzz_model: the file without its trailer),
// a dataset cache (fuzz_cache) and a profile store (fuzz_profile_store), in the
// layouts those targets read.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "adpilot/cache.h"
#include "adpilot/context.h"
#include "adpilot/model.h"
#include "adpilot/options.h"
#include "adpilot/profile_store.h"
#include "fuzz_fixtures.h"
#include "fuzz_util.h"

using namespace adpilot;
namespace fs = std::filesystem;

namespace {

void Models(const std::string& out, const Context& ctx) {
  std::string tmp = fuzz::TempPath("seed-models");
  fs::create_directories(tmp);
  // Three fields (libffm) and 2^6 buckets keep every model's state a few KB.
  std::string data = tmp + "/train.ffm";
  std::string rows;
  for (int r = 0; r < 24; ++r)
    rows += std::to_string(r % 3 == 0) + " 0:" + std::to_string(r % 5) + ":1 1:" + std::to_string(7 + r % 4) +
            ":0.5 2:" + std::to_string(20 + r % 6) + ":1\n";
  fuzz::WriteFile(data, rows);
  ReaderOptions ro;
  ro.format = "libffm";
  FeatureConfig fc;
  fc.bits = 6;
  auto hasher = std::make_shared<const FeatureHasher>(fc, OpenReader(data, ro)->schema());
  LabelConfig label;
  for (const auto& name : ModelRegistry::Get().Names()) {
    for (const char* cal : {"none", "isotonic"}) {
      auto m = CreateModel(name);
      if (name == "gbdt") {  // a few small trees: xgboost's default makes a 200 KB seed
        OptionSet o;
        m->Describe(o);
        o.SetFromString("rounds", "3", "fuzz_seeds");
        o.SetFromString("max_depth", "2", "fuzz_seeds");
      }
      m->SetFeatures(hasher, "libffm");
      m->Init(ctx);
      MemorySource train(LoadExamples(data, ro, *hasher, label, ctx));
      MemorySource valid(LoadExamples(data, ro, *hasher, label, ctx));
      TrainConfig tc;
      tc.epochs = 2;
      tc.calibrate = cal;
      m->Train(train, &valid, tc, ctx);
      std::string path = tmp + "/" + name + ".apm";
      m->Save(path);
      // A seed the loader refuses would start the fuzzer from garbage.
      if (LoadModel(path)->name() != name) Throw(ErrorCode::kInternal, "{}: reloads as another model", path);
      std::string bytes = fuzz::ReadFile(path);
      fuzz::WriteFile(out + "/fuzz_model/" + name + "-" + cal, bytes.substr(0, bytes.size() - 16));
    }
  }
}

void Cache(const std::string& out, const Context& ctx) {
  std::string src = fuzz::TempPath("seed-cache.tsv"), dir = fuzz::TempPath("seed-cache");
  fs::create_directories(dir);
  fuzz::WriteFile(src, fuzz::CriteoRows());
  auto ds = OpenHashedDataset(src, fuzz::CacheReaderOptions(), fuzz::CacheFeatures(), ctx, dir);
  Example ex;
  while (ds->Next(ex)) {}
  std::string bytes = fuzz::ReadFile(ds->cache_path());
  uint32_t len = 0;
  std::memcpy(&len, bytes.data() + 12, 4);
  // header JSON (the container's config) | separator | the payload: blocks, end marker, counts
  fuzz::WriteFile(out + "/fuzz_cache/criteo",
                  bytes.substr(16, len) + "\nADPBLK\n" + bytes.substr(24 + len, bytes.size() - 24 - len - 16));
}

void Profiles(const std::string& out) {
  std::string path = fuzz::TempPath("seed-profile.bin");
  ProfileStore s(4, {"u1", "u2", "u3"}, {1, 0, 0, 0, 0, 1, 0, 0, 0.5f, 0.5f, 0, 0}, {2, 1, 0}, false,
                 {{"encoder", "tfidf"}});
  s.Save(path);
  fuzz::WriteFile(out + "/fuzz_profile_store/three",
                  fuzz::ReadFile(path) + "\nADPIDX\n" + fuzz::ReadFile(path + ".index"));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seeds OUT_DIR\n");
    return 2;
  }
  std::string out = argv[1];
  for (const char* t : {"fuzz_model", "fuzz_cache", "fuzz_profile_store"}) fs::create_directories(out + "/" + t);
  Context ctx = Context::Default();
  Models(out, ctx);
  Cache(out, ctx);
  Profiles(out);
  fs::remove_all(fuzz::TempPath("seed-models"));
  fs::remove_all(fuzz::TempPath("seed-cache"));
  return 0;
}
