// The profile stage's commands that use the user vectors: profile segment,
// lookalike, keywords (segments, audiences, keywords) and evaluate (the
// evidence figures: the encoder against the TF-IDF baseline). Their options are
// declared here once; the CLI (text printers in src/cli/print_profile.cc) and
// `adpilot run` bind from them.
#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/command.h"
#include "adpilot/error.h"
#include "adpilot/line_source.h"
#include "adpilot/profile.h"
#include "adpilot/pseudonym.h"
#include "profile/user_source.h"

namespace adpilot::profile {
namespace {

// Labels per user for NMI: the first label, or "" when none.
std::vector<int> LabelIds(const UserTexts& users, std::vector<std::string>& names) {
  std::map<std::string, int> id;
  std::vector<int> out;
  for (const auto& l : users.labels) {
    std::string s = l.empty() ? "" : l.front();
    auto [it, fresh] = id.emplace(s, int(id.size()));
    if (fresh) names.push_back(s);
    out.push_back(it->second);
  }
  return out;
}

class SegmentCommand : public Command {
 public:
  std::vector<std::string> Examples() const override {
    return {"profile segment --model encoder --users world/users.jsonl --k 8 --out segments.tsv",
            "profile segment --encoder tfidf --users world/users.jsonl --k 8 --label-field dominant_topic"};
  }
  std::string config_section() const override { return kEncoderSection; }

  void Describe(OptionSet& s) override {
    src_.Describe(s, "users");
    s.Add("profiles", &profiles_, "use a saved profile file instead of embedding");
    s.Add("k", &k_, "segments (0 = choose by silhouette in [k-min, k-max])").Min(0);
    s.Add("k_min", &k_min_, "smallest k tried").Min(0);
    s.Add("k_max", &k_max_, "largest k tried").Min(0);
    s.Add("max_iter", &iters_, "Lloyd iterations at most").Min(0);
    s.Add("restarts", &restarts_, "k-means++ runs per k; the least inertia is kept").Min(1);
    s.Add("top_terms", &top_, "terms per segment description").Min(0);
    s.Add("label_field", &src_.in.label_field, "JSON lines: true label per user (NMI and majority shown)");
    s.Add("min_audience", &min_audience_,
          "k-anonymity: a segment with fewer users is merged into the nearest one (fewer users in all is an error)")
        .Min(1);
    s.Add("out", &out_, "write user_id<TAB>segment").Output();
  }

  nlohmann::json Run(const Context& ctx) override {
    BadRowLog bad;
    UserTexts users = src_.ReadReported(ctx, bad);
    std::string name;
    Matrix m = src_.Profiles(profiles_, users, ctx, name);
    CenterRows(m);  // cosine geometry on centred vectors: k-means on unit vectors
    NormalizeRows(m);
    nlohmann::json tried = nlohmann::json::array();
    KMeansResult best;
    if (k_ > 0) {
      best = KMeans(m, k_, iters_, ctx, restarts_);
    } else {
      double best_s = -2;
      for (int k = std::max(2, k_min_); k <= std::min<int>(k_max_, int(m.rows) - 1); ++k) {
        KMeansResult r = KMeans(m, k, iters_, ctx, restarts_);
        double sil = Silhouette(m, r.assignment, k, 2000, ctx);
        tried.push_back({{"k", k}, {"silhouette", sil}, {"inertia", r.inertia}});
        if (sil > best_s) {
          best_s = sil;
          best = std::move(r);
        }
      }
      if (best.k == 0) Throw(ErrorCode::kInvalidArgument, "segment: too few users ({}) to choose k", m.rows);
    }
    const int found_k = best.k;
    const int merged = MergeSmallSegments(m, best, min_audience_);
    if (merged)
      ctx.log().info("segment: {} of {} segments had fewer than {} users and were merged into their nearest", merged,
                     found_k, min_audience_);
    auto terms = SegmentTerms(users, best.assignment, best.k, size_t(top_));
    std::vector<std::string> label_names;
    std::vector<int> truth;
    if (!src_.in.label_field.empty()) truth = LabelIds(users, label_names);
    nlohmann::json segs = nlohmann::json::array();
    for (int c = 0; c < best.k; ++c) {
      nlohmann::json j = {{"segment", c}, {"users", best.sizes[size_t(c)]}};
      std::vector<std::string> words;
      for (const auto& t : terms[size_t(c)]) words.push_back(t.term);
      j["terms"] = words;
      if (!truth.empty()) {
        std::map<int, size_t> cnt;
        for (size_t u = 0; u < users.ids.size(); ++u)
          if (best.assignment[u] == c) ++cnt[truth[u]];
        auto it = std::max_element(cnt.begin(), cnt.end(), [](auto& x, auto& y) { return x.second < y.second; });
        if (it != cnt.end()) {
          j["majority_label"] = label_names[size_t(it->first)];
          j["majority_share"] = double(it->second) / double(std::max<size_t>(1, best.sizes[size_t(c)]));
        }
      }
      segs.push_back(j);
    }
    if (!out_.empty()) {
      std::string o = "user_id\tsegment\n";
      for (size_t u = 0; u < users.ids.size(); ++u)
        o += users.ids[u] + "\t" + std::to_string(best.assignment[u]) + "\n";
      WriteFileAtomic(out_, o);
    }
    nlohmann::json j = {{"encoder", name},
                        {"users", users.ids.size()},
                        {"k", best.k},
                        {"iterations", best.iterations},
                        {"inertia", best.inertia},
                        {"segments", segs},
                        {"k_search", tried},
                        {"bad_rows", BadJson(bad)},
                        {"min_audience", min_audience_},
                        {"k_found", found_k},
                        {"merged_segments", merged}};
    if (!truth.empty()) j["nmi"] = Nmi(best.assignment, truth);
    return j;
  }

 private:
  UserSource src_;
  std::string profiles_, out_;
  int k_ = 0, k_min_ = 2, k_max_ = 12, iters_ = 100, top_ = 8, restarts_ = 10;
  size_t min_audience_ = 100;
};

// Seed rows: ids from a file / a list, or users carrying a label.
// With a pseudonymisation key the seed ids are given raw and matched as pseudonyms.
std::vector<size_t> SeedRows(const UserTexts& users, const std::string& file, const std::string& list,
                             const std::string& label, size_t max_seeds, const std::string& key) {
  std::set<std::string> want;
  auto add = [&](std::string_view id) { want.insert(key.empty() ? std::string(id) : Pseudonymize(id, key)); };
  if (!file.empty()) {
    LineSource src(file);
    while (src.Next() == LineSource::Status::kLine)
      if (!src.line().empty()) add(src.line());
  }
  for (size_t p = 0; p < list.size();) {
    size_t q = list.find(',', p);
    if (q == std::string::npos) q = list.size();
    if (q > p) add(std::string_view(list).substr(p, q - p));
    p = q + 1;
  }
  std::vector<size_t> rows;
  for (size_t u = 0; u < users.ids.size() && rows.size() < max_seeds; ++u) {
    bool by_label = !label.empty() && !users.labels.empty() &&
                    std::find(users.labels[u].begin(), users.labels[u].end(), label) != users.labels[u].end();
    if (want.count(users.ids[u]) || by_label) rows.push_back(u);
  }
  if (rows.empty()) Throw(ErrorCode::kInvalidArgument, "lookalike: none of the seed users is in the input");
  return rows;
}

class LookalikeCommand : public Command {
 public:
  std::vector<std::string> Examples() const override {
    return {
        "profile lookalike --model encoder --users world/users.jsonl --seeds seeds.txt --n 1000 --out lookalike.tsv"};
  }
  std::string config_section() const override { return kEncoderSection; }

  void Describe(OptionSet& s) override {
    src_.Describe(s, "users");
    s.Add("profiles", &profiles_, "use a saved profile file instead of embedding");
    s.Add("seeds", &seeds_, "file of seed user ids, one per line");
    s.Add("seed_ids", &seed_ids_, "comma-separated seed user ids");
    s.Add("seed_label", &seed_label_, "seed = users with this label (needs --label-field)");
    s.Add("label_field", &src_.in.label_field, "JSON lines: label field for --seed-label");
    s.Add("max_seeds", &max_seeds_, "seeds used at most (first in input order)").Min(0);
    s.Add("n", &n_, "audience size").Min(0).Alias("n");  // -n
    s.Add("ef", &ef_, "HNSW search breadth (at least the per-seed k)").Min(0);
    s.Add("min_audience", &min_audience_,
          "k-anonymity: refuse a seed list or an audience of fewer users (a small list can single out its members)")
        .Min(1);
    s.Add("out", &out_, "write user_id<TAB>score").Output();
  }

  nlohmann::json Run(const Context& ctx) override {
    BadRowLog bad;
    UserTexts users = src_.ReadReported(ctx, bad);
    std::vector<size_t> seeds = SeedRows(users, seeds_, seed_ids_, seed_label_, max_seeds_,
                                         src_.keyfile.empty() ? std::string() : LoadOrCreateKey(src_.keyfile));
    if (seeds.size() < min_audience_)
      Throw(ErrorCode::kInvalidArgument,
            "lookalike: {} seed users, fewer than the minimum audience {}: a seed list this small can single out its "
            "members (--min-audience)",
            seeds.size(), min_audience_);
    if (n_ < min_audience_)
      Throw(ErrorCode::kInvalidArgument,
            "lookalike: an audience of {} users is below the minimum audience {} (-n, "
            "--min-audience)",
            n_, min_audience_);
    std::string name;
    Matrix m = src_.Profiles(profiles_, users, ctx, name);
    LookalikeResult r = Lookalike(m, seeds, n_, ef_, ctx);
    if (!out_.empty()) {
      std::string o = "user_id\tscore\n";
      for (size_t i = 0; i < r.users.size(); ++i) o += fmt::format("{}\t{:.6f}\n", users.ids[r.users[i]], r.scores[i]);
      WriteFileAtomic(out_, o);
    }
    nlohmann::json aud = nlohmann::json::array();
    for (size_t i = 0; i < r.users.size(); ++i)
      aud.push_back({{"user_id", users.ids[r.users[i]]}, {"score", r.scores[i]}});
    nlohmann::json j = {{"encoder", name},    {"seeds", seeds.size()},        {"n", r.users.size()},
                        {"recall", r.recall}, {"ann_seconds", r.ann_seconds}, {"exact_seconds", r.exact_seconds},
                        {"audience", aud}};
    // With labelled users, the share of the audience that shares the seed label.
    if (!seed_label_.empty()) {
      size_t hit = 0;
      for (size_t u : r.users)
        hit += std::find(users.labels[u].begin(), users.labels[u].end(), seed_label_) != users.labels[u].end();
      j["seed_label_share"] = r.users.empty() ? 0 : double(hit) / double(r.users.size());
    }
    return j;
  }

 private:
  UserSource src_;
  std::string profiles_, seeds_, seed_ids_, seed_label_, out_;
  size_t n_ = 100, max_seeds_ = 100, min_audience_ = 100;
  int ef_ = 200;
};

class KeywordsCommand : public Command {
 public:
  std::vector<std::string> Examples() const override {
    return {"profile keywords --model encoder --users world/users.jsonl --campaign \"trail running shoes\" --top 10"};
  }
  std::string config_section() const override { return kEncoderSection; }

  void Describe(OptionSet& s) override {
    src_.Describe(s, "users");
    s.Add("campaign", &campaign_, "campaign description").Required();
    s.Add("candidates", &candidates_, "candidate keywords, one per line (default: frequent words of the users)");
    s.Add("candidate_pool", &pool_, "default candidates: this many most frequent words").Min(0);
    s.Add("response", &response_, "user_id<TAB>response (default: users' similarity to the campaign)");
    s.Add("top", &top_, "keywords shown").Min(0);
    s.Add("profiles", &profiles_, "use a saved profile file for the users instead of embedding them");
    s.Add("relevant", &relevant_,
          "keywords known to be right, one per line: reports the share of the top ones among them (precision)");
  }

  nlohmann::json Run(const Context& ctx) override {
    BadRowLog bad;
    UserTexts users = src_.ReadReported(ctx, bad);
    auto emb = src_.Make(users, ctx);
    std::string name;
    Matrix prof = profiles_.empty() ? src_.UserVectors(emb, users, ctx) : src_.Profiles(profiles_, users, ctx, name);
    std::vector<std::string> cands;
    if (!candidates_.empty()) {
      LineSource src(candidates_);
      while (src.Next() == LineSource::Status::kLine)
        if (!src.line().empty()) cands.emplace_back(src.line());
    } else {
      cands = CandidateKeywords(users, pool_);
    }
    std::vector<double> resp;
    if (!response_.empty()) {
      std::map<std::string, double> by_id;
      BadRowLog rbad(response_);
      LineSource src(response_);
      while (src.Next() == LineSource::Status::kLine) {
        std::string line(src.line());
        size_t tab = line.find('\t');
        char* end = nullptr;
        double v = tab == std::string::npos ? 0 : std::strtod(line.c_str() + tab + 1, &end);
        if (tab == std::string::npos || end == line.c_str() + tab + 1) {
          if (src.line_number() > 1) rbad.Report(src.line_number(), "line", "expected user_id<TAB>number");
          continue;
        }
        by_id[line.substr(0, tab)] = v;
      }
      WarnBad(ctx, rbad);
      for (const auto& id : users.ids) resp.push_back(by_id.count(id) ? by_id[id] : 0.0);
    }
    auto ranked = RankKeywords(*emb, campaign_, cands, users, prof, resp, ctx);
    if (ranked.size() > top_) ranked.resize(top_);
    nlohmann::json k = nlohmann::json::array();
    for (const auto& r : ranked)
      k.push_back({{"keyword", r.keyword},
                   {"similarity", r.similarity},
                   {"reach", r.reach},
                   {"response", r.response},
                   {"score", r.score}});
    nlohmann::json out = {
        {"encoder", emb->name()}, {"campaign", campaign_}, {"candidates", cands.size()}, {"keywords", k}};
    if (!relevant_.empty()) out["relevant"] = Precision(ranked);
    return out;
  }

 private:
  // The share of the ranked keywords that the --relevant file lists, and how
  // many of the listed ones were candidates at all (the best precision possible).
  nlohmann::json Precision(const std::vector<KeywordScore>& ranked) const {
    std::set<std::string> want;
    LineSource src(relevant_);
    while (src.Next() == LineSource::Status::kLine)
      if (!src.line().empty()) want.emplace(src.line());
    if (want.empty()) Throw(ErrorCode::kBadInput, "{}: no keywords (one per line)", relevant_);
    size_t hits = 0;
    for (const auto& r : ranked) hits += want.count(r.keyword);
    return {{"file", relevant_},
            {"words", want.size()},
            {"top", ranked.size()},
            {"hits", hits},
            {"precision", ranked.empty() ? 0.0 : double(hits) / double(ranked.size())}};
  }

  UserSource src_;
  std::string profiles_, relevant_;
  std::string campaign_, candidates_, response_;
  size_t top_ = 20, pool_ = 300;
};

// The evidence figures of the encoder against the TF-IDF baseline on the same
// users (and items), with paired bootstrap intervals of their differences.
class EvaluateCommand : public Command {
 public:
  std::vector<std::string> Examples() const override {
    return {
        "profile evaluate --model encoder --users world/users.jsonl --truth-field interests --label-field "
        "dominant_topic"};
  }
  std::string config_section() const override { return kEncoderSection; }

  void Describe(OptionSet& s) override {
    src_.Describe(s, "users");
    s.Add("truth_field", &src_.in.truth_field, "JSON lines: true interest vector per user");
    s.Add("label_field", &src_.in.label_field, "JSON lines: label(s) per user");
    s.Add("k", &k_, "segments for NMI (0 = number of distinct labels)").Min(0);
    s.Add("neighbours", &neighbours_, "k of precision@k against true-interest neighbours").Min(0);
    s.Add("queries", &queries_, "users sampled for precision@k").Min(0);
    s.Add("baseline", &baseline_, "also evaluate the TF-IDF baseline (true/false)");
    s.Add("whiten_sweep", &whiten_sweep_, "also evaluate BERT vectors whitened to 0 (all), 48 ... 8 dimensions");
    s.Add("bootstrap", &bootstrap_,
          "resamples of users for the 95% intervals of the encoder minus tfidf (every figure; 0 = off)")
        .Min(0);
    s.Add("items", &items_,
          "JSON lines {\"item_id\", \"text\"}: also rank these items for each user by cosine (item AUC)");
    s.Add("item_judgements", &judgements_,
          "user_id<TAB>item_id<TAB>0|1 (default: an item is liked when its id is among the user's labels)");
  }

  nlohmann::json Run(const Context& ctx) override {
    BadRowLog bad;
    UserTexts users = src_.ReadReported(ctx, bad);
    UserTexts items;
    std::vector<ItemJudgement> judged;
    BadRowLog bad_items(items_), bad_judged(judgements_);
    if (!items_.empty()) {
      UserTextOptions io;
      io.id_field = "item_id";
      io.text_field = "text";
      items = ReadUserTexts(items_, io, bad_items, ctx);
      WarnBad(ctx, bad_items);
      if (!judgements_.empty()) {
        judged = ReadItemJudgements(judgements_, users, items.ids, bad_judged);
        WarnBad(ctx, bad_judged);
      } else if (!users.labels.empty()) {
        judged = JudgementsFromLabels(users, items.ids);
      } else {
        Throw(ErrorCode::kInvalidArgument, "--items needs --item-judgements or --label-field");
      }
    } else if (!judgements_.empty()) {
      Throw(ErrorCode::kInvalidArgument, "--item-judgements needs --items");
    }
    nlohmann::json res = nlohmann::json::object();
    std::vector<std::string> encoders;
    // The encoder under test: USE-Lite or a BERT directory, keyed by its name.
    const std::string primary = src_.ModelEncoder();
    if (!src_.model.empty() || src_.encoder == primary) encoders.push_back(primary);
    if (baseline_ || src_.encoder == "tfidf") encoders.push_back("tfidf");
    std::set<std::string> done;
    std::map<std::string, ProfileEval> evals;
    std::map<std::string, ItemRankingEval> item_evals;
    for (const auto& e : encoders) {
      if (!done.insert(e).second) continue;
      auto emb = src_.Make(e, users, ctx);
      Matrix m = emb->EmbedUsers(users, ctx);
      evals[e] = EvaluateProfiles(m, users, k_, neighbours_, queries_, ctx);
      res[e] = evals[e];
      res[e]["dim"] = m.dim;
      if (!judged.empty()) {
        const ItemRankingEval& ie = item_evals[e] = ItemRankingAuc(m, emb->EmbedUsers(items, ctx), judged);
        res[e]["item_auc"] = ie.auc;
        res[e]["item_users"] = ie.users;
        res[e]["item_judgements"] = ie.judgements;
      }
      if (e == "bert" && (src_.whiten || whiten_sweep_)) {
        // Whitening variants next to the raw vectors, from the same encoder run.
        std::vector<int> dims = {src_.whiten_dims};
        if (whiten_sweep_) dims = {0, 48, 32, 24, 16, 12, 8};
        for (int d : dims) {
          Whitening w = Whitening::Fit(m, size_t(d));
          std::string key = d ? fmt::format("bert_whiten{}", d) : "bert_whiten";
          res[key] = EvaluateProfiles(w.Apply(m), users, k_, neighbours_, queries_, ctx);
          res[key]["dim"] = w.out;
        }
      }
    }
    nlohmann::json j = {
        {"users", users.ids.size()}, {"texts", users.num_texts()}, {"neighbours", neighbours_}, {"queries", queries_},
        {"encoders", res},           {"primary", primary},         {"bad_rows", BadJson(bad)}};
    if (bootstrap_ > 0 && evals.count(primary) && evals.count("tfidf")) {
      // Paired over the same users: how sure the encoder's lead (or lag) is.
      nlohmann::json d = nlohmann::json::object();
      const ProfileEval &pb = evals[primary], &pt = evals["tfidf"];
      if (!pb.segments.empty() && !pt.segments.empty())
        d["nmi"] =
            BootstrapNmiDifference(pb.segments, pt.segments, pb.topics, bootstrap_, ctx.SubSeed("bootstrap-nmi"));
      if (!pb.precision_per_query.empty() && pb.precision_per_query.size() == pt.precision_per_query.size())
        d["precision_at_k"] = BootstrapMeanDifference(pb.precision_per_query, pt.precision_per_query, bootstrap_,
                                                      ctx.SubSeed("bootstrap-precision"));
      if (!pb.knn.score.empty())
        d["knn_label_auc"] = BootstrapAucDifference(pb.knn, pt.knn, bootstrap_, ctx.SubSeed("bootstrap-knn"));
      if (!judged.empty())
        d["item_auc"] = BootstrapMeanDifference(item_evals[primary].per_user, item_evals["tfidf"].per_user, bootstrap_,
                                                ctx.SubSeed("bootstrap-items"));
      if (!d.empty()) j[primary + "_minus_tfidf"] = d;
    }
    if (!items_.empty()) {
      j["items"] = items.ids.size();
      j["bad_item_rows"] = BadJson(bad_items);
      if (!judgements_.empty()) j["bad_judgement_rows"] = BadJson(bad_judged);
    }
    return j;
  }

 private:
  UserSource src_;
  int k_ = 0;
  size_t neighbours_ = 100, queries_ = 500;
  bool baseline_ = true, whiten_sweep_ = false;
  int bootstrap_ = 1000;
  std::string items_, judgements_;
};

ADPILOT_COMMAND("profile segment", "profile", "k-means++ segments of user vectors, described by their terms",
                SegmentCommand);
ADPILOT_COMMAND("profile lookalike", "profile", "the N users most similar to seed users (HNSW, recall vs exact)",
                LookalikeCommand);
ADPILOT_COMMAND("profile keywords", "profile", "rank keywords for a campaign by similarity and audience response",
                KeywordsCommand);
ADPILOT_COMMAND("profile evaluate", "profile", "segment NMI, neighbour precision and kNN label AUC, encoder vs TF-IDF",
                EvaluateCommand);

}  // namespace
}  // namespace adpilot::profile
