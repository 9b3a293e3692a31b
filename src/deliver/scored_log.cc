// Full bid logs (e.g. iPinYou make-ipinyou-data `*.log.txt`) turned into an
// auction log: the market price and click from the reader, the pCTR from an
// adpilot model (the predict stage's LoadModel), the hour from the timestamp.
#include <cmath>

#include <nlohmann/json.hpp>

#include "adpilot/auction_log.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/model.h"
#include "adpilot/reader.h"
#include "adpilot/replay.h"

namespace adpilot {

AuctionLog LoadScoredLog(const std::string& path, const std::string& format, const std::string& model_path,
                         const Context& ctx, const PrivacyOptions& privacy) {
  if (model_path.empty())
    Throw(ErrorCode::kInvalidArgument, "--format {} needs --model: the log has no pCTR column", format);
  auto model = LoadModel(model_path);
  ReaderOptions ro;
  ro.format = format;
  privacy.Apply(ro);
  auto reader = OpenReader(path, ro);
  AuctionLog log;
  log.source = path;
  RawRecord rec;
  while (reader->Next(rec)) {
    if (!(rec.market_price >= 0))
      Throw(ErrorCode::kBadInput, "{}:{}: market_price: missing or negative", path, rec.line);
    if (!ValidMarketPrice(rec.market_price))
      Throw(ErrorCode::kBadInput, "{}:{}: market_price: {} is above the maximum market price {}", path, rec.line,
            rec.market_price, kMaxMarketPrice);
    double p = model->PredictProba(rec);
    log.Add(rec.label > 0 ? 1 : 0, float(rec.market_price), float(p));
    log.hour.push_back(int8_t((rec.timestamp / 3600) % 24));
    if (!std::isnan(rec.conversion)) log.conversion.push_back(rec.conversion > 0 ? 1 : 0);
  }
  if (reader->bad_rows().count()) ctx.log().warn("{}", reader->bad_rows().Summary());
  if (log.size() == 0) Throw(ErrorCode::kBadInput, "{}: empty auction log (no auctions)", path);
  if (log.conversion.size() != log.size()) log.conversion.clear();
  return log;
}

}  // namespace adpilot
