#include <gtest/gtest.h>

#include "adpilot/atomic_file.h"
#include "adpilot/error.h"
#include "adpilot/hash.h"
#include "adpilot/pseudonym.h"
#include "adpilot/registry.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

struct Animal {
  virtual ~Animal() = default;
  virtual std::string Say() const = 0;
};
struct Dog : Animal {
  std::string Say() const override { return "woof"; }
};
using AnimalRegistry = Registry<Animal>;
ADPILOT_REGISTER(AnimalRegistry, "dog", "barks", [] { return std::make_unique<Dog>(); });

TEST(Registry, CreatesByNameAndListsValidNames) {
  EXPECT_EQ(AnimalRegistry::Get().Create("animal", "dog")->Say(), "woof");
  try {
    AnimalRegistry::Get().Create("animal", "cat");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("valid: dog"), std::string::npos) << e.what();
  }
}

TEST(AtomicFile, WritesWholeOrNothing) {
  testing::TempDir tmp;
  std::string path = tmp.File("m.bin");
  WriteFileAtomic(path, "first");
  {
    AtomicFileWriter w(path);
    w.Write("second-partial");
    // no Commit: destructor discards the temp file
  }
  EXPECT_EQ(ReadFile(path), "first");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(tmp.path()), {}), 1);
}

TEST(Hash, PseudonymIsKeyedAndStable) {
  EXPECT_EQ(Pseudonymize("user1", "k"), Pseudonymize("user1", "k"));
  EXPECT_NE(Pseudonymize("user1", "k"), Pseudonymize("user1", "k2"));
  EXPECT_NE(Pseudonymize("user1", "k"), Pseudonymize("user2", "k"));
  EXPECT_EQ(Pseudonymize("user1", "k").size(), 16u);
}

TEST(ExitCodes, UsageAndInputAreTwo) {
  EXPECT_EQ(ExitCodeFor(ErrorCode::kInvalidArgument), 2);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kBadInput), 2);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kIOError), 1);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kCorruption), 1);
}

}  // namespace
}  // namespace adpilot
