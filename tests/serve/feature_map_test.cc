// The bid path's record: with [server] pseudonymise the request's user.id is
// looked up as the pseudonym the model's data and profiles were built with.
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "adpilot/openrtb.h"
#include "adpilot/pseudonym.h"
#include "serve/feature_map.h"

namespace adpilot::serve {
namespace {

TEST(FeatureMap, PseudonymisesTheUserIdWithTheModelsKey) {
  Schema schema;
  schema.Add("os", FieldKind::kCategorical);
  FeatureMap fmap({{"os", "device.os"}}, schema, "serve.toml");
  openrtb::BidRequest req;
  req.user_id = "alice-1984";
  req.os = "android";
  openrtb::Imp imp;
  RawRecord rec;
  std::vector<std::string> storage;
  fmap.Map(req, imp, 0, rec, storage);
  EXPECT_EQ(rec.user_id, "alice-1984");

  const std::string key(32, '\x07');
  fmap.set_pseudonym_key(key);
  fmap.Map(req, imp, 0, rec, storage);
  EXPECT_EQ(rec.user_id, Pseudonymize("alice-1984", key));
  ASSERT_EQ(rec.features.size(), 1u);
  EXPECT_EQ(rec.features[0].token, "android");  // the field's view survives the extra slot
  req.user_id.clear();
  fmap.Map(req, imp, 0, rec, storage);
  EXPECT_TRUE(rec.user_id.empty());  // no id, no pseudonym
}

}  // namespace
}  // namespace adpilot::serve
