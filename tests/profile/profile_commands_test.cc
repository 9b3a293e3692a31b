// The profile commands as library commands (adpilot/command.h, src/profile/
// *_commands.cc): what the CLI accepted before they moved out of src/cli still
// works (-n, --config's [encoder] table), and the text output read from the
// result JSON matches what the command computed.
#include <fstream>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adpilot/bert.h"
#include "adpilot/command.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

using nlohmann::json;

// 40 users of two topics, JSON lines with a "topic" label.
std::string WriteUsers(const testing::TempDir& d) {
  const char* sport[] = {"football match tonight", "tennis racket review", "marathon running shoes"};
  const char* cook[] = {"pasta recipe with garlic", "best chef knife", "bake sourdough bread"};
  std::string path = d.File("users.jsonl");
  std::ofstream f(path);
  for (int i = 0; i < 40; ++i) {
    bool s = i % 2 == 0;
    const char** t = s ? sport : cook;
    f << json{{"user_id", "u" + std::to_string(i)},
              {"texts", {t[i % 3], t[(i + 1) % 3]}},
              {"topic", s ? "sport" : "cook"}}
             .dump()
      << "\n";
  }
  return path;
}

struct Made {
  std::unique_ptr<Command> command;
  OptionSet set;
};

// The command as the CLI and `adpilot run` make it: options read from its table.
Made Make(const std::string& name) {
  std::vector<std::string> words;
  for (size_t p = 0, q; p <= name.size(); p = q + 1) {
    q = name.find(' ', p);
    if (q == std::string::npos) q = name.size();
    words.push_back(name.substr(p, q - p));
  }
  const CommandSpec* spec = FindCommand(words);
  EXPECT_NE(spec, nullptr) << name;
  Made m;
  m.command = spec->make();
  m.set = OptionSet(m.command->config_section());
  m.command->Describe(m.set);
  return m;
}

TEST(ProfileCommands, LookalikeTakesShortN) {
  testing::TempDir d;
  std::string users = WriteUsers(d);
  Made m = Make("profile lookalike");
  // A toy fixture: the k-anonymity threshold (default 100 users) is lowered explicitly.
  m.set.ParseArgs({"--encoder", "tfidf", "--users", users, "--seed-ids", "u0,u2", "-n", "3", "--min-audience", "1"},
                  "test");
  m.set.Validate();
  Context ctx;
  json r = m.command->Run(ctx);
  EXPECT_EQ(r["n"], 3);
  EXPECT_EQ(r["audience"].size(), 3u);
  // The CLI: -n as documented, --n too.
  for (const char* flag : {"-n 4", "--n 4", "--n=4"}) {
    auto cli = testing::RunCli("--quiet profile lookalike --encoder tfidf --users " + users + " --seed-ids u0,u2 " +
                               flag + " --min-audience 1 --json");
    ASSERT_EQ(cli.exit_code, 0) << flag;
    EXPECT_EQ(json::parse(cli.out)["n"], 4) << flag;
  }
}

TEST(ProfileCommands, ConfigReadsTheEncoderTable) {
  testing::TempDir d;
  std::string users = WriteUsers(d);
  Made m = Make("profile embed");
  EXPECT_EQ(m.set.section(), "encoder");
  std::ofstream(d.File("enc.toml")) << "max_len = 7\n[encoder]\npooling = \"sif\"\nwhiten = true\nwhiten_dims = 3\n";
  m.set.LoadTomlFile(d.File("enc.toml"));
  json o = m.set.ToJson();
  EXPECT_EQ(o["pooling"], "sif");
  EXPECT_EQ(o["whiten"], true);
  EXPECT_EQ(o["whiten_dims"], 3);
  EXPECT_EQ(o["max_len"], 128);  // the top level is not the encoder's table
  EXPECT_EQ(Make("profile pretrain").set.section(), "pretrain");
  // The CLI checks the table's values; a bad one at the top level is not read.
  std::ofstream(d.File("bad.toml")) << "[encoder]\nmax_len = 1\n";
  std::ofstream(d.File("top.toml")) << "max_len = 1\n";
  std::string embed = "--quiet profile embed --encoder tfidf --input " + users + " --config ";
  EXPECT_EQ(testing::RunCli(embed + d.File("bad.toml")).exit_code, 2);
  EXPECT_EQ(testing::RunCli(embed + d.File("top.toml")).exit_code, 0);
  // Enumerations are checked where they are given.
  EXPECT_EQ(testing::RunCli(embed + d.File("top.toml") + " --pooling avg").exit_code, 2);
  EXPECT_EQ(testing::RunCli(embed + d.File("top.toml") + " --format csv").exit_code, 2);
}

TEST(ProfileCommands, EvaluateTextShowsTheItemColumnWhenItemsAreJudged) {
  testing::TempDir d;
  std::string users = WriteUsers(d);
  std::ofstream(d.File("items.jsonl")) << R"({"item_id": "sport", "text": "football tennis marathon"})"
                                          "\n"
                                       << R"({"item_id": "cook", "text": "pasta chef sourdough"})"
                                          "\n";
  std::string cmd = "--quiet profile evaluate --encoder tfidf --users " + users + " --label-field topic --bootstrap 0";
  auto plain = testing::RunCli(cmd);
  ASSERT_EQ(plain.exit_code, 0);
  EXPECT_EQ(plain.out.find("item AUC"), std::string::npos) << plain.out;
  auto with_items = testing::RunCli(cmd + " --items " + d.File("items.jsonl"));
  ASSERT_EQ(with_items.exit_code, 0);
  EXPECT_NE(with_items.out.find("item AUC"), std::string::npos) << with_items.out;
  auto j = json::parse(testing::RunCli(cmd + " --items " + d.File("items.jsonl") + " --json").out);
  EXPECT_GT(j["encoders"]["tfidf"]["item_auc"].get<double>(), 0.5);
  // --baseline takes a value as before, in the words CLI11 took.
  for (const char* no : {"false", "0", "no", "off"}) {
    auto none =
        testing::RunCli("--quiet profile evaluate --users " + users + " --label-field topic --json --baseline " + no);
    ASSERT_EQ(none.exit_code, 0) << no;
    EXPECT_TRUE(json::parse(none.out)["encoders"].empty()) << no;
  }
  Made m = Make("profile evaluate");
  m.set.SetFromString("baseline", "No", "test");
  EXPECT_EQ(m.set.ToJson()["baseline"], false);
  m.set.SetFromString("baseline", "yes", "test");
  EXPECT_EQ(m.set.ToJson()["baseline"], true);
  EXPECT_THROW(m.set.SetFromString("baseline", "maybe", "test"), Error);
}

TEST(ProfileCommands, PretrainReportsThePretrainingOptionsAlone) {
  if (!BertAvailable()) GTEST_SKIP() << "built without libtorch";
  testing::TempDir d;
  std::string users = WriteUsers(d);
  Made m = Make("profile pretrain");
  m.set.ParseArgs({"--text", users, "--out", d.File("enc"), "--steps", "2", "--contrastive-steps", "1", "--vocab-size",
                   "60", "--hidden-size", "8", "--intermediate-size", "8", "--max-len", "16"},
                  "test");
  m.set.Validate();
  Context ctx;
  json r = m.command->Run(ctx);
  OptionSet pretrain;
  PretrainOptions opts;
  opts.Describe(pretrain);
  std::set<std::string> want, got;
  for (const auto& e : pretrain.entries()) want.insert(e.key);
  for (auto it = r["options"].begin(); it != r["options"].end(); ++it) got.insert(it.key());
  EXPECT_EQ(got, want);
  EXPECT_EQ(r["options"]["steps"], 2);
  EXPECT_EQ(r["out"], d.File("enc"));
  EXPECT_EQ(r["report"]["steps"], 2);
}

// k-anonymity (docs/privacy.md): segments below --min-audience are merged into the
// nearest, a seed list or audience below it is refused, and with a key the raw seed
// ids still find their (pseudonymised) users.
TEST(ProfileCommands, MinimumAudienceMergesSegmentsAndRefusesSmallSeedLists) {
  testing::TempDir d;
  std::string users = WriteUsers(d);
  Made seg = Make("profile segment");
  seg.set.ParseArgs({"--encoder", "tfidf", "--users", users, "--k", "4", "--min-audience", "15"}, "test");
  seg.set.Validate();
  Context ctx;
  json r = seg.command->Run(ctx);
  EXPECT_EQ(r["k_found"], 4);
  EXPECT_GE(r["merged_segments"].get<int>(), 1) << r.dump();
  EXPECT_EQ(r["k"].get<int>() + r["merged_segments"].get<int>(), 4);
  size_t total = 0;
  for (const auto& g : r["segments"]) {
    EXPECT_GE(g["users"].get<size_t>(), 15u) << r.dump();
    total += g["users"].get<size_t>();
  }
  EXPECT_EQ(total, 40u);
  auto all = testing::RunCli("--quiet profile segment --encoder tfidf --users " + users + " --k 2 --json");
  EXPECT_EQ(all.exit_code, 2) << "40 users are fewer than the default 100";

  auto few = testing::RunShell(std::string(ADPILOT_CLI_PATH) + " --quiet profile lookalike --encoder tfidf --users " +
                               users + " --seed-ids u0,u2 -n 20 --min-audience 10 2>&1");
  EXPECT_EQ(few.exit_code, 2);
  EXPECT_NE(few.out.find("2 seed users, fewer than the minimum audience 10"), std::string::npos) << few.out;

  std::string seeds;
  for (int i = 0; i < 20; i += 2) seeds += (seeds.empty() ? "u" : ",u") + std::to_string(i);
  const std::string key = d.File("k.key");
  auto ok = testing::RunCli("--quiet profile lookalike --encoder tfidf --users " + users + " --seed-ids " + seeds +
                            " -n 10 --min-audience 10 --pseudonymise " + key + " --json");
  ASSERT_EQ(ok.exit_code, 0) << ok.out;
  json j = json::parse(ok.out);
  EXPECT_EQ(j["seeds"], 10);
  for (const auto& a : j["audience"]) {
    const std::string id = a["user_id"];
    EXPECT_EQ(id.size(), 16u) << id;  // a pseudonym, not u<N>
    EXPECT_NE(id[0], 'u');
  }
}

}  // namespace
}  // namespace adpilot
