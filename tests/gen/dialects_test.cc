// The dialects knob: users who write about the same interests in different
// words (vocabulary mismatch), off by default.
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/options.h"
#include "adpilot/world.h"
#include "common/test_util.h"
#include "gen/users.h"
#include "gen/vocab.h"

namespace adpilot {
namespace {

std::vector<nlohmann::json> Users(int dialects, const std::string& path) {
  WorldConfig c;
  c.users = 600;
  c.dialects = dialects;
  Context ctx;
  ctx.seed = 5;
  gen::Population pop = gen::MakePopulation(c, ctx);
  gen::WriteUsers(c, pop, path, ctx);
  std::vector<nlohmann::json> out;
  std::ifstream f(path);
  for (std::string line; std::getline(f, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

// Share of a set of users' topic words that sit in group `group(u)` of 3 of
// their topic's list (words found in one topic list only).
template <typename GroupOf>
double ShareInGroup(const std::vector<nlohmann::json>& users, GroupOf group) {
  std::map<std::string, std::pair<size_t, size_t>> where;  // word -> (topic, position)
  std::map<std::string, int> topics_of;
  const auto& words = gen::TopicWords();
  for (size_t t = 0; t < words.size(); ++t)
    for (size_t i = 0; i < words[t].size(); ++i) where[words[t][i]] = {t, i}, ++topics_of[words[t][i]];
  size_t in = 0, all = 0;
  for (size_t u = 0; u < users.size(); ++u)
    for (const auto& t : users[u]["texts"]) {
      std::string text = t["text"].get<std::string>();
      for (char& ch : text)
        if (ch == '.' || ch == ',' || ch == ':') ch = ' ';
      std::istringstream ws(text);
      for (std::string w; ws >> w;) {
        auto it = where.find(w);
        if (it == where.end() || topics_of[w] != 1) continue;
        size_t n = words[it->second.first].size();
        ++all;
        in += it->second.second * 3 / n == size_t(group(u));
      }
    }
  return double(in) / double(all);
}

TEST(GenDialects, UsersWriteMostlyFromTheirGroupAndTheDefaultIsUnchanged) {
  testing::TempDir tmp;
  auto plain = Users(1, tmp.File("plain.jsonl")), dial = Users(3, tmp.File("dial.jsonl"));
  ASSERT_EQ(plain.size(), dial.size());
  std::vector<int> count(3, 0);
  for (size_t u = 0; u < dial.size(); ++u) {
    EXPECT_FALSE(plain[u].contains("dialect"));
    ASSERT_TRUE(dial[u].contains("dialect"));
    int d = dial[u]["dialect"].get<int>();
    ASSERT_GE(d, 0);
    ASSERT_LT(d, 3);
    ++count[size_t(d)];
    EXPECT_EQ(plain[u]["interests"], dial[u]["interests"]);  // the population is the same
  }
  for (int c : count) EXPECT_GT(c, 150);
  // 75% from the own group, the rest uniform over the topic: 0.75 + 0.25 / 3.
  double own = ShareInGroup(dial, [&](size_t u) { return dial[u]["dialect"].get<int>(); });
  EXPECT_NEAR(own, 0.833, 0.03);
  // Without dialects a user's words spread evenly: a third in any fixed group.
  double even = ShareInGroup(plain, [](size_t) { return 0; });
  EXPECT_NEAR(even, 1.0 / 3, 0.03);
}

TEST(GenDialects, IsAWorldOptionWithBounds) {
  WorldConfig c;
  OptionSet o("world");
  c.Describe(o);
  EXPECT_EQ(c.dialects, 1);
  EXPECT_THROW(o.SetFromString("dialects", "7", "test"), Error);
  o.SetFromString("dialects", "3", "test");
  EXPECT_NO_THROW(o.Validate());
  EXPECT_EQ(c.dialects, 3);
}

}  // namespace
}  // namespace adpilot
