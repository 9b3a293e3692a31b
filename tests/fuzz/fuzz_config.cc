// libFuzzer target for one kind of TOML config (ADPILOT_FUZZ_CONFIG):
//   train  - `train --config`: the top-level options (training schedule, label,
//            features) and each model's [<model>] table, as the train command binds them
//            (src/predict/predict_commands.cc)
//   serve  - LoadServeConfig: [server], [features], [currency], [[campaign]]
//   schema - a CSV schema (the csv reader's --schema), then a fixed CSV read with it
// (`adpilot run` configs: fuzz_config_run.cc.) Any refusal must be an adpilot::Error naming the problem (exit 2 or 1).
#include <cstdint>
#include <string>

#include "adpilot/context.h"
#include "adpilot/features.h"
#include "adpilot/model.h"
#include "adpilot/options.h"
#include "adpilot/reader.h"
#include "adpilot/server.h"
#include "fuzz_hash.h"
#include "fuzz_util.h"

using namespace adpilot;

namespace {

const std::string kConfig = ADPILOT_FUZZ_CONFIG;

void Train(const std::string& path) {
  OptionSet set;
  TrainConfig tc;
  LabelConfig lc;
  FeatureConfig fc;
  tc.Describe(set);
  lc.Describe(set);
  fc.Describe(set);
  set.LoadTomlFile(path);
  set.Validate();
  Schema schema;
  for (int i = 1; i <= 3; ++i) schema.Add("I" + std::to_string(i), FieldKind::kNumeric);
  for (int i = 1; i <= 3; ++i) schema.Add("C" + std::to_string(i), FieldKind::kCategorical);
  FeatureHasher hasher(fc, schema);  // what the validated feature options build
  for (const auto& name : ModelRegistry::Get().Names()) {
    auto m = CreateModel(name);
    OptionSet ms(name);
    m->Describe(ms);
    ms.LoadTomlFile(path);
    ms.Validate();
  }
}

void CsvSchema(const std::string& path) {
  static const std::string csv = [] {
    std::string p = fuzz::TempPath("schema-data.csv");
    fuzz::WriteFile(p,
                    "click,w,uid,ts,price,site,tags,title,conv\n1,1,u1,1700000000,3.5,a.com,x|y,hello world,0\n"
                    "0,2,u2,1700000100,,b.com,,,1\n0,1,u3,1700000200,1e3,a.com,z,t,0\n");
    return p;
  }();
  ReaderOptions o;
  o.format = "csv";
  o.schema_path = path;
  auto r = OpenReader(csv, o);
  fuzz::HashEveryRow(*r);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = fuzz::TempPath(kConfig + ".toml");
  fuzz::WriteFile(path, fuzz::AsView(data, size));
  fuzz::Refusable([&] {
    if (kConfig == "train") {
      Train(path);
    } else if (kConfig == "serve") {
      ServeConfig cfg = LoadServeConfig(path);
      for (const auto& c : cfg.campaigns)
        if (c.id.empty() || c.creatives.empty()) __builtin_trap();  // refused as documented (campaign.h)
    } else {
      CsvSchema(path);
    }
  });
  return 0;
}
