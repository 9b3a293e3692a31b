// The evaluate stage's `attribute` command: multi-touch attribution of
// journeys, optionally scored against a generated world's truth.json. Its
// options are declared here once; the CLI and `adpilot run` bind from them.
#include <cmath>

#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/attribution.h"
#include "adpilot/command.h"
#include "adpilot/error.h"

namespace adpilot {
namespace {

// truth.json journeys.<key>: an object keyed by channel or an array in truth.channels order.
std::vector<double> TruthPerChannel(const nlohmann::json& truth, const std::string& key, const Journeys& j,
                                    const std::string& path) {
  const auto* jn = truth.contains("journeys") ? &truth["journeys"] : nullptr;
  if (!jn || !jn->contains(key)) Throw(ErrorCode::kBadInput, "--truth {}: no journeys.{} in the file", path, key);
  const auto& v = (*jn)[key];
  std::vector<double> out(j.channels.size(), 0.0);
  for (size_t c = 0; c < j.channels.size(); ++c) {
    if (v.is_object()) {
      if (v.contains(j.channels[c])) out[c] = v[j.channels[c]].get<double>();
    } else if (v.is_array() && truth.contains("channels")) {
      const auto& names = truth["channels"];
      for (size_t i = 0; i < names.size() && i < v.size(); ++i)
        if (names[i].get<std::string>() == j.channels[c]) out[c] = v[i].get<double>();
    }
  }
  return out;
}

nlohmann::json ByChannel(const Journeys& j, const std::vector<double>& v) {
  nlohmann::json o = nlohmann::json::object();
  for (size_t c = 0; c < v.size(); ++c) o[j.channels[c]] = v[c];
  return o;
}

// Mean absolute error in conversions and total-variation distance of the shares.
nlohmann::json Errors(const std::vector<double>& a, const std::vector<double>& t) {
  double mae = 0, sa = 0, st = 0, tv = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    mae += std::fabs(a[i] - t[i]);
    sa += a[i];
    st += t[i];
  }
  for (size_t i = 0; i < a.size(); ++i)
    if (sa > 0 && st > 0) tv += 0.5 * std::fabs(a[i] / sa - t[i] / st);
  return {{"mae", mae / double(a.size())}, {"share_error", tv}};
}

class AttributeCommand : public Command {
 public:
  std::vector<std::string> Examples() const override { return {"attribute --journeys world/journeys.csv --model all"}; }
  void Describe(OptionSet& s) override {
    s.Add("journeys", &journeys_, "journeys CSV, one row per touch (docs/attribution.md)").Required();
    s.Add("model", &model_, "attribution model: " + AttributionRegistry::Get().NamesJoined() + ", or 'all'");
    s.Add("journey_col", &cols_.journey, "journey id column");
    s.Add("channel_col", &cols_.channel, "channel column");
    s.Add("converted_col", &cols_.converted, "journey outcome column (0/1 on every row)");
    s.Add("time_col", &cols_.time, "touch time column, Unix seconds (optional)");
    s.Add("order_col", &cols_.order, "touch order column (optional)");
    s.Add("half_life", &opts_.half_life, "decay: half-life in days (touches without a time column); > 0").Min(0);
    s.Add("truth", &truth_, "truth.json of a generated world: report each model's error");
  }

  nlohmann::json Run(const Context& ctx) override {
    Journeys j = ReadJourneys(journeys_, cols_);
    std::vector<std::string> models;
    if (model_ == "all") models = AttributionRegistry::Get().Names();
    else models.push_back(model_);
    nlohmann::json truth;
    std::vector<double> incr, shap;
    if (!truth_.empty()) {
      try {
        truth = nlohmann::json::parse(ReadFile(truth_));
      } catch (const nlohmann::json::exception& e) {
        Throw(ErrorCode::kBadInput, "--truth {}: not valid JSON ({})", truth_, e.what());
      }
      incr = TruthPerChannel(truth, "incremental_conversions", j, truth_);
      if (truth["journeys"].contains("shapley_conversions"))
        shap = TruthPerChannel(truth, "shapley_conversions", j, truth_);
    }
    size_t touches = 0;
    for (const auto& jr : j.items) touches += jr.touches.size();
    nlohmann::json out{{"journeys", j.items.size()}, {"touches", touches}, {"conversions", j.total_conversions()}};
    nlohmann::json per_model = nlohmann::json::object();
    for (const auto& m : models) {
      std::vector<double> result = Attribute(j, m, opts_, ctx);
      nlohmann::json e{{"channels", ByChannel(j, result)}};
      if (!incr.empty()) e["error_vs_incremental"] = Errors(result, incr);
      if (!shap.empty()) e["error_vs_shapley_truth"] = Errors(result, shap);
      per_model[m] = e;
    }
    if (models.size() == 1) {
      out["model"] = models[0];
      for (auto& [k, v] : per_model[models[0]].items()) out[k] = v;
    } else {
      out["models"] = per_model;
    }
    if (!incr.empty()) out["truth_incremental"] = ByChannel(j, incr);
    if (!shap.empty()) out["truth_shapley"] = ByChannel(j, shap);
    return out;
  }

 private:
  std::string journeys_, model_ = "markov", truth_;
  JourneyColumns cols_;
  AttributionOptions opts_;
};

ADPILOT_COMMAND("attribute", "evaluate", "credit conversions to channels from user journeys", AttributeCommand);

}  // namespace
}  // namespace adpilot
