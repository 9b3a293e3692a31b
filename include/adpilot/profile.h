// User profiles from text: read users' texts, turn each user into one vector
// (a BERT encoder or a TF-IDF baseline), then segments (k-means++), lookalike
// audiences (HNSW) and keyword ranking on top of those vectors.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "adpilot/bad_rows.h"

namespace adpilot {

struct Context;
class BertEncoder;
class WordPieceTokenizer;

// ---- Input --------------------------------------------------------------

struct UserTextOptions {
  // "lines": one text per line, each its own user (id = line number);
  // "tsv": user_id<TAB>text, a user's lines pooled; "jsonl": one object per
  // user; "auto": by extension (.jsonl/.json, .tsv, else lines).
  std::string format = "auto";
  std::string id_field = "user_id";
  // A string, an array of strings, or an array of objects with a "text" member.
  std::string text_field = "texts";
  std::string truth_field;       // optional numeric array per user (true interest mixture)
  std::string label_field;       // optional string (e.g. dominant_topic) or array of strings per user
  std::string pseudonymize_key;  // non-empty: ids become keyed pseudonyms as they are read (pseudonym.h)
};

struct UserTexts {
  std::vector<std::string> ids;
  std::vector<std::vector<std::string>> texts;   // per user; may be empty
  std::vector<std::vector<float>> truth;         // per user when truth_field is set
  std::vector<std::vector<std::string>> labels;  // per user when label_field is set
  size_t num_texts() const;
};

// Streams the file; malformed rows and texts with invalid UTF-8 go to `bad`
// ("file:line: field: reason") and are skipped. Users with no text are kept
// (their vector is all zeros, see docs/profile.md).
UserTexts ReadUserTexts(const std::string& path, const UserTextOptions& opts, BadRowLog& bad, const Context& ctx);

// ---- Vectors ------------------------------------------------------------

// Row-major n x dim matrix of float32.
struct Matrix {
  size_t rows = 0, dim = 0;
  std::vector<float> data;
  float* row(size_t i) { return data.data() + i * dim; }
  const float* row(size_t i) const { return data.data() + i * dim; }
};

void NormalizeRows(Matrix& m);  // L2; zero rows stay zero
// Subtracts the mean of the non-zero rows from them. Mean-pooled BERT vectors
// share a large common direction (anisotropy) that swamps cosine similarity;
// segments, lookalikes and the evaluation compare centred, normalised vectors.
void CenterRows(Matrix& m);
// A copy of `x` centred (CenterRows) and normalised: the geometry every
// comparison of user vectors uses.
Matrix CenteredUnitRows(const Matrix& x);
float Dot(const float* a, const float* b, size_t dim);

// BERT-whitening (Su et al. 2021): x -> (x - mean) * matrix, the matrix being
// the covariance's leading eigenvectors scaled by 1/sqrt(eigenvalue), fitted on
// the users' own vectors. Zero rows (users with no text) are ignored by Fit and
// stay zero in Apply. Stored in a profile file's metadata so vectors embedded
// later are mapped the same way.
struct Whitening {
  size_t in = 0, out = 0;
  std::vector<float> mean;    // in
  std::vector<float> matrix;  // in x out, row-major
  // `dims` leading directions (0 = all with non-negligible variance).
  static Whitening Fit(const Matrix& x, size_t dims);
  Matrix Apply(const Matrix& x) const;
  static Whitening FromJson(const nlohmann::json& j, const std::string& origin);
};
void to_json(nlohmann::json& j, const Whitening& w);

class TextEmbedder {
 public:
  virtual ~TextEmbedder() = default;
  virtual std::string name() const = 0;
  virtual size_t dim() const = 0;
  // One vector per text.
  virtual Matrix EmbedTexts(const std::vector<std::string>& texts, const Context& ctx) const = 0;
  // One vector per user: the mean of the user's text vectors (BERT) or the
  // vector of the user's concatenated texts (TF-IDF). No text -> zero vector.
  virtual Matrix EmbedUsers(const UserTexts& users, const Context& ctx) const;
};

// How often each token id occurs in the users' texts (each text encoded as the
// encoder would, truncated to max_len); the frequencies of "sif" pooling.
std::vector<uint64_t> TokenCounts(const WordPieceTokenizer& tok, const UserTexts& users, size_t max_len);

// Wraps a loaded BERT encoder; texts are embedded in chunks with progress.
std::unique_ptr<TextEmbedder> MakeBertEmbedder(std::shared_ptr<BertEncoder> encoder);

// `base` with every output vector mapped by `w` (texts and users alike).
std::unique_ptr<TextEmbedder> MakeWhitenedEmbedder(std::shared_ptr<const TextEmbedder> base, Whitening w);

// Bag-of-words baseline: lower-cased words (the BERT basic tokenizer) with
// smoothed idf = ln((1+n)/(1+df))+1, sublinear tf, L2-normalised; the
// vocabulary is the `max_features` words of highest document frequency that
// occur in at least `min_df` documents and at most `max_df_share` of them.
std::unique_ptr<TextEmbedder> FitTfidf(const std::vector<std::string>& documents, size_t max_features, size_t min_df,
                                       double max_df_share, const Context& ctx);
// One document per user (texts joined by newlines).
std::vector<std::string> UserDocuments(const UserTexts& users);

// ---- Segments -----------------------------------------------------------

struct KMeansResult {
  int k = 0;
  std::vector<int> assignment;   // per row
  std::vector<float> centroids;  // k x dim
  std::vector<size_t> sizes;
  double inertia = 0;  // sum of squared distances to the centroid
  int iterations = 0;
};

// k-means++ seeding (ctx.Rng("kmeans")), Lloyd iterations with the assignment
// step on ctx.threads threads, until no row moves or max_iter. With restarts
// > 1 the seeding is redrawn (streams "kmeans/1", ...) and the run of least
// inertia kept: one k-means++ run can settle in a poor local optimum.
KMeansResult KMeans(const Matrix& x, int k, int max_iter, const Context& ctx, int restarts = 1);
// k-anonymity of segments: while a segment has fewer than `min_size` users, the
// smallest one is dissolved and each of its users joins the nearest remaining
// centroid; segments are renumbered 0..k-1 in their old order, and centroids,
// sizes and inertia recomputed. Returns how many segments were merged away.
// Throws kInvalidArgument when all the users together are fewer than min_size.
int MergeSmallSegments(const Matrix& x, KMeansResult& r, size_t min_size);
// Mean silhouette over at most `sample` rows (Euclidean).
double Silhouette(const Matrix& x, const std::vector<int>& assignment, int k, size_t sample, const Context& ctx);

struct SegmentTerm {
  std::string term;
  double score;  // p(term|segment) * ln(p(term|segment) / p(term))
  double share;  // share of the segment's users whose texts contain it
};
// The most characteristic words of each segment (document frequency over
// users, lift against all users), `top` per segment.
std::vector<std::vector<SegmentTerm>> SegmentTerms(const UserTexts& users, const std::vector<int>& assignment, int k,
                                                   size_t top, size_t min_users = 3);

// Normalised mutual information (arithmetic mean normalisation, as sklearn's default).
double Nmi(const std::vector<int>& a, const std::vector<int>& b);

// ---- Lookalikes ---------------------------------------------------------

struct LookalikeResult {
  std::vector<size_t> users;  // row indices, best first, seeds excluded
  std::vector<float> scores;  // cosine to the closest seed
  double recall = 0;          // |ANN top-N ∩ exact top-N| / N
  double ann_seconds = 0, exact_seconds = 0;
};

// Users most similar to any seed (cosine; rows are normalised internally):
// HNSW (hnswlib, M=16, ef_construction=200, ef = max(ef_search, per-seed k))
// and an exact scan for the recall figure.
LookalikeResult Lookalike(const Matrix& x, const std::vector<size_t>& seeds, size_t n, int ef_search,
                          const Context& ctx);

// Mean over `queries` sampled users of |top-k by vector cosine ∩ top-k by
// truth cosine| / k (the user itself excluded from both).
// The sampled queries depend only on ctx's seed and the number of users, so two
// profiles of the same users are scored on the same queries (`per_query`).
double NeighbourPrecision(const Matrix& x, const std::vector<std::vector<float>>& truth, size_t k, size_t queries,
                          const Context& ctx, std::vector<double>* per_query = nullptr);

// Leave-one-out k-nearest-neighbour prediction of each label from the other
// users' labels (cosine-weighted votes), AUC over all (user, label) pairs.
double KnnLabelAuc(const Matrix& x, const std::vector<std::vector<std::string>>& labels, size_t k, const Context& ctx);
// The per (user, label) vote shares behind KnnLabelAuc, row-major users x
// labels, kept for paired comparisons (BootstrapAucDifference).
struct KnnLabelScores {
  size_t labels = 0;
  std::vector<double> score;
  std::vector<char> truth;
  double Auc() const;
};
KnnLabelScores KnnLabelScoring(const Matrix& x, const std::vector<std::vector<std::string>>& labels, size_t k,
                               const Context& ctx);

// The evidence figures for one set of user vectors: NMI of k-means segments
// (k = distinct first labels, or `k` when > 0) against the users' first label,
// precision@`neighbours` against true-interest neighbours (when truth is
// present) and kNN label AUC over all labels (25 voters, n/5 on panels under
// 125 users, at least 5; when labels are present); -1 when not computed.
struct ProfileEval {
  int k = 0;
  double nmi = -1, precision = -1, knn_auc = -1;
  double seconds = 0;
  // Behind the figures, for paired comparisons (not written to JSON).
  KnnLabelScores knn;
  std::vector<int> segments, topics;  // k-means assignment and first label per user
  std::vector<double> precision_per_query;
};
ProfileEval EvaluateProfiles(const Matrix& x, const UserTexts& users, int k, size_t neighbours, size_t queries,
                             const Context& ctx);
void to_json(nlohmann::json& j, const ProfileEval& e);

// Items with text of their own (genres, movies) scored for users zero-shot:
// cosine of the centred, normalised user and item vectors (each set centred on
// its own mean). A judgement says whether the user likes the item.
struct ItemJudgement {
  size_t user = 0, item = 0;
  bool positive = false;
};
// Every item for every user, positive when the item's id is among the user's labels.
std::vector<ItemJudgement> JudgementsFromLabels(const UserTexts& users, const std::vector<std::string>& item_ids);
// user_id<TAB>item_id<TAB>0|1 lines; unknown ids and bad labels go to `bad`.
std::vector<ItemJudgement> ReadItemJudgements(const std::string& path, const UserTexts& users,
                                              const std::vector<std::string>& item_ids, BadRowLog& bad);
struct ItemRankingEval {
  double auc = -1;  // mean over users with both classes of the per-user AUC
  size_t users = 0, judgements = 0;
  std::vector<double> per_user;  // NaN where a user lacks a class
};
ItemRankingEval ItemRankingAuc(const Matrix& users, const Matrix& items, const std::vector<ItemJudgement>& judged);

// Paired bootstrap over users of "a minus b" for two profiles of the same
// users: with a few dozen users (MovieLens taggers) one user moves an AUC by
// about 0.02, so a difference is reported with its 95% interval.
struct AucDifference {
  double diff = 0, lo = 0, hi = 0;
  int reps = 0;
};
// kNN label AUC (pooled over (user, label) pairs), users resampled.
AucDifference BootstrapAucDifference(const KnnLabelScores& a, const KnnLabelScores& b, int reps, uint64_t seed);
// Mean per-user AUC (item ranking), users with both AUCs resampled.
AucDifference BootstrapMeanDifference(const std::vector<double>& a, const std::vector<double>& b, int reps,
                                      uint64_t seed);
// NMI of two segmentations of the same users against the same labels.
AucDifference BootstrapNmiDifference(const std::vector<int>& a, const std::vector<int>& b,
                                     const std::vector<int>& truth, int reps, uint64_t seed);
void to_json(nlohmann::json& j, const AucDifference& d);

// ---- Keywords -----------------------------------------------------------

struct KeywordScore {
  std::string keyword;
  double similarity = 0;  // cosine(keyword, campaign description)
  size_t reach = 0;       // users whose texts contain the keyword
  double response = 0;    // mean response of the reached users
  double score = 0;       // similarity + response, the ranking key
};

// Ranks candidate keywords for a campaign. `response` per user (empty: each
// user's cosine to the campaign description).
std::vector<KeywordScore> RankKeywords(const TextEmbedder& embedder, const std::string& campaign,
                                       const std::vector<std::string>& candidates, const UserTexts& users,
                                       const Matrix& profiles, const std::vector<double>& response, const Context& ctx);
// Frequent words of the users' texts (document frequency, top n) as default candidates.
std::vector<std::string> CandidateKeywords(const UserTexts& users, size_t n);

}  // namespace adpilot
