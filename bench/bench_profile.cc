// Profiling speed: WordPiece tokenizer throughput, and BERT-base-sized
// embeddings/s (random weights, seq len 128, batch 32) in adpilot's libtorch
// forward next to the same forward in python3-torch eager, in one run.
//
// usage: bench_profile [--threads N] [--batches B] [--skip-python] [--skip-bert]
// Prints one JSON object; docs/benchmarks.d/70-profile.md has the figures.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "adpilot/bert.h"
#include "adpilot/context.h"
#include "adpilot/tokenizer.h"

namespace {

// The checkout root, from this file's path (CMake passes absolute paths).
const std::string kRoot = std::filesystem::path(__FILE__).parent_path().parent_path().string();

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string SharedData() {
  std::filesystem::path p = std::filesystem::path(kRoot) / ".." / "shared" / "data";
  return std::filesystem::exists(p) ? p.string() : "";
}

// Deterministic English-like sentences with punctuation, accents and the odd CJK word.
std::vector<std::string> Sentences(size_t n) {
  const char* words[] = {"the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "Cheap", "flights",
                         "to", "Lisbon", "hotel", "café", "naïve", "reviews", "running", "shoes", "marathon",
                         "recipe", "sourdough", "unaffable", "puppeteer", "Henson", "price", "comparison",
                         "smartphone", "battery", "life", "東京", "weekend", "deals", "don't", "miss", "it!"};
  std::mt19937_64 rng(1);
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    std::string s;
    size_t len = 6 + rng() % 20;
    for (size_t w = 0; w < len; ++w) {
      if (w) s += (rng() % 9 == 0) ? ", " : " ";
      s += words[rng() % std::size(words)];
    }
    out.push_back(s + ".");
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2, batches = 3;
  bool python = true, bert = true;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--batches") && i + 1 < argc) batches = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--skip-python")) python = false;
    else if (!std::strcmp(argv[i], "--skip-bert")) bert = false;
  }
  nlohmann::json out;
  std::string vocab_dir = SharedData() + "/bert/bert-base-uncased";
  std::vector<std::string> vocab;
  if (std::filesystem::exists(vocab_dir + "/vocab.txt")) {
    adpilot::WordPieceTokenizer tok = adpilot::WordPieceTokenizer::Load(vocab_dir);
    vocab = tok.vocab();
    auto texts = Sentences(50000);
    size_t bytes = 0, ids = 0;
    for (const auto& t : texts) bytes += t.size();
    double t0 = Now();
    for (const auto& t : texts) ids += tok.Encode(t).size();
    double dt = Now() - t0;
    out["tokenizer"] = {{"texts", texts.size()}, {"bytes", bytes}, {"ids", ids}, {"seconds", dt},
                        {"texts_per_s", double(texts.size()) / dt}, {"mb_per_s", double(bytes) / dt / 1e6},
                        {"threads", 1}};
  } else {
    out["tokenizer"] = "skipped: ../shared/data/bert/bert-base-uncased/vocab.txt not found";
  }
  if (!bert) {
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  if (!adpilot::BertAvailable()) {
    out["bert"] = "skipped: built without libtorch";
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  // BERT-base: 12 layers, hidden 768, 12 heads, FFN 3072.
  adpilot::BertConfig c;
  c.vocab_size = 30522;
  c.hidden_size = 768;
  c.num_hidden_layers = 12;
  c.num_attention_heads = 12;
  c.intermediate_size = 3072;
  if (vocab.empty()) {
    vocab = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
    while (vocab.size() < size_t(c.vocab_size)) vocab.push_back("w" + std::to_string(vocab.size()));
  }
  adpilot::EncoderOptions eo;
  eo.batch_size = 32;
  eo.max_len = 128;
  auto enc = adpilot::BertEncoder::Random(c, adpilot::WordPieceTokenizer(vocab, {}), eo, 0);
  adpilot::Context ctx;
  ctx.threads = threads;
  std::mt19937_64 rng(2);
  std::vector<std::vector<int32_t>> ids(32, std::vector<int32_t>(128));
  for (auto& s : ids)
    for (auto& x : s) x = int32_t(1000 + rng() % 29000);
  enc->EmbedIds(ids, ctx);  // warm-up
  double t0 = Now();
  for (int b = 0; b < batches; ++b) enc->EmbedIds(ids, ctx);
  double dt = Now() - t0;
  out["bert_cpp"] = {{"impl", "adpilot libtorch"}, {"threads", threads}, {"seq_len", 128}, {"batch", 32},
                     {"batches", batches}, {"seconds", dt}, {"embeddings_per_s", 32.0 * batches / dt}};
  if (python) {
    std::string cmd = "/usr/bin/python3 " + kRoot + "/bench/profile/bert_eager.py " +
                      std::to_string(threads) + " 128 32 " + std::to_string(batches);
    FILE* p = popen(cmd.c_str(), "r");
    std::string s;
    char buf[4096];
    size_t n;
    while (p && (n = fread(buf, 1, sizeof buf, p)) > 0) s.append(buf, n);
    int rc = p ? pclose(p) : -1;
    auto j = nlohmann::json::parse(s, nullptr, false);
    if (rc == 0 && !j.is_discarded()) {
      out["bert_python"] = j;
      out["speed_ratio_cpp_over_python"] =
          out["bert_cpp"]["embeddings_per_s"].get<double>() / j["embeddings_per_s"].get<double>();
    } else {
      out["bert_python"] = "failed or unavailable: " + cmd;
    }
  }
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}
