#include "adpilot/adstock.h"

#include <cmath>

#include "adpilot/error.h"

namespace adpilot::mmm {

AdstockKind ParseAdstock(const std::string& name) {
  if (name == "geometric") return AdstockKind::kGeometric;
  if (name == "weibull_cdf") return AdstockKind::kWeibullCdf;
  if (name == "weibull_pdf") return AdstockKind::kWeibullPdf;
  Throw(ErrorCode::kInvalidArgument, "unknown adstock '{}'; valid: geometric, weibull_cdf, weibull_pdf", name);
}

SaturationKind ParseSaturation(const std::string& name) {
  if (name == "hill") return SaturationKind::kHill;
  if (name == "logistic") return SaturationKind::kLogistic;
  Throw(ErrorCode::kInvalidArgument, "unknown saturation '{}'; valid: hill, logistic", name);
}

const char* AdstockName(AdstockKind k) {
  switch (k) {
    case AdstockKind::kGeometric:
      return "geometric";
    case AdstockKind::kWeibullCdf:
      return "weibull_cdf";
    case AdstockKind::kWeibullPdf:
      return "weibull_pdf";
  }
  return "?";
}

const char* SaturationName(SaturationKind k) { return k == SaturationKind::kHill ? "hill" : "logistic"; }

int AdstockParamCount(AdstockKind k) { return k == AdstockKind::kGeometric ? 1 : 2; }
int SaturationParamCount(SaturationKind k) { return k == SaturationKind::kHill ? 2 : 1; }

void AdstockWeights(AdstockKind kind, const double* p, int L, bool normalize, std::vector<double>& w,
                    std::vector<double>* dw) {
  ADP_CHECK(L >= 1);
  const int np = AdstockParamCount(kind);
  w.assign(L, 0.0);
  std::vector<double> du(size_t(np) * L, 0.0);
  for (int l = 0; l < L; ++l) {
    switch (kind) {
      case AdstockKind::kGeometric: {
        double a = p[0];
        w[l] = std::pow(a, l);
        du[l] = l == 0 ? 0.0 : l * std::pow(a, l - 1);
        break;
      }
      case AdstockKind::kWeibullCdf: {
        double k = p[0], lam = p[1];
        if (l == 0) {
          w[l] = 1.0;
          break;
        }
        double r = l / lam, q = std::pow(r, k);
        w[l] = std::exp(-q);
        du[l] = -w[l] * q * std::log(r);  // d/dk
        du[L + l] = w[l] * q * k / lam;   // d/dlambda
        break;
      }
      case AdstockKind::kWeibullPdf: {
        double k = p[0], lam = p[1], x = l + 1.0;
        double r = x / lam, q = std::pow(r, k);
        w[l] = (k / lam) * std::pow(r, k - 1) * std::exp(-q);
        du[l] = w[l] * (1.0 / k + std::log(r) * (1.0 - q));
        du[L + l] = w[l] * k * (q - 1.0) / lam;
        break;
      }
    }
  }
  if (normalize) {
    double sum = 0;
    for (double v : w) sum += v;
    if (!(sum > 0)) Throw(ErrorCode::kInvalidArgument, "adstock weights sum to {}: parameters out of range", sum);
    for (int j = 0; j < np; ++j) {
      double dsum = 0;
      for (int l = 0; l < L; ++l) dsum += du[j * L + l];
      for (int l = 0; l < L; ++l) du[j * L + l] = (du[j * L + l] - w[l] / sum * dsum) / sum;
    }
    for (double& v : w) v /= sum;
  }
  if (dw) *dw = std::move(du);
}

void Convolve(const double* x, int n, const std::vector<double>& w, double* a) {
  const int L = int(w.size());
  for (int t = 0; t < n; ++t) {
    double s = 0;
    int m = t + 1 < L ? t + 1 : L;
    for (int l = 0; l < m; ++l) s += w[l] * x[t - l];
    a[t] = s;
  }
}

double Saturate(SaturationKind kind, double a, const double* p, double* ds_da, double* dp) {
  if (kind == SaturationKind::kHill) {
    double K = p[0], g = p[1];
    if (!(a > 0)) {
      // Slope at zero: 0 for an S-curve, 1/K for gamma = 1, unbounded (capped) below 1.
      if (ds_da) *ds_da = g > 1.0 ? 0.0 : (g == 1.0 ? 1.0 / K : 1e12);
      if (dp) dp[0] = dp[1] = 0;
      return 0.0;
    }
    double z = g * (std::log(K) - std::log(a));  // s = 1 / (1 + e^z)
    double s = 1.0 / (1.0 + std::exp(z));
    double ds_dz = -s * (1.0 - s);
    if (ds_da) *ds_da = -ds_dz * g / a;
    if (dp) {
      dp[0] = ds_dz * g / K;
      dp[1] = ds_dz * (std::log(K) - std::log(a));
    }
    return s;
  }
  double lam = p[0];
  double s = std::tanh(0.5 * lam * a);
  double d = 0.5 * (1.0 - s * s);
  if (ds_da) *ds_da = d * lam;
  if (dp) dp[0] = d * a;
  return s;
}

}  // namespace adpilot::mmm
