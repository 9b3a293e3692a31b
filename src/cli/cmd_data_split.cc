// adpilot data split FILE --train 0.7 --valid 0.15 --out-prefix P: a time-ordered
// split of a line-oriented file into P.train, P.valid and P.test (line order kept,
// since ad logs are in time order and a random split would leak the future).
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/error.h"
#include "adpilot/input.h"
#include "adpilot/line_source.h"
#include "cli/cli.h"

namespace adpilot::cli {
namespace {

void InstallSplit(CLI::App& app, Globals&) {
  auto* data = app.get_subcommand("data");
  struct Args {
    std::string file, prefix, ext;
    double train = 0.7, valid = 0.15;
    bool header = false, json = false;
  };
  auto a = std::make_shared<Args>();
  auto* split = data->add_subcommand("split", "time-ordered train/valid/test split of a line-oriented file");
  split->add_option("file", a->file, "input file (plain or .gz)")->required();
  split->add_option("--train", a->train, "share of lines for training")->check(CLI::Range(0.0, 1.0));
  split->add_option("--valid", a->valid, "share of lines for validation (the rest is test)")->check(CLI::Range(0.0, 1.0));
  split->add_option("--out-prefix", a->prefix, "writes PREFIX.train, PREFIX.valid, PREFIX.test")->required();
  split->add_option("--ext", a->ext, "extension appended to each part, e.g. .tsv");
  split->add_flag("--header", a->header, "the first line is a header: copy it to every part");
  split->add_flag("--json", a->json, "print one JSON object on stdout");
  split->callback([a] {
    if (a->train + a->valid > 1.0 + 1e-12)
      Throw(ErrorCode::kInvalidArgument, "--train + --valid must be <= 1, got {}", a->train + a->valid);
    // Two passes (count, then copy): a pipe or stdin is kept whole as it is read.
    KeepWholeInput(a->file);
    uint64_t lines = 0;
    {
      LineSource src(a->file);
      while (src.Next() != LineSource::Status::kEnd) ++lines;
    }
    uint64_t body = lines - (a->header && lines ? 1 : 0);
    uint64_t n_train = uint64_t(double(body) * a->train);
    uint64_t n_valid = uint64_t(double(body) * a->valid);
    uint64_t bounds[3] = {n_train, n_train + n_valid, body};
    const char* names[3] = {"train", "valid", "test"};
    LineSource src(a->file);
    std::string header;
    if (a->header && src.Next() == LineSource::Status::kLine) header = std::string(src.line());
    nlohmann::json out{{"file", a->file}, {"lines", body}};
    uint64_t i = 0;
    for (int part = 0; part < 3; ++part) {
      std::string path = fmt::format("{}.{}{}", a->prefix, names[part], a->ext);
      AtomicFileWriter w(path);
      if (!header.empty()) w.Write(header + "\n");
      uint64_t written = 0;
      while (i < bounds[part]) {
        auto st = src.Next();
        if (st == LineSource::Status::kEnd) break;
        if (st == LineSource::Status::kLine) {
          w.Write(src.line());
          w.Write("\n", 1);
        }
        ++i;
        ++written;
      }
      w.Commit();
      out[names[part]] = {{"path", path}, {"lines", written}};
    }
    if (a->json) PrintJson(out);
    else fmt::print("{} lines: {} train, {} valid, {} test\n", body, out["train"]["lines"].get<uint64_t>(),
                    out["valid"]["lines"].get<uint64_t>(), out["test"]["lines"].get<uint64_t>());
  });
}

// After the `data` group (order 10) exists.
ADPILOT_CLI_COMMAND(11, InstallSplit);

}  // namespace
}  // namespace adpilot::cli
