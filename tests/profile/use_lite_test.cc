// USE-Lite against its published implementation: tests/profile/use_lite_reference.js
// runs @energetic-ai/embeddings (TF.js) in node on the 230 sentences of
// fixtures/use_lite_sentences.txt (Unicode, accents, CJK, emoji, digits,
// punctuation, upper case, empty and very long lines), in the tests that need it.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/bert.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/use_lite.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

const std::string kSentences = ADPILOT_SOURCE_DIR "/tests/profile/fixtures/use_lite_sentences.txt";
const std::string kModules = ADPILOT_SOURCE_DIR "/web/node_modules";

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

double Cosine(const float* a, const std::vector<double>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    ab += a[i] * b[i];
    aa += double(a[i]) * a[i];
    bb += b[i] * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

class UseLite : public ::testing::Test {
 protected:
  static void TearDownTestSuite() {
    delete ref_;
    ref_ = nullptr;
  }
  void SetUp() override {
    if (FindUseLite().empty()) GTEST_SKIP() << "USE-Lite not installed (scripts/install-deps.sh: npm ci in web/)";
  }
  // The published implementation's output, computed on first use (ctest runs
  // each test in its own process: only the tests that need it pay for node).
  const nlohmann::json* Reference() {
    if (!ref_) {
      if (std::system("node --version >/dev/null 2>&1") != 0 ||
          !std::filesystem::exists(kModules + "/@energetic-ai/embeddings/dist/index.js")) {
        ADD_FAILURE() << "node reference unavailable (node, web/node_modules/@energetic-ai/embeddings)";
        return nullptr;
      }
      testing::TempDir dir;
      std::string out = dir.File("ref.json");
      std::string cmd =
          "node " ADPILOT_SOURCE_DIR "/tests/profile/use_lite_reference.js " + kModules + " " + kSentences + " " + out;
      if (std::system(cmd.c_str()) != 0) {
        ADD_FAILURE() << "failed: " << cmd;
        return nullptr;
      }
      ref_ = new nlohmann::json(nlohmann::json::parse(ReadFile(out)));
    }
    return ref_;
  }
  static nlohmann::json* ref_;
};
nlohmann::json* UseLite::ref_ = nullptr;

TEST_F(UseLite, TokenIdsAreThePublishedOnes) {
  const nlohmann::json* ref = Reference();
  if (!ref) return;
  auto tok = UseLiteTokenizer::Load(FindUseLite() + "/vocab.json");
  auto lines = Lines(kSentences);
  ASSERT_EQ(lines.size(), (*ref)["ids"].size());
  size_t with_unk = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto want = (*ref)["ids"][i].get<std::vector<int32_t>>();
    EXPECT_EQ(tok.Encode(lines[i]), want) << "line " << i + 1 << ": " << lines[i];
    with_unk += std::count(want.begin(), want.end(), 0) > 0;
  }
  EXPECT_GT(with_unk, 5u);  // CJK, emoji and the like reach <unk>
  EXPECT_TRUE(tok.Encode("").empty());
}

TEST_F(UseLite, VectorsMatchThePublishedImplementation) {
  const nlohmann::json* ref = Reference();
  if (!ref) return;
  Context ctx;
  ctx.threads = 2;
  auto enc = UseLiteEncoder::Load("use-lite", {.batch_size = 16});
  auto lines = Lines(kSentences);
  Matrix m = enc->Embed(lines, ctx);
  ASSERT_EQ(m.rows, lines.size());
  ASSERT_EQ(m.dim, 512u);
  double worst = 1;
  size_t worst_line = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    double c = Cosine(m.row(i), (*ref)["embeddings"][i].get<std::vector<double>>());
    if (c < worst) worst = c, worst_line = i;
  }
  EXPECT_GE(worst, 0.9999) << "line " << worst_line + 1 << ": " << lines[worst_line];
  EXPECT_GE(lines.size(), 200u);
}

TEST_F(UseLite, ABatchGivesEachTextItsOwnVector) {
  Context ctx;
  auto batched = UseLiteEncoder::Load("use-lite", {.batch_size = 64});
  auto single = UseLiteEncoder::Load("use-lite", {.batch_size = 1});
  std::vector<std::string> texts = {"short", "", "a much longer text about running shoes and marathon training",
                                    std::string(1000, 'y'), "東京 😀"};
  Matrix a = batched->Embed(texts, ctx), b = single->Embed(texts, ctx);
  for (size_t i = 0; i < texts.size(); ++i) {
    std::vector<double> bi(b.row(i), b.row(i) + b.dim);
    EXPECT_GT(Cosine(a.row(i), bi), 0.99999) << texts[i];
    double norm = 0;
    for (size_t j = 0; j < a.dim; ++j) norm += double(a.row(i)[j]) * a.row(i)[j];
    EXPECT_NEAR(norm, 1.0, 1e-5);
  }
  // Past the graph's 128-token limit the text is cut: more of it changes nothing.
  Matrix c = batched->Embed({std::string(2000, 'y')}, ctx);
  std::vector<double> c0(c.row(0), c.row(0) + c.dim);
  EXPECT_GT(Cosine(a.row(3), c0), 0.99999);
}

TEST_F(UseLite, Int8StaysWithinCosine099OfFloat32) {
  if (!BertAvailable()) GTEST_SKIP() << "built without libtorch: no int8";
  Context ctx;
  ctx.threads = 2;
  auto lines = Lines(kSentences);
  Matrix f = UseLiteEncoder::Load("use-lite")->Embed(lines, ctx);
  Matrix q = UseLiteEncoder::Load("use-lite", {.int8 = true})->Embed(lines, ctx);
  double worst = 1, sum = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    double c = Cosine(q.row(i), std::vector<double>(f.row(i), f.row(i) + f.dim));
    worst = std::min(worst, c);
    sum += c;
  }
  EXPECT_GE(worst, 0.99);
  EXPECT_LT(sum / double(lines.size()), 0.999999);  // the int8 path did run
  auto r = testing::RunCli("profile embed --model use-lite --int8 --input " + kSentences + " --format lines --json");
  ASSERT_EQ(r.exit_code, 0);
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["embeddings"].size(), lines.size());
  // The CLI batches 32 texts, the library 64: int8 activations are scaled per
  // batch, so a text's vector moves a little with its batch-mates.
  EXPECT_GT(Cosine(q.row(5), j["embeddings"][5].get<std::vector<double>>()), 0.999);
}

// Segments, lookalikes and keywords on USE-Lite vectors, on users of two
// topics that share no word (the encoder has to know what the words mean).
TEST_F(UseLite, SegmentsLookalikesAndKeywordsRunOnIt) {
  testing::TempDir dir;
  const char* travel[] = {"cheap flights to Lisbon",         "beach hotel deals",
                          "all inclusive resort in Crete",   "last minute holiday trip",
                          "airport lounge and a city break", "sea view apartment"};
  const char* sport[] = {"marathon training plan",        "best running shoes",     "trail run in the hills",
                         "sprint intervals on the track", "half marathon race day", "gym workout for runners"};
  std::string jsonl;
  for (int u = 0; u < 24; ++u) {
    const char** pool = u % 2 ? sport : travel;
    nlohmann::json texts = {pool[u % 6], pool[(u + 2) % 6], pool[(u + 3) % 6]};
    jsonl +=
        nlohmann::json{{"user_id", fmt::format("u{}", u)}, {"texts", texts}, {"topic", u % 2 ? "running" : "travel"}}
            .dump() +
        "\n";
  }
  WriteFileAtomic(dir.File("users.jsonl"), jsonl);
  // 24 users: the k-anonymity threshold (default 100) is lowered for this toy fixture.
  const std::string users = " --users " + dir.File("users.jsonl");
  auto r = testing::RunCli("profile segment --model use-lite" + users +
                           " --min-audience 1 --k 2 --label-field topic --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["encoder"], "use-lite");
  EXPECT_GT(j["nmi"].get<double>(), 0.8);

  r = testing::RunCli("profile lookalike --model use-lite" + users +
                      " --min-audience 1 --seed-ids u0,u2,u4 -n 6 --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  j = nlohmann::json::parse(r.out);
  size_t travellers = 0;
  for (const auto& a : j["audience"]) travellers += std::stoi(a["user_id"].get<std::string>().substr(1)) % 2 == 0;
  EXPECT_EQ(j["audience"].size(), 6u);
  EXPECT_GE(travellers, 5u) << r.out;  // the seeds travel: their lookalikes should too

  r = testing::RunCli("profile keywords --model use-lite" + users +
                      " --campaign \"summer vacation by the sea\" --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  j = nlohmann::json::parse(r.out);
  ASSERT_FALSE(j["keywords"].empty());
  EXPECT_EQ(j["encoder"], "use-lite");

  // Saved vectors in place of encoding the users, and precision against known-right keywords.
  r = testing::RunCli("profile embed --model use-lite --input " + dir.File("users.jsonl") + " --out " +
                      dir.File("users.prof"));
  ASSERT_EQ(r.exit_code, 0);
  WriteFileAtomic(dir.File("right.txt"), "beach\nhotel\nflights\nresort\nholiday\ntrip\n");
  r = testing::RunCli("profile keywords --model use-lite" + users + " --profiles " + dir.File("users.prof") +
                      " --campaign \"summer vacation by the sea\" --top 5 --relevant " + dir.File("right.txt") +
                      " --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["keywords"].size(), 5u);
  size_t hits = 0;
  for (const auto& k : j["keywords"])
    for (const char* w : {"beach", "hotel", "flights", "resort", "holiday", "trip"}) hits += k["keyword"] == w;
  EXPECT_EQ(j["relevant"]["hits"], hits);
  EXPECT_EQ(j["relevant"]["words"], 6);
  EXPECT_DOUBLE_EQ(j["relevant"]["precision"].get<double>(), double(hits) / 5);
  EXPECT_GE(hits, 2u) << r.out;  // a travel campaign's top keywords are mostly travel words
}

TEST_F(UseLite, DamagedModelFilesAreNamedErrors) {
  testing::TempDir dir;
  std::string src = FindUseLite();
  for (const auto& f : std::filesystem::directory_iterator(src))
    std::filesystem::copy_file(f.path(), dir.File(f.path().filename().string()));
  // A short last shard: the manifest no longer fits.
  std::string shard = dir.File("group1-shard7of7");
  std::filesystem::resize_file(shard, std::filesystem::file_size(shard) - 4);
  try {
    UseLiteEncoder::Load(dir.path().string());
    ADD_FAILURE() << "a truncated shard loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("model.json"), std::string::npos) << e.what();
  }
  WriteFileAtomic(dir.File("model.json"), "{\"weightsManifest\": 3}");
  EXPECT_THROW(UseLiteEncoder::Load(dir.path().string()), Error);
  WriteFileAtomic(dir.File("vocab.json"), "[[1, 2]]");
  EXPECT_THROW(UseLiteTokenizer::Load(dir.File("vocab.json")), Error);
  EXPECT_THROW(UseLiteEncoder::Load(dir.File("nowhere")), Error);
  // The CLI: exit 2, the file named.
  WriteFileAtomic(dir.File("texts.txt"), "hello\n");
  auto r =
      testing::RunCli("profile embed --model " + dir.path().string() + " --input " + dir.File("texts.txt") + " --json");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("model.json"), std::string::npos) << r.out;
}

TEST_F(UseLite, CliTokenizesAndEmbedsAsTheLibrary) {
  auto tok = UseLiteTokenizer::Load(FindUseLite() + "/vocab.json");
  auto r = testing::RunCli("profile tokenize --model use-lite --text \"Café 東京 running shoes!\" --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.out)["ids"].get<std::vector<int32_t>>(), tok.Encode("Café 東京 running shoes!"));

  testing::TempDir dir;
  WriteFileAtomic(dir.File("texts.txt"), "running shoes\n\ncheap flights to Tokyo\n");
  r = testing::RunCli("profile embed --model use-lite --input " + dir.File("texts.txt") + " --json --out " +
                      dir.File("texts.vec"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["embeddings"].size(), 3u);
  Context ctx;
  Matrix m = UseLiteEncoder::Load("use-lite")->Embed({"running shoes", "", "cheap flights to Tokyo"}, ctx);
  for (size_t i = 0; i < 3; ++i) EXPECT_GT(Cosine(m.row(i), j["embeddings"][i].get<std::vector<double>>()), 0.99999);
  EXPECT_EQ(j["encoder"], "use-lite");
  EXPECT_TRUE(std::filesystem::exists(dir.File("texts.vec")));
}

}  // namespace
}  // namespace adpilot

namespace adpilot {
namespace {

// Two groups of texts per topic: what the contrastive stage pulls together.
std::vector<std::vector<std::string>> TopicGroups() {
  const std::vector<std::vector<std::string>> topics = {
      {"running shoes for the marathon", "my morning run in the park", "training for a half marathon"},
      {"a recipe for tomato soup", "baking sourdough bread at home", "the best pasta sauce"},
      {"cheap flights to lisbon", "packing for a week in tokyo", "hotel deals by the beach"},
      {"the new phone has a great camera", "building a gaming pc", "laptop battery life tips"}};
  std::vector<std::vector<std::string>> groups;
  for (int copy = 0; copy < 2; ++copy)
    for (const auto& t : topics) groups.push_back(t);
  return groups;
}

TEST_F(UseLite, TheTrainedForwardPassIsTheEncoders) {
  if (!BertAvailable()) GTEST_SKIP() << "built without libtorch: no fine-tuning";
  // Texts of different lengths in one padded batch, the longest past the token limit.
  std::vector<std::string> texts = {"a", "hello world, this is adpilot", "", std::string(3000, 'x') + " end"};
  auto enc = UseLiteEncoder::Load("use-lite");
  std::vector<std::vector<int32_t>> ids;
  for (const auto& t : texts) ids.push_back(enc->tokenizer().Encode(t));
  Context ctx;
  Matrix m = enc->EmbedIds(ids, ctx);
  auto torch = UseLiteTorchForward("use-lite", ids);
  ASSERT_EQ(torch.size(), ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    std::vector<double> t(torch[i].begin(), torch[i].end());
    EXPECT_GT(Cosine(m.row(i), t), 0.99999) << i;
  }
}

TEST_F(UseLite, FineTuningWritesAModelTheLoaderReadsBack) {
  if (!BertAvailable()) GTEST_SKIP() << "built without libtorch: no fine-tuning";
  testing::TempDir dir;
  PretrainOptions o;
  o.contrastive_steps = 12;
  o.contrastive_batch = 8;
  o.contrastive_learning_rate = 1e-4;
  Context ctx;
  UseLiteTuneReport r = FineTuneUseLite("use-lite", TopicGroups(), dir.File("tuned"), o, ctx);
  EXPECT_EQ(r.groups, 8u);
  EXPECT_EQ(r.texts, 24u);
  EXPECT_EQ(r.steps, 12);
  EXPECT_LT(r.last_loss, r.first_loss);
  // The same layout: the encoder, the tokenizer and the CLI read it as USE-Lite.
  ASSERT_TRUE(IsUseLiteModel(dir.File("tuned")));
  auto frozen = UseLiteEncoder::Load("use-lite");
  auto tuned = UseLiteEncoder::Load(dir.File("tuned"));
  std::vector<std::string> probe = {"running in the rain", "soup and bread"};
  Matrix a = frozen->Embed(probe, ctx), b = tuned->Embed(probe, ctx);
  for (size_t i = 0; i < probe.size(); ++i) {
    std::vector<double> bv(b.row(i), b.row(i) + b.dim);
    double c = Cosine(a.row(i), bv);
    EXPECT_LT(c, 0.999999) << "the weights did not change";
    EXPECT_GT(c, 0.5) << "a few small steps moved the vectors too far";
  }
  EXPECT_EQ(frozen->tokenizer().Encode(probe[0]), tuned->tokenizer().Encode(probe[0]));
  // Writing into the folder it starts from is refused, not a silent overwrite.
  EXPECT_THROW(FineTuneUseLite(dir.File("tuned"), TopicGroups(), dir.File("tuned"), o, ctx), Error);
  std::vector<std::vector<std::string>> one = {{"only one group", "of texts"}};
  EXPECT_THROW(FineTuneUseLite("use-lite", one, dir.File("x"), o, ctx), Error);
}

}  // namespace
}  // namespace adpilot
