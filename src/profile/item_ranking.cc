// Ranking items for users by cosine: the "does the profile predict what the
// user likes" figure when the liked things have text of their own (genres,
// movies), scored zero-shot in the encoder's space.
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "adpilot/error.h"
#include "adpilot/line_source.h"
#include "adpilot/profile.h"
#include "profile/rank_auc.h"

namespace adpilot {

std::vector<ItemJudgement> JudgementsFromLabels(const UserTexts& users, const std::vector<std::string>& item_ids) {
  std::unordered_map<std::string, size_t> item;
  for (size_t i = 0; i < item_ids.size(); ++i) item.emplace(item_ids[i], i);
  std::vector<ItemJudgement> out;
  for (size_t u = 0; u < users.labels.size(); ++u) {
    std::vector<bool> liked(item_ids.size(), false);
    for (const auto& l : users.labels[u]) {
      auto it = item.find(l);
      if (it != item.end()) liked[it->second] = true;
    }
    for (size_t i = 0; i < item_ids.size(); ++i) out.push_back({u, i, liked[i]});
  }
  return out;
}

std::vector<ItemJudgement> ReadItemJudgements(const std::string& path, const UserTexts& users,
                                              const std::vector<std::string>& item_ids, BadRowLog& bad) {
  std::unordered_map<std::string, size_t> user, item;
  for (size_t i = 0; i < users.ids.size(); ++i) user.emplace(users.ids[i], i);
  for (size_t i = 0; i < item_ids.size(); ++i) item.emplace(item_ids[i], i);
  LineSource src(path);
  std::vector<ItemJudgement> out;
  for (;;) {
    auto st = src.Next();
    if (st == LineSource::Status::kEnd) break;
    if (st == LineSource::Status::kTooLong) {
      bad.Report(src.line_number(), "line", "longer than the line limit; skipped");
      continue;
    }
    std::string_view line = src.line();
    if (line.empty()) continue;
    size_t a = line.find('\t'), b = a == line.npos ? a : line.find('\t', a + 1);
    if (b == line.npos) {
      bad.Report(src.line_number(), "line", "expected user_id<TAB>item_id<TAB>label");
      continue;
    }
    auto u = user.find(std::string(line.substr(0, a)));
    auto i = item.find(std::string(line.substr(a + 1, b - a - 1)));
    std::string_view label = line.substr(b + 1);
    if (u == user.end()) {
      bad.Report(src.line_number(), "user_id", "not among the users");
    } else if (i == item.end()) {
      bad.Report(src.line_number(), "item_id", "not among the items");
    } else if (label != "0" && label != "1") {
      bad.Report(src.line_number(), "label", "expected 0 or 1");
    } else {
      out.push_back({u->second, i->second, label == "1"});
    }
  }
  if (out.empty()) Throw(ErrorCode::kBadInput, "{}: no usable judgement (user_id<TAB>item_id<TAB>0|1)", path);
  return out;
}

ItemRankingEval ItemRankingAuc(const Matrix& users, const Matrix& items, const std::vector<ItemJudgement>& judged) {
  if (users.dim != items.dim)
    Throw(ErrorCode::kInvalidArgument, "item ranking: user vectors have {} dimensions, items {}", users.dim, items.dim);
  Matrix u = CenteredUnitRows(users), it = CenteredUnitRows(items);
  std::vector<std::vector<double>> score(users.rows);
  std::vector<std::vector<char>> truth(users.rows);
  for (const auto& j : judged) {
    if (j.user >= u.rows || j.item >= it.rows)
      Throw(ErrorCode::kInvalidArgument, "item ranking: judgement ({}, {}) out of range", j.user, j.item);
    score[j.user].push_back(Dot(u.row(j.user), it.row(j.item), u.dim));
    truth[j.user].push_back(j.positive);
  }
  ItemRankingEval e;
  e.per_user.assign(users.rows, std::nan(""));
  double sum = 0;
  for (size_t i = 0; i < users.rows; ++i) {
    double auc = RankAuc(score[i], truth[i]);  // NaN unless the user has both classes
    if (std::isnan(auc)) continue;
    e.per_user[i] = auc;
    sum += auc;
    ++e.users;
    e.judgements += score[i].size();
  }
  if (e.users) e.auc = sum / double(e.users);
  return e;
}

}  // namespace adpilot
