// Hashed-dataset cache (format in docs/formats.d/10-data.md): a container
// whose config, a JSON header, keys the cache to its source and configuration,
// and whose payload is checksummed blocks of encoded Examples, then the
// counts. Staleness means "rebuild"; damage means kCorruption, since an
// atomic write never leaves a torn cache behind.
#include "adpilot/cache.h"

#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/container.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/hash.h"
#include "adpilot/input.h"
#include "adpilot/progress.h"
#include "data/cache_codec.h"

namespace adpilot {
namespace {

namespace fs = std::filesystem;

struct SourceKey {
  std::string path;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
};

SourceKey KeyOf(const std::string& path) {
  std::error_code ec;
  SourceKey k;
  k.path = fs::absolute(path, ec).lexically_normal().string();
  k.size = fs::file_size(path, ec);
  auto t = fs::last_write_time(path, ec);
  k.mtime_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  return k;
}

std::string CachePathFor(const std::string& cache_dir, const SourceKey& key) {
  std::string stem = fs::path(key.path).filename().string();
  return (fs::path(cache_dir) / fmt::format("{}.{:016x}.adpcache", stem, Hash64(key.path))).string();
}

class HashedDatasetImpl : public HashedDataset {
 public:
  HashedDatasetImpl(std::string path, ReaderOptions opts, FeatureConfig features, const Context& ctx,
                    std::string cache_dir)
      : path_(std::move(path)),
        opts_(std::move(opts)),
        features_(std::move(features)),
        ctx_(ctx),
        cache_dir_(std::move(cache_dir)) {
    key_ = KeyOf(path_);
    if (path_ != "-" && !fs::exists(path_)) Throw(ErrorCode::kNotFound, "{}: no such file", path_);
    reader_digest_ = opts_.Digest();
    // A pipe has no stable path, size or mtime to key a cache by (the next
    // run's /dev/fd/63 is another stream): it is parsed on every pass, from
    // its spool (adpilot/input.h), and never cached.
    if (KeepWholeInput(path_) && !cache_dir_.empty()) {
      ctx_.log().info("{}: not a regular file; not caching it (each pass parses its spooled copy)", path_);
      cache_dir_.clear();
    }
    if (!cache_dir_.empty()) {
      fs::create_directories(cache_dir_);
      cache_path_ = CachePathFor(cache_dir_, key_);
      if (TryOpenCache()) return;
    }
    StartParse();
  }

  bool Next(Example& ex) override {
    // Past the end of a pass every call answers false until Rewind: the cache's
    // counts follow its end marker and must not be read as another block.
    if (pass_done_) return false;
    if (cache_) {
      if (NextFromCache(ex)) return true;
      pass_done_ = true;
      return false;
    }
    RawRecord& rec = rec_;
    if (!reader_->Next(rec)) {
      pass_done_ = true;
      FinishParsePass();
      return false;
    }
    hasher_->Hash(rec, ex);
    ++pass_rows_;
    progress_->Set(reader_->bytes_read());
    if (writer_) Encode(ex);
    return true;
  }

  void Rewind() override {
    pass_done_ = false;
    if (cache_) {
      cache_->Rewind();
      block_.clear();
      block_left_ = 0;
      block_pos_ = 0;
      return;
    }
    if (!cache_path_.empty() && fs::exists(cache_path_) && TryOpenCache()) return;
    StartParse();
  }

  const FeatureHasher& hasher() const override { return *hasher_; }
  uint64_t rows() const override { return rows_; }
  uint64_t bad_rows() const override { return bad_rows_; }
  bool from_cache() const override { return cache_ != nullptr; }
  const std::string& cache_path() const override { return cache_path_; }

 private:
  nlohmann::json HeaderJson() const {
    nlohmann::json h;
    h["source_path"] = key_.path;
    h["source_size"] = key_.size;
    h["source_mtime_ns"] = key_.mtime_ns;
    h["reader_digest"] = fmt::format("{:016x}", reader_digest_);
    h["feature_digest"] = fmt::format("{:016x}", hasher_->StateDigest());
    h["config_digest"] = fmt::format("{:016x}", features_.Digest());
    h["format"] = opts_.format;
    h["hasher"] = hasher_->StateToJson();
    return h;
  }

  // True when a valid cache for this source and config is open. A stale cache
  // returns false (it will be rebuilt); a damaged one throws kCorruption.
  bool TryOpenCache() {
    if (!fs::exists(cache_path_)) return false;
    std::unique_ptr<data::CacheFile> f = data::CacheFile::Open(cache_path_);
    if (!f) return false;
    const nlohmann::json& h = f->header();
    bool fresh = h.value("source_path", "") == key_.path && h.value("source_size", uint64_t(0)) == key_.size &&
                 h.value("source_mtime_ns", int64_t(0)) == key_.mtime_ns &&
                 h.value("reader_digest", "") == fmt::format("{:016x}", reader_digest_) &&
                 h.value("config_digest", "") == fmt::format("{:016x}", features_.Digest());
    if (!fresh) {
      ctx_.log().info("{}: stale cache for {}; rebuilding", cache_path_, path_);
      return false;
    }
    std::unique_ptr<FeatureHasher> loaded;
    try {  // a damaged "hasher" (wrong types, lengths, kinds) is corruption, not a crash
      Schema schema;
      const auto& hs = h.at("hasher");
      auto names = hs.at("fields").get<std::vector<std::string>>();
      auto kinds = hs.at("kinds").get<std::vector<int>>();
      for (size_t i = 0; i < names.size(); ++i) {
        int k = kinds.at(i);
        if (k < 0 || k > int(FieldKind::kText)) Throw(ErrorCode::kCorruption, "field kind {}", k);
        schema.Add(names[i], FieldKind(k));
      }
      loaded = std::make_unique<FeatureHasher>(features_, schema);
      loaded->StateFromJson(hs);
    } catch (const std::exception& e) {
      Throw(ErrorCode::kCorruption, "{}: bad hasher in the cache header ({}); delete the cache", cache_path_, e.what());
    }
    if (h.value("feature_digest", "") != fmt::format("{:016x}", loaded->StateDigest()))
      Throw(ErrorCode::kCorruption, "{}: feature state does not match its digest; delete the cache", cache_path_);
    // Callers keep hasher() across Rewind (a trainer's epochs): the hasher in
    // use stays, and a cache hashed otherwise is refused rather than swapped
    // in under them (a use-after-free found by tests/fuzz/fuzz_cache).
    if (hasher_ && hasher_->StateDigest() != loaded->StateDigest())
      Throw(ErrorCode::kCorruption, "{}: hashed differently from the pass before it; delete the cache", cache_path_);
    if (!hasher_) hasher_ = std::move(loaded);
    reader_.reset();
    writer_.reset();
    rows_ = f->rows();
    bad_rows_ = f->bad_rows();
    cache_ = std::move(f);
    block_.clear();
    block_left_ = block_pos_ = 0;
    return true;
  }

  void StartParse() {
    reader_ = OpenReader(path_, opts_);
    if (!hasher_) {
      hasher_ = std::make_unique<FeatureHasher>(features_, reader_->schema());
      if (hasher_->needs_fit()) {
        auto sample = OpenReader(path_, opts_);
        hasher_->FitQuantileEdges(*sample);
      }
    }
    pass_rows_ = 0;
    progress_.reset();
    progress_ = std::make_unique<Progress>(ctx_, "hash " + path_, reader_->total_bytes(), "bytes");
    writer_.reset();
    if (!cache_path_.empty()) {
      static std::atomic<uint64_t> counter{0};
      // A unique staging name: two datasets of one process may build the same cache.
      staging_ =
          fmt::format("{}.{}.{}", cache_path_, std::hash<std::thread::id>()(std::this_thread::get_id()), counter++);
      writer_ = std::make_unique<ContainerWriter>(staging_, data::kCacheFile, HeaderJson().dump());
      block_.clear();
      block_count_ = 0;
    }
  }

  void Encode(const Example& ex) {
    data::EncodeExample(ex, block_);
    if (++block_count_ >= data::kBlockExamples || block_.size() >= data::kBlockBytes) FlushBlock();
  }

  void FlushBlock() {
    if (!block_count_) return;
    data::WriteBlock(*writer_, block_, uint32_t(block_count_));
    block_.clear();
    block_count_ = 0;
  }

  void FinishParsePass() {
    rows_ = pass_rows_;
    bad_rows_ = reader_->bad_rows().count();
    progress_->Finish();
    if (!writer_) return;
    FlushBlock();
    data::WriteCacheEnd(*writer_, rows_, bad_rows_);
    writer_->Commit();
    writer_.reset();
    std::error_code ec;
    fs::rename(staging_, cache_path_, ec);
    if (ec) Throw(ErrorCode::kIOError, "{}: cannot install cache: {}", cache_path_, ec.message());
    ctx_.log().info("{}: cached {} rows of {}", cache_path_, rows_, path_);
  }

  bool NextFromCache(Example& ex) {
    if (block_pos_ >= block_.size() || block_left_ == 0) {
      if (!cache_->ReadBlock(block_, block_left_)) return false;
      block_pos_ = 0;
    }
    data::DecodeExample(block_, block_pos_, ex, cache_path_);
    // Models index their tables with these: a bucket or field out of range
    // would read outside them (found by tests/fuzz/fuzz_cache).
    for (const auto& ft : ex.features)
      if (ft.index > hasher_->mask() || ft.field >= uint32_t(hasher_->num_fields()))
        Throw(ErrorCode::kCorruption,
              "{}: feature (field {}, bucket {}) outside the cache's hashing; delete it to rebuild", cache_path_,
              ft.field, ft.index);
    --block_left_;
    return true;
  }

  std::string path_;
  ReaderOptions opts_;
  FeatureConfig features_;
  Context ctx_;
  std::string cache_dir_, cache_path_, staging_;
  SourceKey key_;
  uint64_t reader_digest_ = 0;
  std::unique_ptr<FeatureHasher> hasher_;
  std::unique_ptr<RecordReader> reader_;
  RawRecord rec_;
  std::unique_ptr<ContainerWriter> writer_;
  std::unique_ptr<Progress> progress_;
  std::string block_;
  uint64_t block_count_ = 0;
  std::unique_ptr<data::CacheFile> cache_;
  size_t block_pos_ = 0;
  uint32_t block_left_ = 0;
  uint64_t rows_ = 0, bad_rows_ = 0, pass_rows_ = 0;
  bool pass_done_ = false;
};

}  // namespace

std::unique_ptr<HashedDataset> OpenHashedDataset(const std::string& path, const ReaderOptions& opts,
                                                 const FeatureConfig& features, const Context& ctx,
                                                 const std::string& cache_dir) {
  return std::make_unique<HashedDatasetImpl>(path, opts, features, ctx, cache_dir);
}

}  // namespace adpilot
