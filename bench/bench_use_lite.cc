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
#include "profile/use_lite_weights.h"

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

// Floating-point operations of one forward pass over texts of `lens` tokens:
// 2 per multiply-add of every dense layer on every token, the attention
// products (QK^T and PV per head) and the final tanh layer per text. The
// elementwise work (norms, softmax, ReLU) is left out: it is a few percent.
double ForwardFlops(const adpilot::use_lite::Weights& w, const std::vector<size_t>& lens) {
  double tokens = 0, attention = 0;
  for (size_t n : lens) {
    tokens += double(n);
    for (const auto& L : w.layers) attention += 2.0 * 2.0 * double(L.heads) * double(n * n) * double(L.depth);
  }
  double per_token = 0;
  for (const auto& L : w.layers)
    for (const auto* d : {&L.qkv, &L.out, &L.ffn1, &L.ffn2, &L.residual}) per_token += 2.0 * d->in * d->out;
  return tokens * per_token + attention + double(lens.size()) * 2.0 * w.tanh.in * w.tanh.out;
}

// GFLOP/s of the encoder's own GEMM on one thread for C[m x n] = A[m x k] B.
double GemmRate(int m, int n, int k, double seconds) {
  std::vector<float> a(size_t(m) * size_t(k), 0.5f), b(size_t(k) * size_t(n), 0.25f), c(size_t(m) * size_t(n));
  adpilot::use_lite::OneGemmThread one;
  adpilot::use_lite::Gemm(m, n, k, a.data(), k, b.data(), n, c.data(), n, false);  // warm-up (JIT)
  size_t calls = 0;
  double t0 = Now();
  while (Now() - t0 < seconds) {
    adpilot::use_lite::Gemm(m, n, k, a.data(), k, b.data(), n, c.data(), n, false);
    ++calls;
  }
  return 2.0 * double(m) * double(n) * double(k) * double(calls) / (Now() - t0) / 1e9;
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
            // OpenBLAS sizes its own pool from the cores unless told: without
            // this, "1 thread" ran torch's matmuls on both cores.
            Peer(fmt::format("OPENBLAS_NUM_THREADS={0} OMP_NUM_THREADS={0} /usr/bin/python3 "
                             "{1}/bench/profile/use_lite_torch.py {2} {3} {0} {4} {5}",
                             threads, kRoot, model, ids_path, batch, seconds));
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
  // The ceiling: the FLOPs a sentence costs and what the GEMM reaches on one
  // core, on a large square product and on the FFN's shape at batch 64 (its
  // token rows by 1536 by 512). Any fp32 implementation doing this work is
  // bounded by that rate, so peak / torch's rate bounds the ratio to torch.
  {
    auto w = adpilot::use_lite::LoadWeights(model);
    std::vector<size_t> lens;
    for (const auto& v : ids) lens.push_back(std::min<size_t>(v.size(), adpilot::UseLiteEncoder::kMaxTokens));
    const double flops = ForwardFlops(w, lens) / double(lens.size());
    auto& r = out["roofline"];
    r["gflop_per_sentence"] = flops / 1e9;
    r["gemm_gflops_1024"] = GemmRate(1024, 1024, 1024, seconds);
    r["gemm_gflops_ffn_batch64"] =
        GemmRate(int(std::lround(64 * double(tokens) / double(texts.size()))), 1536, 512, seconds);
    const double peak = std::max(r["gemm_gflops_1024"].get<double>(), r["gemm_gflops_ffn_batch64"].get<double>());
    r["adpilot_gflops_batch64"] = out["adpilot"]["threads1_batch64"].get<double>() * flops / 1e9;
    r["adpilot_share_of_peak_batch64"] = r["adpilot_gflops_batch64"].get<double>() / peak;
    if (out.contains("torch") && out["torch"]["threads1_batch64"].contains("sentences_per_s")) {
      const double torch = out["torch"]["threads1_batch64"]["sentences_per_s"].get<double>() * flops / 1e9;
      r["torch_gflops_batch64"] = torch;
      r["torch_share_of_peak_batch64"] = torch / peak;
      r["most_any_fp32_could_beat_torch_batch64"] = peak / torch;
    }
  }
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}
