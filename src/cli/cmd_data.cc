// adpilot data stats|convert|cache
#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/cache.h"
#include "adpilot/data_stats.h"
#include "adpilot/error.h"
#include "adpilot/features.h"
#include "adpilot/input.h"
#include "adpilot/reader.h"
#include "adpilot/writer.h"
#include "cli/cli.h"

namespace adpilot::cli {
namespace {

// Reader flags shared by every data command.
struct ReaderArgs {
  std::string file, format = "auto", schema, on_error = "skip", header = "auto", key;
  bool json = false;

  void Add(CLI::App* cmd) {
    cmd->add_option("file", file, "input file (plain or .gz; '-' = stdin, pipes read once)")->required();
    cmd->add_option("--format", format, "input format: auto, " + ReaderRegistry::Get().NamesJoined());
    cmd->add_option("--schema", schema, "TOML schema for --format csv (docs/data.md)");
    cmd->add_option("--on-error", on_error, "bad rows: skip (count and report) or fail (exit 2)");
    cmd->add_option("--header", header, "avazu/csv header line: auto, yes or no");
    cmd->add_option("--pseudonymize-key", key,
                    "replace user ids by a keyed hash (default: $ADPILOT_PSEUDONYMIZE_KEY)");
    cmd->add_flag("--json", json, "print one JSON object on stdout");
  }

  ReaderOptions Options() const {
    ReaderOptions ro;
    ro.format = format;
    if (format == "auto") {
      ro.format = GuessFormat(file);
      if (ro.format.empty())
        Throw(ErrorCode::kInvalidArgument, "{}: cannot guess the format; pass --format ({})", file,
              ReaderRegistry::Get().NamesJoined());
    }
    ro.schema_path = schema;
    ro.on_error = ParseOnError(on_error);
    if (header != "auto" && header != "yes" && header != "no")
      Throw(ErrorCode::kInvalidArgument, "--header must be auto, yes or no, got '{}'", header);
    ro.header = header;
    ro.pseudonymize_key = key;
    if (key.empty())
      if (const char* env = std::getenv("ADPILOT_PSEUDONYMIZE_KEY")) ro.pseudonymize_key = env;
    return ro;
  }
};

void PrintStats(const DataStats& s) {
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
}

void InstallStats(CLI::App* data, Globals& g) {
  auto a = std::make_shared<ReaderArgs>();
  auto* cmd = data->add_subcommand("stats", "rows, bad rows, label rate, per-field cardinality and missing share");
  a->Add(cmd);
  cmd->callback([a, &g] {
    Context ctx = MakeContext(g);
    ReaderOptions ro = a->Options();
    DataStats s = ComputeStats(a->file, ro, ctx);
    for (const auto& line : SpoolReport()) ctx.log().info("{}", line);
    if (s.bad_rows)
      ctx.log().warn("{} bad rows in {} (first: {})", s.bad_rows, s.file,
                     s.bad_examples.empty() ? "" : s.bad_examples.front());
    if (a->json) PrintJson(nlohmann::json(s));
    else PrintStats(s);
  });
}

struct FeatureArgs {
  FeatureConfig config;
  OptionSet set{"features"};
  std::unique_ptr<BoundOptions> bound;
  void Add(CLI::App* cmd) {
    config.Describe(set);
    bound = std::make_unique<BoundOptions>(cmd, set);
  }
};

void InstallConvert(CLI::App* data, Globals& g) {
  auto a = std::make_shared<ReaderArgs>();
  auto f = std::make_shared<FeatureArgs>();
  auto to = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto* cmd = data->add_subcommand("convert", "convert to libffm|libsvm|vw (hashed) or criteo (raw)");
  a->Add(cmd);
  cmd->add_option("--to", *to, "output format: " + WriterRegistry::Get().NamesJoined())->required();
  cmd->add_option("--out", *out, "output file (written atomically)")->required();
  f->Add(cmd);
  cmd->callback([a, f, to, out, &g] {
    f->bound->Resolve();
    Context ctx = MakeContext(g);
    ReaderOptions ro = a->Options();
    ConvertResult r = ConvertFile(a->file, ro, f->config, *out, *to, ctx);
    for (const auto& line : SpoolReport()) ctx.log().info("{}", line);
    if (a->json) {
      PrintJson({{"file", a->file}, {"format", ro.format}, {"to", *to}, {"out", *out}, {"rows", r.rows},
                 {"bad_rows", r.bad_rows}, {"seconds", r.seconds}});
    } else {
      fmt::print("wrote {} rows to {} ({}), {} bad rows skipped, {:.2f} s\n", r.rows, *out, *to, r.bad_rows,
                 r.seconds);
    }
  });
}

void InstallCache(CLI::App* data, Globals& g) {
  auto a = std::make_shared<ReaderArgs>();
  auto f = std::make_shared<FeatureArgs>();
  auto dir = std::make_shared<std::string>(".adpilot-cache");
  auto* cmd = data->add_subcommand("cache", "build (or validate) the binary cache of the hashed dataset");
  a->Add(cmd);
  cmd->add_option("--cache-dir", *dir, "cache directory");
  f->Add(cmd);
  cmd->callback([a, f, dir, &g] {
    f->bound->Resolve();
    Context ctx = MakeContext(g);
    ReaderOptions ro = a->Options();
    auto ds = OpenHashedDataset(a->file, ro, f->config, ctx, *dir);
    bool hit = ds->from_cache();
    Example ex;
    uint64_t n = 0, nnz = 0;
    while (ds->Next(ex)) {
      ++n;
      nnz += ex.features.size();
    }
    nlohmann::json j = {{"file", a->file},         {"format", ro.format},   {"cache", ds->cache_path()},
                        {"from_cache", hit},       {"rows", n},             {"bad_rows", ds->bad_rows()},
                        {"features", nnz},         {"fields", ds->hasher().num_fields()}};
    if (a->json) PrintJson(j);
    else fmt::print("{} rows ({} features) {} {}\n", n, nnz, hit ? "read from" : "cached in", ds->cache_path());
  });
}

void InstallData(CLI::App& app, Globals& g) {
  auto* data = app.add_subcommand("data", "inspect, convert and cache ad-log files");
  data->require_subcommand(1);
  InstallStats(data, g);
  InstallConvert(data, g);
  InstallCache(data, g);
}

ADPILOT_CLI_COMMAND(10, InstallData);

}  // namespace
}  // namespace adpilot::cli
