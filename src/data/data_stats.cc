#include "adpilot/data_stats.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <unordered_set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/context.h"
#include "adpilot/hash.h"
#include "adpilot/progress.h"

namespace adpilot {

namespace {

// Exact distinct counting up to a cap, then a HyperLogLog sketch (2^12
// registers, ~1.6% error), so memory stays bounded whatever the cardinality.
class DistinctCounter {
 public:
  void Add(uint64_t h) {
    if (!hll_.empty()) return AddHll(h);
    exact_.insert(h);
    if (exact_.size() > kExactCap) {
      hll_.assign(kRegisters, 0);
      for (uint64_t x : exact_) AddHll(x);
      exact_.clear();
      exact_.rehash(0);
    }
  }
  uint64_t Count() const {
    if (hll_.empty()) return exact_.size();
    double sum = 0;
    int zeros = 0;
    for (uint8_t r : hll_) {
      sum += std::ldexp(1.0, -r);
      zeros += r == 0;
    }
    double m = kRegisters, alpha = 0.7213 / (1 + 1.079 / m);
    double e = alpha * m * m / sum;
    if (e <= 2.5 * m && zeros) e = m * std::log(m / zeros);
    return uint64_t(std::llround(e));
  }

 private:
  static constexpr size_t kExactCap = 1 << 16;
  static constexpr int kBits = 12, kRegisters = 1 << kBits;
  void AddHll(uint64_t h) {
    uint32_t idx = uint32_t(h >> (64 - kBits));
    uint64_t rest = (h << kBits) | (uint64_t(1) << (kBits - 1));
    uint8_t rank = uint8_t(__builtin_clzll(rest) + 1);
    hll_[idx] = std::max(hll_[idx], rank);
  }
  std::unordered_set<uint64_t> exact_;
  std::vector<uint8_t> hll_;
};

}  // namespace

DataStats ComputeStats(const std::string& path, const ReaderOptions& opts, const Context& ctx) {
  auto t0 = std::chrono::steady_clock::now();
  auto reader = OpenReader(path, opts);
  DataStats s;
  s.file = path;
  s.format = opts.format;
  std::vector<DistinctCounter> distinct;
  std::vector<double> sums;
  RawRecord rec;
  Progress progress(ctx, "stats " + path, reader->total_bytes(), "bytes");
  uint64_t n = 0;
  while (reader->Next(rec)) {
    ++s.rows;
    s.label_sum += rec.label * rec.weight;
    s.weight_sum += rec.weight;
    for (const RawFeature& f : rec.features) {
      if (f.field >= s.fields.size()) {
        size_t old = s.fields.size();
        s.fields.resize(f.field + 1);
        distinct.resize(f.field + 1);
        sums.resize(f.field + 1);
        for (size_t i = old; i < s.fields.size(); ++i)
          s.fields[i].name = i < reader->schema().fields.size() ? reader->schema().fields[i] : fmt::format("f{}", i);
      }
      FieldStats& fs = s.fields[f.field];
      if (f.missing) {
        ++fs.missing;
        continue;
      }
      if (f.numeric) {
        if (fs.present == 0) fs.min = fs.max = f.value;
        fs.numeric = true;
        fs.min = std::min(fs.min, f.value);
        fs.max = std::max(fs.max, f.value);
        sums[f.field] += f.value;
        distinct[f.field].Add(Hash64(&f.value, sizeof(double)));
      } else {
        distinct[f.field].Add(Hash64(f.token));
      }
      ++fs.present;
    }
    if ((++n & 4095) == 0) progress.Set(reader->bytes_read());
  }
  progress.Set(reader->bytes_read());
  progress.Finish();
  // Fields never seen still appear, so a user sees the whole schema.
  const auto& names = reader->schema().fields;
  if (s.fields.size() < names.size()) {
    size_t old = s.fields.size();
    s.fields.resize(names.size());
    distinct.resize(names.size());
    sums.resize(names.size());
    for (size_t i = old; i < names.size(); ++i) s.fields[i].name = names[i];
  }
  for (size_t i = 0; i < s.fields.size(); ++i) {
    s.fields[i].distinct = distinct[i].Count();
    if (s.fields[i].present) s.fields[i].mean = sums[i] / double(s.fields[i].present);
    // Rows that omit a field (sparse formats) count as missing too.
    s.fields[i].missing = s.rows - std::min(s.rows, s.fields[i].present);
  }
  s.bad_rows = reader->bad_rows().count();
  s.bad_examples = reader->bad_rows().examples();
  s.bytes = reader->total_bytes();
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

void to_json(nlohmann::json& j, const DataStats& s) {
  j = nlohmann::json{{"file", s.file},
                     {"format", s.format},
                     {"rows", s.rows},
                     {"bad_rows", s.bad_rows},
                     {"label_rate", s.label_rate()},
                     {"bad_row_examples", s.bad_examples},
                     {"seconds", s.seconds},
                     {"bytes", s.bytes}};
  auto fields = nlohmann::json::array();
  for (const auto& f : s.fields) {
    nlohmann::json o{{"name", f.name},
                     {"distinct", f.distinct},
                     {"missing_share", s.rows ? double(f.missing) / double(s.rows) : 0.0}};
    if (f.numeric) {
      o["min"] = f.min;
      o["max"] = f.max;
      o["mean"] = f.mean;
    }
    fields.push_back(o);
  }
  j["fields"] = fields;
}

}  // namespace adpilot
