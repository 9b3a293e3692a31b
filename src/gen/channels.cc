// Marketing-mix world: weekly spend per channel (correlated, seasonal,
// flighted), KPI from normalised geometric/Weibull adstock + Hill saturation +
// trend + seasonality + controls + noise, and the derived truths (ROAS,
// marginal ROAS, contributions, the oracle budget split).
#include "gen/parts.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "gen/out_file.h"
#include "gen/random.h"

namespace adpilot::gen {
namespace {

struct Channel {
  std::string name;
  double level = 0;  // mean weekly spend when on
  bool flighted = false;
  bool weibull = false;
  double alpha = 0, shape = 0, scale = 0;
  std::vector<double> weights;
  double K = 0, gamma = 1, beta = 0, season_phase = 0;
};

// Spend levels per channel name, in currency units per week.
const double kLevels[] = {50000, 35000, 25000, 20000, 30000, 80000, 10000, 3000, 8000, 6000};
const bool kFlighted[] = {false, false, false, true, true, true, true, false, false, true};
const bool kWeibull[] = {false, false, false, false, true, true, true, false, false, true};

std::string IsoDate(int64_t days_since_epoch) {
  // Howard Hinnant's civil_from_days.
  int64_t z = days_since_epoch + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return fmt::format("{:04d}-{:02d}-{:02d}", y + (m <= 2), m, d);
}

double Round(double x, double unit) { return std::round(x / unit) * unit; }

// Weekly spend x_c maximising sum_c beta_c Hill(x_c) with sum_c x_c = budget:
// the response is concave (gamma <= 1), so the optimum equalises marginal ROAS.
std::vector<double> OracleSplit(const std::vector<Channel>& ch, double budget, double& lambda) {
  auto spend_at = [&](const Channel& c, double lam) {
    // Largest x with beta * H'(x) >= lam (H' decreasing).
    if (c.beta * HillDerivative(0, c.K, c.gamma) <= lam) return 0.0;
    double lo = 0, hi = budget;
    if (c.beta * HillDerivative(hi, c.K, c.gamma) >= lam) return hi;
    for (int it = 0; it < 200; ++it) {
      double mid = 0.5 * (lo + hi);
      (c.beta * HillDerivative(mid, c.K, c.gamma) >= lam ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
  };
  double llo = -60, lhi = 20;  // log lambda
  for (int it = 0; it < 200; ++it) {
    double mid = 0.5 * (llo + lhi), total = 0;
    for (const auto& c : ch) total += spend_at(c, std::exp(mid));
    (total > budget ? llo : lhi) = mid;
  }
  lambda = std::exp(0.5 * (llo + lhi));
  std::vector<double> x;
  x.reserve(ch.size());
  for (const auto& c : ch) x.push_back(spend_at(c, lambda));
  // Spread the bisection's last rounding so the split sums to the budget exactly.
  double s = 0;
  for (double v : x) s += v;
  if (s > 0)
    for (double& v : x) v *= budget / s;
  return x;
}

}  // namespace

nlohmann::json WriteChannels(const WorldConfig& cfg, const std::string& path, const Context& ctx) {
  using nlohmann::json;
  Random rng = Random::Stream(ctx, "channels");
  const int W = cfg.weeks, C = cfg.channels;
  std::vector<Channel> ch(static_cast<size_t>(C));
  for (int c = 0; c < C; ++c) {
    Channel& x = ch[size_t(c)];
    x.name = ChannelNames()[size_t(c)];
    x.level = kLevels[c] * rng.Uniform(0.8, 1.2);
    x.flighted = kFlighted[c];
    x.weibull = kWeibull[c];
    x.season_phase = rng.Uniform(0, 2 * M_PI);
    int L = x.weibull ? 13 : 8;
    x.weights.assign(size_t(L), 0);
    if (x.weibull) {
      x.shape = rng.Uniform(1.5, 3.0), x.scale = rng.Uniform(1.5, 4.0);
      for (int l = 0; l < L; ++l) {  // Weibull PDF at l+1: a lagged peak
        double t = (l + 1) / x.scale;
        x.weights[size_t(l)] = (x.shape / x.scale) * std::pow(t, x.shape - 1) * std::exp(-std::pow(t, x.shape));
      }
    } else {
      x.alpha = rng.Uniform(0.2, 0.7);
      for (int l = 0; l < L; ++l) x.weights[size_t(l)] = std::pow(x.alpha, l);
    }
    double s = 0;
    for (double w : x.weights) s += w;
    for (double& w : x.weights) w /= s;
    x.gamma = rng.Uniform(0.6, 1.0);
  }

  // Spend: seasonal level x correlated lognormal noise x flights, rounded to cents.
  std::vector<std::vector<double>> spend(static_cast<size_t>(C), std::vector<double>(size_t(W)));
  const double sd = 0.25, rho = cfg.spend_correlation;
  std::vector<int> on(size_t(C), 1);
  for (int t = 0; t < W; ++t) {
    double common = rng.Normal();
    int woy = t % 52;
    double q4 = (woy >= 45 && woy <= 50) ? 1.3 : 1.0;
    for (int c = 0; c < C; ++c) {
      Channel& x = ch[size_t(c)];
      if (x.flighted) {  // on/off flights: mean 6 weeks on, 3 off
        if (on[size_t(c)] && rng.Bernoulli(1.0 / 6)) on[size_t(c)] = 0;
        else if (!on[size_t(c)] && rng.Bernoulli(1.0 / 3)) on[size_t(c)] = 1;
      }
      double e = std::sqrt(rho) * common + std::sqrt(1 - rho) * rng.Normal();
      double season = 1 + 0.25 * std::sin(2 * M_PI * t / 52.0 + x.season_phase);
      double v = x.level * season * q4 * std::exp(sd * e - sd * sd / 2);
      spend[size_t(c)][size_t(t)] = on[size_t(c)] ? Round(v, 0.01) : 0;
    }
  }
  std::vector<double> mean_spend(size_t(C), 0), total_spend(size_t(C), 0);
  for (int c = 0; c < C; ++c) {
    for (double v : spend[size_t(c)]) total_spend[size_t(c)] += v;
    mean_spend[size_t(c)] = total_spend[size_t(c)] / W;
    Channel& x = ch[size_t(c)];
    x.K = std::max(mean_spend[size_t(c)], 1.0) * rng.Uniform(0.6, 1.5);
    double roas = rng.Uniform(1.0, 4.0);  // target average ROAS sets the scale
    if (cfg.spend_misallocation > 0) roas *= std::exp(c % 2 == 0 ? cfg.spend_misallocation : -cfg.spend_misallocation);
    double m = std::max(mean_spend[size_t(c)], 1.0);
    x.beta = roas * m / HillSaturation(m, x.K, x.gamma);
  }

  // Adstock and contributions.
  std::vector<std::vector<double>> contrib(static_cast<size_t>(C), std::vector<double>(size_t(W)));
  double media_mean = 0;
  for (int c = 0; c < C; ++c) {
    const Channel& x = ch[size_t(c)];
    for (int t = 0; t < W; ++t) {
      double a = 0;
      for (size_t l = 0; l < x.weights.size() && int(l) <= t; ++l) a += x.weights[l] * spend[size_t(c)][size_t(t) - l];
      contrib[size_t(c)][size_t(t)] = x.beta * HillSaturation(a, x.K, x.gamma);
      media_mean += contrib[size_t(c)][size_t(t)] / W;
    }
  }
  // Base (baseline + trend + seasonality), controls, noise.
  double baseline = 1.5 * std::max(media_mean, 1000.0), trend = 0.002 * baseline;
  double season_amp = 0.1 * baseline, season_phase = rng.Uniform(0, 2 * M_PI), holiday = 0.15 * baseline;
  double comp_level = 100000;
  double coef_price = -0.5 * baseline, coef_comp = -0.05 * baseline / comp_level, coef_promo = 0.08 * baseline;
  std::vector<double> base(static_cast<size_t>(W)), price(static_cast<size_t>(W)), comp(static_cast<size_t>(W)),
      promo(static_cast<size_t>(W)), kpi(static_cast<size_t>(W)), noise(static_cast<size_t>(W));
  double mean_kpi = 0;
  for (int t = 0; t < W; ++t) {
    int woy = t % 52;
    base[size_t(t)] = baseline + trend * t + season_amp * std::sin(2 * M_PI * t / 52.0 + season_phase) +
                      ((woy >= 46 && woy <= 50) ? holiday : 0);
    price[size_t(t)] = Round(1 + 0.05 * std::sin(2 * M_PI * t / 26.0) + rng.Normal(0, 0.02), 0.0001);
    comp[size_t(t)] =
        Round(comp_level * (1 + 0.3 * std::sin(2 * M_PI * t / 52.0 + 1)) * std::exp(rng.Normal(0, 0.1)), 0.01);
    promo[size_t(t)] = rng.Bernoulli(0.1) ? 1 : 0;
    double k = base[size_t(t)] + coef_price * (price[size_t(t)] - 1) + coef_comp * comp[size_t(t)] +
               coef_promo * promo[size_t(t)];
    for (int c = 0; c < C; ++c) k += contrib[size_t(c)][size_t(t)];
    kpi[size_t(t)] = k;
    mean_kpi += k / W;
  }
  double noise_sd = cfg.kpi_noise * mean_kpi;
  for (int t = 0; t < W; ++t) {
    noise[size_t(t)] = noise_sd * rng.Normal();
    kpi[size_t(t)] = Round(kpi[size_t(t)] + noise[size_t(t)], 0.01);
  }

  OutFile out(path);
  out.Append("week,date");
  for (const auto& x : ch) out.Append("," + x.name);
  out.Append(",price_index,competitor_spend,promo,kpi\n");
  const int64_t start = 18995;  // 2022-01-03, a Monday, in days since 1970-01-01
  for (int t = 0; t < W; ++t) {
    std::string row = fmt::format("{},{}", t, IsoDate(start + 7 * t));
    for (int c = 0; c < C; ++c) row += fmt::format(",{:.2f}", spend[size_t(c)][size_t(t)]);
    row += fmt::format(",{:.4f},{:.2f},{},{:.2f}\n", price[size_t(t)], comp[size_t(t)], int(promo[size_t(t)]),
                       kpi[size_t(t)]);
    out.Append(row);
  }
  out.Commit();

  json j;
  j["file"] = "channels.csv";
  j["weeks"] = W;
  j["start_date"] = IsoDate(start);
  j["formula"] =
      "kpi_t = base_t + sum_c beta_c*Hill(adstock_c,t; K_c, gamma_c) + controls.price_index*(price_index_t-1) + "
      "controls.competitor_spend*competitor_spend_t + controls.promo*promo_t + noise_t; "
      "base_t = baseline + trend*t + seasonality.amplitude*sin(2pi*t/52 + seasonality.phase) + "
      "seasonality.holiday*[46 <= t mod 52 <= 50]; adstock_c,t = sum_l weights_l*spend_c,t-l (spend before week 0 = 0)";
  j["kpi_noise"] = noise_sd;
  j["baseline"] = baseline;
  j["trend"] = trend;
  j["seasonality"] = {{"amplitude", season_amp}, {"period", 52}, {"phase", season_phase}, {"holiday", holiday}};
  j["controls"] = {{"price_index", coef_price}, {"competitor_spend", coef_comp}, {"promo", coef_promo}};
  j["base"] = base;
  j["noise"] = noise;
  json per = json::object();
  double current_response = 0, budget = 0;
  for (int c = 0; c < C; ++c) {
    const Channel& x = ch[size_t(c)];
    double tc = 0;
    for (double v : contrib[size_t(c)]) tc += v;
    json ad = {{"kind", x.weibull ? "weibull" : "geometric"}, {"weights", x.weights}};
    if (x.weibull) ad["shape"] = x.shape, ad["scale"] = x.scale;
    else ad["alpha"] = x.alpha;
    double m = mean_spend[size_t(c)];
    per[x.name] = {{"beta", x.beta},
                   {"K", x.K},
                   {"gamma", x.gamma},
                   {"adstock", ad},
                   {"flighted", x.flighted},
                   {"total_spend", total_spend[size_t(c)]},
                   {"mean_spend", m},
                   {"total_contribution", tc},
                   {"roas", total_spend[size_t(c)] > 0 ? tc / total_spend[size_t(c)] : 0},
                   {"marginal_roas", x.beta * HillDerivative(m, x.K, x.gamma)},
                   {"contribution", contrib[size_t(c)]}};
    current_response += x.beta * HillSaturation(m, x.K, x.gamma);
    budget += m;
  }
  j["per_channel"] = per;
  auto oracle = [&](double b) {
    double lambda = 0;
    std::vector<double> x = OracleSplit(ch, b, lambda);
    json split = json::object();
    double resp = 0;
    for (int c = 0; c < C; ++c) {
      split[ch[size_t(c)].name] = x[size_t(c)];
      resp += ch[size_t(c)].beta * HillSaturation(x[size_t(c)], ch[size_t(c)].K, ch[size_t(c)].gamma);
    }
    return json{{"budget", b}, {"split", split}, {"response", resp}, {"marginal_roas", lambda}};
  };
  json o = oracle(budget);
  o["current_response"] = current_response;
  o["objective"] = "max sum_c beta_c*Hill(x_c; K_c, gamma_c) s.t. sum_c x_c = budget (steady-state weekly response)";
  o["splits"] = json::array({oracle(0.5 * budget), oracle(1.5 * budget), oracle(2 * budget)});
  j["oracle"] = o;
  return j;
}

}  // namespace adpilot::gen
