// Training and scoring throughput of lr / fm / ffm (and gbdt) on a data file,
// with peak RSS. One JSON object per run on stdout, e.g.
//   build/bench/bench_train --data world/auctions.tsv --model ffm --threads 2 --rows 5000000
//   build/bench/bench_train ... --model ffm --set simd=false   (scalar reference kernel)
// Modes: "stream" (default) = one online pass parsing the file as it trains
// (what VW and `adpilot train --online` do; memory must not grow with rows),
// "memory" = parse first, then time training epochs alone (model speed).
// Scoring: rows/s of PredictBatch over the in-memory rows (memory mode) or
// of a streaming scoring pass (stream mode).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "adpilot/context.h"
#include "adpilot/model.h"
#include "adpilot/options.h"
#include "adpilot/reader.h"

using namespace adpilot;

namespace {

double PeakRssMb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_maxrss) / 1024.0;
}

// Caps a source at `max` rows per pass.
class Limited : public ExampleSource {
 public:
  Limited(std::unique_ptr<ExampleSource> s, uint64_t max) : s_(std::move(s)), max_(max) {}
  size_t Next(std::vector<Example>& b, size_t n) override {
    if (max_ && done_ >= max_) return 0;
    size_t want = max_ ? std::min<uint64_t>(n, max_ - done_) : n;
    size_t got = s_->Next(b, want);
    done_ += got;
    return got;
  }
  void Rewind() override {
    s_->Rewind();
    done_ = 0;
  }

 private:
  std::unique_ptr<ExampleSource> s_;
  uint64_t max_, done_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"adpilot training/scoring throughput benchmark"};
  std::string data, format = "criteo", model = "lr", mode = "stream";
  int threads = 1, k = 4, epochs = 1;
  uint64_t rows = 0;
  std::vector<std::string> sets;
  app.add_option("--data", data, "data file")->required();
  app.add_option("--format", format, "input format");
  app.add_option("--model", model, "model name");
  app.add_option("--threads", threads, "Hogwild threads");
  app.add_option("--k", k, "latent factors (fm, ffm)");
  app.add_option("--rows", rows, "rows to use (0 = all)");
  app.add_option("--epochs", epochs, "epochs (memory mode)");
  app.add_option("--set", sets, "model hyperparameter key=value (e.g. simd=false), repeatable");
  app.add_option("--mode", mode, "stream | memory")->check(CLI::IsMember({"stream", "memory"}));
  // Feature options (--bits, --numeric, --cross, ...) are FeatureConfig's own
  // declaration, as in `adpilot train`; CLI11 passes them through.
  FeatureConfig fc;
  fc.bits = 20;  // this bench's default
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
    auto schema = OpenReader(data, ro)->schema();
    auto hasher = std::make_shared<FeatureHasher>(fc, schema);
    auto m = CreateModel(model);
    {
      OptionSet o;
      m->Describe(o);
      if (model == "fm" || model == "ffm") o.SetFromString("k", std::to_string(k), "bench");
      for (const auto& kv : sets) {
        auto eq = kv.find('=');
        if (eq == std::string::npos) throw std::runtime_error("--set wants key=value, got " + kv);
        o.SetFromString(kv.substr(0, eq), kv.substr(eq + 1), "--set");
      }
    }
    m->SetFeatures(hasher, format);
    m->Init(ctx);
    double rss_init = PeakRssMb();
    nlohmann::json j = {{"model", model}, {"threads", threads}, {"bits", fc.bits},
                        {"mode", mode},   {"data", data},       {"set", sets}};
    TrainConfig cfg;
    using clock = std::chrono::steady_clock;
    if (mode == "stream") {
      cfg.online = true;
      Limited src(OpenExampleSource(data, ro, hasher, LabelConfig{}, ctx), rows);
      auto t0 = clock::now();
      TrainReport r = m->Train(src, nullptr, cfg, ctx);
      double s = std::chrono::duration<double>(clock::now() - t0).count();
      j["rows"] = r.train_rows;
      j["train_seconds"] = s;
      j["train_examples_per_s"] = double(r.train_rows) / s;
      j["train_examples_per_s_per_thread"] = double(r.train_rows) / s / threads;
      j["train_logloss_progressive"] = r.epochs.empty() ? 0.0 : r.epochs[0].train_logloss;
      src.Rewind();
      std::vector<Example> batch;
      std::vector<float> p;
      uint64_t n = 0;
      t0 = clock::now();
      while (size_t got = src.Next(batch, 65536)) {
        p.resize(got);
        m->PredictBatch(std::span<const Example>(batch.data(), got), p, ctx);
        n += got;
      }
      s = std::chrono::duration<double>(clock::now() - t0).count();
      j["score_rows_per_s"] = double(n) / s;
    } else {
      cfg.epochs = epochs;
      cfg.online = false;
      auto t0 = clock::now();
      auto ex = LoadExamples(data, ro, *hasher, LabelConfig{}, ctx, rows);
      j["parse_seconds"] = std::chrono::duration<double>(clock::now() - t0).count();
      MemorySource src(std::move(ex));
      t0 = clock::now();
      TrainReport r = m->Train(src, nullptr, cfg, ctx);
      double s = std::chrono::duration<double>(clock::now() - t0).count();
      j["rows"] = r.train_rows;
      j["train_seconds"] = s;
      j["train_examples_per_s"] = double(r.examples_seen) / s;
      j["train_examples_per_s_per_thread"] = double(r.examples_seen) / s / threads;
      std::vector<float> p(src.rows().size());
      t0 = clock::now();
      m->PredictBatch(src.rows(), p, ctx);
      s = std::chrono::duration<double>(clock::now() - t0).count();
      j["score_rows_per_s"] = double(p.size()) / s;
    }
    j["model_mb"] = double(m->Parameters().size()) * 4 / 1048576.0;
    j["peak_rss_mb_after_init"] = rss_init;
    j["peak_rss_mb"] = PeakRssMb();
    std::printf("%s\n", j.dump().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_train: %s\n", e.what());
    return 1;
  }
  return 0;
}
