// Keyword ranking for a campaign: semantic similarity of the keyword to the
// campaign description, and the response of the users whose texts use it.
#include <algorithm>
#include <cmath>
#include <set>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/profile.h"
#include "profile/words.h"

namespace adpilot {

std::vector<KeywordScore> RankKeywords(const TextEmbedder& embedder, const std::string& campaign,
                                       const std::vector<std::string>& candidates, const UserTexts& users,
                                       const Matrix& profiles, const std::vector<double>& response,
                                       const Context& ctx) {
  if (candidates.empty()) Throw(ErrorCode::kInvalidArgument, "keywords: no candidate keywords");
  if (!response.empty() && response.size() != users.ids.size())
    Throw(ErrorCode::kInvalidArgument, "keywords: {} responses for {} users", response.size(), users.ids.size());
  std::vector<std::string> texts = candidates;
  texts.push_back(campaign);
  Matrix v = embedder.EmbedTexts(texts, ctx);
  NormalizeRows(v);
  const float* camp = v.row(candidates.size());
  Matrix p = profiles;
  NormalizeRows(p);
  std::vector<double> resp = response;
  if (resp.empty()) {
    Matrix c = embedder.EmbedTexts({campaign}, ctx);
    NormalizeRows(c);
    for (size_t u = 0; u < p.rows; ++u) resp.push_back(Dot(p.row(u), c.row(0), p.dim));
  }
  std::vector<std::set<std::string>> user_words(users.ids.size());
  for (size_t u = 0; u < users.ids.size(); ++u)
    for (const auto& t : users.texts[u])
      for (auto& w : ProfileWords(t)) user_words[u].insert(std::move(w));
  std::vector<KeywordScore> out;
  for (size_t i = 0; i < candidates.size(); ++i) {
    KeywordScore k;
    k.keyword = candidates[i];
    k.similarity = Dot(v.row(i), camp, v.dim);
    std::vector<std::string> kw = ProfileWords(candidates[i]);
    double sum = 0;
    for (size_t u = 0; u < users.ids.size() && !kw.empty(); ++u) {
      bool all = std::all_of(kw.begin(), kw.end(), [&](const std::string& w) { return user_words[u].count(w) > 0; });
      if (all) {
        ++k.reach;
        sum += resp[u];
      }
    }
    k.response = k.reach ? sum / double(k.reach) : 0.0;
    k.score = k.similarity + k.response;
    out.push_back(k);
  }
  std::sort(out.begin(), out.end(), [](const KeywordScore& a, const KeywordScore& b) {
    return a.score != b.score ? a.score > b.score : a.keyword < b.keyword;
  });
  return out;
}

}  // namespace adpilot
