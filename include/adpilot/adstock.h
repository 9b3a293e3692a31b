// Carry-over (adstock) and diminishing returns (saturation) of media spend, the
// two shape transforms of a marketing-mix model. Each returns its value and its
// derivatives with respect to its natural parameters, so the model's gradient
// is analytic (checked against finite differences in tests/schedule).
#pragma once

#include <string>
#include <vector>

namespace adpilot::mmm {

enum class AdstockKind { kGeometric, kWeibullCdf, kWeibullPdf };
enum class SaturationKind { kHill, kLogistic };

AdstockKind ParseAdstock(const std::string& name);        // geometric | weibull_cdf | weibull_pdf
SaturationKind ParseSaturation(const std::string& name);  // hill | logistic
const char* AdstockName(AdstockKind k);
const char* SaturationName(SaturationKind k);
int AdstockParamCount(AdstockKind k);        // geometric 1 (alpha); weibull 2 (shape, scale)
int SaturationParamCount(SaturationKind k);  // hill 2 (K, gamma); logistic 1 (lambda)

// Lag weights w_0..w_{L-1} of one adstock, optionally normalised to sum 1.
//   geometric:   u_l = alpha^l
//   weibull_cdf: u_l = exp(-(l / scale)^shape)        (survival: decay from lag 0)
//   weibull_pdf: u_l = Weibull pdf at l + 1            (peak after a delay)
// When dw is non-null it receives dw[j * L + l] = d w_l / d param_j.
void AdstockWeights(AdstockKind kind, const double* params, int max_lag, bool normalize, std::vector<double>& w,
                    std::vector<double>* dw = nullptr);

// a_t = sum_l w_l x_{t-l} (spend before the first row counts as 0).
void Convolve(const double* x, int n, const std::vector<double>& w, double* a);

// s(a) for a >= 0 with ds/da and ds/dparam_j (dparams may be null).
//   hill:     s = a^gamma / (a^gamma + K^gamma)          params (K, gamma)
//   logistic: s = (1 - e^{-lambda a}) / (1 + e^{-lambda a})  params (lambda)
double Saturate(SaturationKind kind, double a, const double* params, double* ds_da = nullptr,
                double* dparams = nullptr);

}  // namespace adpilot::mmm
