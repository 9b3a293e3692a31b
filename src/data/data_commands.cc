// The data stage's commands: data stats, convert, cache and split. Their
// options are declared here once; the CLI and `adpilot run` bind from them.
#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/bad_rows.h"
#include "adpilot/cache.h"
#include "adpilot/command.h"
#include "adpilot/context.h"
#include "adpilot/data_stats.h"
#include "adpilot/error.h"
#include "adpilot/features.h"
#include "adpilot/input.h"
#include "adpilot/line_source.h"
#include "adpilot/reader.h"
#include "adpilot/writer.h"

namespace adpilot {
namespace {

// The input file and reader options shared by every data command but split.
class ReaderCommand : public Command {
 public:
  void Describe(OptionSet& s) override {
    s.Add("input", &input_, "input file (plain or .gz; '-' = stdin, pipes read once)").Required().Positional();
    s.Add("format", &format_, "input format: auto, " + ReaderRegistry::Get().NamesJoined());
    s.Add("schema", &schema_, "TOML schema for --format csv (docs/data.md)");
    s.Add("on_error", &on_error_, "bad rows: skip (count and report) or fail (exit 2)").Choices({"skip", "fail"});
    s.Add("header", &header_, "avazu/csv header line: auto, yes or no").Choices({"auto", "yes", "no"});
    privacy_.Describe(s);
  }

 protected:
  ReaderOptions Options() const {
    ReaderOptions ro;
    ro.format = format_;
    if (format_ == "auto") {
      ro.format = GuessFormat(input_);
      if (ro.format.empty())
        Throw(ErrorCode::kInvalidArgument, "{}: cannot guess the format; pass --format ({})", input_,
              ReaderRegistry::Get().NamesJoined());
    }
    ro.schema_path = schema_;
    ro.on_error = ParseOnError(on_error_);
    ro.header = header_;
    privacy_.Apply(ro);
    return ro;
  }

  std::string input_, format_ = "auto", schema_, on_error_ = "skip", header_ = "auto";
  PrivacyOptions privacy_;
};

// A reader command that hashes: feature options as flags, or in the [features]
// table of --config (flags and top-level keys win over the table).
class HashingCommand : public ReaderCommand {
 protected:
  FeatureConfig Features() const {
    FeatureConfig f = features_;
    if (config_path().empty()) return f;
    OptionSet table("features");
    f.Describe(table);
    table.LoadTomlFile(config_path());
    FeatureConfig given_values = features_;
    OptionSet mine;
    given_values.Describe(mine);
    nlohmann::json keep = mine.ToJson();
    for (const auto& e : mine.entries())
      if (!given(e.key)) keep.erase(e.key);
    table.FromJson(keep, "options");
    return f;
  }

  FeatureConfig features_;
};

class StatsCommand : public ReaderCommand {
 public:
  std::vector<std::string> Examples() const override {
    return {"data stats world/auctions.tsv --format criteo", "data stats train.csv.gz --format avazu --json"};
  }
  nlohmann::json Run(const Context& ctx) override {
    DataStats s = ComputeStats(input_, Options(), ctx);
    for (const auto& line : SpoolReport()) ctx.log().info("{}", line);
    if (s.bad_rows)
      ctx.log().warn("{} bad rows in {} (first: {})", s.bad_rows, s.file,
                     s.bad_examples.empty() ? "" : s.bad_examples.front());
    return s;
  }
};

class ConvertCommand : public HashingCommand {
 public:
  std::vector<std::string> Examples() const override {
    return {"data convert world/auctions.tsv --format criteo --to libffm --bits 18 --out auctions.ffm"};
  }
  void Describe(OptionSet& s) override {
    ReaderCommand::Describe(s);
    s.Add("to", &to_, "output format: " + WriterRegistry::Get().NamesJoined()).Required();
    s.Add("out", &out_, "output file (written atomically)").Required().Output();
    features_.Describe(s);
  }

  nlohmann::json Run(const Context& ctx) override {
    FeatureConfig features = Features();
    ReaderOptions ro = Options();
    ConvertResult r = ConvertFile(input_, ro, features, out_, to_, ctx);
    for (const auto& line : SpoolReport()) ctx.log().info("{}", line);
    return {{"file", input_}, {"format", ro.format},    {"to", to_},           {"out", out_},
            {"rows", r.rows}, {"bad_rows", r.bad_rows}, {"seconds", r.seconds}};
  }

 private:
  std::string to_, out_;
};

class CacheCommand : public HashingCommand {
 public:
  std::vector<std::string> Examples() const override {
    return {"data cache world/auctions.tsv --format criteo --bits 18 --cache-dir cache"};
  }
  void Describe(OptionSet& s) override {
    ReaderCommand::Describe(s);
    s.Add("cache_dir", &dir_, "cache directory").OutputDir();
    features_.Describe(s);
  }

  nlohmann::json Run(const Context& ctx) override {
    FeatureConfig features = Features();
    ReaderOptions ro = Options();
    auto ds = OpenHashedDataset(input_, ro, features, ctx, dir_);
    bool hit = ds->from_cache();
    Example ex;
    uint64_t n = 0, nnz = 0;
    while (ds->Next(ex)) {
      ++n;
      nnz += ex.features.size();
    }
    return {{"file", input_},
            {"format", ro.format},
            {"cache", ds->cache_path()},
            {"from_cache", hit},
            {"rows", n},
            {"bad_rows", ds->bad_rows()},
            {"features", nnz},
            {"fields", ds->hasher().num_fields()}};
  }

 private:
  std::string dir_ = ".adpilot-cache";
};

// A time-ordered split of a line-oriented file into PREFIX.train, .valid and
// .test (line order kept: ad logs are in time order and a random split would
// leak the future).
class SplitCommand : public Command {
 public:
  std::vector<std::string> Examples() const override {
    return {"data split world/auctions.tsv --train 0.7 --valid 0.15 --out-prefix auctions --ext .tsv"};
  }
  void Describe(OptionSet& s) override {
    s.Add("input", &input_, "input file (plain or .gz)").Required().Positional();
    s.Add("train", &train_, "share of lines for training").Range(0.0, 1.0);
    s.Add("valid", &valid_, "share of lines for validation (the rest is test)").Range(0.0, 1.0);
    s.Add("out_prefix", &prefix_, "writes PREFIX.train, PREFIX.valid, PREFIX.test").Required().Output();
    s.Add("ext", &ext_, "extension appended to each part, e.g. .tsv");
    s.Add("header", &header_, "the first line is a header: copy it to every part");
  }

  nlohmann::json Run(const Context&) override {
    if (train_ + valid_ > 1.0 + 1e-12)
      Throw(ErrorCode::kInvalidArgument, "--train + --valid must be <= 1, got {}", train_ + valid_);
    // Two passes (count, then copy): a pipe or stdin is kept whole as it is read.
    KeepWholeInput(input_);
    uint64_t lines = 0;
    {
      LineSource src(input_);
      while (src.Next() != LineSource::Status::kEnd) ++lines;
    }
    uint64_t body = lines - (header_ && lines ? 1 : 0);
    uint64_t n_train = uint64_t(double(body) * train_);
    uint64_t n_valid = uint64_t(double(body) * valid_);
    uint64_t bounds[3] = {n_train, n_train + n_valid, body};
    const char* names[3] = {"train", "valid", "test"};
    LineSource src(input_);
    std::string header;
    if (header_ && src.Next() == LineSource::Status::kLine) header = std::string(src.line());
    nlohmann::json out{{"file", input_}, {"lines", body}};
    uint64_t i = 0;
    for (int part = 0; part < 3; ++part) {
      std::string path = fmt::format("{}.{}{}", prefix_, names[part], ext_);
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
    return out;
  }

 private:
  std::string input_, prefix_, ext_;
  double train_ = 0.7, valid_ = 0.15;
  bool header_ = false;
};

ADPILOT_COMMAND_GROUP("data", "inspect, convert and cache ad-log files");
ADPILOT_COMMAND("data stats", "data", "rows, bad rows, label rate, per-field cardinality and missing share",
                StatsCommand);
ADPILOT_COMMAND("data convert", "data", "convert to libffm|libsvm|vw (hashed) or criteo (raw)", ConvertCommand);
ADPILOT_COMMAND("data cache", "data", "build (or validate) the binary cache of the hashed dataset", CacheCommand);
ADPILOT_COMMAND("data split", "data", "time-ordered train/valid/test split of a line-oriented file", SplitCommand);

}  // namespace
}  // namespace adpilot
