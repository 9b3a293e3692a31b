// The RLB auction stream (han-cai/rlb-dp): `click market_price pctr`, flat or
// episode-structured (see adpilot/auction_log.h). Unlike the feature formats,
// a bad row is an error even under --on-error skip: a replay that silently
// skipped auctions would shift every episode after it.
#include <fmt/format.h>

#include "adpilot/auction_log.h"
#include "adpilot/reader.h"

namespace adpilot::data {
namespace {

class RlbReader : public RecordReader {
 public:
  RlbReader(const std::string& path, const ReaderOptions& opts)
      : stream_(path), bad_(path, opts.on_error, opts.max_reported) {
    if (opts.shards > 1)
      Throw(ErrorCode::kUnsupported, "{}: an RLB auction log is replayed whole, not split across ranks", path);
    schema_.Add("market_price", FieldKind::kNumeric);
    schema_.Add("pctr", FieldKind::kNumeric);
  }

  bool Next(RawRecord& rec) override {
    uint8_t c;
    float p, q;
    bool new_episode;
    if (!stream_.Next(c, p, q, new_episode)) {
      if (rows_ == 0) Throw(ErrorCode::kBadInput, "{}: empty auction log (no auctions)", bad_.file());
      return false;
    }
    if (new_episode) ++episode_;
    ++rows_;
    rec.Clear();
    rec.line = stream_.line();
    rec.label = c;
    rec.market_price = p;
    rec.pctr = q;
    // The episode index (1-based; 0 in a flat log) rides in timestamp so that
    // generic consumers can still see the episode structure.
    rec.timestamp = episode_;
    rec.features.push_back(RawFeature{0, {}, p, true, false});
    rec.features.push_back(RawFeature{1, {}, q, true, false});
    return true;
  }
  const Schema& schema() const override { return schema_; }
  const BadRowLog& bad_rows() const override { return bad_; }
  uint64_t bytes_read() const override { return stream_.source().bytes_read(); }
  uint64_t total_bytes() const override { return stream_.source().file_size(); }

 private:
  RlbStream stream_;
  BadRowLog bad_;
  Schema schema_;
  uint64_t rows_ = 0;
  int64_t episode_ = 0;
};

ADPILOT_REGISTER(ReaderRegistry, "rlb", "RLB auction stream: click market_price pctr (flat or N<TAB>T episode layout)",
                 [](const std::string& path, const ReaderOptions& o) -> std::unique_ptr<RecordReader> {
                   return std::make_unique<RlbReader>(path, o);
                 });

}  // namespace
}  // namespace adpilot::data
