// Auction logs for replay: a stream of (click, market price, pCTR) held in
// contiguous arrays, with episode boundaries where the file has them, plus the
// parsers of the RLB data set's side files (<camp>.train-info.txt, info.json).
//
// The "rlb" text format (han-cai/rlb-dp) comes in two layouts, both accepted:
//  - episode-structured (`.validation.txt`): line 1 `N<TAB>T`, then episodes,
//    each an index line `k` followed by T lines `click<TAB>price<TAB>pctr`;
//  - flat (`.theta.txt`, the generated world's `auctions.rlb`): one auction per
//    line `click price pctr`, separated by spaces or tabs.
// Negative prices, a pCTR outside [0, 1], a click other than 0/1, an episode
// whose length disagrees with the header's T, or an empty log are kBadInput
// errors naming file and line: nothing is dropped silently.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "adpilot/line_source.h"

namespace adpilot {

// The largest market price any reader accepts (price units: iPinYou's CNY fen
// per 1000 impressions run to about 300, USD CPMs to a few hundred). Price
// histograms (CampaignStats::price_counts, the RLB value function) have one bin
// per price unit, so this bound, not the data, sizes them: one bad line cannot
// make a replay allocate gigabytes. A price that is not finite, negative or
// above it is a bad row naming the file and line.
inline constexpr double kMaxMarketPrice = 1e6;
// True for a finite price in [0, kMaxMarketPrice].
inline bool ValidMarketPrice(double p) { return p >= 0 && p <= kMaxMarketPrice; }

// What a bidder knows of a campaign before the test stream: statistics of the
// training log (train-info.txt / info.json, or computed from a log).
struct CampaignStats {
  double avg_ctr = 0;  // clicks / impressions in training
  double cpm = 0;      // mean market price x 1000 (train-info's CPM)
  double cpc = 0;      // cost per click in training (price units, not x 1000)
  // Market-price histogram: counts[p] impressions won at price p (integer prices).
  std::vector<double> price_counts;
  double mean_price() const { return cpm / 1000.0; }
  double impressions() const {
    double n = 0;
    for (double c : price_counts) n += c;
    return n;
  }
};

struct AuctionLog {
  std::string source;               // file it came from
  std::vector<uint8_t> click;       // 0/1 per auction
  std::vector<float> price;         // market price (what a second-price winner pays)
  std::vector<float> pctr;          // pCTR of the auction
  std::vector<uint8_t> conversion;  // empty when the log has none
  std::vector<int8_t> hour;         // hour of day 0..23, empty when unknown
  // Start index of each episode the file declares, plus size() at the end;
  // empty for a flat log (the replay then cuts episodes of T auctions).
  std::vector<size_t> episode_start;
  int64_t header_episode_len = 0;  // T from an episode header, 0 for flat logs

  size_t size() const { return price.size(); }
  uint64_t clicks() const;
  double total_cost() const;  // sum of market prices (the ORTB budget base)
  // Statistics for fitting bidders (avg CTR, CPM, CPC, price histogram).
  CampaignStats Stats() const;
  // The sub-log of auctions [begin, end), episode boundaries kept.
  AuctionLog Slice(size_t begin, size_t end) const;
  void Reserve(size_t n);
  void Add(uint8_t c, float p, float ctr) {
    click.push_back(c);
    price.push_back(p);
    pctr.push_back(ctr);
  }
};

// Streaming parser of the rlb format (both layouts), for readers that want one
// auction at a time. Throws kBadInput "file:line: field: reason" on bad rows.
class RlbStream {
 public:
  explicit RlbStream(const std::string& path);
  // Next auction; false at the end. `new_episode` is set on the first auction
  // of each declared episode.
  bool Next(uint8_t& click, float& price, float& pctr, bool& new_episode);
  int64_t header_episode_len() const { return header_t_; }
  uint64_t line() const { return src_.line_number(); }
  const LineSource& source() const { return src_; }

 private:
  void CheckEpisodeEnd();
  LineSource src_;
  bool structured_ = false, started_ = false, pending_episode_ = false;
  int64_t header_t_ = 0, in_episode_ = 0, episodes_ = 0, last_index_ = 0;
  uint64_t episode_line_ = 0;
  std::vector<std::string_view> cols_;
};

// Loads a whole log. format: "rlb" (both layouts) or "world" (the generated
// world's auctions.rlb, same flat layout). Throws kBadInput for an empty log.
AuctionLog LoadAuctionLog(const std::string& path, const std::string& format = "rlb");

// `<camp>.train-info.txt` (lines `CPC:\tx`, `CPM:\tx`, `avg ctr:\tx`,
// `counter:\tc0_c1_..._`) or `info.json` (imp/clk/cost_train, price_counter_train).
// Chosen by extension; a missing key is a kBadInput error naming it.
CampaignStats LoadTrainInfo(const std::string& path);

}  // namespace adpilot
