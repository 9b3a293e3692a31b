#include <filesystem>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/openrtb.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

using openrtb::BidRequest;
using openrtb::ParseBidRequest;

TEST(OpenRtbParse, EveryIabExampleParses) {
  ADPILOT_REQUIRE_SHARED_DATA("openrtb/mxmcherry_openrtb2/bid-request");
  int files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(shared_path)) {
    if (e.path().extension() != ".json") continue;
    std::string text = ReadFile(e.path().string());
    BidRequest r;
    std::string err;
    ASSERT_TRUE(ParseBidRequest(text, r, err)) << e.path() << ": " << err;
    auto j = nlohmann::json::parse(text);
    EXPECT_EQ(r.id, j["id"].get<std::string>()) << e.path();
    EXPECT_EQ(r.imp.size(), j["imp"].size()) << e.path();
    ++files;
  }
  EXPECT_EQ(files, 11);
}

TEST(OpenRtbParse, SimpleBannerFields) {
  ADPILOT_REQUIRE_SHARED_DATA("openrtb/mxmcherry_openrtb2/bid-request/2.5/simple-banner.json");
  BidRequest r;
  std::string err;
  ASSERT_TRUE(ParseBidRequest(ReadFile(shared_path), r, err)) << err;
  EXPECT_EQ(r.at, 1);
  ASSERT_EQ(r.cur.size(), 1u);
  EXPECT_EQ(r.cur[0], "USD");
  ASSERT_EQ(r.imp.size(), 1u);
  EXPECT_DOUBLE_EQ(r.imp[0].bidfloor, 0.03);
  EXPECT_TRUE(r.imp[0].banner);
  ASSERT_EQ(r.imp[0].sizes.size(), 1u);
  EXPECT_EQ(r.imp[0].sizes[0], std::make_pair(300, 250));
  EXPECT_TRUE(r.has_site);
  EXPECT_EQ(r.domain, "www.foobar.com");
  EXPECT_EQ(r.publisher_id, "8953");
  EXPECT_EQ(r.cat, std::vector<std::string>{"IAB3-1"});
}

TEST(OpenRtbParse, MobileAppWithExclusions) {
  ADPILOT_REQUIRE_SHARED_DATA("openrtb/mxmcherry_openrtb2/bid-request/2.5/mobile.json");
  BidRequest r;
  std::string err;
  ASSERT_TRUE(ParseBidRequest(ReadFile(shared_path), r, err)) << err;
  EXPECT_TRUE(r.is_app);
  EXPECT_EQ(r.bundle, "12345");
  EXPECT_EQ(r.badv.size(), 3u);
  EXPECT_EQ(r.bcat.size(), 5u);
  EXPECT_EQ(r.country, "USA");
  EXPECT_EQ(r.devicetype, 1);
  EXPECT_EQ(r.os, "iOS");
  ASSERT_EQ(r.imp.size(), 2u);
  EXPECT_EQ(r.imp[1].instl, 1);
  EXPECT_TRUE(r.imp[1].sizes.empty());  // w = h = 0: no fixed size
}

struct BadCase {
  const char* json;
  const char* error_contains;
};

TEST(OpenRtbParse, RejectsBadRequestsWithAReason) {
  const BadCase cases[] = {
      {"", "invalid JSON"},
      {"{", "invalid JSON"},
      {R"({"id":"1","imp":[{"id":"1","banner":{"w":300,"h":250}})", "invalid JSON"},  // truncated
      {"[1,2,3]", "request: expected object"},
      {R"({"imp":[{"id":"1"}]})", "id: required"},
      {R"({"id":"x"})", "imp: required"},
      {R"({"id":"x","imp":[]})", "at least one"},
      {R"({"id":"x","imp":{}})", "imp: expected array"},
      {R"({"id":7,"imp":[{"id":"1"}]})", "request.id: expected string"},
      {R"({"id":"x","imp":[{"id":"1","bidfloor":"cheap"}]})", "imp[0].bidfloor: expected number"},
      {R"({"id":"x","imp":[{"id":"1","bidfloor":-1}]})", "bidfloor: negative"},
      {R"({"id":"x","imp":[{"id":"1","banner":{"w":"300"}}]})", "imp[0].banner.w: expected integer"},
      {R"({"id":"x","imp":[{"id":"1"}],"cur":"USD"})", "cur: expected array"},
      {R"({"id":"x","imp":[{"id":"1"}],"bcat":[1]})", "bcat[]: expected string"},
      {R"({"id":"x","imp":[{"id":"1"}],"device":[]})", "device: expected object"},
      {R"({"id":"x","imp":[{"id":"1"}],"at":1.5})", "at: expected integer"},
      {R"({"id":"x","imp":[{}]})", "imp[0].id: required"},
  };
  for (const auto& c : cases) {
    BidRequest r;
    std::string err;
    EXPECT_FALSE(ParseBidRequest(c.json, r, err)) << c.json;
    EXPECT_NE(err.find(c.error_contains), std::string::npos) << c.json << " -> " << err;
  }
}

TEST(OpenRtbParse, IgnoresUnknownFieldsAndNulls) {
  std::string json = R"({"id":"r1","imp":[{"id":"1","banner":{"w":300,"h":250,"vendorx":{"a":[1,2]}},
      "ext":{"prebid":{"x":1}},"bidfloor":null}],"ext":{"anything":true},"future_field":[1,"two",null],
      "site":{"domain":"a.com","unknown":{}},"user":null})";
  BidRequest r;
  std::string err;
  ASSERT_TRUE(ParseBidRequest(json, r, err)) << err;
  EXPECT_EQ(r.domain, "a.com");
  EXPECT_EQ(r.imp[0].bidfloor, 0);
}

TEST(OpenRtbParse, BannerFormatsAndDeepNesting) {
  std::string json = R"({"id":"r1","imp":[{"id":"1","banner":{"format":[{"w":300,"h":250},{"w":728,"h":90}]}}]})";
  BidRequest r;
  std::string err;
  ASSERT_TRUE(ParseBidRequest(json, r, err)) << err;
  ASSERT_EQ(r.imp[0].sizes.size(), 2u);
  EXPECT_EQ(r.imp[0].sizes[1], std::make_pair(728, 90));
  // Deeply nested unknown fields: refused by the parser's depth limit or
  // ignored, never a crash.
  std::string deep = R"({"id":"r","imp":[{"id":"1"}],"ext":)" + std::string(5000, '[') + std::string(5000, ']') + "}";
  BidRequest r2;
  ParseBidRequest(deep, r2, err);
}

TEST(OpenRtbWrite, ResponseHasTheRequiredFieldsAndEscapes) {
  openrtb::Bid b;
  b.id = "b1";
  b.impid = "1";
  b.price = 0.0425;
  b.adm = "<a href=\"x\">\n</a>\x01";
  b.crid = "cr";
  b.adomain = {"adv.com"};
  std::string out = openrtb::WriteBidResponse("req\"1", "b1", "USD", "seat", {b});
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["id"], "req\"1");
  EXPECT_EQ(j["cur"], "USD");
  auto& bid = j["seatbid"][0]["bid"][0];
  EXPECT_EQ(bid["impid"], "1");
  EXPECT_DOUBLE_EQ(bid["price"].get<double>(), 0.0425);
  EXPECT_EQ(bid["adm"], b.adm);
  EXPECT_EQ(bid["adomain"][0], "adv.com");
}

}  // namespace
}  // namespace adpilot
