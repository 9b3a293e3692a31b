// Streaming output of the auctions: rows are generated in fixed blocks of
// kBlockRows, each block from its own random stream, so the files do not
// depend on the thread count and memory stays constant whatever the row count.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "gen/auction_model.h"

namespace adpilot::gen {

constexpr int64_t kBlockRows = 65536;
constexpr int kAucBins = 65536;  // logit bins of the streaming AUC

struct SegmentStat {
  int64_t n = 0, clicks = 0;
  double sum_p = 0;
};

// Sums over one block (merged in block order, so totals are deterministic).
struct BlockStats {
  int64_t rows = 0, clicks = 0, conversions = 0;
  double sum_p = 0, sum_logloss = 0, sum_price = 0, conversion_value = 0;
  std::vector<SegmentStat> device, ad_topic, hour, format;
  std::vector<uint32_t> pos_hist, neg_hist;  // clicks / non-clicks per logit bin
  void Reset(int topics);
};

// A reusable byte buffer that, unlike std::string, does not zero what it grows
// into (rows are written at a rate where that memset shows).
class Buffer {
 public:
  void Clear() { size_ = 0; }
  char* Reserve(size_t n) {
    if (size_ + n > cap_) {
      size_t cap = std::max(size_ + n, cap_ * 2);
      std::unique_ptr<char[]> d(new char[cap]);
      if (size_) std::memcpy(d.get(), data_.get(), size_);
      data_ = std::move(d);
      cap_ = cap;
    }
    return data_.get();
  }
  void Resize(size_t n) { size_ = n; }
  size_t size() const { return size_; }
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_ = 0, cap_ = 0;
};

struct AuctionBlock {
  Buffer tsv, rlb, meta;
  BlockStats stats;
};

// Generates rows [begin, end) (one block, stream number `block`) into `out`.
void GenerateBlock(const AuctionModel& model, const Context& ctx, int64_t begin, int64_t end, uint64_t block,
                   AuctionBlock& out);

// Writes auctions.tsv, auctions.rlb and auctions.meta.tsv into `dir`; returns
// truth.json's "auctions" object.
nlohmann::json WriteAuctions(const WorldConfig& cfg, const AuctionModel& model, const std::string& dir,
                             const Context& ctx);

}  // namespace adpilot::gen
