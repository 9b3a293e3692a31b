// LineSource shards (the byte ranges `mpirun` ranks read, docs/distributed.md):
// for any number of shards every line is read exactly once, by the shard its
// first byte falls in; the header is the file's first line only; CRLF keeps
// working; gzip cannot be split.
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "adpilot/error.h"
#include "adpilot/line_source.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

std::vector<std::string> ReadShard(const std::string& path, int shard, int shards, int* headers = nullptr) {
  LineSource src(path, LineSource::kDefaultMaxLine, shard, shards);
  std::vector<std::string> out;
  while (src.Next() == LineSource::Status::kLine) {
    if (headers && src.first_line_of_file()) ++*headers;
    out.emplace_back(src.line());
  }
  return out;
}

TEST(LineShard, EveryLineExactlyOnceForAnyShardCount) {
  testing::TempDir dir;
  for (const char* eol : {"\n", "\r\n"}) {
    std::string path = dir.File("lines.txt");
    std::vector<std::string> lines;
    {
      std::ofstream f(path, std::ios::binary);
      // Lengths from 0 to 40 bytes, so cuts fall at every offset of a line.
      for (int i = 0; i < 997; ++i) {
        lines.push_back(std::to_string(i) + std::string(size_t(i * 7 % 41), 'x'));
        f << lines.back() << eol;
      }
    }
    for (int shards : {1, 2, 3, 4, 7, 64, 2000}) {
      std::vector<std::string> all;
      int headers = 0;
      for (int s = 0; s < shards; ++s) {
        auto part = ReadShard(path, s, shards, &headers);
        all.insert(all.end(), part.begin(), part.end());
      }
      EXPECT_EQ(all, lines) << shards << " shards, eol " << (eol[1] ? "CRLF" : "LF");
      EXPECT_EQ(headers, 1) << shards << " shards";
    }
  }
}

TEST(LineShard, LastLineWithoutTerminator) {
  testing::TempDir dir;
  std::string path = dir.File("open.txt");
  std::ofstream(path, std::ios::binary) << "a\nbb\nccc";
  std::vector<std::string> all;
  for (int s = 0; s < 3; ++s) {
    auto part = ReadShard(path, s, 3);
    all.insert(all.end(), part.begin(), part.end());
  }
  EXPECT_EQ(all, (std::vector<std::string>{"a", "bb", "ccc"}));
}

TEST(LineShard, GzipCannotBeSplitByBytes) {
  testing::TempDir dir;
  std::string path = dir.File("x.gz");
  ASSERT_EQ(std::system(("printf 'a\\nb\\n' | gzip > " + path).c_str()), 0);
  try {
    LineSource src(path, LineSource::kDefaultMaxLine, 1, 2);
    FAIL() << "a gzip shard opened";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_EQ(ReadShard(path, 0, 1), (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace adpilot
