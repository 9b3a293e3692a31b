// USE-Lite speed: sentences/s on 1 and 2 threads at batch 1 and 64, and the
// single-sentence p50/p99 latency, for adpilot next to the published TF.js
// implementation in node (bench/profile/use_lite_tfjs.js) and the same weights
// in python3-torch eager (bench/profile/use_lite_torch.py), in one run.
//
// usage: bench_use_lite [--seconds S] [--sentences FILE] [--skip-peers]
// Prints one JSON object; docs/benchmarks.d/70-profile.md has the figures.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/bert.h"
#include "adpilot/context.h"
#include "adpilot/use_lite.h"

namespace {

const std::string kRoot = ADPILOT_SOURCE_DIR;

double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

std::string Run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  return pclose(p) == 0 ? out : "";
}

nlohmann::json Peer(const std::string& cmd) {
  std::string out = Run(cmd + " 2>/dev/null");
  auto j = nlohmann::json::parse(out, nullptr, false);
  return j.is_discarded() ? nlohmann::json{{"error", "failed: " + cmd}} : j;
}

// Sentences per second embedding `texts` in batches of `batch` on `threads`.
double Throughput(const std::string& model, const std::vector<std::string>& texts, int batch, int threads,
                  double seconds, bool int8 = false) {
  auto enc = adpilot::UseLiteEncoder::Load(model, {.batch_size = batch, .int8 = int8});
  adpilot::Context ctx;
  ctx.threads = threads;
  enc->Embed({texts.begin(), texts.begin() + std::min<size_t>(texts.size(), 64)}, ctx);  // warm-up
  size_t done = 0;
  double t0 = Now();
  while (Now() - t0 < seconds) {
    enc->Embed(texts, ctx);
    done += texts.size();
  }
  return double(done) / (Now() - t0);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  std::string sentences = kRoot + "/tests/profile/fixtures/use_lite_sentences.txt";
  bool peers = true;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--sentences") && i + 1 < argc) sentences = argv[++i];
    else if (!std::strcmp(argv[i], "--skip-peers")) peers = false;
    else {
      std::fprintf(stderr, "usage: bench_use_lite [--seconds S] [--sentences FILE] [--skip-peers]\n");
      return 2;
    }
  }
  std::string model = adpilot::FindUseLite();
  if (model.empty()) {
    std::fprintf(stderr, "bench_use_lite: USE-Lite not installed (scripts/install-deps.sh)\n");
    return 1;
  }
  std::vector<std::string> texts;
  {
    std::ifstream in(sentences);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) texts.push_back(line);
  }
  auto enc = adpilot::UseLiteEncoder::Load(model);
  size_t tokens = 0;
  std::vector<std::vector<int32_t>> ids;
  for (const auto& t : texts) {
    ids.push_back(enc->tokenizer().Encode(t));
    tokens += std::min<size_t>(ids.back().size(), adpilot::UseLiteEncoder::kMaxTokens);
  }
  nlohmann::json out = {{"sentences", texts.size()},
                        {"mean_tokens", double(tokens) / double(texts.size())},
                        {"seconds_per_figure", seconds}};
  for (int threads : {1, 2})
    for (int batch : {1, 64})
      out["adpilot"][fmt::format("threads{}_batch{}", threads, batch)] =
          Throughput(model, texts, batch, threads, seconds);
  // int8 (libtorch's quantised linear) on one thread, and its distance from fp32.
  if (adpilot::BertAvailable()) {
    for (int batch : {1, 64})
      out["adpilot_int8"][fmt::format("threads1_batch{}", batch)] = Throughput(model, texts, batch, 1, seconds, true);
    adpilot::Context ctx;
    adpilot::Matrix f = enc->Embed(texts, ctx);
    adpilot::Matrix q = adpilot::UseLiteEncoder::Load(model, {.int8 = true})->Embed(texts, ctx);
    double worst = 1, sum = 0;
    for (size_t i = 0; i < texts.size(); ++i) {
      double c = adpilot::Dot(f.row(i), q.row(i), f.dim);  // both unit vectors
      worst = std::min(worst, c);
      sum += c;
    }
    out["adpilot_int8"]["cosine_to_fp32"] = {{"min", worst}, {"mean", sum / double(texts.size())}};
    for (int batch : {1, 64}) {
      std::string k = fmt::format("threads1_batch{}", batch);
      out["ratios"]["int8_over_fp32_" + k] = out["adpilot_int8"][k].get<double>() / out["adpilot"][k].get<double>();
    }
  }
  // Latency of one sentence at a time, one thread, tokenizer included.
  {
    adpilot::Context ctx;
    std::vector<double> lat;
    double t0 = Now();
    for (size_t i = 0; Now() - t0 < seconds; i = (i + 1) % texts.size()) {
      double s = Now();
      enc->Embed({texts[i]}, ctx);
      lat.push_back((Now() - s) * 1000);
    }
    std::sort(lat.begin(), lat.end());
    out["adpilot"]["latency_ms"] = {{"p50", lat[lat.size() / 2]}, {"p99", lat[size_t(double(lat.size()) * 0.99)]}};
  }
  if (peers) {
    const std::string modules = kRoot + "/web/node_modules";
    for (int batch : {1, 64})
      out["tfjs"][fmt::format("batch{}", batch)] = Peer(
          fmt::format("node {}/bench/profile/use_lite_tfjs.js {} {} {} {}", kRoot, modules, sentences, batch, seconds));
    auto dir = std::filesystem::temp_directory_path() / fmt::format("bench_use_lite.{}", ::getpid());
    std::filesystem::create_directories(dir);
    std::string ids_path = (dir / "ids.json").string();
    adpilot::WriteFileAtomic(ids_path, nlohmann::json{{"ids", ids}}.dump());
    for (int threads : {1, 2})
      for (int batch : {1, 64})
        out["torch"][fmt::format("threads{}_batch{}", threads, batch)] =
            Peer(fmt::format("/usr/bin/python3 {}/bench/profile/use_lite_torch.py {} {} {} {} {}", kRoot, model,
                             ids_path, threads, batch, seconds));
    std::filesystem::remove_all(dir);
    // Per core: adpilot on one thread against each peer on one thread.
    auto ratio = [&](const char* peer, const char* key, const char* ours) {
      const auto& p = out[peer];
      if (p.contains(key) && p[key].contains("sentences_per_s"))
        out["ratios"][fmt::format("{}_vs_{}", ours, peer)] =
            out["adpilot"][ours].get<double>() / p[key]["sentences_per_s"].get<double>();
    };
    ratio("tfjs", "batch1", "threads1_batch1");
    ratio("tfjs", "batch64", "threads1_batch64");
    ratio("torch", "threads1_batch1", "threads1_batch1");
    ratio("torch", "threads1_batch64", "threads1_batch64");
  }
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}
