// Model file (docs/formats.d/40-schedule.md): a container whose config is the
// JSON (options, data, names, scales) and whose payload is u64 rows, u64 cols
// and the row-major posterior draws. Version 1 framed the same two parts by hand.
#include <cmath>
#include <cstring>

#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/container.h"
#include "adpilot/error.h"
#include "adpilot/hash.h"
#include "adpilot/mmm.h"
#include "adpilot/options.h"

namespace adpilot::mmm {
namespace {

constexpr ContainerFormat kMmmFile{std::string_view("ADPMMM\0\0", 8), "adpilot MMM model file", 2, 2};

template <typename T>
void Put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}

template <typename T>
T Get(std::string_view in, size_t& pos, const std::string& path) {
  if (pos + sizeof(T) > in.size()) Throw(ErrorCode::kCorruption, "{}: truncated MMM model file", path);
  T v;
  std::memcpy(&v, in.data() + pos, sizeof(T));
  pos += sizeof(T);
  return v;
}

// magic | u32 1 | u64 J | JSON | draws (as the container's payload) | u64 XXH3 of all before.
ContainerView ReadV1(std::string_view in, const std::string& path) {
  if (in.size() < 8 + 4 + 8 + 8) Throw(ErrorCode::kCorruption, "{}: truncated MMM model file", path);
  uint64_t stored, jlen;
  std::memcpy(&stored, in.data() + in.size() - 8, 8);
  if (Hash64(in.data(), in.size() - 8) != stored)
    Throw(ErrorCode::kCorruption, "{}: checksum mismatch: the model file is truncated or corrupt", path);
  std::memcpy(&jlen, in.data() + 12, 8);
  if (jlen > in.size() - 28) Throw(ErrorCode::kCorruption, "{}: truncated MMM model file", path);
  return ContainerView{1, in.substr(20, jlen), in.substr(20 + jlen, in.size() - 28 - jlen)};
}

}  // namespace

void SaveMmmModel(const MmmModel& m, const std::string& path) {
  MmmOptions opts = m.options;
  OptionSet set;
  opts.Describe(set);
  nlohmann::json j;
  j["options"] = set.ToJson();
  nlohmann::json specs = nlohmann::json::array();
  for (const auto& s : m.options.channel_specs)
    specs.push_back({{"name", s.name}, {"adstock", s.adstock}, {"saturation", s.saturation}, {"max_lag", s.max_lag}});
  j["channel_specs"] = specs;
  const MmmData& d = m.data;
  j["data"] = {
      {"file", d.file}, {"dates", d.dates}, {"channels", d.channels}, {"controls", d.controls}, {"repairs", d.repairs}};
  nlohmann::json kpi = nlohmann::json::array();
  for (double v : d.kpi) kpi.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr));
  j["data"]["kpi"] = kpi;
  std::vector<std::vector<double>> spend(d.channels.size()), control(d.controls.size());
  for (size_t c = 0; c < d.channels.size(); ++c)
    spend[c].assign(d.spend.col(c).data(), d.spend.col(c).data() + d.rows());
  for (size_t c = 0; c < d.controls.size(); ++c)
    control[c].assign(d.control.col(c).data(), d.control.col(c).data() + d.rows());
  j["data"]["spend"] = spend;
  j["data"]["control"] = control;
  nlohmann::json lifts = nlohmann::json::array();
  for (const auto& l : m.lifts) lifts.push_back({l.channel, l.start, l.end, l.lift, l.se});
  j["lifts"] = lifts;
  j["train_rows"] = m.train_rows;
  j["y_scale"] = m.y_scale;
  j["x_scale"] = m.x_scale;
  j["ref_spend"] = m.ref_spend;
  j["control_mean"] = m.control_mean;
  j["control_sd"] = m.control_sd;
  j["chains"] = m.chains;
  j["param_names"] = m.param_names;
  j["seed"] = m.seed;
  std::string draws;
  Put(draws, uint64_t(m.draws.rows()));
  Put(draws, uint64_t(m.draws.cols()));
  for (int64_t r = 0; r < m.draws.rows(); ++r)
    for (int64_t c = 0; c < m.draws.cols(); ++c) Put(draws, m.draws(r, c));
  WriteContainer(path, kMmmFile, j.dump(), draws);
}

MmmModel LoadMmmModel(const std::string& path) {
  std::string bytes = ReadFile(path);
  ContainerView file = ContainerVersion(bytes, kMmmFile, path) < kMmmFile.first_version
                           ? ReadV1(bytes, path)
                           : DecodeContainer(bytes, kMmmFile, path);
  MmmModel m;
  try {
    nlohmann::json j = nlohmann::json::parse(file.config);
    OptionSet set;
    m.options.Describe(set);
    set.FromJson(j.at("options"), path);
    // Files from before the pooled ROAS prior were fitted with independent half-normal effects.
    if (!j.at("options").contains("roas_prior")) m.options.roas_prior = "half_normal";
    for (const auto& s : j.at("channel_specs"))
      m.options.channel_specs.push_back(
          ChannelSpec{s.at("name"), s.at("adstock"), s.at("saturation"), s.at("max_lag")});
    const auto& d = j.at("data");
    m.data.file = d.at("file");
    m.data.dates = d.at("dates").get<std::vector<std::string>>();
    m.data.channels = d.at("channels").get<std::vector<std::string>>();
    m.data.controls = d.at("controls").get<std::vector<std::string>>();
    m.data.repairs = d.at("repairs").get<std::vector<std::string>>();
    for (const auto& v : d.at("kpi")) m.data.kpi.push_back(v.is_null() ? std::nan("") : v.get<double>());
    const int n = int(m.data.dates.size());
    auto spend = d.at("spend").get<std::vector<std::vector<double>>>();
    auto control = d.at("control").get<std::vector<std::vector<double>>>();
    m.data.spend.resize(n, spend.size());
    m.data.control.resize(n, control.size());
    for (size_t c = 0; c < spend.size(); ++c)
      for (int t = 0; t < n; ++t) m.data.spend(t, c) = spend[c].at(t);
    for (size_t c = 0; c < control.size(); ++c)
      for (int t = 0; t < n; ++t) m.data.control(t, c) = control[c].at(t);
    for (const auto& l : j.at("lifts")) m.lifts.push_back(LiftTest{l[0], l[1], l[2], l[3], l[4]});
    m.train_rows = j.at("train_rows");
    m.y_scale = j.at("y_scale");
    m.x_scale = j.at("x_scale").get<std::vector<double>>();
    // Files written before the reference spend existed were fitted with it at 1.
    if (j.contains("ref_spend")) m.ref_spend = j.at("ref_spend").get<std::vector<double>>();
    else m.ref_spend.assign(m.x_scale.size(), 1.0);
    m.control_mean = j.at("control_mean").get<std::vector<double>>();
    m.control_sd = j.at("control_sd").get<std::vector<double>>();
    m.chains = j.at("chains");
    m.param_names = j.at("param_names").get<std::vector<std::string>>();
    m.seed = j.at("seed");
  } catch (const nlohmann::json::exception& e) {
    Throw(ErrorCode::kCorruption, "{}: bad model header: {}", path, e.what());
  }
  std::string_view in = file.payload;
  size_t pos = 0;
  uint64_t rows = Get<uint64_t>(in, pos, path), cols = Get<uint64_t>(in, pos, path);
  if (cols != m.param_names.size() || rows > in.size() || (cols && rows > in.size() / cols / 8) ||
      rows * cols * 8 + pos != in.size())
    Throw(ErrorCode::kCorruption, "{}: draw block has the wrong size", path);
  m.draws.resize(int64_t(rows), int64_t(cols));
  for (uint64_t r = 0; r < rows; ++r)
    for (uint64_t c = 0; c < cols; ++c) m.draws(int64_t(r), int64_t(c)) = Get<double>(in, pos, path);
  if (m.data.spend.cols() != int64_t(m.x_scale.size()) || m.options.channel_specs.size() != m.x_scale.size() ||
      m.ref_spend.size() != m.x_scale.size())
    Throw(ErrorCode::kCorruption, "{}: inconsistent channel count", path);
  return m;
}

}  // namespace adpilot::mmm
