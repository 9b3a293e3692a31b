// adpilot data stats|convert
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/data_stats.h"
#include "adpilot/error.h"
#include "adpilot/reader.h"
#include "cli/cli.h"

namespace adpilot::cli {
namespace {

void InstallData(CLI::App& app, Globals& g) {
  auto* data = app.add_subcommand("data", "inspect and convert ad-log files");
  data->require_subcommand(1);

  struct StatsArgs {
    std::string file, format = "criteo", schema, on_error = "skip";
    bool json = false;
  };
  auto a = std::make_shared<StatsArgs>();
  auto* stats = data->add_subcommand("stats", "rows, bad rows, label rate, per-field cardinality and missing share");
  stats->add_option("file", a->file, "input file (plain or .gz)")->required();
  stats->add_option("--format", a->format, "input format: " + ReaderRegistry::Get().NamesJoined());
  stats->add_option("--schema", a->schema, "TOML schema for --format csv");
  stats->add_option("--on-error", a->on_error, "bad rows: skip (count and report) or fail (exit 2)");
  stats->add_flag("--json", a->json, "print one JSON object on stdout");
  stats->callback([a, &g] {
    Context ctx = MakeContext(g);
    ReaderOptions ro;
    ro.format = a->format;
    ro.schema_path = a->schema;
    ro.on_error = ParseOnError(a->on_error);
    DataStats s = ComputeStats(a->file, ro, ctx);
    if (s.bad_rows) ctx.log().warn("{} bad rows in {} (first: {})", s.bad_rows, s.file,
                                   s.bad_examples.empty() ? "" : s.bad_examples.front());
    if (a->json) {
      PrintJson(nlohmann::json(s));
      return;
    }
    fmt::print("file        {}\nformat      {}\nrows        {}\nbad rows    {}\nlabel rate  {:.6f}\n",
               s.file, s.format, s.rows, s.bad_rows, s.label_rate());
    for (const auto& e : s.bad_examples) fmt::print("  bad: {}\n", e);
    fmt::print("\n{:<16} {:>12} {:>9} {:>14} {:>14}\n", "field", "distinct", "missing", "min", "max");
    for (const auto& f : s.fields) {
      double miss = s.rows ? double(f.missing) / double(s.rows) : 0;
      if (f.numeric)
        fmt::print("{:<16} {:>12} {:>8.1f}% {:>14.4g} {:>14.4g}\n", f.name, f.distinct, 100 * miss, f.min, f.max);
      else
        fmt::print("{:<16} {:>12} {:>8.1f}%\n", f.name, f.distinct, 100 * miss);
    }
  });
}

ADPILOT_CLI_COMMAND(10, InstallData);

}  // namespace
}  // namespace adpilot::cli
