#include <gtest/gtest.h>

#include "adpilot/context.h"
#include "adpilot/world.h"
#include "common/test_util.h"
#include "world_fixture.h"

namespace adpilot {
namespace {

// The worlds under test-tmp/gen-<pid> are shared by several tests: remove them once all have run.
class RemoveGenTmp : public ::testing::Environment {
 public:
  void TearDown() override { std::filesystem::remove_all(testing::GenTmpRoot()); }
};
[[maybe_unused]] ::testing::Environment* const kRemoveGenTmp = ::testing::AddGlobalTestEnvironment(new RemoveGenTmp);

const char* kFiles[] = {"users.jsonl",    "auctions.tsv",     "auctions.rlb", "auctions.meta.tsv", "channels.csv",
                        "experiment.csv", "uplift_truth.csv", "journeys.csv", "truth.json"};

WorldConfig Tiny() {
  WorldConfig c;
  c.auctions = 150000;  // three blocks: the block seams are covered
  c.users = 800;
  c.weeks = 60;
  c.experiment_units = 3000;
  c.journeys = 3000;
  return c;
}

std::string Make(const std::string& name, uint64_t seed, int threads) {
  std::string dir = testing::GenTmp(name);
  Context ctx;
  ctx.seed = seed;
  ctx.threads = threads;
  GenerateWorld(Tiny(), dir, ctx);
  return dir;
}

TEST(GenDeterminism, SameSeedGivesByteIdenticalFilesWhateverTheThreads) {
  std::string a = Make("det-a", 11, 1), b = Make("det-b", 11, 3);
  for (const char* f : kFiles) {
    std::string x = testing::Slurp(a + "/" + f), y = testing::Slurp(b + "/" + f);
    EXPECT_FALSE(x.empty()) << f;
    EXPECT_TRUE(x == y) << f << " differs between two runs with the same seed";
  }
}

TEST(GenDeterminism, DifferentSeedsGiveDifferentWorlds) {
  std::string a = Make("seed-a", 11, 2), b = Make("seed-b", 12, 2);
  for (const char* f : kFiles) EXPECT_TRUE(testing::Slurp(a + "/" + f) != testing::Slurp(b + "/" + f)) << f;
}

}  // namespace
}  // namespace adpilot
