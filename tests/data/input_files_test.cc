// A data set in several files (adpilot/input.h InputFiles, OpenReader): a
// comma-separated list or a directory reads as the files' records in order,
// gzip parts included; shards of it (mpirun ranks) take whole files when
// there are enough and together read every record exactly once; parts whose
// headers disagree and missing parts are errors naming the file.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "adpilot/error.h"
#include "adpilot/input.h"
#include "adpilot/reader.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

namespace fs = std::filesystem;

// Rows "label 1:<i>" for i in [from, to), so each record says where it came from.
void WriteSvm(const std::string& path, int from, int to, const std::string& bad_after = "") {
  std::ofstream f(path, std::ios::binary);
  for (int i = from; i < to; ++i) f << (i % 3 == 0) << " 1:" << i << "\n";
  f << bad_after;
}

std::vector<int> Values(const std::string& spec, int shard = 0, int shards = 1, uint64_t* bad = nullptr) {
  ReaderOptions o;
  o.format = "libsvm";
  o.shard = shard, o.shards = shards;
  auto r = OpenReader(spec, o);
  RawRecord rec;
  std::vector<int> out;
  while (r->Next(rec)) out.push_back(int(rec.features.at(0).value));
  if (bad) *bad = r->bad_rows().count();
  return out;
}

std::vector<int> Range(int from, int to) {
  std::vector<int> v;
  for (int i = from; i < to; ++i) v.push_back(i);
  return v;
}

TEST(InputFiles, ListsDirectoriesAndSingleFiles) {
  testing::TempDir dir;
  fs::create_directories(dir.path() / "parts");
  for (const char* name : {"parts/b.svm", "parts/a.svm", "parts/.hidden", "one,two.svm"})
    std::ofstream(dir.File(name)) << "1 1:1\n";
  fs::create_directories(dir.path() / "parts/sub");
  EXPECT_EQ(InputFiles(dir.File("parts")),
            (std::vector<std::string>{dir.File("parts/a.svm"), dir.File("parts/b.svm")}));
  // A file whose name has a comma is that file, not a list.
  EXPECT_EQ(InputFiles(dir.File("one,two.svm")), std::vector<std::string>{dir.File("one,two.svm")});
  const std::string list = dir.File("parts/b.svm") + "," + dir.File("parts");
  EXPECT_EQ(InputFiles(list),
            (std::vector<std::string>{dir.File("parts/b.svm"), dir.File("parts/a.svm"), dir.File("parts/b.svm")}));
  EXPECT_EQ(InputFiles("-"), std::vector<std::string>{"-"});
  EXPECT_EQ(InputFiles(dir.File("missing.svm")), std::vector<std::string>{dir.File("missing.svm")});
  try {
    InputFiles(dir.File("parts/a.svm") + "," + dir.File("gone.svm"));
    ADD_FAILURE() << "a missing part was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("gone.svm"), std::string::npos) << e.what();
  }
  fs::create_directories(dir.path() / "empty");
  EXPECT_THROW(InputFiles(dir.File("empty")), Error);
  EXPECT_THROW(InputFiles(dir.File("parts/a.svm") + ","), Error);
}

TEST(InputFiles, AListReadsAsItsFilesInOrder) {
  testing::TempDir dir;
  WriteSvm(dir.File("p0.svm"), 0, 500);
  WriteSvm(dir.File("p1.svm"), 500, 900, "x 1:oops\n");
  WriteSvm(dir.File("p2.svm"), 900, 1000);
  ASSERT_EQ(testing::RunShell("gzip " + dir.File("p1.svm")).exit_code, 0);
  const std::string list = dir.File("p0.svm") + "," + dir.File("p1.svm.gz") + "," + dir.File("p2.svm");
  uint64_t bad = 0;
  EXPECT_EQ(Values(list, 0, 1, &bad), Range(0, 1000));
  EXPECT_EQ(bad, 1u);  // p1's bad row, counted through the list
  EXPECT_EQ(GuessFormat(list), "libsvm");
}

TEST(InputFiles, ShardsTakeWholeFilesOrTheSameByteShardOfEach) {
  testing::TempDir dir;
  // 1000, 300 (gzip: a few hundred bytes), 600 and 100 rows: by bytes, the
  // largest file goes to shard 0, each of the others then to the lighter shard 1.
  int from = 0;
  std::vector<std::string> files;
  std::vector<std::vector<int>> rows;
  for (int n : {1000, 300, 600, 100}) {
    files.push_back(dir.File("p" + std::to_string(files.size()) + ".svm"));
    WriteSvm(files.back(), from, from + n);
    rows.push_back(Range(from, from + n));
    from += n;
  }
  ASSERT_EQ(testing::RunShell("gzip " + files[1]).exit_code, 0);  // whole files: gzip parts split too
  files[1] += ".gz";
  std::string list = files[0];
  for (size_t i = 1; i < files.size(); ++i) list += "," + files[i];
  EXPECT_EQ(Values(list, 0, 2), rows[0]);
  std::vector<int> one = rows[1];
  one.insert(one.end(), rows[2].begin(), rows[2].end());
  one.insert(one.end(), rows[3].begin(), rows[3].end());
  EXPECT_EQ(Values(list, 1, 2), one);

  // More shards than files: every shard reads its byte shard of each (plain) file.
  const std::string plain = files[0] + "," + files[2];
  std::vector<int> all;
  for (int s = 0; s < 3; ++s) {
    auto part = Values(plain, s, 3);
    EXPECT_LT(part.size(), 1600u) << "shard " << s << " read everything";
    all.insert(all.end(), part.begin(), part.end());
  }
  std::sort(all.begin(), all.end());
  std::vector<int> want = rows[0];
  want.insert(want.end(), rows[2].begin(), rows[2].end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(all, want);
}

TEST(InputFiles, EmptyPartsStillGoRound) {
  testing::TempDir dir;
  std::vector<std::string> files;
  for (int i = 0; i < 4; ++i) {
    files.push_back(dir.File("e" + std::to_string(i) + ".svm"));
    std::ofstream(files.back()).flush();  // empty parts: every shard must still get one
  }
  WriteSvm(files[3], 0, 10);
  std::string list = files[0] + "," + files[1] + "," + files[2] + "," + files[3];
  std::vector<int> all;
  for (int s = 0; s < 4; ++s) {
    auto part = Values(list, s, 4);
    all.insert(all.end(), part.begin(), part.end());
  }
  EXPECT_EQ(all, Range(0, 10));
}

TEST(InputFiles, PartsWithOtherColumnsAreAnError) {
  testing::TempDir dir;
  std::ofstream(dir.File("a.csv")) << "id,click,hour,C1\n1,0,14102100,a\n";
  std::ofstream(dir.File("b.csv")) << "id,click,hour,C2\n2,1,14102100,b\n";
  ReaderOptions o;
  o.format = "avazu";
  auto r = OpenReader(dir.File("a.csv") + "," + dir.File("b.csv"), o);
  RawRecord rec;
  ASSERT_TRUE(r->Next(rec));
  try {
    r->Next(rec);
    ADD_FAILURE() << "parts with other columns were read as one data set";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("b.csv"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace adpilot
