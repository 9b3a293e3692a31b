// The TOML nesting bound: hostile depth is an error naming file and line,
// real configs (and brackets inside strings or comments) are untouched.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "adpilot/error.h"
#include "adpilot/options.h"
#include "adpilot/toml_file.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// The message of the kInvalidArgument error `text` raises ("" when it parses).
std::string ParseError(const std::string& text) {
  try {
    ParseTomlString(text, "deep.toml");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << e.what();
    return e.what();
  }
  return "";
}

TEST(TomlDepth, HostileNestingIsAnErrorNamingFileAndLine) {
  const int n = 20000;
  const std::vector<std::string> hostile = {
      Repeat("[", n),                                               // table headers
      "a = " + Repeat("[", n) + Repeat("]", n),                     // arrays
      "x = " + Repeat("{a=", n) + "1" + Repeat("}", n),             // inline tables
      "a" + Repeat(".a", n) + " = 1",                               // dotted keys
      "[a" + Repeat(".a", n) + "]",                                 // dotted header
      "x = [" + Repeat("{a=[", n / 2) + Repeat("]}", n / 2) + "]",  // mixed
  };
  for (const auto& text : hostile) {
    std::string err = ParseError("ok = 1\n\n" + text + "\n");
    EXPECT_NE(err.find("deep.toml:3:"), std::string::npos) << err.substr(0, 200);
    EXPECT_NE(err.find("nested deeper than"), std::string::npos) << err.substr(0, 200);
  }
}

TEST(TomlDepth, TheLimitIsExact) {
  auto arrays = [](int d) { return "a = " + Repeat("[", d) + Repeat("]", d) + "\n"; };
  EXPECT_EQ(ParseError(arrays(kMaxTomlDepth)), "");
  EXPECT_NE(ParseError(arrays(kMaxTomlDepth + 1)), "");
  // A header's levels count under the keys of its table.
  EXPECT_EQ(ParseError("[a.b]\nc = " + Repeat("[", kMaxTomlDepth - 2) + Repeat("]", kMaxTomlDepth - 2)), "");
  EXPECT_NE(ParseError("[a.b]\nc = " + Repeat("[", kMaxTomlDepth - 1) + Repeat("]", kMaxTomlDepth - 1)), "");
}

TEST(TomlDepth, BracketsInStringsAndCommentsDoNotCount) {
  std::string deep = Repeat("[{", 5000);
  std::string text = "# " + deep +
                     "\n"
                     "a = \"" +
                     deep +
                     "\"\n"
                     "b = '" +
                     deep +
                     "'\n"
                     "c = \"\"\"\n" +
                     deep +
                     "\n\\\"\"\"\"\n"
                     "d = '''" +
                     deep +
                     "''''\n"
                     "\"e." +
                     deep +
                     "\" = 1\n"
                     "f = [1.5, 2.25, {g.h = \"[\"}]\n"
                     "[server]\nport = 80\n[[campaign]]\nid = \"x\"\n[campaign.targeting]\nos = [\"ios\"]\n";
  EXPECT_EQ(ParseError(text), "");
  toml::value v = ParseTomlString(text, "ok.toml");
  EXPECT_EQ(toml::find<std::string>(v, "a"), deep);
  EXPECT_EQ(toml::find<int>(v, "server", "port"), 80);
}

TEST(TomlDepth, OptionSetConfigFilesAreBounded) {
  testing::TempDir tmp;
  std::ofstream(tmp.File("c.toml")) << "[train]\nbits = " << Repeat("[", 20000) << "\n";
  int bits = 20;
  OptionSet o("train");
  o.Add("bits", &bits, "hash bits");
  try {
    o.LoadTomlFile(tmp.File("c.toml"));  // before the bound: SIGSEGV in toml11
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find(tmp.File("c.toml") + ":2:"), std::string::npos) << e.what();
  }
}

TEST(TomlDepth, EveryExampleConfigStillParses) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::string(ADPILOT_SOURCE_DIR) + "/examples"))
    if (e.path().extension() == ".toml") {
      EXPECT_NO_THROW(ParseTomlFile(e.path().string())) << e.path();
      ++n;
    }
  EXPECT_GE(n, 5u);
}

TEST(TomlDepth, MissingFileIsNotFound) {
  try {
    ParseTomlFile("/nonexistent/adpilot.toml");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
}

}  // namespace
}  // namespace adpilot
