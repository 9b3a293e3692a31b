// BERT-whitening (Su et al. 2021) of user vectors: centre on the users' mean
// and rotate/scale by the inverse square root of their covariance, keeping the
// leading principal directions. Mean-pooled encoder vectors are anisotropic (a
// few directions carry most of the variance, mostly frequency and length), so
// cosine on raw or merely centred vectors is dominated by those directions.
#include <algorithm>
#include <cmath>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include "adpilot/error.h"
#include "adpilot/profile.h"

namespace adpilot {
namespace {

bool IsZero(const float* r, size_t dim) {
  for (size_t j = 0; j < dim; ++j)
    if (r[j] != 0.f) return false;
  return true;
}

}  // namespace

Whitening Whitening::Fit(const Matrix& x, size_t dims) {
  size_t d = x.dim, n = 0;
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(Eigen::Index(d));
  for (size_t i = 0; i < x.rows; ++i) {
    if (IsZero(x.row(i), d)) continue;  // users with no text say nothing about the distribution
    ++n;
    for (size_t j = 0; j < d; ++j) mean[Eigen::Index(j)] += x.row(i)[j];
  }
  if (n < 2) Throw(ErrorCode::kInvalidArgument, "whitening needs at least 2 users with text (got {})", n);
  mean /= double(n);
  Eigen::MatrixXd centred = Eigen::MatrixXd::Zero(Eigen::Index(n), Eigen::Index(d));
  for (size_t i = 0, r = 0; i < x.rows; ++i) {
    if (IsZero(x.row(i), d)) continue;
    for (size_t j = 0; j < d; ++j) centred(Eigen::Index(r), Eigen::Index(j)) = x.row(i)[j] - mean[Eigen::Index(j)];
    ++r;
  }
  Eigen::MatrixXd cov = centred.transpose() * centred / double(n);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cov);
  if (eig.info() != Eigen::Success) Throw(ErrorCode::kInternal, "whitening: eigen decomposition failed");
  const Eigen::VectorXd& lambda = eig.eigenvalues();  // ascending
  size_t k = dims == 0 ? d : std::min(dims, d);
  // Directions with (numerically) no variance would be blown up to noise: dropped.
  double floor = std::max(1e-12, lambda[Eigen::Index(d) - 1] * 1e-6);
  Whitening w;
  w.in = d;
  w.mean.assign(d, 0.f);
  for (size_t j = 0; j < d; ++j) w.mean[j] = float(mean[Eigen::Index(j)]);
  std::vector<size_t> keep;
  for (size_t r = 0; r < k; ++r) {
    Eigen::Index col = Eigen::Index(d - 1 - r);
    if (lambda[col] > floor) keep.push_back(size_t(col));
  }
  w.out = keep.size();
  w.matrix.assign(d * w.out, 0.f);
  for (size_t o = 0; o < w.out; ++o) {
    double s = 1.0 / std::sqrt(lambda[Eigen::Index(keep[o])]);
    for (size_t j = 0; j < d; ++j)
      w.matrix[j * w.out + o] = float(eig.eigenvectors()(Eigen::Index(j), Eigen::Index(keep[o])) * s);
  }
  return w;
}

Matrix Whitening::Apply(const Matrix& x) const {
  if (x.dim != in) Throw(ErrorCode::kInvalidArgument, "whitening fitted on {}-dimensional vectors, got {}", in, x.dim);
  Matrix m{x.rows, out, std::vector<float>(x.rows * out, 0.f)};
  std::vector<float> c(in);
  for (size_t i = 0; i < x.rows; ++i) {
    const float* r = x.row(i);
    if (IsZero(r, in)) continue;  // no text stays a zero vector
    for (size_t j = 0; j < in; ++j) c[j] = r[j] - mean[j];
    float* o = m.row(i);
    for (size_t j = 0; j < in; ++j) {
      const float* wr = matrix.data() + j * out;
      for (size_t q = 0; q < out; ++q) o[q] += c[j] * wr[q];
    }
  }
  return m;
}

void to_json(nlohmann::json& j, const Whitening& w) {
  j = {{"in", w.in}, {"out", w.out}, {"mean", w.mean}, {"matrix", w.matrix}};
}

Whitening Whitening::FromJson(const nlohmann::json& j, const std::string& origin) {
  Whitening w;
  try {
    w.in = j.at("in").get<size_t>();
    w.out = j.at("out").get<size_t>();
    w.mean = j.at("mean").get<std::vector<float>>();
    w.matrix = j.at("matrix").get<std::vector<float>>();
  } catch (const nlohmann::json::exception& e) {
    Throw(ErrorCode::kCorruption, "{}: malformed whitening: {}", origin, e.what());
  }
  if (w.mean.size() != w.in || w.matrix.size() != w.in * w.out)
    Throw(ErrorCode::kCorruption, "{}: whitening sizes disagree (in {}, out {}, mean {}, matrix {})", origin, w.in,
          w.out, w.mean.size(), w.matrix.size());
  return w;
}

}  // namespace adpilot

namespace adpilot {
namespace {

// Texts and users of the base embedder, mapped by a fitted whitening, so a
// keyword or a campaign brief lands in the same space as the user vectors.
class WhitenedEmbedder : public TextEmbedder {
 public:
  WhitenedEmbedder(std::shared_ptr<const TextEmbedder> base, Whitening w) : base_(std::move(base)), w_(std::move(w)) {}
  std::string name() const override { return base_->name(); }
  size_t dim() const override { return w_.out; }
  Matrix EmbedTexts(const std::vector<std::string>& texts, const Context& ctx) const override {
    return w_.Apply(base_->EmbedTexts(texts, ctx));
  }
  Matrix EmbedUsers(const UserTexts& users, const Context& ctx) const override {
    return w_.Apply(base_->EmbedUsers(users, ctx));
  }

 private:
  std::shared_ptr<const TextEmbedder> base_;
  Whitening w_;
};

}  // namespace

std::unique_ptr<TextEmbedder> MakeWhitenedEmbedder(std::shared_ptr<const TextEmbedder> base, Whitening w) {
  return std::make_unique<WhitenedEmbedder>(std::move(base), std::move(w));
}

}  // namespace adpilot
