#!/usr/bin/python3
"""Reference values for tests/evaluate/abtest_stats_test.cc, computed once with
scipy and statsmodels (Debian python3-scipy / python3-statsmodels). Run with
/usr/bin/python3 and paste the output into the test's constants block."""
import numpy as np
from scipy import stats
from statsmodels.stats.proportion import proportions_ztest, proportion_confint, confint_proportions_2indep
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize


def c(name, v):
    print(f"constexpr double {name} = {float(v):.17g};")


# Proportions: treatment 530/10000, control 480/10050.
z, p = proportions_ztest([530, 480], [10000, 10050])
c("kPropZ", z); c("kPropP", p)
lo, hi = proportion_confint(530, 10000, alpha=0.05, method="wilson")
c("kWilsonLo", lo); c("kWilsonHi", hi)
lo, hi = confint_proportions_2indep(530, 10000, 480, 10050, method="newcomb", compare="diff", alpha=0.05)
c("kNewcombeLo", lo); c("kNewcombeHi", hi)

# Welch t on two fixed samples.
T = [12.1, 9.8, 11.4, 13.0, 10.2, 12.7, 11.9, 9.5, 14.2, 10.8, 12.3, 11.1]
C = [10.4, 9.9, 11.0, 8.7, 10.1, 9.3, 11.8, 10.6, 9.0, 10.9]
t, p = stats.ttest_ind(T, C, equal_var=False)
c("kWelchT", t); c("kWelchP", p)
cm = CompareMeans(DescrStatsW(np.array(T)), DescrStatsW(np.array(C)))
lo, hi = cm.tconfint_diff(alpha=0.05, usevar="unequal")
c("kWelchLo", lo); c("kWelchHi", hi)

# Delta-method variance of a ratio of means (formula of references.md).
num = np.array([3, 0, 5, 2, 7, 1, 0, 4, 6, 2], float)
den = np.array([10, 4, 12, 9, 15, 6, 3, 11, 14, 8], float)
n = len(num)
mx, my = num.mean(), den.mean()
vx, vy = num.var(ddof=1) / n, den.var(ddof=1) / n
cxy = np.cov(num, den, ddof=1)[0, 1] / n
c("kRatioVar", vx / my**2 + mx**2 / my**4 * vy - 2 * mx / my**3 * cxy)

# CUPED on fixed (y, x): theta and achieved variance reduction.
x = np.array([5.0, 3.0, 8.0, 6.0, 2.0, 7.0, 4.0, 9.0, 5.5, 6.5])
y = np.array([6.1, 3.9, 9.2, 6.8, 2.5, 8.1, 4.2, 10.3, 6.0, 7.7])
theta = np.cov(x, y, ddof=1)[0, 1] / x.var(ddof=1)
adj = y - theta * (x - x.mean())
c("kCupedTheta", theta); c("kCupedReduction", 1 - adj.var(ddof=1) / y.var(ddof=1))

# SRM chi-square: 50/50 plan, and a 3-way 50/25/25 plan.
chi, p = stats.chisquare([5150, 4850], [5000, 5000])
c("kSrmChi2", chi); c("kSrmP", p)
chi, p = stats.chisquare([5020, 2400, 2580], [5000, 2500, 2500])
c("kSrm3Chi2", chi); c("kSrm3P", p)

# Benjamini-Hochberg.
for i, v in enumerate(multipletests([0.01, 0.04, 0.03, 0.20, 0.001], method="fdr_bh")[1]):
    c(f"kBh{i}", v)

# Power and sample size (two-sided z, equal arms and 1:2).
h = proportion_effectsize(0.11, 0.10)
c("kCohenH", h)
c("kSampleSize", NormalIndPower().solve_power(effect_size=h, alpha=0.05, power=0.8, ratio=1))
c("kSampleSizeRatio2", NormalIndPower().solve_power(effect_size=0.2, alpha=0.05, power=0.9, ratio=2))
c("kPowerAt5000", NormalIndPower().power(effect_size=h, nobs1=5000, alpha=0.05, ratio=1))

# Distributions.
c("kTCdf", stats.t.cdf(-1.7, 7.3)); c("kTQuant", stats.t.ppf(0.975, 13.6))
c("kChi2Sf", stats.chi2.sf(7.5, 2)); c("kNormQuant", stats.norm.ppf(0.9))

# mSPRT 1/Lambda (Johari et al.) with n per arm, sigma^2 per unit, mixing tau^2.
nn, s2, tau2, diff = 2000, 0.09, 0.0004, 0.03
lam = np.sqrt(2 * s2 / (2 * s2 + nn * tau2)) * np.exp(nn**2 * tau2 * diff**2 / (4 * s2 * (2 * s2 + nn * tau2)))
c("kMsprtInv", min(1.0, 1 / lam))
