// adpilot predict | eval | explain: score a data file with a model file.
#include <chrono>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/metrics.h"
#include "adpilot/model.h"
#include "adpilot/reader.h"
#include "cli/cli.h"

namespace adpilot::cli {
namespace {

struct ScoreArgs {
  std::string model, data, format, out, schema, on_error = "skip", header = "auto";
  bool json = false;
  int rows = 5, top = 10;
};

// The model with the reader options the user overrode.
std::unique_ptr<Model> Open(const ScoreArgs& a, ReaderOptions& ro) {
  auto m = LoadModel(a.model);
  ro = m->reader_options();
  if (!a.format.empty()) ro.format = a.format;
  ro.schema_path = a.schema;
  ro.on_error = ParseOnError(a.on_error);
  ro.header = a.header;
  return m;
}

// Scores the file in input order (parallel over the model's batch path).
std::vector<float> Score(const Model& m, const ReaderOptions& ro, const std::string& path,
                         const Context& ctx, std::vector<float>* labels) {
  auto src = OpenExampleSource(path, ro, m.shared_hasher(), m.label(), ctx);
  std::vector<float> out;
  std::vector<Example> batch;
  while (size_t n = src->Next(batch, 65536)) {
    size_t base = out.size();
    out.resize(base + n);
    m.PredictBatch(std::span<const Example>(batch.data(), n), std::span<float>(out.data() + base, n), ctx);
    if (labels)
      for (size_t i = 0; i < n; ++i) labels->push_back(batch[i].label);
  }
  return out;
}

void AddCommon(CLI::App* c, ScoreArgs& a) {
  c->add_option("--model", a.model, "model file")->required()->check(CLI::ExistingFile);
  c->add_option("--data", a.data, "data file (plain or .gz)")->required()->check(CLI::ExistingFile);
  c->add_option("--format", a.format, "input format (default: the one the model was trained on)");
  c->add_option("--schema", a.schema, "TOML schema for --format csv");
  c->add_option("--on-error", a.on_error, "bad rows: skip (count and report) or fail (exit 2)");
  c->add_option("--header", a.header, "CSV header line: auto, yes, no");
}

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

nlohmann::json Num(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr); }

void InstallPredict(CLI::App& app, Globals& g) {
  auto a = std::make_shared<ScoreArgs>();
  auto* p = app.add_subcommand("predict", "write one probability per input row, in input order");
  AddCommon(p, *a);
  p->add_option("--out", a->out, "predictions file (one probability per line)")->required();
  p->add_flag("--json", a->json, "print a JSON summary on stdout");
  p->callback([a, &g] {
    Context ctx = MakeContext(g);
    ReaderOptions ro;
    auto m = Open(*a, ro);
    auto t0 = std::chrono::steady_clock::now();
    auto pred = Score(*m, ro, a->data, ctx, nullptr);
    AtomicFileWriter w(a->out);
    fmt::memory_buffer buf;
    for (float x : pred) {
      fmt::format_to(std::back_inserter(buf), "{:.7g}\n", x);
      if (buf.size() > (1 << 20)) {
        w.Write(buf.data(), buf.size());
        buf.clear();
      }
    }
    w.Write(buf.data(), buf.size());
    w.Commit();
    double s = Seconds(t0);
    if (a->json) PrintJson({{"rows", pred.size()}, {"out", a->out}, {"seconds", s},
                            {"rows_per_s", s > 0 ? pred.size() / s : 0.0}});
    else ctx.log().info("wrote {} predictions to {} ({:.2f}s)", pred.size(), a->out, s);
  });

  auto e = std::make_shared<ScoreArgs>();
  auto* ev = app.add_subcommand("eval", "AUC, logloss, normalised entropy and calibration of a model on a file");
  AddCommon(ev, *e);
  ev->add_flag("--json", e->json, "print one JSON object on stdout");
  ev->callback([e, &g] {
    Context ctx = MakeContext(g);
    ReaderOptions ro;
    auto m = Open(*e, ro);
    auto t0 = std::chrono::steady_clock::now();
    std::vector<float> y;
    auto p = Score(*m, ro, e->data, ctx, &y);
    double s = Seconds(t0);
    if (p.empty()) Throw(ErrorCode::kBadInput, "{}: no rows to evaluate", e->data);
    nlohmann::json j;
    j["model"] = m->name();
    j["target"] = m->label().target;
    j["rows"] = p.size();
    j["auc"] = Num(Auc(p, y));
    j["logloss"] = Num(LogLoss(p, y));
    j["ne"] = Num(NormalizedEntropy(p, y));
    j["calibration"] = Num(CalibrationRatio(p, y));
    double lr = 0;
    for (float v : y) lr += v;
    j["label_rate"] = lr / double(y.size());
    double mp = 0;
    for (float v : p) mp += v;
    j["mean_prediction"] = mp / double(p.size());
    nlohmann::json bins = nlohmann::json::array();
    for (const auto& b : ReliabilityBins(p, y, 10))
      bins.push_back({{"lo", b.lo}, {"hi", b.hi}, {"rows", b.weight}, {"mean_pred", b.mean_pred},
                      {"mean_label", b.mean_label}});
    j["reliability"] = bins;
    nlohmann::json roc = nlohmann::json::array();
    for (const auto& pt : RocCurve(p, y, 101)) roc.push_back({{"fpr", pt.fpr}, {"tpr", pt.tpr}});
    j["roc"] = roc;
    j["seconds"] = s;
    j["rows_per_s"] = s > 0 ? double(p.size()) / s : 0.0;
    if (e->json) {
      PrintJson(j);
      return;
    }
    fmt::print("model        {}\nrows         {}\nauc          {:.5f}\nlogloss      {:.5f}\nne           {:.5f}\n"
               "calibration  {:.4f}\nrows/s       {:.0f}\n",
               m->name(), p.size(), Auc(p, y), LogLoss(p, y), NormalizedEntropy(p, y), CalibrationRatio(p, y),
               j["rows_per_s"].get<double>());
  });

  auto x = std::make_shared<ScoreArgs>();
  auto* ex = app.add_subcommand("explain", "per-field contributions to the first rows' predictions");
  AddCommon(ex, *x);
  ex->add_option("--rows", x->rows, "rows to explain")->check(CLI::Range(1, 1000000));
  ex->add_option("--top", x->top, "fields shown per row (text output)")->check(CLI::Range(1, 100000));
  ex->add_flag("--json", x->json, "print one JSON object on stdout");
  ex->callback([x, &g] {
    Context ctx = MakeContext(g);
    ReaderOptions ro;
    auto m = Open(*x, ro);
    auto rows = LoadExamples(x->data, ro, m->hasher(), m->label(), ctx, uint64_t(x->rows));
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < rows.size(); ++i) {
      Explanation e = m->Explain(rows[i]);
      nlohmann::json r;
      r["row"] = i + 1;
      r["label"] = rows[i].label;
      r["probability"] = e.probability;
      r["margin"] = e.margin;
      r["bias"] = e.bias;
      nlohmann::json f = nlohmann::json::array();
      for (const auto& c : e.fields) f.push_back({{"field", c.name}, {"contribution", c.value}});
      r["fields"] = f;
      out.push_back(r);
      if (!x->json) {
        fmt::print("row {}  label {}  p {:.5f}  margin {:+.4f} = bias {:+.4f}", i + 1, rows[i].label,
                   e.probability, e.margin, e.bias);
        for (size_t k = 0; k < e.fields.size() && k < size_t(x->top); ++k)
          fmt::print(" {}{:+.4f}", e.fields[k].name + " ", e.fields[k].value);
        fmt::print("{}\n", e.fields.size() > size_t(x->top) ? " ..." : "");
      }
    }
    if (x->json) PrintJson({{"model", m->name()}, {"rows", out}});
  });
}

ADPILOT_CLI_COMMAND(31, InstallPredict);

}  // namespace
}  // namespace adpilot::cli
