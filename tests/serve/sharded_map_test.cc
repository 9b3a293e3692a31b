// The pending-reservation table: a sweep takes exactly what has expired, skips
// entries a notice already took, and leaves the rest (in expiry order, so a
// sweep's cost is what it removes, not the table's size).
#include <gtest/gtest.h>

#include "serve/serve_core.h"

namespace adpilot {
namespace {

struct Entry {
  int value = 0;
  int64_t expires_ms = 0;
};

TEST(ShardedMap, SweepTakesOnlyExpiredEntriesNotYetTaken) {
  serve::ShardedMap<Entry> m;
  for (int i = 0; i < 1000; ++i) m.Put("k" + std::to_string(i), {i, 100 + i});
  Entry e;
  ASSERT_TRUE(m.Take("k5", e));  // a notice arrives first
  EXPECT_EQ(e.value, 5);
  EXPECT_FALSE(m.Take("k5", e));
  auto expired = m.TakeExpiredWithKeys(109);  // k0..k9 expire at 100..109; k5 is gone
  EXPECT_EQ(expired.size(), 9u);
  for (auto& [k, v] : expired) EXPECT_LE(v.expires_ms, 109) << k;
  EXPECT_EQ(m.size(), 990u);
  EXPECT_TRUE(m.TakeExpiredWithKeys(109).empty());
  EXPECT_TRUE(m.Take("k10", e));
  EXPECT_EQ(m.TakeExpired(1099).size(), 989u);  // k11..k999
  EXPECT_EQ(m.size(), 0u);
  m.Put("a", {1, 5000});
  m.Put("b", {2, 10});
  EXPECT_EQ(m.TakeExpired(-1).size(), 2u);  // shutdown takes everything
  EXPECT_EQ(m.size(), 0u);
}

}  // namespace
}  // namespace adpilot
