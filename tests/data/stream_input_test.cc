// Non-seekable inputs (pipes, /dev/fd/N) read in-process: format guessing,
// header and schema peeks and a second reader must not eat rows the main
// reader then misses (issue 18: "the source is opened twice").
#include <unistd.h>

#include <csignal>

#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "adpilot/error.h"
#include "adpilot/input.h"
#include "adpilot/line_source.h"
#include "adpilot/reader.h"
#include "common/test_util.h"
#include "data/fixtures.h"

namespace adpilot {
namespace {

using testing::TempDir;

// A pipe fed by a thread; path() is its /dev/fd/N name, as `<(...)` gives.
class Pipe {
 public:
  explicit Pipe(std::string text) {
    ::signal(SIGPIPE, SIG_IGN);  // a reader that stops early must fail the test, not kill it
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    rd_ = fds[0];
    writer_ = std::thread([fd = fds[1], text = std::move(text)] {
      for (size_t done = 0; done < text.size();) {
        ssize_t w = ::write(fd, text.data() + done, text.size() - done);
        if (w <= 0) break;  // the reader went away
        done += size_t(w);
      }
      ::close(fd);
    });
  }
  ~Pipe() {
    // The input registry keeps its own open of the pipe for the process's
    // life, so a writer whose text was not all read (a failed test) would
    // block forever: it is detached, not joined.
    ::close(rd_);
    writer_.detach();
  }
  std::string path() const { return "/dev/fd/" + std::to_string(rd_); }

 private:
  int rd_ = -1;
  std::thread writer_;
};

struct Count {
  uint64_t rows = 0, bad = 0;
};

Count ReadAll(const std::string& path, const ReaderOptions& o) {
  auto r = OpenReader(path, o);
  RawRecord rec;
  Count c;
  while (r->Next(rec)) ++c.rows;
  c.bad = r->bad_rows().count();
  return c;
}

// Repeats a fixture's body to about `bytes`, so a read spans several buffers.
std::string Grow(const testing::FormatFixture& f, size_t bytes) {
  std::string body = f.text;
  if (f.format == "avazu" || f.format == "csv") body = body.substr(body.find('\n') + 1);
  std::string out = f.text;
  while (out.size() < bytes) out += body;
  return out;
}

class StreamEveryReader : public ::testing::TestWithParam<std::string> {};

// GuessFormat, then the reader (which may peek its own header or schema), on
// one pipe: every row arrives, the same as from the file.
TEST_P(StreamEveryReader, GuessThenReadAPipeGivesEveryRow) {
  TempDir d;
  auto fx = testing::AllFixtures(d.path().string());
  fx.push_back({"rlb", d.File("f.rlb"), "0 12 0.001\n1 300 0.02\n0 0 0.5\n"});
  for (auto& f : fx) {
    if (f.format != GetParam()) continue;
    std::string text = Grow(f, 3u << 20);
    testing::WriteText(f.file, text);
    ReaderOptions o = testing::OptionsFor(f, d.path().string());
    Count want = ReadAll(f.file, o);
    ASSERT_GT(want.rows, 1000u);
    Pipe p(text);
    std::string guessed = GuessFormat(p.path());
    if (f.format != "csv" && f.format != "rlb") {  // csv and rlb are never guessed
      EXPECT_EQ(guessed, f.format);
    }
    Count got = ReadAll(p.path(), o);
    EXPECT_EQ(got.rows, want.rows);
    EXPECT_EQ(got.bad, want.bad);
  }
}

INSTANTIATE_TEST_SUITE_P(Data, StreamEveryReader,
                         ::testing::Values("criteo", "avazu", "libsvm", "libffm", "vw", "ipinyou", "csv", "rlb"));

TEST(StreamInput, KeptWholeAPipeReadsTheSameOnEveryPass) {
  std::string text;
  for (int i = 0; i < 200000; ++i) text += "line " + std::to_string(i) + "\n";
  Pipe p(text);
  ASSERT_TRUE(KeepWholeInput(p.path()));
  for (int pass = 0; pass < 3; ++pass) {
    LineSource src(p.path());
    uint64_t n = 0;
    while (src.Next() == LineSource::Status::kLine) ++n;
    EXPECT_EQ(n, 200000u) << "pass " << pass;
  }
  bool found = false;
  for (const auto& s : Streams())
    if (s.path == p.path()) {
      found = true;
      EXPECT_TRUE(s.whole);
      EXPECT_EQ(s.bytes_spooled, text.size());
      EXPECT_EQ(s.opens, 3u);
    }
  EXPECT_TRUE(found);
  ASSERT_FALSE(SpoolReport().empty());
}

// Past the kept head a second open cannot be served: a clear error naming the
// pipe, not a reader that silently starts in the middle.
TEST(StreamInput, ReopenPastTheKeptHeadIsAnError) {
  std::string text(kStreamHeadBytes + (4u << 20), 'x');
  for (size_t i = 99; i < text.size(); i += 100) text[i] = '\n';
  Pipe p(text);
  {
    LineSource src(p.path());
    uint64_t n = 0;
    while (src.Next() == LineSource::Status::kLine) ++n;
    EXPECT_EQ(n, (text.size() + 99) / 100);
  }
  try {
    LineSource again(p.path());
    FAIL() << "a second open after the head was let go must throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(std::string(e.what()).find(p.path()), std::string::npos) << e.what();
  }
  EXPECT_THROW(KeepWholeInput(p.path()), Error);
}

TEST(StreamInput, GzipThroughAPipe) {
  TempDir d;
  std::string text = testing::CriteoFixture();
  testing::WriteGz(d.File("a.gz"), text);
  Pipe p(testing::ReadAll(d.File("a.gz")));
  ReaderOptions o;
  o.format = GuessFormat(p.path());
  EXPECT_EQ(o.format, "criteo");
  EXPECT_EQ(ReadAll(p.path(), o).rows, 3u);
}

TEST(StreamInput, RegularFilesAreNotStreams) {
  TempDir d;
  testing::WriteText(d.File("a"), "x\n");
  EXPECT_FALSE(IsStream(d.File("a")));
  EXPECT_FALSE(IsStream(d.path().string()));
  EXPECT_FALSE(KeepWholeInput(d.File("a")));
  EXPECT_TRUE(IsStream("-"));
}

}  // namespace
}  // namespace adpilot
