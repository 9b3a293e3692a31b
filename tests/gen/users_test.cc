#include <algorithm>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/test_util.h"
#include "world_fixture.h"

namespace adpilot {
namespace {

using testing::SmallWorld;

// Topic words of the documented vocabularies, read back from the users' texts:
// a user's dominant topic should be the topic whose words they use most.
TEST(GenUsers, TextsReflectTheInterestMixture) {
  const auto& w = SmallWorld::Get();
  const auto& topics = w.truth["topics"];
  std::ifstream in(w.File("users.jsonl"));
  std::string line;
  std::vector<nlohmann::json> users;
  while (std::getline(in, line)) users.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(int64_t(users.size()), w.cfg.users);
  // Words that appear in one topic's texts of strongly single-topic users
  // form an empirical vocabulary; then count how often a user's most used
  // topic-vocabulary matches the dominant topic.
  std::map<std::string, std::map<int, int>> word_topic;
  for (const auto& u : users) {
    ASSERT_EQ(u["interests"].size(), topics.size());
    double s = 0, top = 0;
    for (double x : u["interests"]) s += x, top = std::max(top, x);
    EXPECT_NEAR(s, 1.0, 1e-3);
    if (top < 0.6) continue;
    int t = int(std::find(topics.begin(), topics.end(), u["dominant_topic"]) - topics.begin());
    for (const auto& tx : u["texts"]) {
      std::stringstream ss(tx["text"].get<std::string>());
      std::string word;
      while (ss >> word) ++word_topic[word][t];
    }
  }
  std::map<std::string, int> vocab;  // word -> topic where it is at least 60% of uses
  for (const auto& [word, m] : word_topic) {
    int total = 0, best = 0, bt = -1;
    for (auto [t, c] : m) total += c, (c > best ? (best = c, bt = t) : 0);
    if (total >= 5 && best >= 0.6 * total) vocab[word] = bt;
  }
  EXPECT_GT(vocab.size(), 100u);
  int match = 0, n = 0;
  for (size_t i = 0; i < users.size(); ++i) {
    const auto& u = users[i];
    EXPECT_EQ(u["user_id"], fmt::format("u{:07d}", i));
    int t = int(std::find(topics.begin(), topics.end(), u["dominant_topic"]) - topics.begin());
    EXPECT_EQ(w.truth["users"]["dominant_topic"][i].get<int>(), t);
    std::vector<int> count(topics.size(), 0);
    for (const auto& tx : u["texts"]) {
      std::stringstream ss(tx["text"].get<std::string>());
      std::string word;
      while (ss >> word)
        if (auto it = vocab.find(word); it != vocab.end()) ++count[size_t(it->second)];
    }
    ++n;
    match += int(std::max_element(count.begin(), count.end()) - count.begin()) == t;
  }
  // Chance is 1/topics (1/8): a bag of words over a handful of texts recovers
  // the dominant topic of about 60% of users (mixtures are often split).
  EXPECT_GT(double(match) / n, 0.45);
}

}  // namespace
}  // namespace adpilot
