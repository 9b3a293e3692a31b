// Evidence figures of a profile: segment NMI, neighbour precision, kNN label AUC.
#include <algorithm>
#include <chrono>
#include <map>

#include <nlohmann/json.hpp>

#include "adpilot/context.h"
#include "adpilot/profile.h"

namespace adpilot {

ProfileEval EvaluateProfiles(const Matrix& x, const UserTexts& users, int k, size_t neighbours, size_t queries,
                             const Context& ctx) {
  auto t0 = std::chrono::steady_clock::now();
  ProfileEval e;
  Matrix m = x;
  CenterRows(m);
  NormalizeRows(m);
  // NMI needs one label per user; the kNN AUC takes any number, none included.
  bool labelled = !users.labels.empty();
  for (const auto& l : users.labels) labelled = labelled && !l.empty();
  if (labelled) {
    std::map<std::string, int> ids;
    std::vector<int> truth;
    for (const auto& l : users.labels) truth.push_back(ids.emplace(l.front(), int(ids.size())).first->second);
    e.k = k > 0 ? k : int(ids.size());
    if (e.k >= 2 && size_t(e.k) <= m.rows) e.nmi = Nmi(KMeans(m, e.k, 100, ctx).assignment, truth);
  }
  if (!users.labels.empty())
    // 25 voters, fewer on small panels (MovieLens has ~60 taggers) so votes stay local.
    e.knn_auc = KnnLabelAuc(m, users.labels, std::min<size_t>(25, std::max<size_t>(5, m.rows / 5)), ctx);
  if (!users.truth.empty()) e.precision = NeighbourPrecision(m, users.truth, neighbours, queries, ctx);
  e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return e;
}

void to_json(nlohmann::json& j, const ProfileEval& e) {
  j = {{"k", e.k}, {"nmi", e.nmi}, {"precision_at_k", e.precision}, {"knn_label_auc", e.knn_auc},
       {"seconds", e.seconds}};
}

}  // namespace adpilot
