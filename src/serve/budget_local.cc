// The in-process ledger: one atomic "committed" (spent + reserved) per campaign
// and day, so the budget check and the reservation are one compare-and-swap.
#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_set>

#include "adpilot/budget_ledger.h"

namespace adpilot {
namespace {

struct Account {
  std::atomic<int64_t> committed{0};  // spent + reserved
  std::atomic<int64_t> spent{0};
};

class LocalLedger : public BudgetLedger {
 public:
  void SetBudget(const std::string& campaign, int64_t budget) override {
    std::unique_lock lock(mu_);
    budgets_[campaign] = budget;
  }

  // Tokens are not needed here: in one process every call is exactly once.
  bool Reserve(const std::string& campaign, int32_t day, int64_t micros, const std::string&) override {
    int64_t budget;
    Account* a = Find(campaign, day, &budget);
    if (!a || micros < 0) return false;
    int64_t cur = a->committed.load(std::memory_order_relaxed);
    do {
      if (cur + micros > budget) return false;
    } while (!a->committed.compare_exchange_weak(cur, cur + micros, std::memory_order_acq_rel));
    return true;
  }

  void Settle(const std::string& campaign, int32_t day, int64_t reserved, int64_t actual, const std::string&) override {
    Account* a = Find(campaign, day, nullptr);
    if (!a) return;
    actual = std::clamp<int64_t>(actual, 0, reserved);
    a->spent.fetch_add(actual, std::memory_order_relaxed);
    a->committed.fetch_sub(reserved - actual, std::memory_order_acq_rel);
  }

  void Release(const std::string& campaign, int32_t day, int64_t reserved, const std::string&) override {
    Account* a = Find(campaign, day, nullptr);
    if (a && reserved > 0) a->committed.fetch_sub(reserved, std::memory_order_acq_rel);
  }

  bool ChargeLate(const std::string& campaign, int32_t day, int64_t micros, const std::string& token) override {
    Account* a = Find(campaign, day, nullptr);
    if (!a || micros < 0) return false;
    {
      // Only wins whose slot this process no longer knows come here (after a
      // restart the local ledger starts empty too), so the set stays small.
      std::lock_guard lock(late_mu_);
      if (!late_tokens_.insert(token).second) return false;
    }
    a->spent.fetch_add(micros, std::memory_order_relaxed);
    a->committed.fetch_add(micros, std::memory_order_acq_rel);
    return true;
  }

  BudgetState State(const std::string& campaign, int32_t day) override {
    BudgetState s;
    s.campaign = campaign;
    Account* a = Find(campaign, day, &s.budget);
    if (a) {
      s.spent = a->spent.load();
      s.reserved = std::max<int64_t>(0, a->committed.load() - s.spent);
    }
    return s;
  }

 private:
  // Accounts live as long as the ledger (one per campaign and day served), so
  // the returned pointer stays valid without holding the lock.
  Account* Find(const std::string& campaign, int32_t day, int64_t* budget) {
    {
      std::shared_lock lock(mu_);
      auto b = budgets_.find(campaign);
      if (b == budgets_.end()) return nullptr;
      if (budget) *budget = b->second;
      auto it = accounts_.find({campaign, day});
      if (it != accounts_.end()) return it->second.get();
    }
    std::unique_lock lock(mu_);
    auto& slot = accounts_[{campaign, day}];
    if (!slot) slot = std::make_unique<Account>();
    return slot.get();
  }

  std::shared_mutex mu_;
  std::mutex late_mu_;
  std::unordered_set<std::string> late_tokens_;
  std::map<std::string, int64_t> budgets_;
  std::map<std::pair<std::string, int32_t>, std::unique_ptr<Account>> accounts_;
};

}  // namespace

std::unique_ptr<BudgetLedger> MakeLocalLedger() { return std::make_unique<LocalLedger>(); }

}  // namespace adpilot
