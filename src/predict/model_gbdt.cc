// `gbdt`: gradient-boosted trees through xgboost's C API, trained on adpilot's
// hashed features (numeric = raw gives one column per numeric field carrying
// its value, so trees see raw numbers next to one-hot categoricals). Boosting
// rounds early-stop on the validation logloss; explanations are xgboost's
// TreeSHAP contributions summed per field.
#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <xgboost/c_api.h>
#include <nlohmann/json.hpp>

#include "adpilot/collective.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/options.h"
#include "adpilot/text.h"
#include "predict/model_util.h"

namespace adpilot::predict {
namespace {

void Check(int rc, const char* what) {
  if (rc != 0) Throw(ErrorCode::kInternal, "xgboost {}: {}", what, XGBGetLastError());
}

// CSR copy of examples for xgboost; duplicate buckets within a row (hash
// collisions) are merged by summing their values, as one-hot semantics want.
// Columns are the hashed buckets seen in training, numbered in order of first
// appearance (append-only, so warm starts keep old column ids): xgboost's
// cost grows with the column count, and 2^bits mostly empty columns made
// histogram building dominate.
class Columns {
 public:
  // Column of `bucket`, or -1 when training never saw it (no tree splits on it).
  int64_t Find(uint32_t bucket) const {
    auto it = index_.find(bucket);
    return it == index_.end() ? -1 : int64_t(it->second);
  }
  uint32_t FindOrAdd(uint32_t bucket) {
    auto [it, added] = index_.try_emplace(bucket, uint32_t(buckets_.size()));
    if (added) buckets_.push_back(bucket);
    return it->second;
  }
  size_t size() const { return buckets_.size(); }
  uint32_t bucket(size_t col) const { return buckets_[col]; }
  const std::vector<uint32_t>& buckets() const { return buckets_; }
  void Assign(const std::vector<uint32_t>& b) {
    buckets_.clear();
    index_.clear();
    for (uint32_t x : b) FindOrAdd(x);
  }

 private:
  std::vector<uint32_t> buckets_;
  std::unordered_map<uint32_t, uint32_t> index_;
};

struct Csr {
  std::vector<size_t> indptr{0};
  std::vector<unsigned> indices;
  std::vector<float> values, labels, weights;
  // grow = true (training): unseen buckets get new columns; false: they are dropped.
  void Add(const Example& ex, Columns& cols, bool grow) {
    size_t start = indices.size();
    for (const Feature& f : ex.features) {
      int64_t c = grow ? int64_t(cols.FindOrAdd(f.index)) : cols.Find(f.index);
      if (c < 0) continue;
      indices.push_back(unsigned(c));
      values.push_back(f.value);
    }
    // Sort this row by column, then merge equal columns.
    std::vector<std::pair<unsigned, float>> row;
    for (size_t i = start; i < indices.size(); ++i) row.push_back({indices[i], values[i]});
    std::sort(row.begin(), row.end());
    indices.resize(start);
    values.resize(start);
    for (const auto& [c, v] : row) {
      if (indices.size() > start && indices.back() == c) values.back() += v;
      else {
        indices.push_back(c);
        values.push_back(v);
      }
    }
    indptr.push_back(indices.size());
    labels.push_back(ex.label);
    weights.push_back(ex.weight);
  }
  size_t rows() const { return indptr.size() - 1; }
};

class DMatrix {
 public:
  DMatrix(const Csr& c, size_t ncol, bool with_labels) {
    Check(XGDMatrixCreateFromCSREx(c.indptr.data(), c.indices.data(), c.values.data(), c.indptr.size(), c.values.size(),
                                   ncol, &h_),
          "create DMatrix");
    if (with_labels) {
      Check(XGDMatrixSetFloatInfo(h_, "label", c.labels.data(), c.labels.size()), "set labels");
      Check(XGDMatrixSetFloatInfo(h_, "weight", c.weights.data(), c.weights.size()), "set weights");
    }
  }
  ~DMatrix() { XGDMatrixFree(h_); }
  DMatrix(const DMatrix&) = delete;
  DMatrix& operator=(const DMatrix&) = delete;
  DMatrixHandle h() const { return h_; }

 private:
  DMatrixHandle h_ = nullptr;
};

Csr ReadAll(ExampleSource& src, Columns& cols, bool grow) {
  Csr c;
  src.Rewind();
  std::vector<Example> batch;
  while (size_t n = src.Next(batch, 65536))
    for (size_t i = 0; i < n; ++i) c.Add(batch[i], cols, grow);
  return c;
}

// xgboost's UBJSON reader trusts the counts in the bytes (a 3 KB model file
// could make it allocate 4 GB) and recurses without bound, so a loaded state is
// walked first: every length must fit in the bytes left, nesting is bounded.
// (Found by tests/fuzz/fuzz_model.) Valid xgboost output always passes.
// xgboost's predictor trusts the trees too: a child index past the nodes, a
// cycle, or a split on a feature past num_feature reads out of bounds
// (segfaults found by tests/fuzz/fuzz_model). Checks what adpilot trains:
// one binary-logistic gbtree of numeric splits, each tree a proper tree.
// Returns "" when the model is sound, else what is wrong.
std::string TreesProblem(std::string_view ubj) {
  nlohmann::json j = nlohmann::json::from_ubjson(ubj.begin(), ubj.end(), true, false);
  if (j.is_discarded() || !j.is_object()) return "not a UBJSON object";
  auto num = [](const nlohmann::json& o, const char* key, int64_t& out) {
    const nlohmann::json* v = o.is_object() && o.contains(key) ? &o[key] : nullptr;
    if (!v) return false;
    if (v->is_number_integer()) return (out = v->get<int64_t>(), true);
    if (!v->is_string()) return false;
    auto x = ParseInt<int64_t>(v->get_ref<const std::string&>());
    if (!x) return false;
    out = *x;
    return true;
  };
  const nlohmann::json* learner = j.contains("learner") ? &j["learner"] : nullptr;
  if (!learner || !learner->is_object()) return "no learner";
  const auto& param = learner->value("learner_model_param", nlohmann::json::object());
  int64_t num_feature = 0, num_class = 0, num_target = 1;
  if (!num(param, "num_feature", num_feature) || num_feature < 0 || num_feature > (int64_t(1) << 31))
    return "no valid num_feature";
  if (num(param, "num_class", num_class) && num_class > 1) return "more than one class";
  if (num(param, "num_target", num_target) && num_target != 1) return "more than one target";
  const auto& booster = learner->value("gradient_booster", nlohmann::json::object());
  if (booster.value("name", "") != "gbtree") return "not a gbtree booster";
  const auto& model = booster.value("model", nlohmann::json::object());
  const auto& trees = model.value("trees", nlohmann::json::array());
  const auto& info = model.value("tree_info", nlohmann::json::array());
  const auto& mp = model.value("gbtree_model_param", nlohmann::json::object());
  int64_t num_trees = -1, parallel = 1, leaf_vector = 0;
  if (!trees.is_array() || !info.is_array() || !num(mp, "num_trees", num_trees) || num_trees != int64_t(trees.size()) ||
      info.size() != trees.size())
    return "tree count does not match its trees";
  if ((num(mp, "num_parallel_tree", parallel) && parallel != 1) ||
      (num(mp, "size_leaf_vector", leaf_vector) && leaf_vector != 0))
    return "not one scalar tree per round";
  for (const auto& g : info)
    if (!g.is_number_integer() || g.get<int64_t>() != 0) return "a tree of another output group";
  for (size_t t = 0; t < trees.size(); ++t) {
    const auto& tree = trees[t];
    int64_t nodes = 0;
    if (!tree.is_object() || !num(tree.value("tree_param", nlohmann::json::object()), "num_nodes", nodes) ||
        nodes < 1 || nodes > (int64_t(1) << 26))
      return fmt::format("tree {}: no valid num_nodes", t);
    for (const char* key : {"left_children", "right_children", "split_indices", "split_conditions", "default_left",
                            "base_weights", "parents", "split_type"})
      if (!tree.contains(key) || !tree[key].is_array() || int64_t(tree[key].size()) != nodes)
        return fmt::format("tree {}: {} does not hold {} nodes", t, key, nodes);
    for (const char* key : {"categories", "categories_nodes", "categories_segments", "categories_sizes"})
      if (tree.contains(key) && (!tree[key].is_array() || !tree[key].empty()))
        return fmt::format("tree {}: categorical splits", t);
    const auto &left = tree["left_children"], &right = tree["right_children"], &split = tree["split_indices"];
    // Every node reached exactly once from the root: no cycle, no shared child.
    std::vector<uint8_t> seen(size_t(nodes), 0);
    std::vector<int64_t> stack = {0};
    seen[0] = 1;
    while (!stack.empty()) {
      int64_t i = stack.back();
      stack.pop_back();
      if (!left[i].is_number_integer() || !right[i].is_number_integer() || !split[i].is_number_integer() ||
          !tree["split_type"][i].is_number_integer() || tree["split_type"][i].get<int64_t>() != 0)
        return fmt::format("tree {} node {}: not a numeric split or leaf", t, i);
      int64_t l = left[i].get<int64_t>(), r = right[i].get<int64_t>();
      if (l == -1 && r == -1) continue;
      int64_t f = split[i].get<int64_t>();
      if (f < 0 || f >= num_feature)
        return fmt::format("tree {} node {}: split on feature {} of {}", t, i, f, num_feature);
      for (int64_t c : {l, r}) {
        if (c < 0 || c >= nodes || seen[size_t(c)]) return fmt::format("tree {} node {}: bad child {}", t, i, c);
        seen[size_t(c)] = 1;
        stack.push_back(c);
      }
    }
  }
  return "";
}

class UbjCheck {
 public:
  explicit UbjCheck(std::string_view b) : b_(b) {}
  // An object: xgboost reads anything else as its legacy binary format, which
  // allocates from unchecked lengths too (found by tests/fuzz/fuzz_model).
  bool Ok() { return Peek('{') && Value(0); }

 private:
  static constexpr int kMaxDepth = 64;
  static int Fixed(char t) {  // payload bytes of a fixed-size type, -1 otherwise
    switch (t) {
      case 'Z':
      case 'N':
      case 'T':
      case 'F':
        return 0;
      case 'i':
      case 'U':
      case 'C':
        return 1;
      case 'I':
        return 2;
      case 'l':
      case 'd':
        return 4;
      case 'L':
      case 'D':
        return 8;
      default:
        return -1;
    }
  }
  size_t Left() const { return b_.size() - pos_; }
  bool Peek(char c) const { return pos_ < b_.size() && b_[pos_] == c; }
  bool Take(uint64_t n) {
    if (n > Left()) return false;
    pos_ += n;
    return true;
  }
  bool Count(uint64_t& n) {  // an integer with its marker, big-endian, >= 0
    if (!Left()) return false;
    char t = b_[pos_++];
    int w = t == 'i' || t == 'U' ? 1 : t == 'I' ? 2 : t == 'l' ? 4 : t == 'L' ? 8 : 0;
    if (!w || size_t(w) > Left()) return false;
    uint64_t u = 0;
    for (int k = 0; k < w; ++k) u = u << 8 | uint8_t(b_[pos_ + k]);
    pos_ += size_t(w);
    bool neg = t != 'U' && (u >> (8 * w - 1)) & 1;
    n = u;
    return !neg;
  }
  bool Typed(char t, int depth) {
    int f = Fixed(t);
    if (f >= 0) return Take(uint64_t(f));
    uint64_t n = 0;
    if (t == 'S' || t == 'H') return Count(n) && Take(n);
    if ((t == '[' || t == '{') && depth < kMaxDepth) return Container(t == '{', depth + 1);
    return false;
  }
  bool Value(int depth) { return Left() && Typed(b_[pos_++], depth); }
  bool Key() {
    uint64_t n = 0;
    return Count(n) && Take(n);
  }
  bool Container(bool object, int depth) {
    char type = 0;
    if (Peek('$')) {
      if (Left() < 2) return false;
      type = b_[pos_ + 1];
      pos_ += 2;
      if (!Peek('#')) return false;
    }
    if (Peek('#')) {
      ++pos_;
      uint64_t n = 0;
      if (!Count(n) || n > Left()) return false;  // every element takes a byte at least
      int f = type ? Fixed(type) : -1;
      if (!object && f > 0) return n <= Left() / uint64_t(f) && Take(n * uint64_t(f));
      for (uint64_t i = 0; i < n; ++i)
        if ((object && !Key()) || !(type ? Typed(type, depth) : Value(depth))) return false;
      return true;
    }
    char end = object ? '}' : ']';
    while (!Peek(end))
      if ((object && !Key()) || !Value(depth)) return false;
    ++pos_;
    return true;
  }
  std::string_view b_;
  size_t pos_ = 0;
};

class GbdtModel : public Model {
 public:
  ~GbdtModel() override {
    if (booster_) XGBoosterFree(booster_);
  }
  std::string name() const override { return "gbdt"; }
  void Describe(OptionSet& o) override {
    o.Add("rounds", &rounds_, "maximum boosting rounds").Range(1, 100000);
    o.Add("early_stop", &early_stop_, "rounds without a better valid logloss before stopping").Min(1);
    o.Add("learning_rate", &eta_, "shrinkage per round (xgboost eta)").Range(1e-6, 1).Alias("eta");
    o.Add("max_depth", &max_depth_, "maximum tree depth").Range(1, 32);
    o.Add("min_child_weight", &min_child_weight_, "minimum hessian per leaf").Min(0);
    o.Add("subsample", &subsample_, "row sampling per tree").Range(0.01, 1);
    o.Add("colsample", &colsample_, "column sampling per tree").Range(0.01, 1);
    o.Add("lambda", &lambda_, "L2 on leaf weights").Min(0);
    o.Add("tree_method", &tree_method_, "xgboost tree method").Choices({"hist", "approx", "exact"});
  }
  void Init(const Context&) override {
    if (booster_) XGBoosterFree(booster_);
    booster_ = nullptr;
    predicted_ = false;
    state_.clear();
  }

  double Margin(const Example& ex) const override {
    Csr c;
    c.Add(ex, const_cast<Columns&>(cols_), false);
    double out = 0;
    MarginCsr(c, &out, 1);
    return out;
  }

  void MarginBatch(std::span<const Example> ex, std::span<double> out, const Context&) const override {
    Csr c;
    for (const auto& e : ex) c.Add(e, const_cast<Columns&>(cols_), false);
    MarginCsr(c, out.data(), out.size());
  }

  Explanation Explain(const Example& ex) const override {
    Csr c;
    c.Add(ex, const_cast<Columns&>(cols_), false);
    size_t ncol = Ncol();
    std::vector<double> per(hasher().num_fields() + 1, 0.0);
    double bias = 0;
    std::lock_guard lock(mu_);
    Ready();
    DMatrix d(c, ncol, false);
    bst_ulong const* shape = nullptr;
    bst_ulong dim = 0;
    const float* res = nullptr;
    Check(XGBoosterPredictFromDMatrix(booster_, d.h(), PredictConfig(2).c_str(), &shape, &dim, &res),
          "predict contributions");
    // Columns of this example map to their fields; contributions of absent
    // columns (trees route missing values too) go to one "(absent features)" entry.
    std::vector<int> field_of;
    std::vector<std::pair<unsigned, uint32_t>> cols;
    for (const Feature& f : ex.features) cols.push_back({f.index, f.field});
    std::sort(cols.begin(), cols.end());
    for (size_t j = 0; j < ncol; ++j) {
      double v = res[j];
      if (v == 0) continue;
      unsigned b = cols_.bucket(j);
      auto it = std::lower_bound(cols.begin(), cols.end(), std::make_pair(b, uint32_t(0)));
      if (it != cols.end() && it->first == b) per[it->second] += v;
      else per.back() += v;
    }
    bias = res[ncol];
    auto e = MakeExplanation(*this, bias, std::move(per));
    for (auto& f : e.fields)
      if (f.field == uint32_t(hasher().num_fields())) f.name = "(absent features)";
    return e;
  }

  std::span<float> Parameters() override { return {}; }

 protected:
  TrainReport DoTrain(ExampleSource& train, ExampleSource* valid, const TrainConfig& cfg, const Context& ctx) override {
    if (cfg.online)
      Throw(ErrorCode::kInvalidArgument, "gbdt trains on the whole data set; --online is for lr, fm, ffm");
    // Debian's libxgboost (1.7) has only rabit, whose workers need xgboost's
    // Python tracker to find each other; it cannot join an MPI job.
    if (ctx.comm().distributed())
      Throw(ErrorCode::kUnsupported,
            "gbdt is not distributed ({}): this libxgboost's collective (rabit) needs its own tracker, not "
            "mpirun; train gbdt in one process, or lr, fm or ffm under mpirun (docs/distributed.md)",
            ctx.comm().describe());
    TrainReport r;
    Columns cols = cols_;
    Csr tc = ReadAll(train, cols, true);
    r.train_rows = tc.rows();
    size_t ncol = std::max<size_t>(cols.size(), 1);
    DMatrix dtrain(tc, ncol, true);
    std::unique_ptr<Csr> vc;
    std::unique_ptr<DMatrix> dvalid;
    if (valid) {
      vc = std::make_unique<Csr>(ReadAll(*valid, cols, false));
      dvalid = std::make_unique<DMatrix>(*vc, ncol, true);
    }
    std::lock_guard lock(mu_);
    std::vector<DMatrixHandle> cache{dtrain.h()};
    if (dvalid) cache.push_back(dvalid->h());
    BoosterHandle b = nullptr;
    Check(XGBoosterCreate(cache.data(), cache.size(), &b), "create booster");
    std::unique_ptr<void, void (*)(void*)> guard(b, [](void* p) { XGBoosterFree(p); });
    auto set = [&](const char* k, const std::string& v) { Check(XGBoosterSetParam(b, k, v.c_str()), k); };
    set("objective", "binary:logistic");
    set("eval_metric", "logloss");
    set("eta", std::to_string(eta_));
    set("max_depth", std::to_string(max_depth_));
    set("min_child_weight", std::to_string(min_child_weight_));
    set("subsample", std::to_string(subsample_));
    set("colsample_bytree", std::to_string(colsample_));
    set("lambda", std::to_string(lambda_));
    set("tree_method", tree_method_);
    set("nthread", std::to_string(ctx.threads));
    set("seed", std::to_string(ctx.SubSeed("gbdt") & 0x7fffffff));
    set("verbosity", "0");
    int start = 0;
    if (!state_.empty()) {  // warm start: continue boosting from the loaded trees
      Check(XGBoosterLoadModelFromBuffer(b, state_.data(), state_.size()), "load model for warm start");
      Check(XGBoosterBoostedRounds(b, &start), "rounds");
    }
    double best = 1e300;
    int best_round = start, since = 0;
    const char* names[] = {"valid"};
    for (int it = start; it < start + rounds_; ++it) {
      Check(XGBoosterUpdateOneIter(b, it, dtrain.h()), "boost");
      r.examples_seen += r.train_rows;
      if (!dvalid) {
        best_round = it + 1;
        continue;
      }
      DMatrixHandle vh = dvalid->h();
      const char* msg = nullptr;
      Check(XGBoosterEvalOneIter(b, it, &vh, names, 1, &msg), "evaluate");
      std::string s(msg);
      auto pos = s.find("valid-logloss:");
      double ll = pos == std::string::npos ? NAN : std::stod(s.substr(pos + 14));
      EpochReport er;
      er.epoch = it + 1;
      er.valid_logloss = ll;
      r.epochs.push_back(er);
      if (ll < best) {
        best = ll;
        best_round = it + 1;
        since = 0;
      } else if (++since >= early_stop_) {
        r.stopped_early = true;
        break;
      }
    }
    r.epochs_run = int(r.epochs.size());
    r.best_epoch = best_round;
    // Keep only the trees up to the best round.
    BoosterHandle sliced = nullptr;
    Check(XGBoosterSlice(b, 0, best_round, 1, &sliced), "slice to the best round");
    std::unique_ptr<void, void (*)(void*)> g2(sliced, [](void* p) { XGBoosterFree(p); });
    state_ = SaveBuffer(sliced);
    cols_ = std::move(cols);
    if (booster_) XGBoosterFree(booster_);
    booster_ = nullptr;
    predicted_ = false;
    ctx.log().info("gbdt: {} rounds kept (best valid logloss {:.5f})", best_round, best);
    return r;
  }

  // State: uint64 column count, the bucket of each column (uint32), then the xgboost model.
  std::string SaveState() const override {
    std::string out;
    uint64_t n = cols_.size();
    out.append(reinterpret_cast<const char*>(&n), sizeof n);
    out.append(reinterpret_cast<const char*>(cols_.buckets().data()), n * sizeof(uint32_t));
    return out + state_;
  }
  void LoadState(std::string_view bytes) override {
    uint64_t n = 0;
    if (bytes.size() < sizeof n) Throw(ErrorCode::kCorruption, "gbdt state: too short");
    std::memcpy(&n, bytes.data(), sizeof n);
    if (n > (bytes.size() - sizeof n) / sizeof(uint32_t))
      Throw(ErrorCode::kCorruption, "gbdt state: {} columns do not fit in {} bytes", n, bytes.size());
    std::vector<uint32_t> b(n);
    std::memcpy(b.data(), bytes.data() + sizeof n, n * sizeof(uint32_t));
    cols_.Assign(b);
    bytes.remove_prefix(sizeof n + n * sizeof(uint32_t));
    if (!UbjCheck(bytes).Ok())
      Throw(ErrorCode::kCorruption,
            "gbdt state: malformed xgboost model (a length overruns the data or nesting is too deep)");
    if (std::string why = TreesProblem(bytes); !why.empty())
      Throw(ErrorCode::kCorruption, "gbdt state: malformed xgboost model: {}", why);
    state_.assign(bytes);
    std::lock_guard lock(mu_);
    if (booster_) XGBoosterFree(booster_);
    booster_ = nullptr;
    predicted_ = false;
    try {
      Ready();
    } catch (const Error& e) {
      Throw(ErrorCode::kCorruption, "gbdt state: {}", e.what());
    }
  }

 private:
  size_t Ncol() const { return std::max<size_t>(cols_.size(), 1); }
  static std::string PredictConfig(int type) {
    return "{\"type\": " + std::to_string(type) +
           ", \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, \"strict_shape\": false}";
  }
  static std::string SaveBuffer(BoosterHandle b) {
    bst_ulong len = 0;
    const char* p = nullptr;
    Check(XGBoosterSaveModelToBuffer(b, "{\"format\": \"ubj\"}", &len, &p), "save model");
    return std::string(p, len);
  }
  // Builds the booster from state_ on first use. REQUIRES: mu_ held.
  void Ready() const {
    if (booster_) return;
    if (state_.empty()) Throw(ErrorCode::kInvalidArgument, "gbdt model is not trained");
    Check(XGBoosterCreate(nullptr, 0, &booster_), "create booster");
    // The state comes from a file: xgboost refusing it is a corrupt model.
    if (XGBoosterLoadModelFromBuffer(booster_, state_.data(), state_.size()) != 0)
      Throw(ErrorCode::kCorruption, "gbdt model state rejected by xgboost: {}", XGBGetLastError());
    Check(XGBoosterSetParam(booster_, "nthread", "1"), "nthread");
  }
  void MarginCsr(const Csr& c, double* out, size_t n) const {
    ADP_CHECK(c.rows() == n);
    if (n == 0) return;
    std::lock_guard lock(mu_);
    Ready();
    DMatrix d(c, Ncol(), false);
    bst_ulong const* shape = nullptr;
    bst_ulong dim = 0;
    const float* res = nullptr;
    // xgboost checks a loaded model's parameters (e.g. base_score in (0, 1)
    // for logistic loss) only at its first prediction: a failure there is
    // the file's, not ours (found by tests/fuzz/fuzz_model).
    if (XGBoosterPredictFromDMatrix(booster_, d.h(), PredictConfig(1).c_str(), &shape, &dim, &res) != 0)
      Throw(predicted_ ? ErrorCode::kInternal : ErrorCode::kCorruption, "xgboost predict: {}", XGBGetLastError());
    predicted_ = true;
    for (size_t i = 0; i < n; ++i) out[i] = res[i];
  }

  int rounds_ = 300, early_stop_ = 20, max_depth_ = 6;
  double eta_ = 0.1, min_child_weight_ = 1, subsample_ = 0.9, colsample_ = 0.8, lambda_ = 1;
  std::string tree_method_ = "hist";
  Columns cols_;
  std::string state_;  // xgboost UBJSON model: the learned state
  mutable std::mutex mu_;
  mutable BoosterHandle booster_ = nullptr;
  mutable bool predicted_ = false;  // the booster has answered once (its state passed xgboost's checks)
};

ADPILOT_REGISTER(ModelRegistry, "gbdt", "gradient-boosted trees (xgboost C API), TreeSHAP explanations",
                 []() -> std::unique_ptr<Model> { return std::make_unique<GbdtModel>(); });

}  // namespace
}  // namespace adpilot::predict
