// The loop from serving to retraining: requests go through the server, wins
// and clicks come back as notices, the server's own training log trains a real
// ffm model, and a fresh server bids with that model file.
#include <filesystem>
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adpilot/model.h"
#include "common/test_util.h"
#include "serve_test_util.h"

namespace adpilot {
namespace {

using testing::HttpClient;
using testing::TempDir;

std::string Request(const std::string& domain, int n) {
  return fmt::format(R"({{"id":"loop-{}","at":2,"imp":[{{"id":"1","bidfloor":0.001,"banner":{{"w":300,"h":250}}}}],)"
                     R"("site":{{"domain":"{}","publisher":{{"id":"p{}"}}}},"device":{{"os":"{}","devicetype":2}}}})",
                     n, domain, n % 3, n % 2 ? "iOS" : "Android");
}

std::string Only(const std::string& dir, const std::string& prefix) {
  std::string found;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().rfind(prefix, 0) == 0) found = e.path().string();
  return found;
}

TEST(ServeClosedLoop, RetrainsFromItsOwnLogAndServesTheNewModel) {
  TempDir dir;
  Context ctx;
  auto cfg = testing::TestConfig(1e6);
  cfg.server.log_dir = dir.File("logs");
  std::mt19937_64 rng(7);
  int wins = 0, clicks = 0;
  {
    Server server(cfg, ctx, testing::TestScorerFactory());
    server.Start();
    HttpClient c(server.port());
    for (int i = 0; i < 600; ++i) {
      bool good = i % 2 == 0;
      auto r = c.Request("POST", "/openrtb2/bid", Request(good ? "good.example" : "bad.example", i));
      ASSERT_EQ(r.status, 200) << r.body;
      auto bid = nlohmann::json::parse(r.body)["seatbid"][0]["bid"][0];
      ASSERT_EQ(c.Request("GET", testing::NoticePath(bid, "nurl", "0.5")).status, 200);
      ++wins;
      // The true click rates the model must discover: 40% vs 4%.
      if (std::uniform_real_distribution<double>(0, 1)(rng) < (good ? 0.4 : 0.04)) {
        ASSERT_EQ(c.Request("GET", testing::ClickPath(bid)).status, 204);
        ++clicks;
      }
    }
  }  // Stop: impressions still in their click window are written as not clicked
  std::string train = Only(dir.File("logs"), "train-");
  ASSERT_FALSE(train.empty());
  ReaderOptions ro;
  ro.format = "criteo";
  auto reader = OpenReader(train, ro);
  RawRecord rec;
  int rows = 0, labelled = 0;
  while (reader->Next(rec)) {
    ++rows;
    labelled += rec.label == 1;
  }
  EXPECT_EQ(rows, wins);
  EXPECT_EQ(labelled, clicks);
  EXPECT_EQ(reader->bad_rows().count(), 0u);

  // Retrain a real model on the log.
  auto model = CreateModel("ffm");
  FeatureConfig fc;
  fc.bits = 14;
  auto hasher = std::make_shared<const FeatureHasher>(fc, reader->schema());
  model->SetFeatures(hasher, "criteo");
  model->Init(ctx);
  auto source = OpenExampleSource(train, ro, hasher, LabelConfig{}, ctx);
  TrainConfig tc;
  tc.epochs = 8;
  model->Train(*source, nullptr, tc, ctx);
  std::string model_path = dir.File("ffm.apm");
  model->Save(model_path);

  // A server with the retrained model (loaded by the default factory) bids
  // more where clicks were likelier, with the deliver stage's lin strategy.
  auto cfg2 = testing::TestConfig(1e6);
  cfg2.server.model = model_path;
  cfg2.campaigns[0].strategy = "lin";
  cfg2.campaigns[0].params_json = R"({"b0": 1.0})";
  cfg2.campaigns[0].avg_ctr = double(clicks) / wins;
  Server served(cfg2, ctx);
  served.Start();
  HttpClient c(served.port());
  auto price = [&](const std::string& domain) {
    auto r = c.Request("POST", "/openrtb2/bid", Request(domain, 1000));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? nlohmann::json::parse(r.body)["seatbid"][0]["bid"][0]["price"].get<double>() : 0.0;
  };
  double good = price("good.example"), bad = price("bad.example");
  EXPECT_GT(good, 2 * bad) << "good " << good << " bad " << bad;
  auto s = c.Request("POST", "/v1/score",
                     R"({"rows":[{"C1":"good.example","C2":"300x250"},{"C1":"bad.example","C2":"300x250"}]})");
  ASSERT_EQ(s.status, 200) << s.body;
  auto p = nlohmann::json::parse(s.body)["pctr"];
  EXPECT_GT(p[0].get<double>(), p[1].get<double>());
  EXPECT_NE(nlohmann::json::parse(c.Request("GET", "/healthz").body)["model_version"].get<std::string>().find("ffm-"),
            std::string::npos);
}

}  // namespace
}  // namespace adpilot
