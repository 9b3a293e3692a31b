// A data set given as several files (adpilot/input.h InputFiles): the files'
// records one after another, each file read by the reader of the format. A
// shard (data-parallel training, one per rank) is a share of whole files when
// there are at least as many files as shards, which also splits gzip parts,
// and otherwise the same byte shard of every file.
#include <algorithm>
#include <filesystem>
#include <numeric>

#include <fmt/format.h>

#include "adpilot/error.h"
#include "adpilot/input.h"
#include "adpilot/reader.h"

namespace adpilot {
namespace {

namespace fs = std::filesystem;

uint64_t SizeOf(const std::string& path) {
  std::error_code ec;
  uint64_t n = fs::file_size(path, ec);
  return ec ? 0 : n;
}

// Shard `shard` of `shards`'s files: the largest file first to the rank with
// the fewest bytes so far (then the fewest files, then the lower rank), kept
// in list order.
std::vector<std::string> FilesOfShard(const std::vector<std::string>& files, int shard, int shards) {
  std::vector<size_t> order(files.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::vector<uint64_t> size(files.size());
  for (size_t i = 0; i < files.size(); ++i) size[i] = SizeOf(files[i]);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return size[a] > size[b]; });
  // Fewest bytes, then fewest files: empty files still go round, so every
  // shard gets a file when there are enough.
  std::vector<std::pair<uint64_t, size_t>> load(size_t(shards), {0, 0});
  std::vector<int> owner(files.size());
  for (size_t i : order) {
    int r = int(std::min_element(load.begin(), load.end()) - load.begin());
    owner[i] = r;
    load[size_t(r)].first += size[i];
    load[size_t(r)].second += 1;
  }
  std::vector<std::string> mine;
  for (size_t i = 0; i < files.size(); ++i)
    if (owner[i] == shard) mine.push_back(files[i]);
  return mine;
}

class ConcatReader : public RecordReader {
 public:
  ConcatReader(const std::string& spec, std::vector<std::string> files, const ReaderOptions& opts)
      : opts_(opts), bad_(spec, opts.on_error, opts.max_reported), merged_(bad_) {
    if (opts.shards > 1 && files.size() >= size_t(opts.shards)) {
      files_ = FilesOfShard(files, opts.shard, opts.shards);
      opts_.shard = 0, opts_.shards = 1;
    } else {
      files_ = std::move(files);
    }
    for (const auto& f : files_) total_ += SizeOf(f) / uint64_t(opts_.shards);
    if (files_.empty()) Throw(ErrorCode::kInternal, "{}: shard {} of {} got no file", spec, opts.shard, opts.shards);
    cur_ = OpenReader(files_[0], opts_);
    schema_ = cur_->schema();
  }

  bool Next(RawRecord& rec) override {
    while (cur_) {
      if (cur_->Next(rec)) return true;
      bad_.Merge(cur_->bad_rows());
      done_ += cur_->bytes_read();
      cur_.reset();
      if (++index_ < files_.size()) {
        cur_ = OpenReader(files_[index_], opts_);
        // A header-based format (csv, avazu) names the fields per file: the
        // parts of one data set must agree, or features would be mixed up.
        if (cur_->schema().fields != schema_.fields)
          Throw(ErrorCode::kBadInput, "{}: its fields ({}) differ from those of {} ({})", files_[index_],
                fmt::join(cur_->schema().fields, ","), files_[0], fmt::join(schema_.fields, ","));
      }
    }
    return false;
  }
  const Schema& schema() const override { return schema_; }
  const BadRowLog& bad_rows() const override {
    merged_ = bad_;
    if (cur_) merged_.Merge(cur_->bad_rows());
    return merged_;
  }
  uint64_t bytes_read() const override { return done_ + (cur_ ? cur_->bytes_read() : 0); }
  uint64_t total_bytes() const override { return total_; }

 private:
  ReaderOptions opts_;
  std::vector<std::string> files_;
  size_t index_ = 0;
  std::unique_ptr<RecordReader> cur_;
  Schema schema_;
  BadRowLog bad_;
  mutable BadRowLog merged_;
  uint64_t done_ = 0, total_ = 0;
};

}  // namespace

std::unique_ptr<RecordReader> OpenReader(const std::string& path, const ReaderOptions& opts) {
  std::vector<std::string> files = InputFiles(path);
  if (files.size() == 1 && files[0] == path) return ReaderRegistry::Get().Create("format", opts.format, path, opts);
  return std::make_unique<ConcatReader>(path, std::move(files), opts);
}

}  // namespace adpilot
