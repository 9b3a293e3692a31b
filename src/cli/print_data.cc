// Text output of `adpilot data stats|convert|cache|split` (the commands live in src/data).
#include <fmt/format.h>

#include "cli/cli.h"

namespace adpilot::cli {
namespace {

using nlohmann::json;

void PrintStats(const json& s, const json&) {
  fmt::print("file        {}\nformat      {}\nrows        {}\nbad rows    {}\nlabel rate  {:.6f}\n",
             s["file"].get<std::string>(), s["format"].get<std::string>(), s["rows"].get<uint64_t>(),
             s["bad_rows"].get<uint64_t>(), s["label_rate"].get<double>());
  for (const auto& e : s["bad_row_examples"]) fmt::print("  bad: {}\n", e.get<std::string>());
  fmt::print("\n{:<16} {:>12} {:>9} {:>14} {:>14}\n", "field", "distinct", "missing", "min", "max");
  for (const auto& f : s["fields"]) {
    double miss = f["missing_share"].get<double>();
    // Only numeric fields have a min and max.
    if (f.contains("min"))
      fmt::print("{:<16} {:>12} {:>8.1f}% {:>14.4g} {:>14.4g}\n", f["name"].get<std::string>(),
                 f["distinct"].get<uint64_t>(), 100 * miss, f["min"].get<double>(), f["max"].get<double>());
    else
      fmt::print("{:<16} {:>12} {:>8.1f}%\n", f["name"].get<std::string>(), f["distinct"].get<uint64_t>(), 100 * miss);
  }
}

void PrintConvert(const json& r, const json&) {
  fmt::print("wrote {} rows to {} ({}), {} bad rows skipped, {:.2f} s\n", r["rows"].get<uint64_t>(),
             r["out"].get<std::string>(), r["to"].get<std::string>(), r["bad_rows"].get<uint64_t>(),
             r["seconds"].get<double>());
}

void PrintCache(const json& r, const json&) {
  fmt::print("{} rows ({} features) {} {}\n", r["rows"].get<uint64_t>(), r["features"].get<uint64_t>(),
             r["from_cache"].get<bool>() ? "read from" : "cached in", r["cache"].get<std::string>());
}

void PrintSplit(const json& out, const json&) {
  fmt::print("{} lines: {} train, {} valid, {} test\n", out["lines"].get<uint64_t>(),
             out["train"]["lines"].get<uint64_t>(), out["valid"]["lines"].get<uint64_t>(),
             out["test"]["lines"].get<uint64_t>());
}

ADPILOT_CLI_PRINTER("data stats", PrintStats);
ADPILOT_CLI_PRINTER("data convert", PrintConvert);
ADPILOT_CLI_PRINTER("data cache", PrintCache);
ADPILOT_CLI_PRINTER("data split", PrintSplit);

}  // namespace
}  // namespace adpilot::cli
