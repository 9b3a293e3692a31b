// Keyed pseudonyms and atomic writes.
#include <cctype>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "adpilot/atomic_file.h"
#include "adpilot/error.h"
#include "adpilot/hash.h"
#include "adpilot/pseudonym.h"
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

// RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?") begins 5bdcc146bf60754e.
TEST(Hash, PseudonymIsTheFirst64BitsOfHmacSha256) {
  EXPECT_EQ(Pseudonymize("what do ya want for nothing?", "Jefe"), "5bdcc146bf60754e");
}

TEST(Hash, IpTruncationKeepsTheNetwork) {
  std::string out;
  ASSERT_TRUE(TruncateIp("192.168.17.254", out));
  EXPECT_EQ(out, "192.168.17.0");
  ASSERT_TRUE(TruncateIp("2001:db8:85a3:8d3:1319:8a2e:370:7348", out));
  EXPECT_EQ(out, "2001:db8:85a3::");
  EXPECT_FALSE(TruncateIp("ddd2926e", out));  // Avazu's hashed device_ip: not an address
  EXPECT_FALSE(TruncateIp("", out));
  EXPECT_FALSE(TruncateIp("10.0.0.1 ", out));
}

TEST(Hash, KeyFileIsCreatedPrivateAndReadBack) {
  testing::TempDir tmp;
  const std::string path = tmp.File("key");
  std::string k = LoadOrCreateKey(path);
  EXPECT_EQ(k.size(), 32u);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(LoadOrCreateKey(path), k);  // the same key next time
  EXPECT_NE(LoadOrCreateKey(tmp.File("other")), k);
  ::chmod(path.c_str(), 0640);
  EXPECT_THROW(LoadOrCreateKey(path), Error);
}

// Ranks of one mpirun (or parallel jobs) that find no key create it at once: all
// must end up with the one key the file holds, never one of their own.
TEST(Hash, ConcurrentCreatorsShareOneKey) {
  testing::TempDir tmp;
  const std::string path = tmp.File("shared.key");
  std::vector<std::string> keys(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < keys.size(); ++i) threads.emplace_back([&, i] { keys[i] = LoadOrCreateKey(path); });
  for (auto& t : threads) t.join();
  for (const auto& k : keys) EXPECT_EQ(k, LoadOrCreateKey(path));
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(tmp.path())) files += e.is_regular_file();
  EXPECT_EQ(files, 1u) << "no temp file is left behind";
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
