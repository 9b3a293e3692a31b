#include <csignal>
#include <random>
#include <thread>

#include <fmt/format.h>

#include <gtest/gtest.h>

#include "adpilot/budget_ledger.h"
#include "adpilot/context.h"
#include "common/test_util.h"
#include "redis_fixture.h"

namespace adpilot {
namespace {

using testing::RedisProcess;
using testing::TempDir;

// Each thread reserves random amounts, then settles (at a random clearing
// price up to the reservation) or releases. Returns what the callers settled.
int64_t Hammer(std::vector<BudgetLedger*> ledgers, int threads_per_ledger, int ops, int32_t day) {
  std::atomic<int64_t> settled{0};
  std::vector<std::thread> ts;
  for (size_t l = 0; l < ledgers.size(); ++l)
    for (int t = 0; t < threads_per_ledger; ++t)
      ts.emplace_back([&, l, t] {
        std::mt19937_64 rng(l * 100 + t);
        for (int i = 0; i < ops; ++i) {
          int64_t amt = 1000 + int64_t(rng() % 5000);
          std::string token = fmt::format("{}-{}-{}", l, t, i);
          if (!ledgers[l]->Reserve("c", day, amt, token)) continue;
          if (rng() % 4 == 0) {
            ledgers[l]->Release("c", day, amt, token);
          } else {
            int64_t actual = int64_t(rng() % uint64_t(amt + 1));
            ledgers[l]->Settle("c", day, amt, actual, token);
            settled += actual;
          }
        }
      });
  for (auto& t : ts) t.join();
  return settled.load();
}

TEST(LocalLedger, NeverExceedsTheBudgetUnderConcurrency) {
  auto ledger = MakeLocalLedger();
  const int64_t budget = 2'000'000;  // 2 units: exhausted after a few hundred settlements
  ledger->SetBudget("c", budget);
  int64_t settled = Hammer({ledger.get()}, 8, 5000, 100);
  BudgetState s = ledger->State("c", 100);
  EXPECT_EQ(s.reserved, 0);
  EXPECT_EQ(s.spent, settled);
  EXPECT_LE(s.spent, budget);
  EXPECT_GT(s.spent, budget * 9 / 10);  // and the budget did get used
  // Another day is a fresh budget; an unknown campaign never reserves.
  EXPECT_TRUE(ledger->Reserve("c", 101, budget, "a"));
  EXPECT_FALSE(ledger->Reserve("c", 101, 1, "b"));
  EXPECT_FALSE(ledger->Reserve("nope", 100, 1, "c"));
}

TEST(LocalLedger, SettleNeverChargesMoreThanReserved) {
  auto ledger = MakeLocalLedger();
  ledger->SetBudget("c", 1000);
  ASSERT_TRUE(ledger->Reserve("c", 1, 600, "a"));
  ledger->Settle("c", 1, 600, 5000, "a");
  EXPECT_EQ(ledger->State("c", 1).spent, 600);
  EXPECT_FALSE(ledger->Reserve("c", 1, 401, "b"));
  EXPECT_TRUE(ledger->Reserve("c", 1, 400, "c"));
}

class RedisLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bin_ = testing::FindRedisServer();
    if (bin_.empty()) GTEST_SKIP() << "redis-server not installed: shared-budget test skipped";
    dir_ = std::make_unique<TempDir>();
    redis_ = std::make_unique<RedisProcess>(bin_, dir_->path().string());
    ASSERT_TRUE(redis_->Start());
  }
  std::string bin_;
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<RedisProcess> redis_;
  Context ctx_;
};

TEST_F(RedisLedgerTest, TwoReplicasShareOneBudget) {
  auto a = MakeRedisLedger(redis_->address(), "t1", 200, ctx_);
  auto b = MakeRedisLedger(redis_->address(), "t1", 200, ctx_);
  const int64_t budget = 1'500'000;
  a->SetBudget("c", budget);
  b->SetBudget("c", budget);
  int64_t settled = Hammer({a.get(), b.get()}, 3, 600, 7);
  BudgetState s = a->State("c", 7);
  EXPECT_TRUE(s.available);
  EXPECT_EQ(s.reserved, 0);
  EXPECT_EQ(s.spent, settled);
  EXPECT_LE(s.spent, budget);
  EXPECT_GT(s.spent, budget / 2);
  EXPECT_EQ(b->State("c", 7).spent, s.spent);
}

TEST_F(RedisLedgerTest, OutageStopsReservationsAndReplaysSettlements) {
  auto l = MakeRedisLedger(redis_->address(), "t2", 100, ctx_);
  l->SetBudget("c", 10'000);
  ASSERT_TRUE(l->Reserve("c", 1, 4'000, "w"));
  ASSERT_TRUE(l->Reserve("c", 1, 4'000, "l"));
  EXPECT_TRUE(l->Reserve("c", 1, 1'000, "w"));  // a replayed reservation holds nothing more
  EXPECT_EQ(l->State("c", 1).reserved, 8'000);
  redis_->Kill(SIGKILL);                     // gone mid-flight, its append-only file stays
  EXPECT_FALSE(l->Reserve("c", 1, 1, "x"));  // cannot confirm: no bid
  l->Settle("c", 1, 4'000, 3'000, "w");      // the win arrives during the outage
  l->Release("c", 1, 4'000, "l");
  l->Release("c", 1, 4'000, "l");  // a repeated notice
  EXPECT_EQ(l->pending(), 4u);
  EXPECT_FALSE(l->State("c", 1).available);
  // Back on the same port with its append-only file: the reservations held
  // through the outage are still there, and the queued settlements replay.
  ASSERT_TRUE(redis_->Start());
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // past the reconnect back-off
  EXPECT_TRUE(l->Reserve("c", 1, 1'000, "y"));                  // replays the queue first
  EXPECT_EQ(l->pending(), 0u);
  BudgetState s = l->State("c", 1);
  EXPECT_TRUE(s.available);
  EXPECT_EQ(s.spent, 3'000);
  EXPECT_EQ(s.reserved, 1'000);
  EXPECT_FALSE(l->Reserve("c", 1, 6'001, "z1"));
  EXPECT_TRUE(l->Reserve("c", 1, 6'000, "z2"));
}

TEST_F(RedisLedgerTest, ASlowRedisFailsClosedAndCatchesUp) {
  auto l = MakeRedisLedger(redis_->address(), "t3", 100, ctx_);
  l->SetBudget("c", 10'000);
  ASSERT_TRUE(l->Reserve("c", 1, 4'000, "w"));
  redis_->Kill(SIGSTOP);                         // alive but answering nothing: every call times out
  EXPECT_FALSE(l->Reserve("c", 1, 1'000, "x"));  // no confirmation within the timeout: no bid
  l->Settle("c", 1, 4'000, 2'500, "w");
  EXPECT_TRUE(l->ChargeLate("c", 1, 700, "late"));  // queued: a replay is marked, so safe
  EXPECT_GE(l->pending(), 2u);
  redis_->Kill(SIGCONT);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  // The timed-out Reserve("x") may have run in Redis after all: its queued
  // release frees it. Everything replays in order.
  EXPECT_TRUE(l->Reserve("c", 1, 1'000, "y"));
  EXPECT_EQ(l->pending(), 0u);
  BudgetState s = l->State("c", 1);
  EXPECT_EQ(s.spent, 3'200);
  EXPECT_EQ(s.reserved, 1'000);
  EXPECT_FALSE(l->ChargeLate("c", 1, 700, "late"));  // a duplicate: charged once
  EXPECT_FALSE(l->ChargeLate("c", 1, 900, "w"));     // settled in time: a late copy is a duplicate
  EXPECT_EQ(l->State("c", 1).spent, 3'200);
}

TEST(LocalLedger, LateChargesCountOncePastTheBudgetAndRemainingStaysAtZero) {
  auto l = MakeLocalLedger();
  l->SetBudget("c", 1'000);
  ASSERT_TRUE(l->Reserve("c", 1, 800, "a"));
  l->Release("c", 1, 800, "a");
  EXPECT_TRUE(l->ChargeLate("c", 1, 800, "a"));
  EXPECT_FALSE(l->ChargeLate("c", 1, 800, "a"));
  EXPECT_TRUE(l->ChargeLate("c", 1, 900, "b"));
  BudgetState s = l->State("c", 1);
  EXPECT_EQ(s.spent, 1'700);
  EXPECT_EQ(s.reserved, 0);
  EXPECT_EQ(s.overspend(), 700);
  EXPECT_EQ(s.remaining(), 0);
  EXPECT_FALSE(l->Reserve("c", 1, 1, "c"));
}

}  // namespace
}  // namespace adpilot
