// The deep models' state bytes (docs/formats.d/35-deep.md): named arrays with
// shapes, written and read without torch serialisation, so any C++ (or other)
// reader can score the model. Also the user-profile join (ProfileStore files,
// include/adpilot/profile_store.h, whose reader lives in the data stage).
#ifdef ADPILOT_WITH_TORCH

#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/container.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/hash.h"
#include "adpilot/profile_store.h"
#include "predict/deep/deep_model.h"

namespace adpilot::predict::deep {
namespace {

// Version 1 ("ADPDEEP1", no version field) listed each array inline: u32
// count, then per array u32 name length, name, u8 dtype, u32 rank, i64 dims,
// data. Version 2 is a container whose config lists the arrays and whose
// payload is their data, in that order.
constexpr char kV1Magic[8] = {'A', 'D', 'P', 'D', 'E', 'E', 'P', '1'};
constexpr ContainerFormat kDeepState{"ADPDEEPS", "deep-model state", 2, 2};
enum DType : uint8_t { kF32 = 0, kU64 = 1 };
constexpr const char* kDTypeNames[] = {"f32", "u64"};

struct Record {
  DType dtype;
  std::vector<int64_t> shape;
  std::string_view data;
};
using Records = std::map<std::string, Record>;

// The bytes a record of this dtype and shape holds, or a message for `bad`.
std::string CheckShape(const std::string& nm, int dt, const std::vector<int64_t>& shape, uint64_t& bytes) {
  if (dt < 0 || dt > kU64 || shape.size() > 8) return fmt::format("record '{}': bad dtype or rank", nm);
  uint64_t numel = 1;
  for (int64_t v : shape) {
    if (v < 0 || v > (int64_t(1) << 40)) return fmt::format("record '{}': bad dimension", nm);
    numel *= uint64_t(v);
    if (numel > (uint64_t(1) << 40)) return fmt::format("record '{}': too many elements", nm);
  }
  bytes = numel * (dt == kF32 ? 4 : 8);
  return "";
}

template <typename Bad>
Records ReadV1(std::string_view bytes, const Bad& bad) {
  size_t pos = 8;
  auto need = [&](size_t n) {
    if (bytes.size() - pos < n) bad("truncated");
  };
  auto get = [&](auto& v) {
    need(sizeof v);
    std::memcpy(&v, bytes.data() + pos, sizeof v);
    pos += sizeof v;
  };
  uint32_t count = 0;
  get(count);
  Records recs;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t len = 0, ndim = 0;
    uint8_t dt = 0;
    get(len);
    need(len);
    std::string nm(bytes.data() + pos, len);
    pos += len;
    get(dt);
    get(ndim);
    if (dt > kU64 || ndim > 8) bad(fmt::format("record '{}': bad dtype or rank", nm));
    Record r{DType(dt), std::vector<int64_t>(ndim), {}};
    for (auto& v : r.shape) get(v);
    uint64_t nb = 0;
    if (std::string why = CheckShape(nm, dt, r.shape, nb); !why.empty()) bad(why);
    need(nb);
    r.data = bytes.substr(pos, nb);
    pos += nb;
    recs[nm] = r;
  }
  if (pos != bytes.size()) bad(fmt::format("{} trailing bytes", bytes.size() - pos));
  return recs;
}

template <typename Bad>
Records ReadContainer(std::string_view bytes, const std::string& name, const Bad& bad) {
  ContainerView c = DecodeContainer(bytes, kDeepState, name);
  Records recs;
  size_t pos = 0;
  try {
    const nlohmann::json index = nlohmann::json::parse(c.config);
    for (const auto& a : index.at("arrays")) {
      std::string nm = a.at("name").get<std::string>(), dt = a.at("dtype").get<std::string>();
      Record r{dt == "u64" ? kU64 : kF32, a.at("shape").get<std::vector<int64_t>>(), {}};
      uint64_t nb = 0;
      std::string why =
          dt == "f32" || dt == "u64" ? CheckShape(nm, r.dtype, r.shape, nb) : fmt::format("record '{}': bad dtype", nm);
      if (why.empty() && nb > c.payload.size() - pos) why = fmt::format("record '{}': truncated", nm);
      if (!why.empty()) bad(why);
      r.data = c.payload.substr(pos, nb);
      pos += nb;
      recs[nm] = r;
    }
  } catch (const nlohmann::json::exception& e) {
    bad(fmt::format("bad array list: {}", e.what()));
  }
  if (pos != c.payload.size()) bad(fmt::format("{} trailing bytes", c.payload.size() - pos));
  return recs;
}

// The generator's user token (src/gen/users.cc HexToken): 8 hex digits of the
// low 32 bits of XXH3-64("<field>:<id>", 0x5eed).
std::string GenToken(const std::string& field, const std::string& id) {
  static const char* hex = "0123456789abcdef";
  uint32_t h = uint32_t(Hash64(field + ":" + id, 0x5eedULL));
  std::string t(8, '0');
  for (int i = 7; i >= 0; --i, h >>= 4) t[size_t(i)] = hex[h & 15];
  return t;
}

}  // namespace

std::string DeepModel::SaveState() const {
  nlohmann::json arrays = nlohmann::json::array();
  std::string payload;
  auto put = [&](const std::string& name, DType dt, const std::vector<int64_t>& shape, const void* data, size_t bytes) {
    arrays.push_back({{"name", name}, {"dtype", kDTypeNames[dt]}, {"shape", shape}});
    payload.append(static_cast<const char*>(data), bytes);
  };
  auto f32 = [&](const std::string& name, const torch::Tensor& t, const std::vector<int64_t>& shape) {
    auto c = t.contiguous();
    put(name, kF32, shape, c.data_ptr<float>(), size_t(c.numel()) * sizeof(float));
  };
  f32("table", table_, {rows_, width_});
  f32("emb_acc", acc_, {rows_});
  for (const auto& p : params_) f32(p.name, p.view, p.shape);
  if (pdim_ > 0) {
    int64_t n = int64_t(profile_keys_.size());
    put("profile_keys", kU64, {n}, profile_keys_.data(), profile_keys_.size() * 8);
    put("profile", kF32, {n, pdim_}, profile_data_.data(), profile_data_.size() * 4);
  }
  return EncodeContainer(kDeepState, nlohmann::json{{"arrays", arrays}}.dump(), payload);
}

void DeepModel::LoadState(std::string_view bytes) {
  auto bad = [&](const std::string& why) { Throw(ErrorCode::kCorruption, "{} state: {}", name(), why); };
  Records recs = bytes.substr(0, 8) == std::string_view(kV1Magic, 8) ? ReadV1(bytes, bad)
                                                                     : ReadContainer(bytes, name() + " state", bad);
  // Profile first: its width shapes the network.
  pdim_ = 0;
  profile_keys_.clear();
  profile_data_.clear();
  if (auto it = recs.find("profile"); it != recs.end()) {
    auto kt = recs.find("profile_keys");
    if (kt == recs.end() || it->second.shape.size() != 2 || kt->second.shape[0] != it->second.shape[0])
      bad("profile records do not match");
    pdim_ = it->second.shape[1];
    profile_keys_.resize(size_t(kt->second.shape[0]));
    std::memcpy(profile_keys_.data(), kt->second.data.data(), kt->second.data.size());
    profile_data_.resize(it->second.data.size() / 4);
    std::memcpy(profile_data_.data(), it->second.data.data(), it->second.data.size());
  }
  Allocate();
  BuildProfileIndex();
  auto fill = [&](const std::string& nm, const torch::Tensor& dst, const std::vector<int64_t>& shape) {
    auto it = recs.find(nm);
    if (it == recs.end()) bad(fmt::format("missing array '{}'", nm));
    if (it->second.dtype != kF32 || it->second.shape != shape)
      bad(fmt::format("array '{}' has shape [{}], the config implies [{}]", nm, fmt::join(it->second.shape, ","),
                      fmt::join(shape, ",")));
    std::memcpy(dst.data_ptr<float>(), it->second.data.data(), it->second.data.size());
  };
  fill("table", table_, {rows_, width_});
  fill("emb_acc", acc_, {rows_});
  for (auto& p : params_) fill(p.name, p.view, p.shape);
}

void DeepModel::BuildProfileIndex() {
  profile_index_.clear();
  for (size_t i = 0; i < profile_keys_.size(); ++i) profile_index_[profile_keys_[i]] = i;
}

void DeepModel::LoadProfile(const Context& ctx) {
  pdim_ = 0;
  profile_keys_.clear();
  profile_data_.clear();
  profile_index_.clear();
  if (profile_.path.empty()) return;
  const std::string& path = profile_.path;
  const ProfileStore store = ProfileStore::Load(path);
  const std::vector<std::string>& ids = store.user_ids();
  const uint64_t rows = store.size();
  const uint32_t dim = uint32_t(store.dim());
  if (profile_.key != "user-id" && hasher().schema().FieldIndex(profile_.field) < 0)
    Throw(ErrorCode::kInvalidArgument, "--profile-field {}: no such field in the input (fields: {})", profile_.field,
          fmt::join(hasher().schema().fields, ", "));
  const float* data = store.data().data();
  // --profile-norm dim standardises each dimension over users; on sparse
  // TF-IDF vectors that turns a rare word into an entry of 5-30 that swamps the
  // first layer and the cross products, so `unit` instead centres and scales
  // each user's vector to length 1.
  std::vector<double> mean(dim, 0.0), sd(dim, 0.0);
  for (uint64_t r = 0; r < rows; ++r)
    for (uint32_t d = 0; d < dim; ++d) mean[d] += data[r * dim + d];
  for (auto& m : mean) m /= double(std::max<uint64_t>(rows, 1));
  for (uint64_t r = 0; r < rows; ++r)
    for (uint32_t d = 0; d < dim; ++d) sd[d] += std::pow(data[r * dim + d] - mean[d], 2);
  for (auto& s : sd) s = std::sqrt(s / double(std::max<uint64_t>(rows, 1))) + 1e-6;
  // Users whose keys collide (same hashed bucket) share the mean of their vectors.
  std::map<uint64_t, std::pair<std::vector<double>, int>> by_key;
  int fi = hasher().schema().FieldIndex(profile_.field);
  RawRecord rec;
  Example ex;
  for (uint64_t r = 0; r < rows; ++r) {
    uint64_t key;
    if (profile_.key == "user-id") {
      key = Hash64(ids[r]);
    } else {
      std::string tok = profile_.key == "gen-token" ? GenToken(profile_.field, ids[r]) : ids[r];
      rec.Clear();
      RawFeature f;
      f.field = uint32_t(fi);
      f.token = tok;
      rec.features.push_back(f);
      hasher().Hash(rec, ex);
      if (ex.features.empty()) continue;
      key = ex.features[0].index;
    }
    auto& [v, n] = by_key[key];
    v.resize(dim, 0.0);
    if (profile_.norm == "unit") {
      double len = 0;
      for (uint32_t d = 0; d < dim; ++d) len += std::pow(data[r * dim + d] - mean[d], 2);
      len = std::sqrt(len) + 1e-12;
      for (uint32_t d = 0; d < dim; ++d) v[d] += (data[r * dim + d] - mean[d]) / len;
    } else {
      for (uint32_t d = 0; d < dim; ++d) v[d] += (data[r * dim + d] - mean[d]) / sd[d];
    }
    ++n;
  }
  pdim_ = int64_t(dim);
  for (auto& [key, vn] : by_key) {
    profile_keys_.push_back(key);
    for (double x : vn.first) profile_data_.push_back(float(x / vn.second));
  }
  BuildProfileIndex();
  ctx.log().info("{}: {} profile vectors of dim {} from {} ({} join keys, by {} {})", name(), rows, dim, path,
                 profile_keys_.size(), profile_.key, profile_.key == "user-id" ? "" : profile_.field);
}

}  // namespace adpilot::predict::deep

#endif  // ADPILOT_WITH_TORCH
