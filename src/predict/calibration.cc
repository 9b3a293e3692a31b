// Platt scaling (logistic fit on logit(p), Newton-Raphson) and isotonic
// regression (pool-adjacent-violators), both weighted.
#include "adpilot/calibration.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <nlohmann/json.hpp>

#include "adpilot/error.h"

namespace adpilot {

namespace {
double Logit(double p) {
  p = std::clamp(p, 1e-7, 1 - 1e-7);
  return std::log(p / (1 - p));
}
double Sig(double m) { return m >= 0 ? 1 / (1 + std::exp(-m)) : std::exp(m) / (1 + std::exp(m)); }
}  // namespace

Calibrator::Kind Calibrator::ParseKind(const std::string& s) {
  if (s == "none" || s.empty()) return Kind::kNone;
  if (s == "platt") return Kind::kPlatt;
  if (s == "isotonic") return Kind::kIsotonic;
  Throw(ErrorCode::kInvalidArgument, "calibration must be none, platt or isotonic, got '{}'", s);
}

std::string Calibrator::kind_name() const {
  switch (kind_) {
    case Kind::kPlatt:
      return "platt";
    case Kind::kIsotonic:
      return "isotonic";
    default:
      return "none";
  }
}

void Calibrator::Fit(Kind kind, const std::vector<float>& p, const std::vector<float>& label,
                     const std::vector<float>& weight) {
  if (p.size() != label.size() || (!weight.empty() && weight.size() != p.size()))
    Throw(ErrorCode::kInvalidArgument, "calibration: {} predictions, {} labels, {} weights", p.size(), label.size(),
          weight.size());
  kind_ = kind;
  a_ = 1;
  b_ = 0;
  x_.clear();
  y_.clear();
  if (kind == Kind::kNone) return;
  if (p.empty()) Throw(ErrorCode::kInvalidArgument, "calibration needs a non-empty validation set");
  auto w = [&](size_t i) { return weight.empty() ? 1.0 : double(weight[i]); };
  if (kind == Kind::kPlatt) {
    // Tiny ridge keeps the Newton system solvable when one class is absent.
    const double ridge = 1e-6;
    for (int it = 0; it < 50; ++it) {
      double ga = ridge * (a_ - 1), gb = ridge * b_, haa = ridge, hab = 0, hbb = ridge;
      for (size_t i = 0; i < p.size(); ++i) {
        double x = Logit(p[i]), q = Sig(a_ * x + b_), r = (q - label[i]) * w(i), s = q * (1 - q) * w(i);
        ga += r * x;
        gb += r;
        haa += s * x * x;
        hab += s * x;
        hbb += s;
      }
      double det = haa * hbb - hab * hab;
      if (!(std::abs(det) > 1e-300)) break;
      double da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
      a_ -= da;
      b_ -= db;
      if (std::abs(da) + std::abs(db) < 1e-10) break;
    }
    return;
  }
  // Isotonic: sort by prediction, pool adjacent violators, keep block means as knots.
  std::vector<size_t> idx(p.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return p[a] < p[b]; });
  struct Block {
    double sx, sy, w;
  };
  std::vector<Block> st;
  for (size_t k = 0; k < idx.size();) {
    // Equal predictions form one block so the map stays a function of p.
    Block b{0, 0, 0};
    size_t j = k;
    for (; j < idx.size() && p[idx[j]] == p[idx[k]]; ++j) {
      double wi = w(idx[j]);
      b.sx += wi * p[idx[j]];
      b.sy += wi * label[idx[j]];
      b.w += wi;
    }
    k = j;
    if (b.w <= 0) continue;
    st.push_back(b);
    while (st.size() > 1 && st[st.size() - 2].sy / st[st.size() - 2].w >= st.back().sy / st.back().w) {
      Block top = st.back();
      st.pop_back();
      st.back().sx += top.sx;
      st.back().sy += top.sy;
      st.back().w += top.w;
    }
  }
  for (const auto& b : st) {
    x_.push_back(b.sx / b.w);
    y_.push_back(b.sy / b.w);
  }
}

double Calibrator::Apply(double p) const {
  switch (kind_) {
    case Kind::kNone:
      return p;
    case Kind::kPlatt:
      return Sig(a_ * Logit(p) + b_);
    case Kind::kIsotonic: {
      if (x_.empty()) return p;
      double q;
      if (p <= x_.front()) q = y_.front();
      else if (p >= x_.back()) q = y_.back();
      else {
        size_t k = size_t(std::upper_bound(x_.begin(), x_.end(), p) - x_.begin());
        k = std::clamp<size_t>(k, 1, x_.size() - 1);  // p strictly inside: never at either end
        const double span = x_[k] - x_[k - 1];
        double t = span > 0 ? (p - x_[k - 1]) / span : 0.0;
        q = y_[k - 1] + t * (y_[k] - y_[k - 1]);
      }
      // A zero or one would make logloss infinite on the next surprise.
      return std::clamp(q, 1e-6, 1 - 1e-6);
    }
  }
  return p;
}

nlohmann::json Calibrator::ToJson() const {
  nlohmann::json j;
  j["kind"] = kind_name();
  if (kind_ == Kind::kPlatt) {
    j["a"] = a_;
    j["b"] = b_;
  }
  if (kind_ == Kind::kIsotonic) {
    j["x"] = x_;
    j["y"] = y_;
  }
  return j;
}

Calibrator Calibrator::FromJson(const nlohmann::json& j) {
  Calibrator c;
  try {
    c.kind_ = ParseKind(j.at("kind").get<std::string>());
    if (c.kind_ == Kind::kPlatt) {
      c.a_ = j.at("a").get<double>();
      c.b_ = j.at("b").get<double>();
    }
    if (c.kind_ == Kind::kIsotonic) {
      c.x_ = j.at("x").get<std::vector<double>>();
      c.y_ = j.at("y").get<std::vector<double>>();
      // NaN knots would defeat the ordering that Apply's search relies on
      // (a heap overflow found by tests/fuzz/fuzz_model).
      auto finite = [](const std::vector<double>& v) {
        return std::all_of(v.begin(), v.end(), [](double d) { return std::isfinite(d); });
      };
      if (c.x_.size() != c.y_.size() || !finite(c.x_) || !finite(c.y_) || !std::is_sorted(c.x_.begin(), c.x_.end()))
        Throw(ErrorCode::kCorruption, "isotonic calibration knots are malformed");
    }
  } catch (const nlohmann::json::exception& e) {
    Throw(ErrorCode::kCorruption, "calibration block is malformed: {}", e.what());
  } catch (const Error& e) {
    Throw(ErrorCode::kCorruption, "calibration block is malformed: {}", e.what());
  }
  return c;
}

}  // namespace adpilot
