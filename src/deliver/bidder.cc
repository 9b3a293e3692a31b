// Bidder base, creation by name, policy files and the tuning helpers.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "adpilot/atomic_file.h"
#include "adpilot/bidding.h"
#include "adpilot/container.h"
#include "adpilot/error.h"
#include "adpilot/hash.h"
#include "adpilot/replay.h"
#include "deliver/tuning.h"

namespace adpilot {

AuctionType ParseAuctionType(const std::string& s) {
  if (s == "second") return AuctionType::kSecondPrice;
  if (s == "first") return AuctionType::kFirstPrice;
  Throw(ErrorCode::kInvalidArgument, "unknown auction type '{}'; valid: first, second", s);
}

const char* AuctionTypeName(AuctionType t) { return t == AuctionType::kFirstPrice ? "first" : "second"; }

void Bidder::Fit(const AuctionLog&, const Context&) {}

double Bidder::Cap(double b, const AuctionContext& a) const {
  if (!(b > 0)) return 0;  // also maps NaN to "no bid"
  return std::min({b, env_.max_bid, std::max(0.0, a.remaining_budget)});
}

std::unique_ptr<Bidder> MakeBidder(const std::string& name, const BidderEnv& env) {
  auto b = BidderRegistry::Get().Create("bidding strategy", name, env);
  b->name_ = name;
  return b;
}

namespace {

// Version 1 was the hand-framed layout ReadV1 reads; 2 is the container,
// whose config is the policy JSON and whose payload is empty.
constexpr ContainerFormat kPolicyFile{"APBIDPOL", "adpilot bidding policy", 2, 2};

// magic | u32 1 | u64 n | n bytes of JSON | u64 XXH3 of the JSON alone.
std::string_view ReadV1(std::string_view bytes, const std::string& path) {
  const size_t head = 8 + sizeof(uint32_t) + sizeof(uint64_t);
  uint64_t n, sum;
  if (bytes.size() < head) Throw(ErrorCode::kCorruption, "{}: truncated policy file ({} bytes)", path, bytes.size());
  std::memcpy(&n, bytes.data() + 12, sizeof n);
  if (n > bytes.size() || bytes.size() != head + n + sizeof sum)
    Throw(ErrorCode::kCorruption, "{}: truncated or padded policy file ({} bytes, expected {})", path, bytes.size(),
          head + n + sizeof sum);
  std::string_view body = bytes.substr(head, n);
  std::memcpy(&sum, bytes.data() + head + n, sizeof sum);
  if (Hash64(body) != sum) Throw(ErrorCode::kCorruption, "{}: policy checksum mismatch", path);
  return body;
}

nlohmann::json EnvToJson(const BidderEnv& e) {
  return {{"avg_ctr", e.stats.avg_ctr},
          {"cpm", e.stats.cpm},
          {"cpc", e.stats.cpc},
          {"price_counts", e.stats.price_counts},
          {"auction", AuctionTypeName(e.auction)},
          {"max_bid", e.max_bid},
          {"episode_auctions", e.episode_auctions},
          {"episode_budget", e.episode_budget},
          {"click_value", e.click_value},
          {"seed", e.seed}};
}

BidderEnv EnvFromJson(const nlohmann::json& j) {
  BidderEnv e;
  e.stats.avg_ctr = j.at("avg_ctr").get<double>();
  e.stats.cpm = j.at("cpm").get<double>();
  e.stats.cpc = j.at("cpc").get<double>();
  e.stats.price_counts = j.at("price_counts").get<std::vector<double>>();
  e.auction = ParseAuctionType(j.at("auction").get<std::string>());
  e.max_bid = j.at("max_bid").get<double>();
  e.episode_auctions = j.at("episode_auctions").get<int64_t>();
  e.episode_budget = j.at("episode_budget").get<double>();
  e.click_value = j.at("click_value").get<double>();
  e.seed = j.at("seed").get<uint64_t>();
  return e;
}

}  // namespace

void SavePolicy(const Bidder& b, const std::string& path) {
  nlohmann::json j = {{"strategy", b.name()}, {"env", EnvToJson(b.env())}, {"params", b.Params()}};
  WriteContainer(path, kPolicyFile, j.dump(), "");
}

std::unique_ptr<Bidder> LoadPolicy(const std::string& path) {
  std::string bytes = ReadFile(path);
  std::string_view body = ContainerVersion(bytes, kPolicyFile, path) < kPolicyFile.first_version
                              ? ReadV1(bytes, path)
                              : DecodeContainer(bytes, kPolicyFile, path).config;
  try {
    auto j = nlohmann::json::parse(body);
    auto b = MakeBidder(j.at("strategy").get<std::string>(), EnvFromJson(j.at("env")));
    b->SetParams(j.at("params"));
    return b;
  } catch (const nlohmann::json::exception& e) {
    Throw(ErrorCode::kCorruption, "{}: bad policy content: {}", path, e.what());
  }
}

namespace deliver {

double TrainClicks(const AuctionLog& train, Bidder& b) {
  ReplayConfig cfg;
  cfg.episode = b.env().episode_auctions;
  cfg.budget_override = b.env().episode_budget;
  cfg.auction = b.env().auction;
  cfg.max_bid = b.env().max_bid;
  cfg.traces = false;
  return double(Replay(train, b, cfg, b.env().stats).clicks);
}

double GridSearch(const AuctionLog& train, Bidder& b, const std::vector<double>& grid,
                  const std::function<void(double)>& set) {
  if (grid.empty()) Throw(ErrorCode::kInternal, "{}: empty tuning grid", b.name());
  double best = grid.front(), best_clicks = -1;
  for (double v : grid) {
    set(v);
    double c = TrainClicks(train, b);
    if (c > best_clicks) best_clicks = c, best = v;
  }
  set(best);
  return best;
}

double WinProb(const std::vector<double>& counts, double x) {
  double tot = 0, win = 0;
  for (size_t p = 0; p < counts.size(); ++p) {
    tot += counts[p];
    if (double(p) <= x) win += counts[p];
  }
  return tot > 0 ? win / tot : 0;
}

double ExpectedSpend(const std::vector<double>& counts, double x) {
  double tot = 0, s = 0;
  for (size_t p = 0; p < counts.size(); ++p) {
    tot += counts[p];
    if (double(p) <= x) s += counts[p] * double(p);
  }
  return tot > 0 ? s / tot : 0;
}

double BudgetNeutralBid(const BidderEnv& env) {
  double rate = env.episode_auctions > 0 ? env.episode_budget / double(env.episode_auctions) : 0;
  double lo = 0, hi = env.max_bid;
  for (int it = 0; it < 40; ++it) {
    double mid = 0.5 * (lo + hi);
    (ExpectedSpend(env.stats.price_counts, mid) < rate ? lo : hi) = mid;
  }
  return std::max(env.max_bid / 300.0, hi);  // at least one iPinYou price unit, scaled
}

std::vector<double> GeomGrid(double lo, double hi, int n) {
  std::vector<double> g;
  g.reserve(std::max(n, 0));
  for (int i = 0; i < n; ++i) g.push_back(lo * std::pow(hi / lo, n > 1 ? double(i) / (n - 1) : 0));
  return g;
}

}  // namespace deliver
}  // namespace adpilot
