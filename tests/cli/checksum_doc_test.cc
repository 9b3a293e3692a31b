// docs/formats.md names the checksum of each binary file; this test reads the
// algorithm from the doc, recomputes it with xxhash itself over the bytes of a
// file the CLI wrote, and compares with the stored value. (The doc said XXH64
// while the code computes XXH3-64; old files keep loading because the code,
// not the doc, was left as it was.)
#include <unistd.h>
#include <xxhash.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>

#include <gtest/gtest.h>

#include "adpilot/atomic_file.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

using testing::RunCli;
using testing::TempDir;

// The checksum the doc names right after `anchor`, e.g. "XXH3-64 (seed 0)",
// applied to `bytes`.
uint64_t DocumentedChecksum(const std::string& anchor, std::string_view bytes) {
  std::string doc = ReadFile(std::string(ADPILOT_SOURCE_DIR) + "/docs/formats.md");
  size_t at = doc.find(anchor);
  EXPECT_NE(at, std::string::npos) << anchor;
  if (at == std::string::npos) return 0;
  std::smatch m;
  std::string after = doc.substr(at + anchor.size(), 80);
  EXPECT_TRUE(std::regex_search(after, m, std::regex(R"(^(XXH3-64|XXH64|xxhash64)(?: \(seed (\d+)\))?)")))
      << "no algorithm after '" << anchor << "': " << after;
  uint64_t seed = m[2].matched ? std::stoull(m[2]) : 0;
  if (m[1] == "XXH3-64") return XXH3_64bits_withSeed(bytes.data(), bytes.size(), seed);
  return XXH64(bytes.data(), bytes.size(), seed);
}

uint64_t U64At(const std::string& b, size_t off) {
  uint64_t v = 0;
  std::memcpy(&v, b.data() + off, sizeof v);  // little-endian, as the doc says
  return v;
}

// Every binary file is a container ("Container" in the doc): the config
// checksum after the config, the file checksum last.
void ExpectContainerChecksums(const std::string& b) {
  ASSERT_GT(b.size(), 40u);
  uint32_t c = 0;
  std::memcpy(&c, b.data() + 12, 4);
  ASSERT_LE(c + 40u, b.size());
  EXPECT_EQ(DocumentedChecksum("| 16+C | 8 | config checksum: ", std::string_view(b.data(), 16 + c)), U64At(b, 16 + c));
  EXPECT_EQ(U64At(b, b.size() - 16), b.size() - 40 - c);  // P
  EXPECT_EQ(DocumentedChecksum("| 32+C+P | 8 | checksum: ", std::string_view(b.data(), b.size() - 8)),
            U64At(b, b.size() - 8));
}

// One generated world for the suite (TempDir needs a running test, so the
// suite keeps its own folder, one per process: ctest runs each test of the
// suite as its own process, in parallel).
class ChecksumDoc : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::filesystem::remove_all(Root());
    std::filesystem::create_directories(Root());
    world_ok_ = RunCli("--quiet --seed 3 gen world --out " + File("w") +
                       " --auctions 3000 --users 200 --experiment-units 500 --journeys 500")
                    .exit_code == 0;
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(Root()); }
  void SetUp() override { ASSERT_TRUE(world_ok_) << "gen world failed"; }
  static std::string Root() {
    return std::string(ADPILOT_BINARY_DIR) + "/test-tmp/ChecksumDoc-" + std::to_string(::getpid());
  }
  static std::string File(const std::string& f) { return Root() + "/" + f; }
  static std::string W(const std::string& f) { return File("w/" + f); }
  static bool world_ok_;
};
bool ChecksumDoc::world_ok_ = false;

TEST_F(ChecksumDoc, ModelFile) {
  std::string m = File("m.apm");
  ASSERT_EQ(RunCli("--quiet train --model lr --bits 12 --data " + W("auctions.tsv") + " --format criteo --out " + m)
                .exit_code,
            0);
  ExpectContainerChecksums(ReadFile(m));
}

TEST_F(ChecksumDoc, ProfileFile) {
  std::string p = File("users.prof");
  ASSERT_EQ(RunCli("--quiet profile embed --encoder tfidf --input " + W("users.jsonl") + " --out " + p).exit_code, 0);
  ExpectContainerChecksums(ReadFile(p));
}

TEST_F(ChecksumDoc, PolicyFile) {
  std::string p = File("lin.apb");
  auto r = RunCli("--quiet bid train --strategy lin --log " + W("auctions.rlb") + " --format world --tune-log " +
                      W("auctions.rlb") + " --out " + p,
                  File("bid.err"));
  ASSERT_EQ(r.exit_code, 0) << ReadFile(File("bid.err"));
  ExpectContainerChecksums(ReadFile(p));
}

TEST_F(ChecksumDoc, MmmModelFile) {
  std::string m = File("mmm.bin");
  auto r = RunCli("--quiet mmm fit --data " + W("channels.csv") +
                      " --date-col date --kpi-col kpi --channels search,social --chains 1 --warmup 20 --draws 10 "
                      "--out " +
                      m,
                  File("mmm.err"));
  ASSERT_EQ(r.exit_code, 0) << ReadFile(File("mmm.err"));
  ExpectContainerChecksums(ReadFile(m));
}

}  // namespace
}  // namespace adpilot
