// The container framing (adpilot/container.h): a round trip through both the
// in-memory and the streaming paths, and every kind of damage is kCorruption
// naming the file, never a crash, an allocation from a bad length or wrong data.
#include "adpilot/container.h"

#include <cstring>
#include <fstream>
#include <functional>

#include <gtest/gtest.h>

#include "adpilot/error.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

using testing::TempDir;

constexpr ContainerFormat kFmt{"ADPTEST1", "adpilot test file", 3, 2};

std::string Payload() {
  std::string p;
  for (int i = 0; i < 300; ++i) p += char(i * 7);
  return p;
}

// A plain write: an atomic one fsyncs, hundreds of times per test.
void Put(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// The message of the kCorruption error `f` throws ("" and a test failure if none).
std::string Corruption(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorruption) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "accepted a damaged container";
  return "";
}

// Streams the whole payload through a reader, twice (a rewound pass checks again).
std::string StreamAll(const std::string& path, size_t chunk = 7) {
  ContainerReader r(path, kFmt);
  std::string out;
  for (int pass = 0; pass < 2; ++pass, r.Rewind()) {
    out.clear();
    while (r.remaining()) {
      std::string buf(std::min<uint64_t>(chunk, r.remaining()), '\0');
      r.Read(buf.data(), buf.size(), "chunk");
      out += buf;
    }
  }
  return out;
}

TEST(Container, RoundTripInMemoryAndStreamed) {
  TempDir tmp;
  std::string config = R"({"k": 1})", payload = Payload();
  std::string bytes = EncodeContainer(kFmt, config, payload);
  EXPECT_EQ(bytes.size(), kContainerOverhead + config.size() + payload.size());
  EXPECT_EQ(bytes.substr(0, 8), "ADPTEST1");
  ContainerView v = DecodeContainer(bytes, kFmt, "mem");
  EXPECT_EQ(v.version, 3u);
  EXPECT_EQ(v.config, config);
  EXPECT_EQ(v.payload, payload);

  std::string path = tmp.File("a.bin");
  {
    ContainerWriter w(path, kFmt, config);
    w.Write(payload.substr(0, 100));
    w.Write(payload.substr(100));
    w.Commit();
  }
  EXPECT_EQ(ReadFile(path), bytes);  // streaming writes the same bytes
  ContainerReader r(path, kFmt);
  EXPECT_EQ(r.version(), 3u);
  EXPECT_EQ(r.config(), config);
  EXPECT_EQ(r.payload_size(), payload.size());
  char tail[4];
  r.ReadAt(payload.size() - 4, tail, 4, "tail");
  EXPECT_EQ(std::string(tail, 4), payload.substr(payload.size() - 4));
  EXPECT_EQ(StreamAll(path), payload);

  WriteContainer(path, kFmt, "", "");
  EXPECT_EQ(DecodeContainer(ReadFile(path), kFmt, path).payload, "");
  ContainerReader empty(path, kFmt);
  EXPECT_EQ(empty.remaining(), 0u);
}

TEST(Container, TruncatedAtEveryByteNamesTheFile) {
  TempDir tmp;
  std::string bytes = EncodeContainer(kFmt, R"({"k": 1})", Payload());
  std::string path = tmp.File("cut.bin");
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::string cut = bytes.substr(0, n);
    std::string msg = Corruption([&] { DecodeContainer(cut, kFmt, path); });
    EXPECT_NE(msg.find(path), std::string::npos) << n << ": " << msg;
    Put(path, cut);
    msg = Corruption([&] { StreamAll(path); });
    EXPECT_NE(msg.find(path), std::string::npos) << n << ": " << msg;
  }
  std::string msg = Corruption([&] { DecodeContainer(bytes.substr(0, 20), kFmt, path); });
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
}

TEST(Container, FlippedByteAnywhereIsCaught) {
  TempDir tmp;
  std::string bytes = EncodeContainer(kFmt, R"({"k": 1})", Payload());
  std::string path = tmp.File("flip.bin");
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] ^= 0x10;
    Corruption([&] { DecodeContainer(bad, kFmt, path); });
    Put(path, bad);
    Corruption([&] { StreamAll(path, 64); });
  }
  std::string bad = bytes;
  bad[bytes.size() / 2] ^= 1;  // in the payload
  std::string msg = Corruption([&] { DecodeContainer(bad, kFmt, path); });
  EXPECT_NE(msg.find(path + ": file checksum mismatch"), std::string::npos) << msg;
  bad = bytes;
  bad[18] ^= 1;  // in the config
  msg = Corruption([&] { DecodeContainer(bad, kFmt, path); });
  EXPECT_NE(msg.find("header checksum mismatch"), std::string::npos) << msg;
}

TEST(Container, WrongKindAndVersions) {
  std::string bytes = EncodeContainer(kFmt, "{}", "x");
  auto with_version = [&](uint32_t v) {
    std::string b = bytes;
    std::memcpy(b.data() + 8, &v, 4);
    return b;
  };
  std::string other = bytes;
  other[3] = 'X';
  EXPECT_NE(
      Corruption([&] { DecodeContainer(other, kFmt, "f.bin"); }).find("f.bin: not an adpilot test file (bad magic)"),
      std::string::npos);
  EXPECT_NE(Corruption([&] { DecodeContainer("ADP", kFmt, "f.bin"); }).find("truncated"), std::string::npos);
  EXPECT_NE(Corruption([&] { DecodeContainer("not a test", kFmt, "f.bin"); }).find("bad magic"), std::string::npos);
  EXPECT_NE(Corruption([&] { DecodeContainer(with_version(4), kFmt, "f.bin"); }).find("version 4 is newer"),
            std::string::npos);
  EXPECT_NE(Corruption([&] { DecodeContainer(with_version(0), kFmt, "f.bin"); }).find("version 0"), std::string::npos);
  // Older than the container: the format's own reader takes it.
  EXPECT_EQ(ContainerVersion(with_version(1), kFmt, "f.bin"), 1u);
  EXPECT_NE(Corruption([&] { DecodeContainer(with_version(1), kFmt, "f.bin"); }).find("not container-framed"),
            std::string::npos);
}

TEST(Container, LengthsAreCheckedBeforeUse) {
  TempDir tmp;
  std::string bytes = EncodeContainer(kFmt, "{}", Payload());
  std::string huge = bytes;
  uint32_t c = 0xfffffff0u;
  std::memcpy(huge.data() + 12, &c, 4);  // a config "of 4 GiB": refused, not allocated
  EXPECT_NE(Corruption([&] { DecodeContainer(huge, kFmt, "f"); }).find("truncated"), std::string::npos);
  std::string path = tmp.File("huge.bin");
  WriteFileAtomic(path, huge);
  EXPECT_NE(Corruption([&] { ContainerReader r(path, kFmt); }).find("truncated"), std::string::npos);
  std::string padded = bytes.substr(0, bytes.size() - 16) + "xx" + bytes.substr(bytes.size() - 16);
  EXPECT_NE(Corruption([&] { DecodeContainer(padded, kFmt, "f"); }).find("trailer gives 300 payload bytes"),
            std::string::npos);

  WriteFileAtomic(path, bytes);
  ContainerReader r(path, kFmt);
  char buf[8];
  EXPECT_NE(Corruption([&] { r.ReadAt(Payload().size() - 4, buf, 8, "footer"); }).find("footer"), std::string::npos);
  std::string all(Payload().size(), '\0');
  r.Read(all.data(), all.size(), "all");
  EXPECT_NE(Corruption([&] { r.Read(buf, 1, "one more"); }).find("one more runs past"), std::string::npos);
}

TEST(Container, MissingFileIsNotFound) {
  try {
    ContainerReader r("/nonexistent/x.bin", kFmt);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
}

}  // namespace
}  // namespace adpilot
