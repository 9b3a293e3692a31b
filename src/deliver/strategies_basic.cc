// Static bidding functions: const, rand, mcpc, lin, ortb1, ortb2. Their one
// free parameter is tuned by replaying the training log (GridSearch), as the
// RLB and ORTB papers tune on training data; without one, a budget-neutral
// default from the market-price histogram is used.
#include <algorithm>
#include <cmath>
#include <random>

#include "adpilot/bidding.h"
#include "deliver/tuning.h"

namespace adpilot::deliver {
namespace {

class ConstBidder : public Bidder {
 public:
  explicit ConstBidder(const BidderEnv& e) : Bidder(e), c_(BudgetNeutralBid(e)) {}
  void Fit(const AuctionLog& t, const Context&) override {
    GridSearch(t, *this, BidGrid(env_.max_bid, 1, 2, 300), [&](double v) { c_ = v; });
  }
  void BeginPeriod(double, int64_t) override {}
  double Bid(const AuctionContext& a) override { return Cap(c_, a); }
  nlohmann::json Params() const override { return {{"bid", c_}}; }
  void SetParams(const nlohmann::json& p) override { c_ = p.at("bid").get<double>(); }
  std::unique_ptr<Bidder> Clone() const override { return std::make_unique<ConstBidder>(*this); }

 private:
  double c_;
};

class RandBidder : public Bidder {
 public:
  explicit RandBidder(const BidderEnv& e) : Bidder(e), hi_(2 * BudgetNeutralBid(e)), rng_(e.seed) {}
  void Fit(const AuctionLog& t, const Context&) override {
    GridSearch(t, *this, BidGrid(env_.max_bid, 2, 4, 600), [&](double v) {
      hi_ = v;
      rng_.seed(env_.seed);
    });
    rng_.seed(env_.seed);
  }
  void BeginPeriod(double, int64_t) override {}
  double Bid(const AuctionContext& a) override { return Cap(std::uniform_real_distribution<double>(0, hi_)(rng_), a); }
  nlohmann::json Params() const override { return {{"upper", hi_}}; }
  void SetParams(const nlohmann::json& p) override { hi_ = p.at("upper").get<double>(); }
  std::unique_ptr<Bidder> Clone() const override { return std::make_unique<RandBidder>(*this); }

 private:
  double hi_;
  std::mt19937_64 rng_;
};

// Mcpc: bid the expected value of the impression at the training CPC.
class McpcBidder : public Bidder {
 public:
  explicit McpcBidder(const BidderEnv& e) : Bidder(e) {}
  void BeginPeriod(double, int64_t) override {}
  double Bid(const AuctionContext& a) override { return Cap(env_.stats.cpc * a.pctr, a); }
  nlohmann::json Params() const override { return {{"cpc", env_.stats.cpc}}; }
  void SetParams(const nlohmann::json&) override {}
  std::unique_ptr<Bidder> Clone() const override { return std::make_unique<McpcBidder>(*this); }
};

// Lin: b = b0 * pCTR / avgCTR (Perlich et al.), b0 tuned for clicks on training.
class LinBidder : public Bidder {
 public:
  explicit LinBidder(const BidderEnv& e) : Bidder(e), b0_(BudgetNeutralBid(e)) {}
  void Fit(const AuctionLog& t, const Context&) override {
    GridSearch(t, *this, BidGrid(env_.max_bid, 2, 2, 600), [&](double v) { b0_ = v; });
  }
  void BeginPeriod(double, int64_t) override {}
  double Bid(const AuctionContext& a) override { return Cap(b0_ * a.pctr / std::max(env_.stats.avg_ctr, 1e-12), a); }
  nlohmann::json Params() const override { return {{"b0", b0_}}; }
  void SetParams(const nlohmann::json& p) override { b0_ = p.at("b0").get<double>(); }
  std::unique_ptr<Bidder> Clone() const override { return std::make_unique<LinBidder>(*this); }

 private:
  double b0_;
};

// Least-squares fit of c in the winning function w(b) = b / (c + b) to the
// training histogram's empirical win rate (Zhang et al. KDD'14, section 4).
double FitWinningC(const BidderEnv& env) {
  double best_c = 50, best_err = 1e300;
  for (double c : GeomGrid(1, 2000, 400)) {
    double err = 0;
    for (int b = 1; b <= int(env.max_bid); ++b) {
      double d = WinProb(env.stats.price_counts, b) - b / (c + b);
      err += d * d;
    }
    if (err < best_err) best_err = err, best_c = c;
  }
  return best_c;
}

class OrtbBidder : public Bidder {
 public:
  OrtbBidder(const BidderEnv& e, int kind) : Bidder(e), kind_(kind), c_(FitWinningC(e)) {
    // Default lambda: the ORTB1 bid at the average pCTR equals the budget-neutral bid.
    double b = BudgetNeutralBid(e), th = std::max(e.stats.avg_ctr, 1e-9);
    lambda_ = c_ * th / ((b + c_) * (b + c_) - c_ * c_);
  }
  void Fit(const AuctionLog& t, const Context&) override {
    double l0 = lambda_;
    GridSearch(t, *this, GeomGrid(l0 / 30, l0 * 30, 60), [&](double v) { lambda_ = v; });
  }
  void BeginPeriod(double, int64_t) override {}
  double Bid(const AuctionContext& a) override {
    const double th = a.pctr, c = c_, l = lambda_;
    double b;
    if (kind_ == 1) {
      b = std::sqrt(c / l * th + c * c) - c;
    } else {
      double r = std::sqrt(c * c * l * l + th * th);
      double u = (th + r) / (c * l);
      b = c * (std::cbrt(u) - std::cbrt(1.0 / u));
    }
    return Cap(b, a);
  }
  nlohmann::json Params() const override { return {{"c", c_}, {"lambda", lambda_}}; }
  void SetParams(const nlohmann::json& p) override {
    c_ = p.at("c").get<double>();
    lambda_ = p.at("lambda").get<double>();
  }
  std::unique_ptr<Bidder> Clone() const override { return std::make_unique<OrtbBidder>(*this); }

 private:
  int kind_;
  double c_, lambda_;
};

using P = std::unique_ptr<Bidder>;
ADPILOT_REGISTER(BidderRegistry, "const", "constant bid, tuned on training",
                 [](const BidderEnv& e) -> P { return std::make_unique<ConstBidder>(e); });
ADPILOT_REGISTER(BidderRegistry, "rand", "uniform random bid in [0, upper], upper tuned",
                 [](const BidderEnv& e) -> P { return std::make_unique<RandBidder>(e); });
ADPILOT_REGISTER(BidderRegistry, "mcpc", "b = CPC x pCTR (training CPC)",
                 [](const BidderEnv& e) -> P { return std::make_unique<McpcBidder>(e); });
ADPILOT_REGISTER(BidderRegistry, "lin", "b = b0 x pCTR / avgCTR, b0 tuned on training",
                 [](const BidderEnv& e) -> P { return std::make_unique<LinBidder>(e); });
ADPILOT_REGISTER(BidderRegistry, "ortb1", "ORTB1 (Zhang KDD'14): sqrt(c/l x pCTR + c^2) - c",
                 [](const BidderEnv& e) -> P { return std::make_unique<OrtbBidder>(e, 1); });
ADPILOT_REGISTER(BidderRegistry, "ortb2", "ORTB2 (Zhang KDD'14), cube-root form",
                 [](const BidderEnv& e) -> P { return std::make_unique<OrtbBidder>(e, 2); });

}  // namespace
}  // namespace adpilot::deliver
