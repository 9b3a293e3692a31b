// One campaign's bidding strategy online: a deliver-stage Bidder (bidding.h),
// which is stateful and not thread-safe, behind a mutex. Prices are CPM in the
// account currency; the Bidder's budget is in the same unit as its prices
// (money x 1000), as in the offline replay.
#pragma once

#include <memory>
#include <mutex>

#include "adpilot/bidding.h"
#include "adpilot/campaign.h"

namespace adpilot::serve {

class CampaignStrategy {
 public:
  // Throws kInvalidArgument (unknown strategy, bad params) or the policy file's errors.
  CampaignStrategy(const Campaign& c, const Context& ctx);

  // The strategy's CPM for an impression (0 = no bid). `remaining_money` is what
  // the ledger says is left today; `day_left` the share of the UTC day left.
  double Bid(double pctr, double remaining_money, double day_left, double floor_cpm, int32_t day);
  void Observe(bool won, double price_cpm, double pctr);
  const std::string& name() const { return bidder_->name(); }

 private:
  std::mutex mu_;
  std::unique_ptr<Bidder> bidder_;
  double budget_units_;
  int64_t auctions_;
  int32_t day_ = -1;
};

}  // namespace adpilot::serve
