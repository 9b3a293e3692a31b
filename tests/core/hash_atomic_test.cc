// Keyed pseudonyms and atomic writes.
#include <cctype>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "adpilot/atomic_file.h"
#include "adpilot/error.h"
#include "adpilot/hash.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

TEST(Hash, PseudonymIsStablePerKeyAndHidesTheId) {
  std::string a = Pseudonymize("user-42", "k1");
  EXPECT_EQ(a, Pseudonymize("user-42", "k1"));
  EXPECT_NE(a, Pseudonymize("user-42", "k2"));
  EXPECT_NE(a, Pseudonymize("user-43", "k1"));
  EXPECT_EQ(a.size(), 16u);
  for (char c : a) EXPECT_TRUE(std::isxdigit(static_cast<unsigned char>(c)));
}

TEST(Hash, StringAndPointerOverloadsAgree) {
  std::string s = "missing";
  EXPECT_EQ(Hash64(std::string_view(s), 7), Hash64(s.data(), s.size(), 7));
  EXPECT_NE(Hash64(std::string_view(s), 7), Hash64(std::string_view(s), 8));
}

TEST(AtomicFile, CommitReplacesAbandonLeavesTheOldFile) {
  testing::TempDir d;
  std::string p = d.File("model.bin");
  WriteFileAtomic(p, "old");
  {
    AtomicFileWriter w(p);
    w.Write("new but abandoned");
  }
  EXPECT_EQ(ReadFile(p), "old");
  {
    AtomicFileWriter w(p);
    w.Write("new");
    w.Commit();
  }
  EXPECT_EQ(ReadFile(p), "new");
  size_t files = 0;
  for (auto& e : std::filesystem::directory_iterator(d.path())) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);  // no temp files left behind
}

TEST(AtomicFile, ReadingAMissingFileIsNotFound) {
  try {
    ReadFile("/nonexistent/adpilot/file");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
}

}  // namespace
}  // namespace adpilot
