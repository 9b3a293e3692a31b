// truth.json's "auctions.model": the true click model's formula and every
// drawn parameter (main effects, pairwise and three-way factors, entities,
// price and conversion models), so later stages can be checked against it.
#include <charconv>

#include <nlohmann/json.hpp>

#include "gen/auction_model.h"

namespace adpilot::gen {
namespace {

// Floats as their shortest decimal text, so truth.json shows 0.1, not 0.10000000149.
template <typename T>
std::vector<double> Short(const std::vector<T>& v) {
  std::vector<double> out;
  out.reserve(v.size());
  char buf[32];
  for (T x : v) {
    auto r = std::to_chars(buf, buf + sizeof buf, x);
    double d = 0;
    std::from_chars(buf, r.ptr, d);
    out.push_back(d);
  }
  return out;
}

}  // namespace

nlohmann::json AuctionModel::ToJson() const {
  using nlohmann::json;
  json m;
  m["intercept"] = intercept_;
  m["formula"] =
      "logit = intercept + user.propensity + main[C5,C7,C9,C10,C12,C13] + interest_strength*0.35*"
      "(topics*interest[user][C11]-1) + interaction_strength*sum_pairs(<va[a],vb[b]> + diagonal*[a==b]) + "
      "higher_order_strength*sum_triples(sum_d va[a][d]*vb[b][d]*vc[c][d]) + "
      "0.15*cos(2pi(hour-21)/24) + 0.1*weekend - 0.15*ln(I6) - 0.12*(I12-1) + 0.01*(I10-50)";
  json mains = json::object();
  for (const auto& f : cat_)
    if (!f.main.empty()) mains[f.name] = Short(f.main);
  m["main"] = mains;
  json pairs = json::array();
  for (const auto& p : pairs_)
    pairs.push_back({{"fields", {cat_[size_t(p.fa)].name, cat_[size_t(p.fb)].name}},
                     {"dim", kDim},
                     {"diagonal", p.diagonal},
                     {"va", Short(p.va)},
                     {"vb", Short(p.vb)}});
  m["pairs"] = pairs;
  m["higher_order_strength"] = cfg_.higher_order_strength;
  if (cfg_.higher_order_strength != 0) {
    json triples = json::array();
    for (const auto& t : triples_)
      triples.push_back({{"fields", {cat_[size_t(t.fa)].name, cat_[size_t(t.fb)].name, cat_[size_t(t.fc)].name}},
                         {"dim", kDim},
                         {"va", Short(t.va)},
                         {"vb", Short(t.vb)},
                         {"vc", Short(t.vc)}});
    m["triples"] = triples;
  }
  std::vector<float> prop;
  for (const auto& u : pop_.users) prop.push_back(u.propensity);
  m["user_propensity_model"] = "N(0, 0.5) - 0.01*(age-40); I2 = Poisson(3*activity*exp(propensity))";
  m["user_propensity"] = Short(prop);
  m["site_category"] = site_cat_;
  m["site_quality"] = site_quality_;
  m["ad_topic"] = ad_topic_;
  m["ad_advertiser"] = ad_adv_;
  m["ad_format"] = ad_format_;
  m["price"] = {{"formula",
                 "ln z = ln(60*competitiveness) + 0.5*(I10-50)/50 + slot[C13] + exchange[C18] + "
                 "device[C4] + 0.3*ln(traffic(hour)) + 0.35*(logit - mean_logit) + price_noise*N(0,1); "
                 "z = clamp(round(e^ln z), 1, max_price)"},
                {"mean_logit", mean_logit_},
                {"slot", Short(slot_price_)},
                {"exchange", Short(exch_price_)},
                {"device", Short(device_price_)}};
  m["conversion"] = {{"formula",
                      "pcvr = sigmoid(logit(cvr) + advertiser[C10] + 0.3*(topics*interest-1) + 0.2*(income-1)); "
                      "delay = 60 s + Exp(mean 1.5 days); value = lognormal(ln advertiser_value, 0.6)"},
                     {"advertiser", Short(adv_cvr_)},
                     {"advertiser_value", Short(adv_value_)}};
  json fields = json::object();
  for (const auto& f : cat_) fields[f.name] = f.meaning;
  m["fields"] = fields;
  return m;
}

}  // namespace adpilot::gen
