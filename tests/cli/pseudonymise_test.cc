// Pseudonymisation at ingestion (docs/privacy.md): a pseudonymised `adpilot run`
// writes no raw user, device or IP value of its input, nor the key, anywhere in
// its run directory; the key file is created with mode 0600 and refused when
// others can read it.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

struct Inputs {
  std::set<std::string> raw;  // every identifier value that must not leave the readers
};

// A click log with user, device and IP columns, and the same users' texts.
Inputs WriteInputs(const testing::TempDir& tmp) {
  Inputs in;
  std::mt19937_64 rng(11);
  std::ofstream csv(tmp.File("clicks.csv")), texts(tmp.File("users.tsv"));
  csv << "click,user,device,ip,site,hour\n";
  const char* words[] = {"running shoes", "cheap flights", "gaming laptop", "garden tools"};
  for (int u = 0; u < 60; ++u) {
    std::string user = "customer-" + std::to_string(1000 + u), device = "handset-" + std::to_string(7000 + u * 3);
    std::string ip = "172.16." + std::to_string(u % 7) + "." + std::to_string(10 + u);
    in.raw.insert(user);
    in.raw.insert(device);
    in.raw.insert(ip);
    texts << user << "\t" << words[u % 4] << " and more " << words[(u + 1) % 4] << "\n";
    for (int r = 0; r < 20; ++r) {
      int site = int(rng() % 5), hour = int(rng() % 24);
      bool click = (rng() % 100) < uint64_t(5 + 10 * (site == u % 5));
      csv << click << "," << user << "," << device << "," << ip << ",site" << site << "," << hour << "\n";
    }
  }
  std::ofstream schema(tmp.File("schema.toml"));
  schema << "label = \"click\"\nuser_id = \"user\"\ndevice_id = [\"device\"]\nip = [\"ip\"]\n"
            "categorical = [\"site\"]\nnumeric = [\"hour\"]\n";
  return in;
}

std::string Pipeline(const testing::TempDir& tmp) {
  const std::string data = tmp.File("clicks.csv"), schema = tmp.File("schema.toml");
  std::string common = "\"--format\", \"csv\", \"--schema\", \"" + schema + "\"";
  return "title = \"pseudonymised\"\n"
         "[[step]]\nname = \"stats\"\nstage = \"data\"\nargs = [\"data\", \"stats\", \"" +
         data + "\", " + common +
         "]\n"
         "[[step]]\nname = \"convert\"\nstage = \"data\"\nargs = [\"data\", \"convert\", \"" +
         data + "\", " + common +
         ", \"--to\", \"criteo\", \"--out\", \"{run}/converted.tsv\"]\n"
         "[[step]]\nname = \"train\"\nstage = \"predict\"\nargs = [\"train\", \"--model\", \"lr\", \"--data\", \"" +
         data + "\", " + common +
         ", \"--out\", \"{run}/lr.model\"]\n"
         "[[step]]\nname = \"eval\"\nstage = \"predict\"\nargs = [\"eval\", \"--model\", \"{run}/lr.model\", "
         "\"--data\", \"" +
         data + "\", \"--schema\", \"" + schema +
         "\"]\n"
         "[[step]]\nname = \"predict\"\nstage = \"predict\"\nargs = [\"predict\", \"--model\", \"{run}/lr.model\", "
         "\"--data\", \"" +
         data + "\", \"--schema\", \"" + schema +
         "\", \"--out\", \"{run}/p.txt\"]\n"
         "[[step]]\nname = \"explain\"\nstage = \"predict\"\nargs = [\"explain\", \"--model\", \"{run}/lr.model\", "
         "\"--data\", \"" +
         data + "\", \"--schema\", \"" + schema +
         "\", \"--rows\", \"50\"]\n"
         "[[step]]\nname = \"embed\"\nstage = \"profile\"\nargs = [\"profile\", \"embed\", \"--input\", \"" +
         tmp.File("users.tsv") + "\", \"--encoder\", \"tfidf\", \"--out\", \"{run}/users.prof\"]\n";
}

// Every file under `dir` that holds one of `needles`, with the first it holds.
std::vector<std::string> Leaks(const std::string& dir, const std::set<std::string>& needles) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const std::string text = ReadFile(e.path().string());
    for (const auto& n : needles)
      if (text.find(n) != std::string::npos) {
        out.push_back(e.path().string() + " holds '" + n + "'");
        break;
      }
  }
  return out;
}

TEST(Pseudonymise, ARunWritesNoRawIdentifierAndNotTheKey) {
  testing::TempDir tmp;
  Inputs in = WriteInputs(tmp);
  WriteFileAtomic(tmp.File("p.toml"), Pipeline(tmp));
  const std::string key = tmp.File("secrets/adpilot.key");
  std::filesystem::create_directories(tmp.File("secrets"));

  // Without the key the same run does write raw ids: the check below can see them.
  auto plain = testing::RunCli("--quiet run " + tmp.File("p.toml") + " --out " + tmp.File("plain") + " --json");
  ASSERT_EQ(plain.exit_code, 0) << plain.out;
  ASSERT_FALSE(Leaks(tmp.File("plain"), in.raw).empty()) << "the unpseudonymised run should hold raw ids";

  auto r = testing::RunCli("--quiet run " + tmp.File("p.toml") + " --out " + tmp.File("run") + " --pseudonymise " +
                           key + " --json");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto summary = nlohmann::json::parse(ReadFile(tmp.File("run/summary.json")));
  ASSERT_TRUE(summary["ok"].get<bool>()) << summary.dump();
  for (const auto& st : summary["steps"]) EXPECT_EQ(st["status"], "ran") << st.dump();

  struct stat st {};
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string hex = ReadFile(key);
  while (!hex.empty() && hex.back() == '\n') hex.pop_back();
  ASSERT_EQ(hex.size(), 64u);

  std::set<std::string> needles = in.raw;
  needles.insert(hex);
  needles.insert(hex.substr(0, 16));
  for (const auto& leak : Leaks(tmp.File("run"), needles)) ADD_FAILURE() << leak;
  // The models still learn: the pseudonyms join rows of one user as the ids did.
  auto ev = nlohmann::json::parse(ReadFile(tmp.File("run/steps/eval.json")));
  EXPECT_GT(ev["auc"].get<double>(), 0.55) << ev.dump();

  // The same key gives the same pseudonyms: a second run reuses every step.
  auto again = testing::RunCli("--quiet run " + tmp.File("p.toml") + " --out " + tmp.File("run") + " --pseudonymise " +
                               key + " --json");
  ASSERT_EQ(again.exit_code, 0) << again.out;
  for (const auto& s : nlohmann::json::parse(ReadFile(tmp.File("run/summary.json")))["steps"])
    EXPECT_EQ(s["status"], "cached") << s.dump();
}

TEST(Pseudonymise, RefusesAKeyOthersCanReadOrThatIsNotAKey) {
  testing::TempDir tmp;
  WriteInputs(tmp);
  const std::string key = tmp.File("k");
  WriteFileAtomic(key, std::string(64, 'a') + "\n");
  ::chmod(key.c_str(), 0644);
  const std::string cmd = "--quiet data stats " + tmp.File("clicks.csv") + " --format csv --schema " +
                          tmp.File("schema.toml") + " --pseudonymise " + key;
  auto r = testing::RunShell(std::string(ADPILOT_CLI_PATH) + " " + cmd + " 2>&1");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find(key), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("chmod 600"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(std::string(64, 'a')), std::string::npos) << "the key itself is never printed";

  ::chmod(key.c_str(), 0600);
  EXPECT_EQ(testing::RunCli(cmd).exit_code, 0);
  WriteFileAtomic(key, "not a key\n");
  ::chmod(key.c_str(), 0600);
  auto bad = testing::RunShell(std::string(ADPILOT_CLI_PATH) + " " + cmd + " 2>&1");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.out.find("expected 64 hex digits"), std::string::npos) << bad.out;
}

}  // namespace
}  // namespace adpilot
