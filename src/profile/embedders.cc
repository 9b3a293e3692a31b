// User vectors: BERT (mean of the user's text vectors) and the TF-IDF baseline.
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "adpilot/bert.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/parallel.h"
#include "adpilot/profile.h"
#include "adpilot/progress.h"
#include "adpilot/tokenizer.h"
#include "profile/words.h"

namespace adpilot {

float Dot(const float* a, const float* b, size_t dim) {
  float s = 0;
  for (size_t i = 0; i < dim; ++i) s += a[i] * b[i];
  return s;
}

void NormalizeRows(Matrix& m) {
  for (size_t i = 0; i < m.rows; ++i) {
    float* r = m.row(i);
    float n = std::sqrt(Dot(r, r, m.dim));
    if (n > 0)
      for (size_t j = 0; j < m.dim; ++j) r[j] /= n;
  }
}

void CenterRows(Matrix& m) {
  std::vector<double> mean(m.dim, 0.0);
  size_t n = 0;
  for (size_t i = 0; i < m.rows; ++i) {
    const float* r = m.row(i);
    if (Dot(r, r, m.dim) == 0) continue;  // users with no text stay zero
    ++n;
    for (size_t j = 0; j < m.dim; ++j) mean[j] += r[j];
  }
  if (!n) return;
  for (size_t i = 0; i < m.rows; ++i) {
    float* r = m.row(i);
    if (Dot(r, r, m.dim) == 0) continue;
    for (size_t j = 0; j < m.dim; ++j) r[j] -= float(mean[j] / double(n));
  }
}

Matrix CenteredUnitRows(const Matrix& x) {
  Matrix m = x;
  CenterRows(m);
  NormalizeRows(m);
  return m;
}

Matrix TextEmbedder::EmbedUsers(const UserTexts& users, const Context& ctx) const {
  std::vector<std::string> flat;
  flat.reserve(users.num_texts());
  for (const auto& t : users.texts) flat.insert(flat.end(), t.begin(), t.end());
  Matrix tv = EmbedTexts(flat, ctx);
  Matrix m{users.ids.size(), dim(), std::vector<float>(users.ids.size() * dim(), 0.f)};
  size_t k = 0;
  for (size_t u = 0; u < users.ids.size(); ++u) {
    float* r = m.row(u);
    for (size_t t = 0; t < users.texts[u].size(); ++t, ++k)
      for (size_t j = 0; j < m.dim; ++j) r[j] += tv.row(k)[j];
    if (!users.texts[u].empty())
      for (size_t j = 0; j < m.dim; ++j) r[j] /= float(users.texts[u].size());
  }
  return m;
}

namespace {

class BertEmbedder : public TextEmbedder {
 public:
  explicit BertEmbedder(std::shared_ptr<BertEncoder> enc) : enc_(std::move(enc)) {}
  std::string name() const override { return "bert"; }
  size_t dim() const override { return size_t(enc_->dim()); }
  Matrix EmbedTexts(const std::vector<std::string>& texts, const Context& ctx) const override {
    Matrix m{texts.size(), dim(), std::vector<float>(texts.size() * dim())};
    // Chunks bound memory and let progress move on large inputs.
    constexpr size_t kChunk = 4096;
    Progress progress(ctx, "embed", texts.size(), "texts");
    for (size_t s = 0; s < texts.size(); s += kChunk) {
      size_t e = std::min(texts.size(), s + kChunk);
      std::vector<std::string> chunk(texts.begin() + std::ptrdiff_t(s), texts.begin() + std::ptrdiff_t(e));
      auto v = enc_->Embed(chunk, ctx);
      for (size_t i = 0; i < v.size(); ++i) std::copy(v[i].begin(), v[i].end(), m.row(s + i));
      progress.Add(e - s);
    }
    return m;
  }

 private:
  std::shared_ptr<BertEncoder> enc_;
};

const WordPieceTokenizer& WordSplitter() {
  static const WordPieceTokenizer tok({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}, TokenizerConfig{});
  return tok;
}

// Lower-cased words of a text, punctuation dropped.
std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> w = WordSplitter().BasicTokenize(text);
  w.erase(std::remove_if(
              w.begin(), w.end(),
              [](const std::string& s) { return s.size() == 1 && !std::isalnum(static_cast<unsigned char>(s[0])); }),
          w.end());
  return w;
}

class TfidfEmbedder : public TextEmbedder {
 public:
  TfidfEmbedder(std::unordered_map<std::string, size_t> vocab, std::vector<float> idf)
      : vocab_(std::move(vocab)), idf_(std::move(idf)) {}
  std::string name() const override { return "tfidf"; }
  size_t dim() const override { return idf_.size(); }
  Matrix EmbedTexts(const std::vector<std::string>& texts, const Context& ctx) const override {
    Matrix m{texts.size(), dim(), std::vector<float>(texts.size() * dim(), 0.f)};
    ParallelFor(ctx.threads, texts.size(), [&](size_t b, size_t e, int) {
      for (size_t i = b; i < e; ++i) {
        std::unordered_map<size_t, int> tf;
        for (const auto& w : Words(texts[i])) {
          auto it = vocab_.find(w);
          if (it != vocab_.end()) ++tf[it->second];
        }
        float* r = m.row(i);
        for (auto [j, c] : tf) r[j] = (1.f + std::log(float(c))) * idf_[j];
      }
    });
    NormalizeRows(m);
    return m;
  }
  Matrix EmbedUsers(const UserTexts& users, const Context& ctx) const override {
    return EmbedTexts(UserDocuments(users), ctx);
  }

 private:
  std::unordered_map<std::string, size_t> vocab_;
  std::vector<float> idf_;
};

}  // namespace

std::vector<uint64_t> TokenCounts(const WordPieceTokenizer& tok, const UserTexts& users, size_t max_len) {
  std::vector<uint64_t> counts(tok.vocab_size(), 0);
  for (const auto& texts : users.texts)
    for (const auto& t : texts)
      for (int32_t id : tok.Encode(t, max_len))
        if (id >= 0 && size_t(id) < counts.size()) ++counts[size_t(id)];
  return counts;
}

std::unique_ptr<TextEmbedder> MakeBertEmbedder(std::shared_ptr<BertEncoder> encoder) {
  return std::make_unique<BertEmbedder>(std::move(encoder));
}

std::unique_ptr<TextEmbedder> FitTfidf(const std::vector<std::string>& documents, size_t max_features, size_t min_df,
                                       double max_df_share, const Context& ctx) {
  std::unordered_map<std::string, size_t> df;
  for (const auto& d : documents) {
    std::vector<std::string> w = Words(d);
    std::sort(w.begin(), w.end());
    w.erase(std::unique(w.begin(), w.end()), w.end());
    for (auto& x : w) ++df[x];
  }
  double n = double(documents.size());
  std::vector<std::pair<size_t, std::string>> ranked;
  for (const auto& [w, c] : df)
    if (c >= min_df && double(c) <= max_df_share * n) ranked.emplace_back(c, w);
  std::sort(ranked.begin(), ranked.end(),
            [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  if (ranked.size() > max_features) ranked.resize(max_features);
  if (ranked.empty()) Throw(ErrorCode::kInvalidArgument, "TF-IDF: no word passes the document-frequency limits");
  std::unordered_map<std::string, size_t> vocab;
  std::vector<float> idf;
  for (const auto& [c, w] : ranked) {
    vocab[w] = idf.size();
    idf.push_back(float(std::log((1.0 + n) / (1.0 + double(c))) + 1.0));
  }
  ctx.log().info("tfidf: {} documents, {} features", documents.size(), idf.size());
  return std::make_unique<TfidfEmbedder>(std::move(vocab), std::move(idf));
}

std::vector<std::string> CandidateKeywords(const UserTexts& users, size_t n) {
  std::unordered_map<std::string, size_t> df;
  for (const auto& texts : users.texts) {
    std::vector<std::string> w;
    for (const auto& t : texts)
      for (auto& x : Words(t)) w.push_back(std::move(x));
    std::sort(w.begin(), w.end());
    w.erase(std::unique(w.begin(), w.end()), w.end());
    for (auto& x : w) ++df[x];
  }
  std::vector<std::pair<size_t, std::string>> ranked;
  size_t limit = std::max<size_t>(1, users.ids.size() / 3);  // words most users share say little
  for (const auto& [w, c] : df)
    if (c >= 2 && c <= limit && w.size() > 2) ranked.emplace_back(c, w);
  std::sort(ranked.begin(), ranked.end(),
            [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  std::vector<std::string> out;
  for (size_t i = 0; i < std::min(n, ranked.size()); ++i) out.push_back(ranked[i].second);
  return out;
}

// Shared with segments.cc and keywords.cc: the same word splitting everywhere.
std::vector<std::string> ProfileWords(std::string_view text) { return Words(text); }

}  // namespace adpilot
