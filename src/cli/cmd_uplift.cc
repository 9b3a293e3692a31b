// adpilot uplift: cross-fitted meta-learner, Qini / AUUC, targeting advice.
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/error.h"
#include "adpilot/model.h"
#include "adpilot/registry.h"
#include "adpilot/table.h"
#include "adpilot/uplift.h"
#include "cli/cli.h"

namespace adpilot::cli {
namespace {

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size() && !s.empty()) {
    size_t pos = s.find(',', start);
    std::string part = s.substr(start, pos == std::string::npos ? std::string::npos : pos - start);
    if (!part.empty()) out.push_back(part);
    if (pos == std::string::npos) break;
    start = pos + 1;
  }
  return out;
}

void InstallUplift(CLI::App& app, Globals& g) {
  struct Args {
    uplift::DataOptions data;
    uplift::LearnerOptions learn;
    std::string path, features, exclude, curve, predictions, truth, truth_col = "uplift";
    std::string l2, trees, depth;
    bool json = false;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("uplift", "who to target: cross-fitted uplift model, Qini / AUUC, advice");
  cmd->add_option("--data", a->path, "CSV, one row per unit")->required();
  cmd->add_option("--treatment-col", a->data.treatment_col, "column holding the arm")->required();
  cmd->add_option("--treatment", a->data.treatment, "value of the treated arm")->required();
  cmd->add_option("--control", a->data.control, "value of the control arm")->required();
  cmd->add_option("--outcome", a->data.outcome, "outcome column (0/1 or a number)")->required();
  cmd->add_option("--learner", a->learn.learner, "meta-learner: s, t, x or dr");
  cmd->add_option("--base", a->learn.base, "base model: any predict model (" + ModelRegistry::Get().NamesJoined() + ")");
  cmd->add_option("--folds", a->learn.folds, "cross-fitting folds")->check(CLI::Range(2, 100));
  cmd->add_option("--base-param", a->learn.base_params, "base model option KEY=VALUE (its own names, e.g. rounds=50); repeatable");
  cmd->add_option("--numeric", a->learn.numeric, "numeric features: auto (raw for gbdt, quantile bins otherwise), raw, quantile, log, bin")
      ->check(CLI::IsMember({"auto", "raw", "quantile", "log", "bin"}));
  cmd->add_option("--quantile-bins", a->learn.quantile_bins, "bins per numeric feature under quantile")->check(CLI::Range(2, 4096));
  cmd->add_option("--epochs", a->learn.epochs, "passes of the gradient-trained base models (lr, fm, ffm)")->check(CLI::Range(1, 1000));
  cmd->add_option("--features", a->features, "comma-separated feature columns (default: all other columns)");
  cmd->add_option("--exclude", a->exclude, "comma-separated columns never used as features");
  cmd->add_option("--id-col", a->data.id_col, "unit id column (for --predictions and --truth)");
  // Shorthands for the usual base options, passed on as --base-param.
  auto* l2 = cmd->add_option("--l2", a->l2, "= --base-param l2=X (lr, fm, ffm)")->check(CLI::Range(0.0, 1e9));
  auto* trees = cmd->add_option("--trees", a->trees, "= --base-param rounds=N (gbdt; uplift default 100)")->check(CLI::Range(1, 100000));
  auto* depth = cmd->add_option("--depth", a->depth, "= --base-param max_depth=N (gbdt; uplift default 3)")->check(CLI::Range(1, 32));
  cmd->add_option("--curve", a->curve, "write the Qini / uplift curve as CSV here");
  cmd->add_option("--predictions", a->predictions, "write per-unit predicted uplift as CSV here");
  cmd->add_option("--truth", a->truth, "CSV of true per-unit uplift (id column + --truth-col): PEHE and oracle Qini");
  cmd->add_option("--truth-col", a->truth_col, "true uplift column in --truth");
  cmd->add_flag("--json", a->json, "print one JSON object on stdout");
  cmd->callback([a, &g, l2, trees, depth] {
    Context ctx = MakeContext(g);
    if (l2->count()) a->learn.base_params.insert(a->learn.base_params.begin(), "l2=" + a->l2);
    if (trees->count()) a->learn.base_params.insert(a->learn.base_params.begin(), "rounds=" + a->trees);
    if (depth->count()) a->learn.base_params.insert(a->learn.base_params.begin(), "max_depth=" + a->depth);
    a->data.features = SplitList(a->features);
    a->data.exclude = SplitList(a->exclude);
    Table t = ReadCsvTable(a->path);
    uplift::UpliftData d = uplift::BuildData(t, a->data, ctx);
    std::vector<int> fold;
    std::vector<double> score = uplift::CrossFitUplift(d, a->learn, ctx, &fold);
    uplift::UpliftEval ev = uplift::Evaluate(score, d.treated, d.y);
    nlohmann::json out = uplift::ToJson(ev);
    out["learner"] = a->learn.learner;
    out["base"] = a->learn.base;
    out["folds"] = a->learn.folds;
    out["base_params"] = a->learn.base_params;
    out["units"] = d.n;
    size_t nt = 0;
    for (int x : d.treated) nt += x;
    out["treated"] = nt;
    out["features"] = d.feature_names;
    // Spread over folds: each fold's units scored by the model that did not see them.
    std::vector<double> fq;
    for (int f = 0; f < a->learn.folds; ++f) {
      std::vector<double> s, y;
      std::vector<int> tr;
      for (size_t i = 0; i < d.n; ++i)
        if (fold[i] == f) {
          s.push_back(score[i]);
          y.push_back(d.y[i]);
          tr.push_back(d.treated[i]);
        }
      fq.push_back(uplift::Evaluate(s, tr, y).qini);
    }
    double mean = 0, var = 0;
    for (double q : fq) mean += q / double(fq.size());
    for (double q : fq) var += (q - mean) * (q - mean) / double(fq.size() - 1);
    out["qini_folds"] = fq;
    out["qini_fold_sd"] = std::sqrt(var);
    uplift::Recommendation rec = uplift::Recommend(d, score, a->data.outcome);
    out["recommendation"] = {{"share", rec.share}, {"uplift_in_segment", rec.uplift_in_segment},
                             {"incremental_per_1000", rec.incremental_per_1000},
                             {"everyone_per_1000", rec.everyone_per_1000}, {"traits", rec.traits}};
    out["verdict"] = rec.text;
    if (!a->truth.empty()) {
      if (a->data.id_col.empty()) Throw(ErrorCode::kInvalidArgument, "--truth needs --id-col to join units");
      Table tt = ReadCsvTable(a->truth);
      size_t ic = tt.Col(a->data.id_col, "--id-col (in --truth)"), uc = tt.Col(a->truth_col, "--truth-col");
      std::map<std::string, double> truth;
      for (size_t r = 0; r < tt.num_rows(); ++r) {
        auto v = tt.Number(r, uc);
        if (v) truth[tt.Cell(r, ic)] = *v;
      }
      std::vector<double> tau(d.n);
      double se = 0;
      for (size_t i = 0; i < d.n; ++i) {
        auto it = truth.find(d.ids[i]);
        if (it == truth.end())
          Throw(ErrorCode::kBadInput, "--truth {}: no row for unit '{}'", a->truth, d.ids[i]);
        tau[i] = it->second;
        se += (score[i] - tau[i]) * (score[i] - tau[i]);
      }
      out["pehe"] = std::sqrt(se / double(d.n));
      out["qini_oracle"] = uplift::Evaluate(tau, d.treated, d.y).qini;
    }
    if (!a->curve.empty()) {
      std::string csv = "share,n_treated,n_control,qini,uplift,qini_random\n";
      double qn = ev.curve.back().qini;
      for (const auto& p : ev.curve)
        csv += fmt::format("{:.4f},{},{},{:.8g},{:.8g},{:.8g}\n", p.fraction, p.n_t, p.n_c, p.qini, p.uplift, p.fraction * qn);
      WriteFileAtomic(a->curve, csv);
    }
    if (!a->predictions.empty()) {
      std::string csv = "id,uplift,fold,treated,outcome\n";
      for (size_t i = 0; i < d.n; ++i)
        csv += fmt::format("{},{:.8g},{},{},{:.8g}\n", d.ids[i], score[i], fold[i], d.treated[i], d.y[i]);
      WriteFileAtomic(a->predictions, csv);
    }
    if (a->json) {
      PrintJson(out);
      return;
    }
    fmt::print("{} units ({} treated), {} features, {}-learner on {}, {} folds\n", d.n, nt, d.d, a->learn.learner,
               a->learn.base, a->learn.folds);
    fmt::print("qini {:.6f} (fold sd {:.6f})   auuc {:.6f} (random {:.6f})   ATE {:+.6f}\n", ev.qini, std::sqrt(var),
               ev.auuc, ev.auuc_random, ev.ate);
    for (const auto& [share, v] : ev.uplift_at) fmt::print("uplift@{:.0f}%: {:+.6f}\n", 100 * share, v);
    if (out.contains("pehe"))
      fmt::print("PEHE {:.6f}   oracle qini {:.6f}\n", out["pehe"].get<double>(), out["qini_oracle"].get<double>());
    fmt::print("\n{}\n", rec.text);
  });
}

ADPILOT_CLI_COMMAND(71, InstallUplift);

}  // namespace
}  // namespace adpilot::cli
