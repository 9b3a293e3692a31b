// A hashed dataset: a data file read through its reader and the FeatureHasher,
// streamed one Example at a time. With a cache directory, the first full pass
// also writes a binary cache (docs/formats.md, "Hashed-dataset cache") and later
// passes and runs read the cache instead of parsing. The cache is rebuilt
// automatically when the source file (path, size, mtime), the reader options or
// the feature configuration change; a corrupt cache is a kCorruption error.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "adpilot/features.h"
#include "adpilot/reader.h"
#include "adpilot/record.h"

namespace adpilot {

struct Context;

// Not thread-safe: one dataset per thread (open the same path twice to read it
// from two threads; both may read the same cache file).
class HashedDataset {
 public:
  virtual ~HashedDataset() = default;
  // Next example of the current pass; false at the end of the pass.
  virtual bool Next(Example& ex) = 0;
  // Starts a new pass (epoch) from the first example. After a complete first
  // pass with a cache directory, passes read the cache.
  virtual void Rewind() = 0;
  // The hasher that produced the examples (field names, mask, config).
  virtual const FeatureHasher& hasher() const = 0;
  // Good rows in the file: known after a complete pass or when read from the
  // cache; 0 before.
  virtual uint64_t rows() const = 0;
  // Bad rows skipped while parsing (stored in the cache, so also known then).
  virtual uint64_t bad_rows() const = 0;
  // True when the current pass reads the binary cache.
  virtual bool from_cache() const = 0;
  // The cache file ("" without a cache directory).
  virtual const std::string& cache_path() const = 0;
};

// Opens `path` with reader `opts` and hashes it with `features`. `cache_dir`
// empty = no cache (parse on every pass). Numeric transform "quantile" fits its
// bin edges on the first rows of the file before the first pass.
// Throws kNotFound (no file), kInvalidArgument (bad format/config).
std::unique_ptr<HashedDataset> OpenHashedDataset(const std::string& path, const ReaderOptions& opts,
                                                 const FeatureConfig& features, const Context& ctx,
                                                 const std::string& cache_dir = "");

}  // namespace adpilot
