// The safetensors file format (Hugging Face): an 8-byte little-endian header
// length N, N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]},
// "__metadata__": {...}}, then the raw little-endian tensor bytes. Read and
// written here without any ML library, so a corrupt file is reported with the
// file and the tensor name before any model code sees it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace adpilot {

struct SafeTensorInfo {
  std::string name;
  std::string dtype;  // "F32", "F16", "BF16", "F64", "I64", ...
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte range within the data section
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
};

class SafetensorsFile {
 public:
  // Reads and validates the whole file: header length, JSON, dtypes, shapes
  // against byte ranges, ranges inside the file and not overlapping. Throws
  // kNotFound for a missing file, kCorruption naming the file (and tensor).
  static SafetensorsFile Open(const std::string& path);

  const std::vector<SafeTensorInfo>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const SafeTensorInfo* Find(std::string_view name) const;
  // The tensor converted to float32 (from F32, F16, BF16 or F64); other dtypes
  // are kUnsupported naming the tensor.
  std::vector<float> ReadFloat(const SafeTensorInfo& t) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string bytes_;
  size_t data_start_ = 0;
  std::vector<SafeTensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
};

struct NamedTensor {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> data;  // row-major, numel(shape) values
};

// Writes F32 tensors atomically, in the given order.
void WriteSafetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

}  // namespace adpilot
