// The evaluate stage's `uplift` command: cross-fitted meta-learner, Qini /
// AUUC, targeting advice. Its options are declared here once (the feature
// hashing ones by the data stage's FeatureConfig); the CLI and `adpilot run`
// bind from them.
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/command.h"
#include "adpilot/error.h"
#include "adpilot/model.h"
#include "adpilot/table.h"
#include "adpilot/uplift.h"

namespace adpilot::uplift {
namespace {

class UpliftCommand : public Command {
 public:
  std::vector<std::string> Examples() const override {
    return {
        "uplift --data world/experiment.csv --treatment-col variant --treatment treatment --control control --outcome "
        "converted --exclude revenue --id-col unit_id"};
  }
  void Describe(OptionSet& s) override {
    s.Add("data", &path_, "CSV, one row per unit").Required();
    s.Add("treatment_col", &data_.treatment_col, "column holding the arm").Required();
    s.Add("treatment", &data_.treatment, "value of the treated arm").Required();
    s.Add("control", &data_.control, "value of the control arm").Required();
    s.Add("outcome", &data_.outcome, "outcome column (0/1 or a number)").Required();
    s.Add("learner", &learn_.learner, "meta-learner: s, t, x or dr");
    s.Add("base", &learn_.base, "base model: any predict model (" + ModelRegistry::Get().NamesJoined() + ")");
    s.Add("folds", &learn_.folds, "cross-fitting folds").Range(2, 100);
    s.Add("base_param", &learn_.base_params, "base model option KEY=VALUE (its own names, e.g. rounds=50); repeatable");
    s.Add("numeric", &learn_.numeric,
          "numeric features: auto (raw for gbdt, quantile bins otherwise), raw, quantile, log, bin")
        .Choices({"auto", "raw", "quantile", "log", "bin"});
    // The base models' hashing options, as the data stage declares them.
    OptionSet features;
    learn_.features.Describe(features);
    for (const auto& e : features.entries())
      if (e.key == "quantile_bins" || e.key == "bits") s.entries().push_back(e);
    s.Add("epochs", &learn_.epochs, "passes of the gradient-trained base models (lr, fm, ffm)").Range(1, 1000);
    s.Add("features", &data_.features, "comma-separated feature columns (default: all other columns)");
    s.Add("exclude", &data_.exclude, "comma-separated columns never used as features");
    s.Add("id_col", &data_.id_col, "unit id column (for --predictions and --truth)");
    // Shorthands for the usual base options, passed on as --base-param: the
    // base model's own declaration bounds them.
    s.Add("l2", &l2_, "= --base-param l2=X (lr, fm, ffm)");
    s.Add("trees", &trees_, "= --base-param rounds=N (gbdt; uplift default 100)");
    s.Add("depth", &depth_, "= --base-param max_depth=N (gbdt; uplift default 3)");
    s.Add("curve", &curve_, "write the Qini / uplift curve as CSV here").Output();
    s.Add("predictions", &predictions_, "write per-unit predicted uplift as CSV here").Output();
    s.Add("truth", &truth_, "CSV of true per-unit uplift (id column + --truth-col): PEHE and oracle Qini");
    s.Add("truth_col", &truth_col_, "true uplift column in --truth");
  }

  nlohmann::json Run(const Context& ctx) override {
    // A list option splits at commas, but a base option's value may be a list
    // itself (--base-param hidden=64,32): a piece without '=' continues the one before.
    std::vector<std::string> params;
    for (const auto& p : learn_.base_params) {
      if (p.find('=') == std::string::npos && !params.empty()) params.back() += "," + p;
      else params.push_back(p);
    }
    learn_.base_params = params;
    if (!l2_.empty()) learn_.base_params.insert(learn_.base_params.begin(), "l2=" + l2_);
    if (!trees_.empty()) learn_.base_params.insert(learn_.base_params.begin(), "rounds=" + trees_);
    if (!depth_.empty()) learn_.base_params.insert(learn_.base_params.begin(), "max_depth=" + depth_);
    Table t = ReadCsvTable(path_);
    UpliftData d = BuildData(t, data_, ctx);
    std::vector<int> fold;
    std::vector<double> score = CrossFitUplift(d, learn_, ctx, &fold);
    UpliftEval ev = Evaluate(score, d.treated, d.y);
    nlohmann::json out = ToJson(ev);
    out["learner"] = learn_.learner;
    out["base"] = learn_.base;
    out["folds"] = learn_.folds;
    out["base_params"] = learn_.base_params;
    out["units"] = d.n;
    size_t nt = 0;
    for (int x : d.treated) nt += x;
    out["treated"] = nt;
    out["features"] = d.feature_names;
    // Spread over folds: each fold's units scored by the model that did not see them.
    std::vector<double> fq;
    for (int f = 0; f < learn_.folds; ++f) {
      std::vector<double> s, y;
      std::vector<int> tr;
      for (size_t i = 0; i < d.n; ++i)
        if (fold[i] == f) {
          s.push_back(score[i]);
          y.push_back(d.y[i]);
          tr.push_back(d.treated[i]);
        }
      fq.push_back(Evaluate(s, tr, y).qini);
    }
    double mean = 0, var = 0;
    for (double q : fq) mean += q / double(fq.size());
    for (double q : fq) var += (q - mean) * (q - mean) / double(fq.size() - 1);
    out["qini_folds"] = fq;
    out["qini_fold_sd"] = std::sqrt(var);
    Recommendation rec = Recommend(d, score, data_.outcome);
    out["recommendation"] = {{"share", rec.share},
                             {"uplift_in_segment", rec.uplift_in_segment},
                             {"incremental_per_1000", rec.incremental_per_1000},
                             {"everyone_per_1000", rec.everyone_per_1000},
                             {"traits", rec.traits}};
    out["verdict"] = rec.text;
    if (!truth_.empty()) {
      if (data_.id_col.empty()) Throw(ErrorCode::kInvalidArgument, "--truth needs --id-col to join units");
      Table tt = ReadCsvTable(truth_);
      size_t ic = tt.Col(data_.id_col, "--id-col (in --truth)"), uc = tt.Col(truth_col_, "--truth-col");
      std::map<std::string, double> truth;
      for (size_t r = 0; r < tt.num_rows(); ++r) {
        auto v = tt.Number(r, uc);
        if (v) truth[tt.Cell(r, ic)] = *v;
      }
      std::vector<double> tau(d.n);
      double se = 0;
      for (size_t i = 0; i < d.n; ++i) {
        auto it = truth.find(d.ids[i]);
        if (it == truth.end()) Throw(ErrorCode::kBadInput, "--truth {}: no row for unit '{}'", truth_, d.ids[i]);
        tau[i] = it->second;
        se += (score[i] - tau[i]) * (score[i] - tau[i]);
      }
      out["pehe"] = std::sqrt(se / double(d.n));
      out["qini_oracle"] = Evaluate(tau, d.treated, d.y).qini;
    }
    if (!curve_.empty()) {
      std::string csv = "share,n_treated,n_control,qini,uplift,qini_random\n";
      double qn = ev.curve.back().qini;
      for (const auto& p : ev.curve)
        csv += fmt::format("{:.4f},{},{},{:.8g},{:.8g},{:.8g}\n", p.fraction, p.n_t, p.n_c, p.qini, p.uplift,
                           p.fraction * qn);
      WriteFileAtomic(curve_, csv);
    }
    if (!predictions_.empty()) {
      std::string csv = "id,uplift,fold,treated,outcome\n";
      for (size_t i = 0; i < d.n; ++i)
        csv += fmt::format("{},{:.8g},{},{},{:.8g}\n", d.ids[i], score[i], fold[i], d.treated[i], d.y[i]);
      WriteFileAtomic(predictions_, csv);
    }
    return out;
  }

 private:
  DataOptions data_;
  LearnerOptions learn_;
  std::string path_, curve_, predictions_, truth_, truth_col_ = "uplift";
  std::string l2_, trees_, depth_;
};

ADPILOT_COMMAND("uplift", "evaluate", "who to target: cross-fitted uplift model, Qini / AUUC, advice", UpliftCommand);

}  // namespace
}  // namespace adpilot::uplift
