#include <fstream>

#include <gtest/gtest.h>

#include "adpilot/campaign.h"
#include "adpilot/error.h"
#include "adpilot/server.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

using testing::TempDir;

const char* kGood = R"(
[server]
port = 0
model = "models/m.apm"

[features]
C1 = "inventory.domain"
C2 = "imp.size"

[currency]
USD = 1.0
EUR = 0.9

[[campaign]]
id = "c1"
daily_budget = 50.0
max_cpm = 4.0
strategy = "lin"
params = { b0 = 2.0 }
adomain = ["adv.com"]
cat = ["IAB3"]
[campaign.targeting]
inventory = "site"
domains = ["foobar.com"]
countries = ["USA"]
[[campaign.creative]]
id = "cr1"
w = 300
h = 250
adm = "<img src='x'>"
)";

std::string Write(const TempDir& d, const std::string& text) {
  std::string p = d.File("serve.toml");
  std::ofstream(p) << text;
  return p;
}

TEST(ServeConfig, LoadsEveryTable) {
  TempDir d;
  ServeConfig cfg = LoadServeConfig(Write(d, kGood));
  EXPECT_EQ(cfg.server.port, 0);
  EXPECT_EQ(cfg.server.model, (d.path() / "models/m.apm").string());  // relative to the file
  EXPECT_EQ(cfg.features.at("C2"), "imp.size");
  EXPECT_DOUBLE_EQ(cfg.currency.at("EUR"), 0.9);
  ASSERT_EQ(cfg.campaigns.size(), 1u);
  const Campaign& c = cfg.campaigns[0];
  EXPECT_EQ(c.params_json, R"({"b0":2.0})");
  EXPECT_EQ(c.targeting.inventory, "site");
  EXPECT_EQ(c.creatives[0].w, 300);
}

TEST(ServeConfig, UnknownKeysAreErrorsNamingKeyAndFile) {
  TempDir d;
  struct Case {
    std::string from, to, expect;
  } cases[] = {
      {"max_cpm = 4.0", "max_cpm = 4.0\nmax_cmp = 3", "unknown key 'max_cmp'"},
      {"countries = [\"USA\"]", "countries = [\"USA\"]\ncountry = \"US\"", "unknown key 'country'"},
      {"C2 = \"imp.size\"", "C2 = \"imp.sizes\"", "unknown request field 'imp.sizes'"},
      {"[server]", "[servr]\n[server]", "unknown key 'servr'"},
      {"daily_budget = 50.0", "daily_budget = -1.0", "daily_budget"},
      {"w = 300", "w = 0", "positive w and h"},
      {"inventory = \"site\"", "inventory = \"tv\"", "inventory"},
  };
  for (const auto& c : cases) {
    std::string text = kGood;
    text.replace(text.find(c.from), c.from.size(), c.to);
    std::string p = Write(d, text);
    try {
      LoadServeConfig(p);
      ADD_FAILURE() << "accepted: " << c.to;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find(c.expect), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
    }
  }
}

TEST(ServeConfig, DuplicateCampaignIds) {
  TempDir d;
  std::string text = kGood;
  std::string camp = text.substr(text.find("[[campaign]]"));
  std::string p = Write(d, text + camp);
  EXPECT_THROW(LoadServeConfig(p), Error);
}

openrtb::BidRequest Banner() {
  openrtb::BidRequest r;
  r.id = "r";
  r.has_site = true;
  r.domain = "www.foobar.com";
  r.country = "USA";
  openrtb::Imp imp;
  imp.id = "1";
  imp.banner = true;
  imp.sizes = {{300, 250}};
  r.imp.push_back(imp);
  return r;
}

TEST(MatchCampaign, TargetingAndExclusions) {
  TempDir d;
  Campaign c = LoadServeConfig(Write(d, kGood)).campaigns[0];
  int cr = -1;
  auto r = Banner();
  EXPECT_EQ(MatchCampaign(c, r, r.imp[0], cr), "");
  EXPECT_EQ(cr, 0);
  auto x = r;
  x.bcat = {"IAB3"};  // blocks the campaign's IAB3 (and would block IAB3-1)
  EXPECT_EQ(MatchCampaign(c, x, x.imp[0], cr), "bcat");
  x = r;
  x.bcat = {"IAB30"};  // a different category with the same prefix
  EXPECT_EQ(MatchCampaign(c, x, x.imp[0], cr), "");
  x = r;
  x.badv = {"adv.com"};
  EXPECT_EQ(MatchCampaign(c, x, x.imp[0], cr), "badv");
  x = r;
  x.imp[0].sizes = {{728, 90}};
  EXPECT_EQ(MatchCampaign(c, x, x.imp[0], cr), "size");
  x = r;
  x.country = "DEU";
  EXPECT_EQ(MatchCampaign(c, x, x.imp[0], cr), "geo");
  x = r;
  x.domain = "notfoobar.com";
  EXPECT_EQ(MatchCampaign(c, x, x.imp[0], cr), "domain");
  x = r;
  x.has_site = false;
  x.is_app = true;
  EXPECT_EQ(MatchCampaign(c, x, x.imp[0], cr), "inventory");
  x = r;
  x.imp[0].banner = false;
  x.imp[0].video = true;
  EXPECT_EQ(MatchCampaign(c, x, x.imp[0], cr), "format");
  x = r;
  x.imp[0].pmp_private = true;
  EXPECT_EQ(MatchCampaign(c, x, x.imp[0], cr), "private_auction");
}

}  // namespace
}  // namespace adpilot
