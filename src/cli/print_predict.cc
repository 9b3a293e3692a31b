// Text output of `adpilot train|predict|eval|explain` (the commands live in src/predict).
#include <cmath>

#include <fmt/format.h>

#include "cli/cli.h"

namespace adpilot::cli {
namespace {

using nlohmann::json;

void PrintTrain(const json& r, const json&) {
  fmt::print("model        {}\ntrain rows   {}\nepochs       {} (best {})\n", r["model"].get<std::string>(),
             r["train_rows"].get<uint64_t>(), r["epochs_run"].get<int>(), r["best_epoch"].get<int>());
  // valid_auc is null exactly when no --valid was given.
  if (!r["valid_auc"].is_null())
    fmt::print("valid auc    {:.5f}\nvalid logloss {:.5f}\n", Num(r, "valid_auc"), Num(r, "valid_logloss"));
  fmt::print("seconds      {:.2f}\n", Num(r, "seconds"));
  const std::string& out = r["out"].get_ref<const std::string&>();
  if (!out.empty()) fmt::print("wrote        {}\n", out);
}

// predict writes its file and logs a line on stderr; nothing on stdout.
void PrintPredict(const json&, const json&) {}

void PrintEval(const json& r, const json&) {
  // The JSON keeps non-finite metrics as null; the text prints them as nan.
  fmt::print(
      "model        {}\nrows         {}\nauc          {:.5f}\nlogloss      {:.5f}\nne           {:.5f}\n"
      "calibration  {:.4f}\nrows/s       {:.0f}\n",
      r["model"].get<std::string>(), r["rows"].get<uint64_t>(), Num(r, "auc"), Num(r, "logloss"), Num(r, "ne"),
      Num(r, "calibration"), Num(r, "rows_per_s"));
}

void PrintExplain(const json& r, const json& opts) {
  const size_t top = opts["top"].get<size_t>();
  for (const auto& row : r["rows"]) {
    // The label is a float in the model; printed as one.
    fmt::print("row {}  label {}  p {:.5f}  margin {:+.4f} = bias {:+.4f}", row["row"].get<uint64_t>(),
               row["label"].get<float>(), Num(row, "probability"), Num(row, "margin"), Num(row, "bias"));
    const json& fields = row["fields"];
    for (size_t k = 0; k < fields.size() && k < top; ++k)
      fmt::print(" {}{:+.4f}", fields[k]["field"].get<std::string>() + " ", Num(fields[k], "contribution"));
    fmt::print("{}\n", fields.size() > top ? " ..." : "");
  }
}

ADPILOT_CLI_PRINTER("train", PrintTrain);
ADPILOT_CLI_PRINTER("predict", PrintPredict);
ADPILOT_CLI_PRINTER("eval", PrintEval);
ADPILOT_CLI_PRINTER("explain", PrintExplain);

}  // namespace
}  // namespace adpilot::cli
