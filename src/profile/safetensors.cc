#include "adpilot/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/error.h"

namespace adpilot {
namespace {

static_assert(std::endian::native == std::endian::little, "safetensors is little-endian");

int DtypeSize(const std::string& d) {
  if (d == "F64" || d == "I64" || d == "U64") return 8;
  if (d == "F32" || d == "I32" || d == "U32") return 4;
  if (d == "F16" || d == "BF16" || d == "I16" || d == "U16") return 2;
  if (d == "I8" || d == "U8" || d == "BOOL" || d == "F8_E4M3" || d == "F8_E5M2") return 1;
  return 0;
}

float HalfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000) << 16, exp = (h >> 10) & 0x1F, man = h & 0x3FF;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      int e = -1;
      do {
        ++e;
        man <<= 1;
      } while (!(man & 0x400));
      bits = sign | uint32_t(127 - 15 - e) << 23 | (man & 0x3FF) << 13;
    }
  } else if (exp == 31) {
    bits = sign | 0x7F800000u | man << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | man << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

}  // namespace

SafetensorsFile SafetensorsFile::Open(const std::string& path) {
  if (!std::filesystem::exists(path)) Throw(ErrorCode::kNotFound, "{}: no such file", path);
  SafetensorsFile f;
  f.path_ = path;
  f.bytes_ = ReadFile(path);
  const std::string& b = f.bytes_;
  if (b.size() < 8) Throw(ErrorCode::kCorruption, "{}: {} bytes, too short for a safetensors header", path, b.size());
  uint64_t n;
  std::memcpy(&n, b.data(), 8);
  if (n > b.size() - 8 || n > (100u << 20))
    Throw(ErrorCode::kCorruption, "{}: header length {} exceeds the file ({} bytes)", path, n, b.size());
  nlohmann::json h;
  try {
    h = nlohmann::json::parse(b.begin() + 8, b.begin() + 8 + std::ptrdiff_t(n));
  } catch (const nlohmann::json::exception& e) {
    Throw(ErrorCode::kCorruption, "{}: safetensors header is not valid JSON: {}", path, e.what());
  }
  if (!h.is_object()) Throw(ErrorCode::kCorruption, "{}: safetensors header is not a JSON object", path);
  f.data_start_ = 8 + n;
  uint64_t data_size = b.size() - f.data_start_;
  for (auto it = h.begin(); it != h.end(); ++it) {
    const std::string& name = it.key();
    const auto& v = it.value();
    if (name == "__metadata__") {
      if (v.is_object())
        for (auto m = v.begin(); m != v.end(); ++m)
          if (m.value().is_string()) f.metadata_[m.key()] = m.value().get<std::string>();
      continue;
    }
    auto bad = [&](const std::string& why) { Throw(ErrorCode::kCorruption, "{}: tensor '{}': {}", path, name, why); };
    if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets"))
      bad("entry needs dtype, shape and data_offsets");
    SafeTensorInfo t;
    t.name = name;
    if (!v["dtype"].is_string()) bad("dtype is not a string");
    t.dtype = v["dtype"].get<std::string>();
    int es = DtypeSize(t.dtype);
    if (!es) bad("unknown dtype '" + t.dtype + "'");
    if (!v["shape"].is_array()) bad("shape is not an array");
    for (const auto& d : v["shape"]) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0) bad("shape has a non-integer or negative dimension");
      t.shape.push_back(d.get<int64_t>());
    }
    const auto& off = v["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      bad("data_offsets must be two non-negative integers");
    t.begin = off[0].get<uint64_t>();
    t.end = off[1].get<uint64_t>();
    if (t.end < t.begin || t.end > data_size)
      bad(fmt::format("data_offsets [{}, {}] outside the {}-byte data section", t.begin, t.end, data_size));
    if (uint64_t(t.numel()) * uint64_t(es) != t.end - t.begin)
      bad(fmt::format("shape holds {} bytes of {} but data_offsets span {}", t.numel() * es, t.dtype, t.end - t.begin));
    f.tensors_.push_back(std::move(t));
  }
  std::vector<const SafeTensorInfo*> order;
  for (const auto& t : f.tensors_) order.push_back(&t);
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < order.size(); ++i)
    if (order[i]->begin < order[i - 1]->end)
      Throw(ErrorCode::kCorruption, "{}: tensors '{}' and '{}' overlap", path, order[i - 1]->name, order[i]->name);
  return f;
}

const SafeTensorInfo* SafetensorsFile::Find(std::string_view name) const {
  for (const auto& t : tensors_)
    if (t.name == name) return &t;
  return nullptr;
}

std::vector<float> SafetensorsFile::ReadFloat(const SafeTensorInfo& t) const {
  const char* p = bytes_.data() + data_start_ + t.begin;
  size_t n = size_t(t.numel());
  std::vector<float> out(n);
  if (t.dtype == "F32") {
    std::memcpy(out.data(), p, n * 4);
  } else if (t.dtype == "F16" || t.dtype == "BF16") {
    for (size_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, p + 2 * i, 2);
      if (t.dtype == "F16") {
        out[i] = HalfToFloat(h);
      } else {
        uint32_t bits = uint32_t(h) << 16;
        std::memcpy(&out[i], &bits, 4);
      }
    }
  } else if (t.dtype == "F64") {
    for (size_t i = 0; i < n; ++i) {
      double d;
      std::memcpy(&d, p + 8 * i, 8);
      out[i] = float(d);
    }
  } else {
    Throw(ErrorCode::kUnsupported, "{}: tensor '{}' has dtype {}, expected a float type", path_, t.name, t.dtype);
  }
  return out;
}

void WriteSafetensors(const std::string& path, const std::vector<NamedTensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json h;
  h["__metadata__"] = metadata;
  uint64_t off = 0;
  for (const auto& t : tensors) {
    int64_t n = 1;
    for (int64_t d : t.shape) n *= d;
    ADP_CHECK(size_t(n) == t.data.size());
    h[t.name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {off, off + uint64_t(n) * 4}}};
    off += uint64_t(n) * 4;
  }
  std::string header = h.dump();
  while ((header.size() + 8) % 8) header += ' ';  // aligns the data section, as the reference writer does
  AtomicFileWriter w(path);
  w.WritePod(uint64_t(header.size()));
  w.Write(header);
  for (const auto& t : tensors) w.Write(t.data.data(), t.data.size() * 4);
  w.Commit();
}

}  // namespace adpilot
