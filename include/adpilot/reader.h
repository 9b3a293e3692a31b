// Streaming readers for ad-log formats, created by name from a registry
// (criteo, avazu, libsvm, libffm, vw, ipinyou, rlb, csv). A reader yields one
// RawRecord at a time in constant memory; malformed rows go to its BadRowLog.
#pragma once

#include <memory>
#include <string>

#include "adpilot/bad_rows.h"
#include "adpilot/record.h"
#include "adpilot/registry.h"

namespace adpilot {
class OptionSet;
}

namespace adpilot {

struct ReaderOptions {
  std::string format = "criteo";
  std::string schema_path;  // TOML schema, required by "csv"
  OnError on_error = OnError::kSkip;
  size_t max_reported = 10;  // bad rows kept verbatim for the report
  // Non-empty: user, device and IP columns become keyed pseudonyms (the key
  // bytes, from PrivacyOptions; adpilot/pseudonym.h).
  std::string pseudonymize_key;
  bool ip_truncate = false;  // IP columns keep their /24 or /48 instead
  size_t max_line_bytes = 16u << 20;
  // Header line of CSV-like formats (avazu, csv): "auto" detects it from the
  // first line, "yes"/"no" force it.
  std::string header = "auto";
  // Reads only shard `shard` of `shards` of a plain file, cut by bytes at line
  // boundaries (data-parallel training: adpilot/line_source.h).
  int shard = 0, shards = 1;
  // Stable digest of every option that changes what a reader yields (format,
  // schema file content, header, pseudonymisation key, shard), for caches.
  uint64_t Digest() const;
};

// The options every command that reads logs shares (`--pseudonymise KEYFILE`,
// `--ip-truncate`), declared once here; `adpilot run --pseudonymise` sets them
// on every step that has them.
struct PrivacyOptions {
  std::string keyfile;
  bool ip_truncate = false;
  void Describe(OptionSet& s);
  // Loads (or creates) the key into ro.pseudonymize_key and sets ro.ip_truncate.
  void Apply(ReaderOptions& ro) const;
};

// Not thread-safe: one reader per thread.
class RecordReader {
 public:
  virtual ~RecordReader() = default;
  // Fills `rec` with the next good row; false at end of input. Bad rows are
  // reported to bad_rows() and skipped (or throw kBadInput under kFail).
  virtual bool Next(RawRecord& rec) = 0;
  virtual const Schema& schema() const = 0;
  virtual const BadRowLog& bad_rows() const = 0;
  // Progress: input bytes consumed and total (0 if unknown).
  virtual uint64_t bytes_read() const = 0;
  virtual uint64_t total_bytes() const = 0;
};

using ReaderRegistry = Registry<RecordReader, const std::string&, const ReaderOptions&>;

// Opens `path` with the reader named by opts.format. A list of files or a
// directory (adpilot/input.h InputFiles) reads as their records in order; a
// shard of it is a share of whole files when there are at least as many
// files as shards, else the same byte shard of every file.
std::unique_ptr<RecordReader> OpenReader(const std::string& path, const ReaderOptions& opts);

// Guesses a format from a file name and its first line ("" when unsure); for
// a list of files, from the first.
std::string GuessFormat(const std::string& path);

}  // namespace adpilot
