// Experiment table -> units, arms, outcomes and feature columns for the uplift
// learners (schema + cells for the base models, a dense matrix for segment traits).
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/uplift.h"

namespace adpilot::uplift {
namespace {

struct ColumnPlan {
  size_t col;
  bool numeric;
  std::vector<std::string> levels;  // categorical: one-hot levels (first level dropped)
  double fill = 0;                  // numeric: mean for empty cells
};

bool IsNumeric(const Table& t, size_t col, const std::vector<size_t>& rows) {
  for (size_t r : rows) {
    try {
      (void)t.Number(r, col);
    } catch (const Error&) {
      return false;
    }
  }
  return true;
}

// A column that is another outcome of the same units would leak the outcome.
bool LooksLikeOutcome(const std::vector<double>& f, const std::vector<double>& y) {
  size_t f_nz = 0, y_nz = 0, f_only = 0, y_only = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    bool a = f[i] != 0, b = y[i] != 0;
    f_nz += a;
    y_nz += b;
    f_only += a && !b;
    y_only += b && !a;
  }
  if (y_nz < 10 || f_nz < 10) return false;
  bool downstream = f_only == 0;                       // spend > 0 only where conversion
  bool upstream = y_only == 0 && f_nz * 2 < f.size();  // conversion only where visit, visits rare
  return downstream || upstream;
}

}  // namespace

UpliftData BuildData(const Table& t, const DataOptions& o, const Context& ctx) {
  size_t tc = t.Col(o.treatment_col, "--treatment-col"), yc = t.Col(o.outcome, "--outcome");
  if (o.treatment == o.control)
    Throw(ErrorCode::kInvalidArgument, "--treatment and --control are both '{}'", o.treatment);
  std::vector<size_t> rows;
  std::map<std::string, size_t> other;
  size_t nt = 0, nc = 0;
  for (size_t r = 0; r < t.num_rows(); ++r) {
    const std::string& v = t.Cell(r, tc);
    if (v == o.treatment) ++nt;
    else if (v == o.control) ++nc;
    else {
      ++other[v];
      continue;
    }
    rows.push_back(r);
  }
  if (nt == 0 || nc == 0) {
    Throw(ErrorCode::kInvalidArgument, "column '{}' has no rows with value '{}' ({}); values are: {}", o.treatment_col,
          nt == 0 ? o.treatment : o.control, nt == 0 ? "--treatment" : "--control", fmt::join(t.Distinct(tc), ", "));
  }
  if (nt < 20 || nc < 20)
    Throw(ErrorCode::kBadInput, "column '{}': {} treated and {} control rows; uplift models need at least 20 of each",
          o.treatment_col, nt, nc);
  for (const auto& [v, n] : other)
    ctx.log().info("uplift: {} rows with {} = '{}' are neither treatment nor control; left out", n, o.treatment_col, v);

  UpliftData d;
  d.n = rows.size();
  d.treated.resize(d.n);
  d.y.resize(d.n);
  for (size_t i = 0; i < d.n; ++i) {
    d.treated[i] = t.Cell(rows[i], tc) == o.treatment;
    auto y = t.Number(rows[i], yc);
    if (!y) Throw(ErrorCode::kBadInput, "{}: column '{}': empty outcome", t.Where(rows[i]), o.outcome);
    d.y[i] = *y;
  }
  d.binary_outcome = std::all_of(d.y.begin(), d.y.end(), [](double v) { return v == 0 || v == 1; });
  if (std::all_of(d.y.begin(), d.y.end(), [&](double v) { return v == d.y[0]; }))
    Throw(ErrorCode::kBadInput, "--outcome '{}' is {} in every row: there is no effect to model", o.outcome, d.y[0]);
  size_t idc = o.id_col.empty() ? SIZE_MAX : t.Col(o.id_col, "--id-col");
  for (size_t r : rows) d.ids.push_back(idc == SIZE_MAX ? std::to_string(t.lines[r]) : t.Cell(r, idc));

  std::vector<std::string> names = o.features;
  bool chosen = !names.empty();
  if (!chosen) {
    std::set<std::string> skip(o.exclude.begin(), o.exclude.end());
    skip.insert({o.treatment_col, o.outcome});
    if (!o.id_col.empty()) skip.insert(o.id_col);
    for (const auto& c : t.columns)
      if (!skip.count(c)) names.push_back(c);
  }
  std::vector<ColumnPlan> plan;
  for (const auto& name : names) {
    size_t c = t.Col(name, "--features");
    ColumnPlan p{c, IsNumeric(t, c, rows), {}, 0};
    if (p.numeric) {
      std::vector<double> v(d.n);
      double sum = 0, cnt = 0;
      for (size_t i = 0; i < d.n; ++i)
        if (auto x = t.Number(rows[i], c)) {
          v[i] = *x;
          sum += *x;
          ++cnt;
        }
      if (cnt < double(d.n))
        ctx.log().warn(
            "uplift: feature '{}' is empty in {} rows; a \"missing\" feature for the models, its mean in segment "
            "descriptions",
            name, d.n - size_t(cnt));
      p.fill = cnt > 0 ? sum / cnt : 0;
      if (!chosen && LooksLikeOutcome(v, d.y)) {
        ctx.log().warn(
            "uplift: column '{}' looks like another outcome of '{}' and is left out (name it in --features to keep it)",
            name, o.outcome);
        continue;
      }
    } else {
      std::set<std::string> lv;
      for (size_t r : rows) lv.insert(t.Cell(r, c));
      if (int(lv.size()) > o.max_levels) {
        if (chosen)
          Throw(ErrorCode::kInvalidArgument, "--features: column '{}' has {} distinct text values (limit {})", name,
                lv.size(), o.max_levels);
        ctx.log().info("uplift: column '{}' has {} distinct text values; not used as a feature", name, lv.size());
        continue;
      }
      p.levels.assign(std::next(lv.begin()), lv.end());
    }
    plan.push_back(p);
  }
  for (const auto& p : plan) {
    if (p.numeric) d.feature_names.push_back(t.columns[p.col]);
    else
      for (const auto& l : p.levels) d.feature_names.push_back(t.columns[p.col] + "=" + l);
  }
  for (const auto& p : plan) d.schema.Add(t.columns[p.col], p.numeric ? FieldKind::kNumeric : FieldKind::kCategorical);
  size_t nf = plan.size();
  d.cells.resize(d.n * nf);
  d.values.assign(d.n * nf, kNaN);
  for (size_t i = 0; i < d.n; ++i)
    for (size_t k = 0; k < nf; ++k) {
      const ColumnPlan& p = plan[k];
      if (!p.numeric) d.cells[i * nf + k] = t.Cell(rows[i], p.col);
      else if (auto x = t.Number(rows[i], p.col)) d.values[i * nf + k] = *x;
    }
  d.d = d.feature_names.size();
  if (d.d == 0) Throw(ErrorCode::kInvalidArgument, "uplift: no feature columns left; name them with --features");
  d.x.assign(d.n * d.d, 0.0);
  for (size_t i = 0; i < d.n; ++i) {
    size_t k = 0;
    double* out = d.x.data() + i * d.d;
    for (const auto& p : plan) {
      const std::string& cell = t.Cell(rows[i], p.col);
      if (p.numeric) {
        auto x = t.Number(rows[i], p.col);
        out[k++] = x ? *x : p.fill;
      } else {
        for (const auto& l : p.levels) out[k++] = cell == l ? 1.0 : 0.0;
      }
    }
  }
  ctx.log().info("uplift: {} units ({} treated), {} features from {} columns", d.n, nt, d.d, plan.size());
  return d;
}

}  // namespace adpilot::uplift
