// The fuzz target's promises (tests/fuzz/serve_request_fuzz.cc) checked in CI
// on a fixed, deterministic corpus: every prefix of every IAB example and
// seeded random byte edits of them, through the parser and then, for a sample,
// through the HTTP server. libFuzzer explores further but needs clang and
// time; this runs in every `make test` and under the sanitized suite
// (tests/serve/run_sanitized.sh), where a stray read would be reported.
#include <filesystem>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/openrtb.h"
#include "common/test_util.h"
#include "serve_test_util.h"

namespace adpilot {
namespace {

std::vector<std::string> IabExamples(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.path().extension() == ".json") out.push_back(ReadFile(e.path().string()));
  return out;
}

// One random edit: flip a byte, delete or duplicate a span, or insert a JSON
// token, so that most results stay near-valid and reach deep into the parser.
std::string Mutate(std::string s, std::mt19937_64& rng) {
  static const char* kTokens[] = {"{", "}", "[", "]", ",", ":", "\"", "null", "-1", "1e999", "\"\\u0000\"", "\xff"};
  auto pos = [&](size_t n) { return n == 0 ? size_t(0) : size_t(rng() % n); };
  int edits = 1 + int(rng() % 3);
  for (int e = 0; e < edits; ++e) {
    size_t p = pos(s.size());
    switch (rng() % 4) {
      case 0:
        if (!s.empty()) s[p] = char(rng() & 0xff);
        break;
      case 1:
        s.erase(p, 1 + pos(16));
        break;
      case 2:
        s.insert(p, s.substr(pos(s.size()), 1 + pos(32)));
        break;
      default:
        s.insert(p, kTokens[pos(std::size(kTokens))]);
    }
  }
  return s;
}

// What the fuzz target asserts: a refusal has a reason; an accepted request
// has an id and impressions with ids and non-negative floors, and the writer
// accepts whatever the parser produced.
void CheckParse(const std::string& in, int& accepted) {
  openrtb::BidRequest req;
  std::string error;
  if (!openrtb::ParseBidRequest(in, req, error)) {
    ASSERT_FALSE(error.empty()) << in;
    return;
  }
  ++accepted;
  ASSERT_FALSE(req.id.empty()) << in;
  ASSERT_FALSE(req.imp.empty()) << in;
  for (const auto& imp : req.imp) {
    ASSERT_FALSE(imp.id.empty()) << in;
    ASSERT_GE(imp.bidfloor, 0) << in;
  }
  openrtb::Bid b;
  b.id = req.id;
  b.impid = req.imp[0].id;
  b.price = req.imp[0].bidfloor;
  b.crid = "c";
  std::string out = openrtb::WriteBidResponse(req.id, req.id, "USD", "s", {b});
  ASSERT_TRUE(nlohmann::json::accept(out)) << out;
}

TEST(OpenRtbParse, SurvivesEveryTruncationAndSeededEditsOfTheIabExamples) {
  ADPILOT_REQUIRE_SHARED_DATA("openrtb/mxmcherry_openrtb2/bid-request");
  auto examples = IabExamples(shared_path);
  ASSERT_EQ(examples.size(), 11u);
  std::mt19937_64 rng(20261129);
  int inputs = 0, accepted = 0;
  for (const auto& ex : examples) {
    for (size_t n = 0; n < ex.size(); ++n, ++inputs) {
      std::string prefix = ex.substr(0, n);
      ASSERT_NO_FATAL_FAILURE(CheckParse(prefix, accepted));
    }
    for (int i = 0; i < 2000; ++i, ++inputs) ASSERT_NO_FATAL_FAILURE(CheckParse(Mutate(ex, rng), accepted));
  }
  // Both paths are exercised: most edits are refused, some still parse.
  EXPECT_GT(accepted, 100) << inputs;
  EXPECT_LT(accepted, inputs / 2) << inputs;
}

TEST(ServeHttpEdits, AnswersEditedIabExamplesWith200Or204Or400AndStaysUp) {
  ADPILOT_REQUIRE_SHARED_DATA("openrtb/mxmcherry_openrtb2/bid-request");
  auto examples = IabExamples(shared_path);
  Context ctx;
  Server server(testing::TestConfig(1e6), ctx, testing::TestScorerFactory());
  server.Start();
  testing::HttpClient client(server.port());
  std::mt19937_64 rng(7);
  std::map<int, int> codes;
  for (int i = 0; i < 400; ++i) {
    std::string body = Mutate(examples[size_t(i) % examples.size()], rng);
    auto r = client.Request("POST", "/openrtb2/bid", body);
    ASSERT_TRUE(r.status == 200 || r.status == 204 || r.status == 400) << r.status << " for " << body;
    if (r.status == 200) {
      ASSERT_TRUE(nlohmann::json::accept(r.body)) << r.body;
    }
    if (r.status == 400) {
      EXPECT_NE(r.body.find("\"error\""), std::string::npos) << r.body;
    }
    ++codes[r.status];
  }
  EXPECT_GT(codes[400], 0);
  EXPECT_GT(codes[200] + codes[204], 0);
  auto health = client.Request("GET", "/healthz");
  EXPECT_EQ(health.status, 200);
}

}  // namespace
}  // namespace adpilot
