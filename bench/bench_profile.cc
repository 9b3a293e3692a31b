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
#include <memory>
#include <random>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "adpilot/bert.h"
#include "adpilot/context.h"
#include "adpilot/tokenizer.h"

namespace {

// The checkout root, from this file's path (CMake passes absolute paths).
const std::string kRoot = std::filesystem::path(__FILE__).parent_path().parent_path().string();

double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

std::string SharedData() {
  std::filesystem::path p = std::filesystem::path(kRoot) / ".." / "shared" / "data";
  return std::filesystem::exists(p) ? p.string() : "";
}

// Deterministic English-like sentences with punctuation, accents and the odd CJK word.
std::vector<std::string> Sentences(size_t n) {
  const char* words[] = {"the",       "quick",     "brown",   "fox",   "jumps",      "over",       "lazy",
                         "dog",       "Cheap",     "flights", "to",    "Lisbon",     "hotel",      "café",
                         "naïve",     "reviews",   "running", "shoes", "marathon",   "recipe",     "sourdough",
                         "unaffable", "puppeteer", "Henson",  "price", "comparison", "smartphone", "battery",
                         "life",      "東京",      "weekend", "deals", "don't",      "miss",       "it!"};
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

// The python peer as a child process with a pipe each way.
class Peer {
 public:
  static std::unique_ptr<Peer> Start(const std::string& cmd) {
    int to[2], from[2];
    if (pipe(to) || pipe(from)) return nullptr;
    pid_t pid = fork();
    if (pid < 0) return nullptr;
    if (pid == 0) {
      dup2(to[0], 0);
      dup2(from[1], 1);
      close(to[1]);
      close(from[0]);
      execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(to[0]);
    close(from[1]);
    auto p = std::make_unique<Peer>();
    p->pid_ = pid;
    p->in_ = fdopen(to[1], "w");
    p->out_ = fdopen(from[0], "r");
    return p;
  }
  ~Peer() {
    if (in_) fclose(in_);
    if (out_) fclose(out_);
    if (pid_ > 0) waitpid(pid_, nullptr, 0);
  }
  std::string ReadLine() {
    char buf[4096];
    if (!out_ || !fgets(buf, sizeof buf, out_)) return "";
    std::string s(buf);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  }
  void WriteLine(const std::string& s) {
    fprintf(in_, "%s\n", s.c_str());
    fflush(in_);
  }

 private:
  pid_t pid_ = -1;
  FILE* in_ = nullptr;
  FILE* out_ = nullptr;
};

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
    out["tokenizer"] = {{"texts", texts.size()},
                        {"bytes", bytes},
                        {"ids", ids},
                        {"seconds", dt},
                        {"texts_per_s", double(texts.size()) / dt},
                        {"mb_per_s", double(bytes) / dt / 1e6},
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
  // The python peer warms up first (its own process), then batches alternate
  // C++, python, C++, ... so both see the same load on a shared machine.
  std::unique_ptr<Peer> peer;
  std::string cmd = "/usr/bin/python3 " + kRoot + "/bench/profile/bert_eager.py " + std::to_string(threads) +
                    " 128 32 " + std::to_string(batches) + " --serve";
  if (python) {
    peer = Peer::Start(cmd);
    if (peer && peer->ReadLine() != "ready") peer.reset();
    if (!peer) out["bert_python"] = "failed or unavailable: " + cmd;
  }
  enc->EmbedIds(ids, ctx);  // warm-up
  double cpp = 0, py = 0;
  std::vector<double> ratios;
  for (int b = 0; b < batches; ++b) {
    double t0 = Now();
    enc->EmbedIds(ids, ctx);
    double dt = Now() - t0;
    cpp += dt;
    if (!peer) continue;
    peer->WriteLine("go");
    auto j = nlohmann::json::parse(peer->ReadLine(), nullptr, false);
    if (j.is_discarded() || !j.contains("seconds")) {
      out["bert_python"] = "peer failed: " + cmd;
      peer.reset();
      continue;
    }
    py += j["seconds"].get<double>();
    ratios.push_back(j["seconds"].get<double>() / dt);
  }
  out["bert_cpp"] = {{"impl", "adpilot libtorch"},
                     {"threads", threads},
                     {"seq_len", 128},
                     {"batch", 32},
                     {"batches", batches},
                     {"seconds", cpp},
                     {"embeddings_per_s", 32.0 * batches / cpp}};
  if (peer && int(ratios.size()) == batches) {
    out["bert_python"] = {{"impl", "python3-torch eager"},
                          {"threads", threads},
                          {"seq_len", 128},
                          {"batch", 32},
                          {"batches", batches},
                          {"seconds", py},
                          {"embeddings_per_s", 32.0 * batches / py}};
    out["speed_ratio_cpp_over_python"] = py / cpp;
    out["speed_ratio_per_batch"] = ratios;  // python seconds / C++ seconds of neighbouring batches
  }
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}
