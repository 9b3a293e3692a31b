// The bids-awaiting-a-notice table: keys are handed out by Put, a sweep takes
// exactly what has expired (never what a notice already took), memory is
// bounded by the slot count, and the chunks behind the sweep are given back.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "serve/pending_table.h"

namespace adpilot {
namespace {

struct Entry {
  int value = 0;
  int64_t expires_ms = 0;
};

TEST(PendingTable, SweepTakesOnlyExpiredEntriesNotYetTaken) {
  serve::PendingTable<Entry> t(1 << 20);
  std::vector<uint64_t> seq(5000);
  for (int i = 0; i < 5000; ++i) ASSERT_TRUE(t.Put({i, 100 + i}, seq[i]));
  EXPECT_EQ(std::set<uint64_t>(seq.begin(), seq.end()).size(), 5000u);  // distinct keys
  Entry e;
  ASSERT_TRUE(t.Take(seq[5], e));  // a notice arrives first
  EXPECT_EQ(e.value, 5);
  EXPECT_FALSE(t.Take(seq[5], e));          // idempotent
  EXPECT_FALSE(t.Take(seq[4999] + 16, e));  // never handed out
  auto expired = t.TakeExpired(109);        // 0..9 expire at 100..109; 5 is gone
  std::set<int> got;
  for (auto& [k, v] : expired) {
    EXPECT_LE(v.expires_ms, 109);
    EXPECT_EQ(k, seq[size_t(v.value)]);
    got.insert(v.value);
  }
  EXPECT_EQ(got, (std::set<int>{0, 1, 2, 3, 4, 6, 7, 8, 9}));
  EXPECT_EQ(t.size(), 4990u);
  EXPECT_TRUE(t.TakeExpired(109).empty());
  EXPECT_FALSE(t.Take(seq[3], e));  // expired: a late notice finds nothing
  ASSERT_TRUE(t.Take(seq[10], e));
  EXPECT_EQ(e.value, 10);
  EXPECT_EQ(t.TakeExpired(5099).size(), 4989u);  // 11..4999
  EXPECT_EQ(t.size(), 0u);
  uint64_t a, b;
  ASSERT_TRUE(t.Put({1, 50000}, a));
  ASSERT_TRUE(t.Put({2, 10}, b));
  EXPECT_EQ(t.TakeExpired(-1).size(), 2u);  // shutdown takes everything
  EXPECT_EQ(t.size(), 0u);
}

TEST(PendingTable, BoundedBySlotsAndReusableAfterTheSweep) {
  serve::PendingTable<Entry> t(64);  // 4 slots per stripe
  ASSERT_EQ(t.capacity(), 64u);
  std::vector<uint64_t> seq;
  uint64_t k;
  while (t.Put({int(seq.size()), 10}, k)) seq.push_back(k);
  EXPECT_EQ(seq.size(), 64u);
  EXPECT_FALSE(t.Put({-1, 10}, k));  // full: refused, nothing evicted
  Entry e;
  // A taken entry still holds its slot until the sweep passes it.
  ASSERT_TRUE(t.Take(seq[0], e));
  EXPECT_FALSE(t.Put({-1, 10}, k));
  EXPECT_EQ(t.TakeExpired(9).size(), 0u);  // nothing expired, but the taken slot at the front is retired
  ASSERT_TRUE(t.Put({-1, 10}, k));
  EXPECT_EQ(t.TakeExpired(10).size(), 64u);
  // Many rounds through the ring: chunks are freed behind the sweep and the
  // keys keep growing (a stale key never finds a newer entry).
  for (int round = 0; round < 50; ++round) {
    std::vector<uint64_t> now;
    while (t.Put({round, 20 + round}, k)) now.push_back(k);
    ASSERT_EQ(now.size(), 64u);
    ASSERT_FALSE(t.Take(seq[1], e));
    ASSERT_EQ(t.TakeExpired(20 + round).size(), 64u);
  }
}

TEST(PendingTable, ConcurrentPutsTakesAndSweepsLoseNothing) {
  serve::PendingTable<Entry> t(1 << 20);
  constexpr int kThreads = 4, kEach = 20000;
  std::atomic<int64_t> taken{0}, swept{0};
  std::atomic<bool> done{false};
  std::thread sweeper([&] {
    while (!done.load()) swept += int64_t(t.TakeExpired(0).size());  // entries with expires_ms 0
  });
  std::vector<std::thread> threads;
  for (int w = 0; w < kThreads; ++w)
    threads.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        uint64_t k;
        // Even entries never expire during the test and are taken by their notice.
        ASSERT_TRUE(t.Put({w * kEach + i, i % 2 ? 0 : int64_t(1) << 40}, k));
        Entry e;
        if (i % 2 == 0 && t.Take(k, e)) {
          EXPECT_EQ(e.value, w * kEach + i);
          ++taken;
        }
      }
    });
  for (auto& th : threads) th.join();
  done = true;
  sweeper.join();
  swept += int64_t(t.TakeExpired(0).size());
  EXPECT_EQ(taken.load(), kThreads * kEach / 2);
  EXPECT_EQ(swept.load(), kThreads * kEach / 2);
  EXPECT_EQ(t.size(), 0u);
}

}  // namespace
}  // namespace adpilot
