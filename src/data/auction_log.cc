// Auction logs in the rlb format (both layouts) and the RLB side files.
#include "adpilot/auction_log.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/error.h"
#include "adpilot/text.h"
#include "data/line_reader.h"

namespace adpilot {

using data::ParseFinite;

RlbStream::RlbStream(const std::string& path) : src_(path) {}

void RlbStream::CheckEpisodeEnd() {
  // Every declared episode has exactly T auctions (the header's promise).
  if (structured_ && started_ && in_episode_ != header_t_)
    Throw(ErrorCode::kBadInput, "{}:{}: episode {}: header says T={} auctions per episode, found {}", src_.path(),
          episode_line_, last_index_, header_t_, in_episode_);
}

namespace {
constexpr double kMaxExactInteger = 9007199254740992.0;  // 2^53
}  // namespace

bool RlbStream::Next(uint8_t& click, float& price, float& pctr, bool& new_episode) {
  new_episode = false;
  for (;;) {
    auto st = src_.Next();
    if (st == LineSource::Status::kEnd) {
      CheckEpisodeEnd();
      if (structured_ && episodes_ == 0) Throw(ErrorCode::kBadInput, "{}: episode header but no episodes", src_.path());
      return false;
    }
    const uint64_t ln = src_.line_number();
    if (st == LineSource::Status::kTooLong)
      Throw(ErrorCode::kBadInput, "{}:{}: line: longer than the line limit", src_.path(), ln);
    SplitWhitespace(src_.line(), cols_);
    if (cols_.empty()) continue;
    if (ln == 1 && cols_.size() == 2) {  // `N<TAB>T` header of the episode layout
      double n, t;
      // Integers past 2^53 are not exact in a double, and converting past
      // int64's range is undefined: both are refused.
      if (!ParseFinite(cols_[0], n) || !ParseFinite(cols_[1], t) || t < 1 || t > kMaxExactInteger || t != std::floor(t))
        Throw(ErrorCode::kBadInput, "{}:1: header: expected 'N<TAB>T' with integer 1 <= T <= 2^53, got '{}'",
              src_.path(), src_.line().substr(0, 64));
      structured_ = true;
      header_t_ = int64_t(t);
      continue;
    }
    if (cols_.size() == 1) {
      double k;
      if (!structured_)
        Throw(ErrorCode::kBadInput, "{}:{}: line: episode index line without an 'N<TAB>T' header", src_.path(), ln);
      if (!ParseFinite(cols_[0], k) || k != std::floor(k) || std::abs(k) > kMaxExactInteger)
        Throw(ErrorCode::kBadInput, "{}:{}: episode: expected an integer episode index (|index| <= 2^53), got '{}'",
              src_.path(), ln, cols_[0].substr(0, 32));
      CheckEpisodeEnd();
      if (started_ && int64_t(k) != last_index_ + 1)
        Throw(ErrorCode::kBadInput, "{}:{}: episode: index {} follows {}", src_.path(), ln, k, last_index_);
      started_ = true;
      last_index_ = int64_t(k);
      in_episode_ = 0;
      episode_line_ = ln;
      ++episodes_;
      pending_episode_ = true;
      continue;
    }
    if (cols_.size() != 3)
      Throw(ErrorCode::kBadInput, "{}:{}: line: expected 'click market_price pctr', got {} columns", src_.path(), ln,
            cols_.size());
    if (structured_ && !started_)
      Throw(ErrorCode::kBadInput, "{}:{}: episode: auction before the first episode index line", src_.path(), ln);
    double c, p, q;
    if (!ParseFinite(cols_[0], c) || (c != 0 && c != 1))
      Throw(ErrorCode::kBadInput, "{}:{}: click: expected 0 or 1, got '{}'", src_.path(), ln, cols_[0].substr(0, 32));
    if (!ParseFinite(cols_[1], p))
      Throw(ErrorCode::kBadInput, "{}:{}: market_price: not a finite number: '{}'", src_.path(), ln,
            cols_[1].substr(0, 32));
    if (p < 0) Throw(ErrorCode::kBadInput, "{}:{}: market_price: negative price {}", src_.path(), ln, p);
    if (!ValidMarketPrice(p))
      Throw(ErrorCode::kBadInput, "{}:{}: market_price: {} is above the maximum market price {} (docs/formats.md)",
            src_.path(), ln, cols_[1].substr(0, 32), kMaxMarketPrice);
    if (!ParseFinite(cols_[2], q) || q < 0 || q > 1)
      Throw(ErrorCode::kBadInput, "{}:{}: pctr: expected a probability in [0, 1], got '{}'", src_.path(), ln,
            cols_[2].substr(0, 32));
    if (structured_ && ++in_episode_ > header_t_)
      Throw(ErrorCode::kBadInput, "{}:{}: episode {}: more than the header's T={} auctions", src_.path(), ln,
            last_index_, header_t_);
    click = uint8_t(c);
    price = float(p);
    pctr = float(q);
    new_episode = pending_episode_;
    pending_episode_ = false;
    return true;
  }
}

uint64_t AuctionLog::clicks() const {
  uint64_t n = 0;
  for (uint8_t c : click) n += c;
  return n;
}

double AuctionLog::total_cost() const {
  double s = 0;
  for (float p : price) s += p;
  return s;
}

CampaignStats AuctionLog::Stats() const {
  CampaignStats s;
  if (price.empty()) return s;
  double cost = total_cost();
  uint64_t clk = clicks();
  s.avg_ctr = double(clk) / double(size());
  s.cpm = 1000.0 * cost / double(size());
  s.cpc = clk ? cost / double(clk) : 0;
  for (float p : price) {
    // Logs built in code (not read) get the readers' bound here, before it sizes the histogram.
    if (!ValidMarketPrice(p))
      Throw(ErrorCode::kInvalidArgument, "{}: market price {} outside [0, {}]", source, p, kMaxMarketPrice);
    size_t b = size_t(std::lround(p));
    if (b >= s.price_counts.size()) s.price_counts.resize(b + 1, 0.0);
    s.price_counts[b] += 1;
  }
  return s;
}

AuctionLog AuctionLog::Slice(size_t begin, size_t end) const {
  ADP_CHECK(begin <= end && end <= size());
  AuctionLog out;
  out.source = source;
  out.header_episode_len = header_episode_len;
  out.click.assign(click.begin() + begin, click.begin() + end);
  out.price.assign(price.begin() + begin, price.begin() + end);
  out.pctr.assign(pctr.begin() + begin, pctr.begin() + end);
  if (!conversion.empty()) out.conversion.assign(conversion.begin() + begin, conversion.begin() + end);
  if (!hour.empty()) out.hour.assign(hour.begin() + begin, hour.begin() + end);
  for (size_t e : episode_start)
    if (e >= begin && e < end) out.episode_start.push_back(e - begin);
  if (!out.episode_start.empty()) {
    if (out.episode_start.front() != 0) out.episode_start.insert(out.episode_start.begin(), 0);
    out.episode_start.push_back(out.size());
  }
  return out;
}

void AuctionLog::Reserve(size_t n) {
  click.reserve(n);
  price.reserve(n);
  pctr.reserve(n);
}

namespace {

// The generated world keeps time and conversions of auctions.rlb in the
// line-aligned auctions.meta.tsv beside it (docs/formats.d/20-gen.md).
void LoadWorldMeta(const std::string& path, AuctionLog& log) {
  std::string meta = (std::filesystem::path(path).parent_path() / "auctions.meta.tsv").string();
  if (!std::filesystem::exists(meta)) return;
  LineSource src(meta);
  std::vector<std::string_view> cols;
  log.hour.reserve(log.size());
  log.conversion.reserve(log.size());
  while (src.Next() == LineSource::Status::kLine) {
    Split(src.line(), '\t', cols);
    double ts, conv;
    if (cols.size() < 6 || !ParseFinite(cols[0], ts) || !ParseFinite(cols[5], conv))
      Throw(ErrorCode::kBadInput, "{}:{}: line: expected timestamp ... conversion columns", meta, src.line_number());
    if (ts < 0 || ts > kMaxExactInteger)
      Throw(ErrorCode::kBadInput, "{}:{}: timestamp: {} is outside 0 .. 2^53 seconds", meta, src.line_number(), ts);
    log.hour.push_back(int8_t((int64_t(ts) / 3600) % 24));
    log.conversion.push_back(conv > 0 ? 1 : 0);
  }
  if (log.hour.size() != log.size())
    Throw(ErrorCode::kBadInput, "{}: {} lines but {} has {} auctions", meta, log.hour.size(), path, log.size());
}

}  // namespace

AuctionLog LoadAuctionLog(const std::string& path, const std::string& format) {
  if (format != "rlb" && format != "world")
    Throw(ErrorCode::kInvalidArgument, "auction log format '{}' is not rlb or world", format);
  RlbStream s(path);
  AuctionLog log;
  log.source = path;
  log.Reserve(1 << 16);
  uint8_t c;
  float p, q;
  bool ep;
  while (s.Next(c, p, q, ep)) {
    if (ep) log.episode_start.push_back(log.size());
    log.Add(c, p, q);
  }
  if (log.size() == 0) Throw(ErrorCode::kBadInput, "{}: empty auction log (no auctions)", path);
  log.header_episode_len = s.header_episode_len();
  if (!log.episode_start.empty()) log.episode_start.push_back(log.size());
  if (format == "world") LoadWorldMeta(path, log);
  return log;
}

namespace {

CampaignStats ParseTrainInfoTxt(const std::string& path) {
  LineSource src(path);
  CampaignStats s;
  bool have_cpc = false, have_cpm = false, have_ctr = false, have_counter = false;
  while (src.Next() == LineSource::Status::kLine) {
    std::string_view line = src.line();
    size_t colon = line.find(':');
    if (line.empty()) continue;
    if (colon == std::string_view::npos)
      Throw(ErrorCode::kBadInput, "{}:{}: line: expected 'key:<TAB>value'", path, src.line_number());
    std::string_view key = line.substr(0, colon), val = line.substr(colon + 1);
    while (!val.empty() && (val.front() == '\t' || val.front() == ' ')) val.remove_prefix(1);
    double v = 0;
    auto number = [&](double& out) {
      if (!ParseFinite(val, out) || out < 0)
        Throw(ErrorCode::kBadInput, "{}:{}: {}: expected a non-negative number, got '{}'", path, src.line_number(), key,
              val.substr(0, 32));
    };
    if (key == "CPC") number(s.cpc), have_cpc = true;
    else if (key == "CPM") number(s.cpm), have_cpm = true;
    else if (key == "avg ctr") {
      number(s.avg_ctr);
      if (s.avg_ctr > 1)
        Throw(ErrorCode::kBadInput, "{}:{}: avg ctr: {} is not a probability", path, src.line_number(), s.avg_ctr);
      have_ctr = true;
    } else if (key == "counter") {
      std::vector<std::string_view> parts;
      Split(val, '_', parts);
      for (auto part : parts) {
        if (part.empty()) continue;  // the list ends with '_'
        if (!ParseFinite(part, v) || v < 0)
          Throw(ErrorCode::kBadInput, "{}:{}: counter: bad count '{}'", path, src.line_number(), part.substr(0, 32));
        s.price_counts.push_back(v);
      }
      have_counter = true;
    }
    (void)v;
  }
  const char* missing = !have_cpm ? "CPM" : !have_ctr ? "avg ctr" : !have_counter ? "counter" : nullptr;
  if (missing) Throw(ErrorCode::kBadInput, "{}: train-info has no '{}' line", path, missing);
  if (!have_cpc) s.cpc = s.avg_ctr > 0 ? s.cpm / 1000.0 / s.avg_ctr : 0;
  return s;
}

CampaignStats ParseInfoJson(const std::string& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(ReadFile(path));
  } catch (const nlohmann::json::exception& e) {
    Throw(ErrorCode::kBadInput, "{}: not valid JSON: {}", path, e.what());
  }
  for (const char* k : {"imp_train", "clk_train", "cost_train", "price_counter_train"})
    if (!j.contains(k)) Throw(ErrorCode::kBadInput, "{}: info.json has no '{}'", path, k);
  double imp = j["imp_train"].get<double>(), clk = j["clk_train"].get<double>(), cost = j["cost_train"].get<double>();
  if (imp <= 0) Throw(ErrorCode::kBadInput, "{}: imp_train must be > 0", path);
  CampaignStats s;
  s.avg_ctr = clk / imp;
  s.cpm = 1000.0 * cost / imp;
  s.cpc = clk > 0 ? cost / clk : 0;
  for (const auto& v : j["price_counter_train"]) s.price_counts.push_back(v.get<double>());
  return s;
}

}  // namespace

CampaignStats LoadTrainInfo(const std::string& path) {
  if (!std::filesystem::exists(path)) Throw(ErrorCode::kNotFound, "{}: no such file", path);
  return path.ends_with(".json") ? ParseInfoJson(path) : ParseTrainInfoTxt(path);
}

}  // namespace adpilot
