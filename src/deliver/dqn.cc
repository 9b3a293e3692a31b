// dqn: a DRLB-style agent (Wu et al., CIKM'18). The bid is v * pCTR / lambda
// as in `dual`; an episode of T auctions is cut into time slots and at each
// slot a DQN picks a multiplicative change of lambda from the state (slot,
// budget left, last slot's spend rate, win rate, value won, lambda).
// Reward: expected clicks (sum of pCTR) won in the slot — lower variance than
// realised clicks and the same expectation; gamma = 1 over the finite horizon.
// Trained on episodes of the training log only; the network is saved in the
// policy file and reloaded like a model. libtorch lives in this file alone.
#ifdef ADPILOT_WITH_TORCH

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <mutex>
#include <random>

#include "adpilot/bidding.h"
#include "adpilot/context.h"
#include "adpilot/replay.h"
#include "deliver/tuning.h"

namespace adpilot::deliver {
namespace {

constexpr int kState = 7;
constexpr double kFactors[] = {0.80, 0.92, 1.0, 1.08, 1.25};
constexpr int kActions = 5;

struct QNetImpl : torch::nn::Module {
  QNetImpl() {
    l1 = register_module("l1", torch::nn::Linear(kState, 64));
    l2 = register_module("l2", torch::nn::Linear(64, 64));
    l3 = register_module("l3", torch::nn::Linear(64, kActions));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    return l3->forward(torch::relu(l2->forward(torch::relu(l1->forward(x)))));
  }
  torch::nn::Linear l1{nullptr}, l2{nullptr}, l3{nullptr};
};
TORCH_MODULE(QNet);

// Every network of this file is made here. libtorch seeds its default
// generator from the OS and the generator is global, while `bid compare`
// builds and fits bidders on several threads: seeding and drawing under one
// lock make a network's initial weights a function of `seed` alone (copies
// and target nets are overwritten afterwards, but their draws must not land
// between another thread's seeding and drawing).
QNet NewNet(uint64_t seed) {
  static std::mutex init;
  std::lock_guard<std::mutex> hold(init);
  torch::manual_seed(seed);
  return QNet();
}

struct Transition {
  std::array<float, kState> s, s2;
  int a;
  float r;
  bool done;
};

class DqnBidder : public Bidder {
 public:
  explicit DqnBidder(const BidderEnv& e) : Bidder(e), net_(NewNet(e.seed)), rng_(e.seed) {
    // Unfitted (train-info only): the static lambda of the budget-neutral bid scale.
    lambda0_ = e.click_value * std::max(e.stats.avg_ctr, 1e-12) / BudgetNeutralBid(e);
  }
  DqnBidder(const DqnBidder& o) : Bidder(o), net_(NewNet(o.env_.seed)), rng_(o.rng_) {
    lambda0_ = o.lambda0_;
    slots_ = o.slots_;
    frozen_ = o.frozen_;
    CopyNet(o.net_, net_);
  }

  void Fit(const AuctionLog& train, const Context& ctx) override {
    // A tiny MLP: intra-op threads beyond the run's budget only add overhead.
    torch::set_num_threads(std::max(1, ctx.threads));
    // Start price: the best static lambda on training (lin's tuning).
    explore_ = false;
    std::vector<double> g;
    for (double b0 : BidGrid(env_.max_bid, 2, 4, 600)) g.push_back(env_.click_value * SafeCtr() / b0);
    frozen_ = true;  // lambda fixed while tuning lambda0
    GridSearch(train, *this, g, [&](double v) { lambda0_ = v; });
    frozen_ = false;
    QNet target = NewNet(env_.seed);
    CopyNet(net_, target);
    torch::optim::Adam opt(net_->parameters(), torch::optim::AdamOptions(1e-3));
    const int episodes = std::max(1, int(train.size() / size_t(env_.episode_auctions)));
    const int rounds = std::max(500 / episodes, 6);
    int step = 0;
    explore_ = true;
    for (int round = 0; round < rounds; ++round) {
      epsilon_ = std::max(0.05, 1.0 - double(round) / (0.7 * rounds));
      buffer_sink_ = &buffer_;
      TrainClicks(train, *this);  // plays every training episode, filling the buffer
      buffer_sink_ = nullptr;
      for (int k = 0; k < 4 * episodes * slots_ / 4 && buffer_.size() >= 64; ++k) {
        Learn(opt, target);
        if (++step % 200 == 0) CopyNet(net_, target);
      }
    }
    explore_ = false;
    // Keep the learnt policy only if it beats the static lambda on training.
    double learnt = TrainClicks(train, *this);
    frozen_ = true;
    double fixed = TrainClicks(train, *this);
    frozen_ = fixed > learnt;
    ctx.log().info("dqn: {} rounds, training clicks {} (static lambda {}){}", rounds, learnt, fixed,
                   frozen_ ? ": keeping the static lambda" : "");
  }

  void BeginPeriod(double budget, int64_t auctions) override {
    budget_ = budget;
    slot_len_ = std::max<int64_t>(1, (std::max(auctions, env_.episode_auctions) + slots_ - 1) / slots_);
    lambda_ = lambda0_;
    slot_ = 0;
    in_slot_ = 0;
    slot_spend_ = slot_value_ = 0;
    slot_wins_ = 0;
    spent_ = 0;
    have_prev_ = false;
    last_state_ = State(0, 0, 0, 0);
    if (!frozen_) Act();
  }
  double Bid(const AuctionContext& a) override { return Cap(env_.click_value * a.pctr / lambda_, a); }
  void Observe(const AuctionOutcome& o) override {
    slot_spend_ += o.price;
    spent_ += o.price;
    if (o.won) ++slot_wins_, slot_value_ += o.pctr;
    if (++in_slot_ < slot_len_) return;
    ++slot_;
    auto s2 = State(slot_spend_, double(slot_wins_) / double(in_slot_), slot_value_, 0);
    bool done = slot_ >= slots_;
    if (buffer_sink_ && have_prev_) {
      buffer_sink_->push_back({last_state_, s2, last_action_, float(slot_value_ / RewardScale()), done});
      if (buffer_sink_->size() > 50000) buffer_sink_->pop_front();
    }
    last_state_ = s2;
    in_slot_ = 0;
    slot_spend_ = slot_value_ = 0;
    slot_wins_ = 0;
    if (!done && !frozen_) Act();
  }

  nlohmann::json Params() const override {
    nlohmann::json w = nlohmann::json::object();
    for (const auto& p : net_->named_parameters()) {
      auto t = p.value().detach().contiguous().to(torch::kFloat32);
      w[p.key()] = std::vector<float>(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
    }
    return {{"lambda0", lambda0_}, {"slots", slots_}, {"static", frozen_}, {"weights", w}};
  }
  void SetParams(const nlohmann::json& p) override {
    lambda0_ = p.at("lambda0").get<double>();
    slots_ = p.at("slots").get<int>();
    frozen_ = p.at("static").get<bool>();
    torch::NoGradGuard ng;
    for (auto& q : net_->named_parameters()) {
      auto v = p.at("weights").at(q.key()).get<std::vector<float>>();
      if (int64_t(v.size()) != q.value().numel())
        Throw(ErrorCode::kCorruption, "dqn: weight '{}' has {} values, expected {}", q.key(), v.size(),
              q.value().numel());
      q.value().copy_(torch::from_blob(v.data(), q.value().sizes(), torch::kFloat32).clone());
    }
  }
  std::unique_ptr<Bidder> Clone() const override { return std::make_unique<DqnBidder>(*this); }

 private:
  double SafeCtr() const { return std::max(env_.stats.avg_ctr, 1e-12); }
  double RewardScale() const { return std::max(1e-9, SafeCtr() * double(env_.episode_auctions) / slots_); }
  std::array<float, kState> State(double spend, double win_rate, double value, double) const {
    const double rate = budget_ > 0 ? budget_ / double(slots_) : 1;
    return {float(double(slot_) / slots_),
            float(budget_ > 0 ? (budget_ - spent_) / budget_ : 0),
            float(spend / rate),
            float(win_rate * 10),
            float(value / RewardScale()),
            float(std::log(lambda_ / lambda0_)),
            1.f};
  }
  void Act() {
    int a;
    if (explore_ && std::uniform_real_distribution<double>(0, 1)(rng_) < epsilon_) {
      a = std::uniform_int_distribution<int>(0, kActions - 1)(rng_);
    } else {
      torch::NoGradGuard ng;
      auto q = net_->forward(torch::from_blob(last_state_.data(), {1, kState}, torch::kFloat32).clone());
      a = int(q.argmax(1).item<int64_t>());
    }
    last_action_ = a;
    have_prev_ = true;
    lambda_ = std::clamp(lambda_ * kFactors[a], lambda0_ / 20, lambda0_ * 20);
  }
  void Learn(torch::optim::Adam& opt, QNet& target) {
    const int n = 64;
    std::vector<float> s(n * kState), s2(n * kState), r(n), d(n);
    std::vector<int64_t> a(n);
    std::uniform_int_distribution<size_t> pick(0, buffer_.size() - 1);
    for (int i = 0; i < n; ++i) {
      const auto& t = buffer_[pick(rng_)];
      std::copy(t.s.begin(), t.s.end(), s.begin() + i * kState);
      std::copy(t.s2.begin(), t.s2.end(), s2.begin() + i * kState);
      a[size_t(i)] = t.a;
      r[size_t(i)] = t.r;
      d[size_t(i)] = t.done ? 0.f : 1.f;
    }
    auto S = torch::from_blob(s.data(), {n, kState}).clone();
    auto S2 = torch::from_blob(s2.data(), {n, kState}).clone();
    auto A = torch::from_blob(a.data(), {n, 1}, torch::kInt64).clone();
    auto R = torch::from_blob(r.data(), {n}).clone();
    auto D = torch::from_blob(d.data(), {n}).clone();
    torch::Tensor y;
    {
      torch::NoGradGuard ng;
      // Double DQN: the online net picks, the target net values.
      auto a2 = net_->forward(S2).argmax(1, true);
      y = R + D * target->forward(S2).gather(1, a2).squeeze(1);
    }
    auto q = net_->forward(S).gather(1, A).squeeze(1);
    auto loss = torch::smooth_l1_loss(q, y);
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  static void CopyNet(const QNet& from, QNet& to) {
    torch::NoGradGuard ng;
    auto src = from->parameters();
    auto dst = to->parameters();
    for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
  }

  QNet net_;
  std::mt19937_64 rng_;
  std::deque<Transition> buffer_;
  std::deque<Transition>* buffer_sink_ = nullptr;
  double lambda0_, lambda_ = 1, budget_ = 0, spent_ = 0, epsilon_ = 0.1;
  double slot_spend_ = 0, slot_value_ = 0;
  int64_t slot_len_ = 50, in_slot_ = 0, slot_wins_ = 0;
  int slots_ = 20, slot_ = 0, last_action_ = 2;
  bool explore_ = false, frozen_ = true, have_prev_ = false;  // untrained: static lambda
  std::array<float, kState> last_state_{};
};

ADPILOT_REGISTER(BidderRegistry, "dqn",
                 "DRLB-style DQN (Wu CIKM'18) adjusting lambda of v x pCTR / lambda per time slot",
                 [](const BidderEnv& e) -> std::unique_ptr<Bidder> { return std::make_unique<DqnBidder>(e); });

}  // namespace
}  // namespace adpilot::deliver

#endif  // ADPILOT_WITH_TORCH
