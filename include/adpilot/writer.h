// Writers of the formats other tools read (libffm, libsvm, vw, criteo), created
// by name, and the conversion behind `adpilot data convert`. The sparse formats
// are written hashed (integer bucket ids, as libffm/xgboost/VW expect), so
// reading a converted file back gives the same (field, bucket, value) triples;
// criteo is written from the raw tokens.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "adpilot/features.h"
#include "adpilot/reader.h"
#include "adpilot/record.h"
#include "adpilot/registry.h"

namespace adpilot {

struct Context;

// Writes to a temp file that Commit() renames over the target (atomic).
class RecordWriter {
 public:
  virtual ~RecordWriter() = default;
  // `raw` and `hashed` are the same row (hashed = hasher.Hash(raw)).
  virtual void Write(const RawRecord& raw, const Example& hashed) = 0;
  virtual void Commit() = 0;
};

using WriterRegistry = Registry<RecordWriter, const std::string&, const FeatureHasher&>;

std::unique_ptr<RecordWriter> OpenWriter(const std::string& path, const std::string& format,
                                         const FeatureHasher& hasher);

struct ConvertResult {
  uint64_t rows = 0, bad_rows = 0;
  double seconds = 0;
};

// Reads `in` (format in opts), hashes with `features` and writes `out` as `to`.
// Bad rows follow opts.on_error; the output is only installed on success.
ConvertResult ConvertFile(const std::string& in, const ReaderOptions& opts, const FeatureConfig& features,
                          const std::string& out, const std::string& to, const Context& ctx);

// Safe VW namespace / field label for field `i` of a hasher: the field name when
// it has no space, ':' or '|', else "f<i>".
std::string WriterFieldName(const FeatureHasher& hasher, size_t i);

}  // namespace adpilot
