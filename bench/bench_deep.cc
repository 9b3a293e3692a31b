// Deep CTR models (deepfm, dcnv2) against ffm in the same run: training
// examples/s (one in-memory epoch, mini-batches for the deep models, Hogwild
// for ffm), single-row scoring latency p50/p99 (Model::Margin, one thread)
// and throughput when scoring batches of 256 rows (Model::MarginBatch).
// One JSON object per model on stdout, e.g.
//   build/bench/bench_deep --data world/auctions.tsv --rows 100000 --threads 2
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "adpilot/context.h"
#include "adpilot/model.h"
#include "adpilot/options.h"
#include "adpilot/reader.h"

using namespace adpilot;
using WallClock = std::chrono::steady_clock;

namespace {

double Seconds(WallClock::time_point a) { return std::chrono::duration<double>(WallClock::now() - a).count(); }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"adpilot deep-model training/scoring benchmark"};
  std::string data, format = "criteo", models = "ffm,deepfm,dcnv2";
  int threads = 2, k = 8, latency_rows = 2000;
  uint64_t rows = 100000;
  app.add_option("--data", data, "data file")->required();
  app.add_option("--format", format, "input format");
  app.add_option("--models", models, "comma-separated model names");
  app.add_option("--threads", threads, "training / batch-scoring threads");
  app.add_option("--k", k, "embedding size (ffm: latent factors 4)");
  app.add_option("--rows", rows, "rows to train and score");
  app.add_option("--latency-rows", latency_rows, "rows scored one at a time for p50/p99");
  // Feature options (--bits, --numeric, --cross, ...) are FeatureConfig's own
  // declaration, as in `adpilot train`; CLI11 passes them through.
  FeatureConfig fc;
  fc.bits = 18;  // this bench's default
  OptionSet feature_options;
  fc.Describe(feature_options);
  app.allow_extras();
  app.footer("Feature options:\n" + feature_options.HelpText());
  CLI11_PARSE(app, argc, argv);
  try {
    Context ctx;
    ctx.threads = threads;
    ReaderOptions ro;
    ro.format = format;
    feature_options.ParseArgs(app.remaining(), "feature options");
    feature_options.Validate();
    auto hasher = std::make_shared<FeatureHasher>(fc, OpenReader(data, ro)->schema());
    auto ex = LoadExamples(data, ro, *hasher, LabelConfig{}, ctx, rows);
    size_t start = 0;
    while (start < models.size()) {
      size_t end = models.find(',', start);
      if (end == std::string::npos) end = models.size();
      std::string name = models.substr(start, end - start);
      start = end + 1;
      if (!ModelRegistry::Get().Has(name)) {
        std::printf("{\"model\": \"%s\", \"skipped\": \"not in this build\"}\n", name.c_str());
        continue;
      }
      auto m = CreateModel(name);
      OptionSet o;
      m->Describe(o);
      o.SetFromString("k", name == "ffm" ? "4" : std::to_string(k), "bench");
      m->SetFeatures(hasher, format);
      m->Init(ctx);
      MemorySource src(ex);
      TrainConfig cfg;
      cfg.epochs = 1;
      auto t0 = WallClock::now();
      m->Train(src, nullptr, cfg, ctx);
      double train_s = Seconds(t0);
      // Single rows, one thread: what a bidder does per request.
      std::vector<double> lat;
      double sink = 0;
      for (int i = 0; i < latency_rows; ++i) {
        auto t = WallClock::now();
        sink += m->Margin(ex[size_t(i) % ex.size()]);
        lat.push_back(Seconds(t) * 1e6);
      }
      std::sort(lat.begin(), lat.end());
      // Batches of 256 through the batch path.
      std::vector<double> out(256);
      size_t scored = 0;
      t0 = WallClock::now();
      for (size_t b = 0; b + 256 <= ex.size(); b += 256) {
        m->MarginBatch(std::span<const Example>(ex.data() + b, 256), out, ctx);
        sink += out[0];
        scored += 256;
      }
      double batch_s = Seconds(t0);
      nlohmann::json j;
      j["model"] = name;
      j["rows"] = ex.size();
      j["threads"] = threads;
      j["bits"] = fc.bits;
      j["train_examples_per_s"] = double(ex.size()) / train_s;
      j["latency_us_p50"] = lat[lat.size() / 2];
      j["latency_us_p99"] = lat[lat.size() * 99 / 100];
      j["batch256_rows_per_s"] = double(scored) / batch_s;
      j["checksum"] = sink;
      std::printf("%s\n", j.dump().c_str());
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_deep: %s\n", e.what());
    return 1;
  }
  return 0;
}
