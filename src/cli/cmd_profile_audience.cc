// adpilot profile segment|lookalike|keywords|evaluate: what the user vectors
// are used for (segments, audiences, keywords) and the evidence figures.
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/error.h"
#include "adpilot/line_source.h"
#include "adpilot/profile.h"
#include "cli/cmd_profile.h"

namespace adpilot::cli::profile {
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

}  // namespace

void InstallSegment(CLI::App* profile, Globals& g) {
  struct Args { int k = 0, k_min = 2, k_max = 12, iters = 100, top = 8, restarts = 10; std::string out; };
  auto s = std::make_shared<Source>();
  auto a = std::make_shared<Args>();
  auto* c = profile->add_subcommand("segment", "k-means++ segments of user vectors, described by their terms");
  s->Install(c, "--users");
  c->add_option("--profiles", s->profiles, "use a saved profile file instead of embedding");
  c->add_option("--k", a->k, "segments (0 = choose by silhouette in [k-min, k-max])");
  c->add_option("--k-min", a->k_min, "smallest k tried");
  c->add_option("--k-max", a->k_max, "largest k tried");
  c->add_option("--max-iter", a->iters, "Lloyd iterations at most");
  c->add_option("--restarts", a->restarts, "k-means++ runs per k; the least inertia is kept")
      ->check(CLI::PositiveNumber);
  c->add_option("--top-terms", a->top, "terms per segment description");
  c->add_option("--label-field", s->in.label_field, "JSON lines: true label per user (NMI and majority shown)");
  c->add_option("--out", a->out, "write user_id<TAB>segment");
  c->callback([s, a, &g] {
    Context ctx = MakeContext(g);
    UserTexts users = s->ReadReported(ctx);
    std::string name;
    Matrix m = Profiles(*s, users, ctx, name);
    CenterRows(m);  // cosine geometry on centred vectors: k-means on unit vectors
    NormalizeRows(m);
    nlohmann::json tried = nlohmann::json::array();
    KMeansResult best;
    if (a->k > 0) {
      best = KMeans(m, a->k, a->iters, ctx, a->restarts);
    } else {
      double best_s = -2;
      for (int k = std::max(2, a->k_min); k <= std::min<int>(a->k_max, int(m.rows) - 1); ++k) {
        KMeansResult r = KMeans(m, k, a->iters, ctx, a->restarts);
        double sil = Silhouette(m, r.assignment, k, 2000, ctx);
        tried.push_back({{"k", k}, {"silhouette", sil}, {"inertia", r.inertia}});
        if (sil > best_s) { best_s = sil; best = std::move(r); }
      }
      if (best.k == 0) Throw(ErrorCode::kInvalidArgument, "segment: too few users ({}) to choose k", m.rows);
    }
    auto terms = SegmentTerms(users, best.assignment, best.k, size_t(a->top));
    std::vector<std::string> label_names;
    std::vector<int> truth;
    if (!s->in.label_field.empty()) truth = LabelIds(users, label_names);
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
    double nmi = truth.empty() ? -1 : Nmi(best.assignment, truth);
    if (!a->out.empty()) {
      std::string o = "user_id\tsegment\n";
      for (size_t u = 0; u < users.ids.size(); ++u) o += users.ids[u] + "\t" + std::to_string(best.assignment[u]) + "\n";
      WriteFileAtomic(a->out, o);
    }
    if (s->json) {
      nlohmann::json j = {{"encoder", name}, {"users", users.ids.size()}, {"k", best.k}, {"iterations", best.iterations},
                          {"inertia", best.inertia}, {"segments", segs}, {"k_search", tried}, {"bad_rows", BadJson(s->bad_rows)}};
      if (!truth.empty()) j["nmi"] = nmi;
      return PrintJson(j);
    }
    fmt::print("{} users, encoder {}, k = {}{}\n", users.ids.size(), name, best.k,
               truth.empty() ? "" : fmt::format(", NMI vs {} = {:.3f}", s->in.label_field, nmi));
    for (const auto& j : segs)
      fmt::print("  segment {:>2} {:>6} users  {:<40} {}\n", j["segment"].get<int>(), j["users"].get<size_t>(),
                 j.contains("majority_label") ? fmt::format("true: {} ({:.0f}%)", j["majority_label"].get<std::string>(),
                                                            100 * j["majority_share"].get<double>()) : "",
                 fmt::join(j["terms"].get<std::vector<std::string>>(), " "));
  });
}

namespace {

// Seed rows: ids from a file / a list, or users carrying a label.
std::vector<size_t> SeedRows(const UserTexts& users, const std::string& file, const std::string& list,
                             const std::string& label, size_t max_seeds) {
  std::set<std::string> want;
  if (!file.empty()) {
    LineSource src(file);
    while (src.Next() == LineSource::Status::kLine)
      if (!src.line().empty()) want.emplace(src.line());
  }
  for (size_t p = 0; p < list.size();) {
    size_t q = list.find(',', p);
    if (q == std::string::npos) q = list.size();
    if (q > p) want.insert(list.substr(p, q - p));
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

}  // namespace

void InstallLookalike(CLI::App* profile, Globals& g) {
  struct Args { std::string seeds, seed_ids, seed_label, out; size_t n = 100, max_seeds = 100; int ef = 200; };
  auto s = std::make_shared<Source>();
  auto a = std::make_shared<Args>();
  auto* c = profile->add_subcommand("lookalike", "the N users most similar to seed users (HNSW, recall vs exact)");
  s->Install(c, "--users");
  c->add_option("--profiles", s->profiles, "use a saved profile file instead of embedding");
  c->add_option("--seeds", a->seeds, "file of seed user ids, one per line");
  c->add_option("--seed-ids", a->seed_ids, "comma-separated seed user ids");
  c->add_option("--seed-label", a->seed_label, "seed = users with this label (needs --label-field)");
  c->add_option("--label-field", s->in.label_field, "JSON lines: label field for --seed-label");
  c->add_option("--max-seeds", a->max_seeds, "seeds used at most (first in input order)");
  c->add_option("-n,--n", a->n, "audience size");
  c->add_option("--ef", a->ef, "HNSW search breadth (at least the per-seed k)");
  c->add_option("--out", a->out, "write user_id<TAB>score");
  c->callback([s, a, &g] {
    Context ctx = MakeContext(g);
    UserTexts users = s->ReadReported(ctx);
    std::vector<size_t> seeds = SeedRows(users, a->seeds, a->seed_ids, a->seed_label, a->max_seeds);
    std::string name;
    Matrix m = Profiles(*s, users, ctx, name);
    LookalikeResult r = Lookalike(m, seeds, a->n, a->ef, ctx);
    // With labelled users, the share of the audience that shares the seed label.
    double same = -1;
    if (!a->seed_label.empty()) {
      size_t hit = 0;
      for (size_t u : r.users)
        hit += std::find(users.labels[u].begin(), users.labels[u].end(), a->seed_label) != users.labels[u].end();
      same = r.users.empty() ? 0 : double(hit) / double(r.users.size());
    }
    if (!a->out.empty()) {
      std::string o = "user_id\tscore\n";
      for (size_t i = 0; i < r.users.size(); ++i) o += fmt::format("{}\t{:.6f}\n", users.ids[r.users[i]], r.scores[i]);
      WriteFileAtomic(a->out, o);
    }
    if (s->json) {
      nlohmann::json aud = nlohmann::json::array();
      for (size_t i = 0; i < r.users.size(); ++i) aud.push_back({{"user_id", users.ids[r.users[i]]}, {"score", r.scores[i]}});
      nlohmann::json j = {{"encoder", name}, {"seeds", seeds.size()}, {"n", r.users.size()}, {"recall", r.recall},
                          {"ann_seconds", r.ann_seconds}, {"exact_seconds", r.exact_seconds}, {"audience", aud}};
      if (same >= 0) j["seed_label_share"] = same;
      return PrintJson(j);
    }
    fmt::print("{} seeds -> {} lookalikes (encoder {}), recall vs exact {:.3f}, ANN {:.3f}s, exact {:.3f}s\n",
               seeds.size(), r.users.size(), name, r.recall, r.ann_seconds, r.exact_seconds);
    if (same >= 0) fmt::print("share of the audience labelled {}: {:.3f}\n", a->seed_label, same);
    for (size_t i = 0; i < std::min<size_t>(10, r.users.size()); ++i)
      fmt::print("  {}  {:.4f}\n", users.ids[r.users[i]], r.scores[i]);
  });
}

void InstallKeywords(CLI::App* profile, Globals& g) {
  struct Args { std::string campaign, candidates, response; size_t top = 20, pool = 300; };
  auto s = std::make_shared<Source>();
  auto a = std::make_shared<Args>();
  auto* c = profile->add_subcommand("keywords", "rank keywords for a campaign by similarity and audience response");
  s->Install(c, "--users");
  c->add_option("--campaign", a->campaign, "campaign description")->required();
  c->add_option("--candidates", a->candidates, "candidate keywords, one per line (default: frequent words of the users)");
  c->add_option("--candidate-pool", a->pool, "default candidates: this many most frequent words");
  c->add_option("--response", a->response, "user_id<TAB>response (default: users' similarity to the campaign)");
  c->add_option("--top", a->top, "keywords shown");
  c->callback([s, a, &g] {
    Context ctx = MakeContext(g);
    UserTexts users = s->ReadReported(ctx);
    auto emb = s->Make(users, ctx);
    Matrix prof = s->UserVectors(emb, users, ctx);
    std::vector<std::string> cands;
    if (!a->candidates.empty()) {
      LineSource src(a->candidates);
      while (src.Next() == LineSource::Status::kLine)
        if (!src.line().empty()) cands.emplace_back(src.line());
    } else {
      cands = CandidateKeywords(users, a->pool);
    }
    std::vector<double> resp;
    if (!a->response.empty()) {
      std::map<std::string, double> by_id;
      BadRowLog rbad(a->response);
      LineSource src(a->response);
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
    auto ranked = RankKeywords(*emb, a->campaign, cands, users, prof, resp, ctx);
    if (ranked.size() > a->top) ranked.resize(a->top);
    if (s->json) {
      nlohmann::json k = nlohmann::json::array();
      for (const auto& r : ranked)
        k.push_back({{"keyword", r.keyword}, {"similarity", r.similarity}, {"reach", r.reach},
                     {"response", r.response}, {"score", r.score}});
      return PrintJson({{"encoder", emb->name()}, {"campaign", a->campaign}, {"candidates", cands.size()}, {"keywords", k}});
    }
    fmt::print("{:<24} {:>10} {:>7} {:>9} {:>7}\n", "keyword", "similarity", "reach", "response", "score");
    for (const auto& r : ranked)
      fmt::print("{:<24} {:>10.4f} {:>7} {:>9.4f} {:>7.4f}\n", r.keyword, r.similarity, r.reach, r.response, r.score);
  });
}

void InstallEvaluate(CLI::App* profile, Globals& g) {
  struct Args {
    int k = 0;
    size_t neighbours = 100, queries = 500;
    bool baseline = true, whiten_sweep = false;
    int bootstrap = 1000;
    std::string items, judgements;
  };
  auto s = std::make_shared<Source>();
  auto a = std::make_shared<Args>();
  auto* c = profile->add_subcommand("evaluate", "segment NMI, neighbour precision and kNN label AUC, encoder vs TF-IDF");
  s->Install(c, "--users");
  c->add_option("--truth-field", s->in.truth_field, "JSON lines: true interest vector per user");
  c->add_option("--label-field", s->in.label_field, "JSON lines: label(s) per user");
  c->add_option("--k", a->k, "segments for NMI (0 = number of distinct labels)");
  c->add_option("--neighbours", a->neighbours, "k of precision@k against true-interest neighbours");
  c->add_option("--queries", a->queries, "users sampled for precision@k");
  c->add_option("--baseline", a->baseline, "also evaluate the TF-IDF baseline (true/false)");
  c->add_flag("--whiten-sweep", a->whiten_sweep, "also evaluate BERT vectors whitened to 0 (all), 48 ... 8 dimensions");
  c->add_option("--bootstrap", a->bootstrap,
                "resamples of users for the 95% intervals of bert minus tfidf (every figure; 0 = off)")
      ->check(CLI::NonNegativeNumber);
  c->add_option("--items", a->items,
                "JSON lines {\"item_id\", \"text\"}: also rank these items for each user by cosine (item AUC)");
  c->add_option("--item-judgements", a->judgements,
                "user_id<TAB>item_id<TAB>0|1 (default: an item is liked when its id is among the user's labels)");
  c->callback([s, a, &g] {
    Context ctx = MakeContext(g);
    UserTexts users = s->ReadReported(ctx);
    UserTexts items;
    std::vector<ItemJudgement> judged;
    BadRowLog bad_items(a->items), bad_judged(a->judgements);
    if (!a->items.empty()) {
      UserTextOptions io;
      io.id_field = "item_id";
      io.text_field = "text";
      items = ReadUserTexts(a->items, io, bad_items, ctx);
      WarnBad(ctx, bad_items);
      if (!a->judgements.empty()) {
        judged = ReadItemJudgements(a->judgements, users, items.ids, bad_judged);
        WarnBad(ctx, bad_judged);
      } else if (!users.labels.empty()) {
        judged = JudgementsFromLabels(users, items.ids);
      } else {
        Throw(ErrorCode::kInvalidArgument, "--items needs --item-judgements or --label-field");
      }
    } else if (!a->judgements.empty()) {
      Throw(ErrorCode::kInvalidArgument, "--item-judgements needs --items");
    }
    nlohmann::json res = nlohmann::json::object();
    std::vector<std::string> encoders;
    if (!s->model.empty() || s->encoder == "bert") encoders.push_back("bert");
    if (a->baseline || s->encoder == "tfidf") encoders.push_back("tfidf");
    std::set<std::string> done;
    std::map<std::string, ProfileEval> evals;
    std::map<std::string, ItemRankingEval> item_evals;
    for (const auto& e : encoders) {
      if (!done.insert(e).second) continue;
      s->encoder = e;
      auto emb = s->Make(users, ctx);
      Matrix m = emb->EmbedUsers(users, ctx);
      evals[e] = EvaluateProfiles(m, users, a->k, a->neighbours, a->queries, ctx);
      res[e] = evals[e];
      res[e]["dim"] = m.dim;
      if (!judged.empty()) {
        const ItemRankingEval& ie = item_evals[e] = ItemRankingAuc(m, emb->EmbedUsers(items, ctx), judged);
        res[e]["item_auc"] = ie.auc;
        res[e]["item_users"] = ie.users;
        res[e]["item_judgements"] = ie.judgements;
      }
      if (e == "bert" && (s->whiten || a->whiten_sweep)) {
        // Whitening variants next to the raw vectors, from the same encoder run.
        std::vector<int> dims = {s->whiten_dims};
        if (a->whiten_sweep) dims = {0, 48, 32, 24, 16, 12, 8};
        for (int d : dims) {
          Whitening w = Whitening::Fit(m, size_t(d));
          std::string key = d ? fmt::format("bert_whiten{}", d) : "bert_whiten";
          res[key] = EvaluateProfiles(w.Apply(m), users, a->k, a->neighbours, a->queries, ctx);
          res[key]["dim"] = w.out;
        }
      }
    }
    nlohmann::json j = {{"users", users.ids.size()}, {"texts", users.num_texts()}, {"neighbours", a->neighbours},
                        {"queries", a->queries}, {"encoders", res}, {"bad_rows", BadJson(s->bad_rows)}};
    if (a->bootstrap > 0 && evals.count("bert") && evals.count("tfidf")) {
      // Paired over the same users: how sure the encoder's lead (or lag) is.
      nlohmann::json d = nlohmann::json::object();
      const ProfileEval &pb = evals["bert"], &pt = evals["tfidf"];
      if (!pb.segments.empty() && !pt.segments.empty())
        d["nmi"] = BootstrapNmiDifference(pb.segments, pt.segments, pb.topics, a->bootstrap, ctx.SubSeed("bootstrap-nmi"));
      if (!pb.precision_per_query.empty() && pb.precision_per_query.size() == pt.precision_per_query.size())
        d["precision_at_k"] = BootstrapMeanDifference(pb.precision_per_query, pt.precision_per_query, a->bootstrap,
                                                      ctx.SubSeed("bootstrap-precision"));
      if (!evals["bert"].knn.score.empty())
        d["knn_label_auc"] = BootstrapAucDifference(evals["bert"].knn, evals["tfidf"].knn, a->bootstrap,
                                                    ctx.SubSeed("bootstrap-knn"));
      if (!judged.empty())
        d["item_auc"] = BootstrapMeanDifference(item_evals["bert"].per_user, item_evals["tfidf"].per_user,
                                                a->bootstrap, ctx.SubSeed("bootstrap-items"));
      if (!d.empty()) j["bert_minus_tfidf"] = d;
    }
    if (!a->items.empty()) {
      j["items"] = items.ids.size();
      j["bad_item_rows"] = BadJson(bad_items);
      if (!a->judgements.empty()) j["bad_judgement_rows"] = BadJson(bad_judged);
    }
    if (s->json) return PrintJson(j);
    // -1 marks a figure the inputs do not allow (no labels, no truth); the
    // item column shows only with --items.
    const bool with_items = !judged.empty();
    fmt::print("{} users, {} texts\n{:<14} {:>5} {:>8} {:>14} {:>14}{}\n", users.ids.size(), users.num_texts(),
               "encoder", "k", "NMI", fmt::format("precision@{}", a->neighbours), "kNN label AUC",
               with_items ? fmt::format(" {:>9}", "item AUC") : "");
    for (auto it = res.begin(); it != res.end(); ++it)
      fmt::print("{:<14} {:>5} {:>8.4f} {:>14.4f} {:>14.4f}{}\n", it.key(), it.value()["k"].get<int>(),
                 it.value()["nmi"].get<double>(), it.value()["precision_at_k"].get<double>(),
                 it.value()["knn_label_auc"].get<double>(),
                 with_items ? fmt::format(" {:>9.4f}", it.value().value("item_auc", -1.0)) : "");
    if (j.contains("bert_minus_tfidf"))
      for (auto it = j["bert_minus_tfidf"].begin(); it != j["bert_minus_tfidf"].end(); ++it)
        fmt::print("bert - tfidf {}: {:+.4f} (95% interval {:+.4f} .. {:+.4f}, {} resamples of users)\n", it.key(),
                   it.value()["diff"].get<double>(), it.value()["ci95"][0].get<double>(),
                   it.value()["ci95"][1].get<double>(), it.value()["reps"].get<int>());
  });
}

}  // namespace adpilot::cli::profile
