// Random draws for the world generator. The standard library's distributions
// are implementation-defined (libstdc++ and libc++ give different numbers), so
// the generator draws from xoshiro256++ with its own samplers: files are then
// byte-identical for a seed on any machine. Streams are seeded from
// Context::SubSeed(name), so components do not shift each other's draws.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "adpilot/context.h"
#include "adpilot/hash.h"

namespace adpilot::gen {

class Random {
 public:
  explicit Random(uint64_t seed) {
    uint64_t x = seed;
    for (auto& s : s_) s = SplitMix(x);
  }
  // A stream of this run: `name` and an optional block index (for parallel blocks).
  static Random Stream(const Context& ctx, const std::string& name, uint64_t block = 0) {
    return Random(HashCombine(ctx.SubSeed(name), block * 0x9e3779b97f4a7c15ULL + 1));
  }

  uint64_t Next() {
    uint64_t r = Rotl(s_[0] + s_[3], 23) + s_[0];
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return r;
  }
  // Uniform in [0, 1) with 53 random bits.
  double Uniform() { return double(Next() >> 11) * 0x1.0p-53; }
  // Uniform in (0, 1]: safe to take the log of.
  double UniformPos() { return double((Next() >> 11) + 1) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Integer in [0, n).
  uint64_t Below(uint64_t n) { return uint64_t((unsigned __int128)Next() * n >> 64); }
  bool Bernoulli(double p) { return Uniform() < p; }
  // Standard normal by Box-Muller (the second value of a pair is kept).
  double Normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double r = std::sqrt(-2.0 * std::log(UniformPos()));
    double a = 6.283185307179586 * Uniform();
    spare_ = r * std::sin(a);
    has_spare_ = true;
    return r * std::cos(a);
  }
  double Normal(double mean, double sd) { return mean + sd * Normal(); }
  double Exponential(double mean) { return -mean * std::log(UniformPos()); }
  // Gamma(shape, 1) by Marsaglia-Tsang (shape < 1 by the boost u^(1/shape)).
  double Gamma(double shape) {
    if (shape < 1) return Gamma(shape + 1) * std::pow(UniformPos(), 1.0 / shape);
    double d = shape - 1.0 / 3, c = 1.0 / std::sqrt(9 * d);
    for (;;) {
      double x = Normal(), v = 1 + c * x;
      if (v <= 0) continue;
      v = v * v * v;
      double u = UniformPos();
      if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
    }
  }
  // Poisson by inversion for small means, a rounded normal above 50.
  int64_t Poisson(double mean) {
    if (mean <= 0) return 0;
    if (mean > 50) return std::max<int64_t>(0, std::llround(Normal(mean, std::sqrt(mean))));
    double l = std::exp(-mean), p = 1;
    int64_t k = 0;
    do {
      ++k;
      p *= Uniform();
    } while (p > l);
    return k - 1;
  }
  std::vector<double> Dirichlet(int k, double concentration) {
    std::vector<double> v(k);
    double s = 0;
    for (auto& x : v) s += (x = Gamma(concentration) + 1e-300);
    for (auto& x : v) x /= s;
    return v;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t SplitMix(uint64_t& x) {
    uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t s_[4];
  double spare_ = 0;
  bool has_spare_ = false;
};

// Walker's alias table: O(1) draws from a fixed discrete distribution.
class AliasTable {
 public:
  AliasTable() = default;
  explicit AliasTable(const std::vector<double>& weights);
  uint32_t Draw(Random& rng) const {
    // One draw gives both: the high word of r * n is the column, the low word
    // a uniform fraction for the coin.
    unsigned __int128 m = (unsigned __int128)rng.Next() * prob_.size();
    uint32_t i = uint32_t(m >> 64);
    double u = double(uint64_t(m) >> 11) * 0x1.0p-53;
    return u < prob_[i] ? i : alias_[i];
  }
  size_t size() const { return prob_.size(); }

 private:
  std::vector<double> prob_;
  std::vector<uint32_t> alias_;
};

// Zipf-like weights 1/(i+1)^s for n values.
std::vector<double> ZipfWeights(size_t n, double s);

inline double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double Logit(double p) { return std::log(p / (1 - p)); }

}  // namespace adpilot::gen
