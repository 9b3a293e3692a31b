#include "gen/auction_stream.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/collective.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/parallel.h"
#include "adpilot/progress.h"
#include "gen/out_file.h"

namespace adpilot::gen {
namespace {

// Appends to a Buffer through a raw cursor: rows are written byte by byte at
// a rate where per-append checks would dominate.
class Cursor {
 public:
  explicit Cursor(Buffer& b) : b_(b), pos_(b.size()) {}
  ~Cursor() { b_.Resize(pos_); }
  // Room for n more bytes (a row is far shorter than the amounts asked for).
  void Reserve(size_t n) {
    b_.Resize(pos_);
    p_ = b_.Reserve(n);
  }
  void Put(char c) { p_[pos_++] = c; }
  void Put(const char* s, size_t n) {
    std::memcpy(p_ + pos_, s, n);
    pos_ += n;
  }
  void Put(const std::string& s) { Put(s.data(), s.size()); }
  void Token(const std::array<char, 8>& t) { Put(t.data(), 8); }
  void UInt(uint64_t v) {
    auto r = std::to_chars(p_ + pos_, p_ + pos_ + 24, v);
    pos_ = size_t(r.ptr - p_);
  }
  // Six significant digits, %g style: deterministic (std::to_chars is exact).
  void Double(double v, int precision = 6) {
    auto r = std::to_chars(p_ + pos_, p_ + pos_ + 32, v, std::chars_format::general, precision);
    pos_ = size_t(r.ptr - p_);
  }
  // A probability with 6 significant digits in plain decimal ("0.00123457"):
  // a few integer steps instead of a general-purpose float printer.
  void Probability(double v) {
    if (!(v >= 1e-12 && v < 1)) return Double(v);
    int zeros = 0;
    double s = v;
    while (s < 0.1) s *= 10, ++zeros;
    uint64_t m = uint64_t(std::llround(s * 1e6));
    if (m >= 1000000) {  // rounded up to the next power of ten
      if (zeros == 0) return Put('1');
      m = 100000, --zeros;
    }
    int digits = 6;
    while (m % 10 == 0) m /= 10, --digits;
    Put('0'), Put('.');
    for (int i = 0; i < zeros; ++i) Put('0');
    char d[6];
    for (int i = digits - 1; i >= 0; --i, m /= 10) d[i] = char('0' + m % 10);
    Put(d, size_t(digits));
  }
  void Fixed2(double v) {
    auto r = std::to_chars(p_ + pos_, p_ + pos_ + 32, v, std::chars_format::fixed, 2);
    pos_ = size_t(r.ptr - p_);
  }

 private:
  Buffer& b_;
  char* p_ = nullptr;
  size_t pos_;
};

int AucBin(double logit) { return std::clamp(int((logit + 20.0) * 2048.0), 0, kAucBins - 1); }

void AddSegment(std::vector<SegmentStat>& v, size_t i, bool click, double p) {
  v[i].n += 1;
  v[i].clicks += click;
  v[i].sum_p += p;
}

void MergeSegments(std::vector<SegmentStat>& into, const std::vector<SegmentStat>& from) {
  for (size_t i = 0; i < into.size(); ++i) {
    into[i].n += from[i].n;
    into[i].clicks += from[i].clicks;
    into[i].sum_p += from[i].sum_p;
  }
}

}  // namespace

void BlockStats::Reset(int topics) {
  rows = clicks = conversions = 0;
  sum_p = sum_logloss = sum_price = conversion_value = 0;
  device.assign(4, {});
  ad_topic.assign(size_t(topics), {});
  hour.assign(24, {});
  format.assign(4, {});
  pos_hist.assign(kAucBins, 0);
  neg_hist.assign(kAucBins, 0);
}

void GenerateBlock(const AuctionModel& model, const Context& ctx, int64_t begin, int64_t end, uint64_t block,
                   AuctionBlock& out) {
  Random rng = Random::Stream(ctx, "auctions", block);
  const auto& fields = model.fields();
  const auto& topics = TopicNames();
  out.tsv.Clear();
  out.rlb.Clear();
  out.meta.Clear();
  out.stats.Reset(model.population().topics);
  BlockStats& st = out.stats;
  Cursor tsv(out.tsv), rlb(out.rlb), meta(out.meta);
  Auction a;
  int hint = -1;
  char uid[8] = {'u'};
  for (int64_t i = begin; i < end; ++i) {
    model.Draw(rng, i, hint, a);
    tsv.Reserve(1024);
    tsv.Put(a.click ? '1' : '0');
    for (int f = 0; f < kNumeric; ++f) {
      tsv.Put('\t');
      if (a.num[f] >= 0) tsv.UInt(uint64_t(a.num[f]));
    }
    for (int f = 0; f < kCategorical; ++f) {
      tsv.Put('\t');
      if (a.cat[f] >= 0) tsv.Token(fields[size_t(f)].Token(a.cat[f]));
    }
    tsv.Put('\n');

    rlb.Reserve(64);
    rlb.Put(a.click ? '1' : '0');
    rlb.Put(' ');
    rlb.UInt(uint64_t(a.price));
    rlb.Put(' ');
    rlb.Probability(a.pctr);
    rlb.Put('\n');

    meta.Reserve(256);
    meta.UInt(uint64_t(a.timestamp));
    meta.Put('\t');
    uint32_t u = a.user;
    for (int d = 7; d >= 1; --d, u /= 10) uid[d] = char('0' + u % 10);
    meta.Put(uid, 8);
    meta.Put('\t');
    meta.Put(topics[size_t(a.cat[7])]);  // C8 site category
    meta.Put('\t');
    meta.Put(topics[size_t(a.cat[10])]);  // C11 ad topic
    meta.Put('\t');
    meta.Put(kDevices[size_t(a.cat[3])]);
    meta.Put('\t');
    meta.Put(a.conversion ? '1' : '0');
    meta.Put('\t');
    if (a.conversion) meta.UInt(uint64_t(a.conversion_ts));
    meta.Put('\t');
    if (a.conversion) meta.Fixed2(a.conversion_value);
    else meta.Put('0');
    meta.Put('\t');
    meta.Probability(a.pcvr);
    meta.Put('\n');

    st.rows += 1;
    st.clicks += a.click;
    st.sum_p += a.pctr;
    st.sum_logloss -= a.click ? std::log(std::max(a.pctr, 1e-15)) : std::log1p(-std::min(a.pctr, 1 - 1e-15));
    st.sum_price += a.price;
    st.conversions += a.conversion;
    st.conversion_value += a.conversion_value;
    AddSegment(st.device, size_t(a.cat[3]), a.click, a.pctr);
    AddSegment(st.ad_topic, size_t(a.cat[10]), a.click, a.pctr);
    AddSegment(st.hour, size_t(a.cat[14]), a.click, a.pctr);
    AddSegment(st.format, size_t(a.cat[11]), a.click, a.pctr);
    (a.click ? st.pos_hist : st.neg_hist)[size_t(AucBin(a.logit))] += 1;
  }
}

// Under mpirun (docs/distributed.md) rank r generates its contiguous share of
// the blocks: rank 0 straight into the files, the others into part files
// beside them. The ranks then swap their per-block sums, so rank 0 adds them
// up in block order exactly as one process does (floating-point sums in the
// same order: a byte-identical truth.json), appends the parts in rank order
// and publishes the files.
namespace {

constexpr const char* kFiles[3] = {"auctions.tsv", "auctions.rlb", "auctions.meta.tsv"};

std::string PartPath(const std::string& dir, int f, int rank, int ranks) {
  return fmt::format("{}/{}.part-{}-of-{}", dir, kFiles[f], rank, ranks);
}

void Merge(BlockStats& total, const BlockStats& s) {
  total.rows += s.rows, total.clicks += s.clicks, total.conversions += s.conversions;
  total.sum_p += s.sum_p, total.sum_logloss += s.sum_logloss, total.sum_price += s.sum_price;
  total.conversion_value += s.conversion_value;
  MergeSegments(total.device, s.device);
  MergeSegments(total.ad_topic, s.ad_topic);
  MergeSegments(total.hour, s.hour);
  MergeSegments(total.format, s.format);
}

// A block's sums (not its histograms, which are integers and summed per
// rank) as raw bytes: exact, and the same build on every rank.
template <typename T>
void Put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}
template <typename T>
T Take(std::string_view& in) {
  if (in.size() < sizeof(T)) Throw(ErrorCode::kInternal, "gen: a rank sent truncated block sums");
  T v;
  std::memcpy(&v, in.data(), sizeof(T));
  in.remove_prefix(sizeof(T));
  return v;
}

void PackSums(std::string& out, const BlockStats& s) {
  Put(out, s.rows), Put(out, s.clicks), Put(out, s.conversions);
  Put(out, s.sum_p), Put(out, s.sum_logloss), Put(out, s.sum_price), Put(out, s.conversion_value);
  for (const auto* v : {&s.device, &s.ad_topic, &s.hour, &s.format})
    for (const auto& g : *v) Put(out, g.n), Put(out, g.clicks), Put(out, g.sum_p);
}

void UnpackSums(std::string_view& in, BlockStats& s) {
  s.rows = Take<int64_t>(in), s.clicks = Take<int64_t>(in), s.conversions = Take<int64_t>(in);
  s.sum_p = Take<double>(in), s.sum_logloss = Take<double>(in), s.sum_price = Take<double>(in);
  s.conversion_value = Take<double>(in);
  for (auto* v : {&s.device, &s.ad_topic, &s.hour, &s.format})
    for (auto& g : *v) g.n = Take<int64_t>(in), g.clicks = Take<int64_t>(in), g.sum_p = Take<double>(in);
}

// Appends a part file to `out` in large chunks (constant memory).
void AppendPart(OutFile& out, const std::string& part) {
  std::FILE* f = std::fopen(part.c_str(), "rb");
  if (!f)
    Throw(ErrorCode::kIOError, "gen: cannot open {} ({}): under mpirun every rank must see --out (a shared directory)",
          part, std::strerror(errno));
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> close(f, std::fclose);
  std::string chunk(4u << 20, '\0');
  while (size_t n = std::fread(chunk.data(), 1, chunk.size(), f)) out.WriteThrough({chunk.data(), n});
  if (std::ferror(f)) Throw(ErrorCode::kIOError, "gen: error reading {}: {}", part, std::strerror(errno));
}

}  // namespace

nlohmann::json WriteAuctions(const WorldConfig& cfg, const AuctionModel& model, const std::string& dir,
                             const Context& ctx) {
  const Collective& comm = ctx.comm();
  const int rank = comm.rank(), ranks = comm.size();
  auto path = [&](int f) { return rank == 0 ? dir + "/" + kFiles[f] : PartPath(dir, f, rank, ranks); };
  OutFile tsv(path(0)), rlb(path(1)), meta(path(2));
  int64_t n = cfg.auctions;
  int64_t blocks = (n + kBlockRows - 1) / kBlockRows;
  const Share share = ShareOf(size_t(blocks), rank, ranks);
  const int64_t first = int64_t(share.begin), last = int64_t(share.end);
  int threads = std::max(1, ctx.threads);
  // A batch keeps every thread busy while bounding memory (~30 MB per block).
  int64_t batch = int64_t(threads) * 2;
  std::vector<AuctionBlock> buf(size_t(std::clamp<int64_t>(std::min(batch, last - first), 1, batch)));
  BlockStats total;
  total.Reset(cfg.topics);
  std::vector<uint64_t> pos(kAucBins, 0), neg(kAucBins, 0);
  std::string sums;  // this rank's per-block sums, for rank 0
  Progress progress(ctx, "gen auctions",
                    uint64_t(std::max<int64_t>(0, std::min(n, last * kBlockRows) - first * kBlockRows)), "rows");
  for (int64_t b0 = first; b0 < last; b0 += batch) {
    int64_t nb = std::min(batch, last - b0);
    ParallelFor(threads, size_t(nb), [&](size_t lo, size_t hi, int) {
      for (size_t j = lo; j < hi; ++j) {
        int64_t b = b0 + int64_t(j);
        GenerateBlock(model, ctx, b * kBlockRows, std::min(n, (b + 1) * kBlockRows), uint64_t(b), buf[j]);
      }
    });
    for (int64_t j = 0; j < nb; ++j) {
      AuctionBlock& blk = buf[size_t(j)];
      tsv.WriteThrough(blk.tsv.view());
      rlb.WriteThrough(blk.rlb.view());
      meta.WriteThrough(blk.meta.view());
      const BlockStats& s = blk.stats;
      if (rank == 0) Merge(total, s);
      else PackSums(sums, s);
      for (int k = 0; k < kAucBins; ++k)
        pos[size_t(k)] += s.pos_hist[size_t(k)], neg[size_t(k)] += s.neg_hist[size_t(k)];
      progress.Add(uint64_t(s.rows));
    }
  }
  if (comm.distributed()) {
    if (rank != 0) tsv.Commit(), rlb.Commit(), meta.Commit();
    for (int k = 0; k < kAucBins; ++k) Put(sums, pos[size_t(k)]), Put(sums, neg[size_t(k)]);
    const std::vector<std::string> all = comm.Allgather(sums);
    if (rank != 0) return nlohmann::json();
    // The parts go whatever happens next: they are pieces of files, not output.
    struct Cleanup {
      const std::string& dir;
      int ranks;
      ~Cleanup() {
        for (int r = 1; r < ranks; ++r)
          for (int f = 0; f < 3; ++f) std::remove(PartPath(dir, f, r, ranks).c_str());
      }
    } cleanup{dir, ranks};
    for (int r = 1; r < ranks; ++r) {
      std::string_view in = all[size_t(r)];
      const Share theirs = ShareOf(size_t(blocks), r, ranks);
      BlockStats s;
      s.Reset(cfg.topics);
      for (size_t b = theirs.begin; b < theirs.end; ++b) UnpackSums(in, s), Merge(total, s);
      for (int k = 0; k < kAucBins; ++k) pos[size_t(k)] += Take<uint64_t>(in), neg[size_t(k)] += Take<uint64_t>(in);
      OutFile* outs[3] = {&tsv, &rlb, &meta};
      for (int f = 0; f < 3; ++f) AppendPart(*outs[f], PartPath(dir, f, r, ranks));
    }
  }
  tsv.Commit(), rlb.Commit(), meta.Commit();

  // AUC over the logit bins: pairs inside one bin (width 1/2048 in logit) count
  // 1/2, so it differs from the exact AUC by far less than its sampling error.
  double npos = 0, nneg = 0, below = 0, area = 0;
  for (int k = 0; k < kAucBins; ++k) {
    area += double(pos[size_t(k)]) * (below + 0.5 * double(neg[size_t(k)]));
    below += double(neg[size_t(k)]);
    npos += double(pos[size_t(k)]);
    nneg += double(neg[size_t(k)]);
  }
  using nlohmann::json;
  json j;
  j["count"] = total.rows;
  j["files"] = {"auctions.tsv", "auctions.rlb", "auctions.meta.tsv"};
  j["clicks"] = total.clicks;
  j["mean_ctr"] = total.rows ? double(total.clicks) / double(total.rows) : 0;
  j["mean_true_pctr"] = total.rows ? total.sum_p / double(total.rows) : 0;
  j["true_auc"] = npos > 0 && nneg > 0 ? json(area / (npos * nneg)) : json(nullptr);
  j["true_logloss"] = total.rows ? total.sum_logloss / double(total.rows) : 0;
  j["conversions"] = total.conversions;
  j["conversion_value"] = total.conversion_value;
  j["mean_market_price"] = total.rows ? total.sum_price / double(total.rows) : 0;
  j["start_timestamp"] = kWorldStart;
  j["days"] = cfg.days;
  auto seg = [](const std::vector<SegmentStat>& v, const std::vector<std::string>& names) {
    json o = json::object();
    for (size_t i = 0; i < v.size(); ++i) {
      const auto& s = v[i];
      o[names[i]] = {{"auctions", s.n},
                     {"clicks", s.clicks},
                     {"ctr", s.n ? double(s.clicks) / double(s.n) : 0},
                     {"mean_true_pctr", s.n ? s.sum_p / double(s.n) : 0}};
    }
    return o;
  };
  std::vector<std::string> hours;
  hours.reserve(24);
  for (int h = 0; h < 24; ++h) hours.push_back(std::to_string(h));
  const auto& fields = model.fields();
  j["segments"] = {{"device", seg(total.device, kDevices)},
                   {"ad_topic", seg(total.ad_topic,
                                    std::vector<std::string>(TopicNames().begin(), TopicNames().begin() + cfg.topics))},
                   {"hour", seg(total.hour, hours)},
                   {"ad_format", seg(total.format, fields[11].labels)}};
  json tokens = json::object();
  for (int f : {1, 2, 3, 4, 5, 7, 10, 11, 12, 13, 14, 15, 16, 17}) {
    json t = json::object();
    const auto& fld = fields[size_t(f)];
    for (size_t v = 0; v < fld.labels.size(); ++v) t[std::string(fld.tokens[v].data(), 8)] = fld.labels[v];
    tokens[fld.name] = t;
  }
  j["tokens"] = tokens;
  j["model"] = model.ToJson();
  return j;
}

}  // namespace adpilot::gen
