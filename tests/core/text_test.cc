// The shared splitting and number rules (text.h). Each case is an edge one of
// the copies this replaced handled (option lists, the readers' fields and
// quoted CSV, the evaluation and MMM tables, notice fields): outputs of the
// commands depend on them, so they are pinned here.
#include <cmath>
#include <cstdint>
#include <limits>

#include <gtest/gtest.h>

#include "adpilot/text.h"

namespace adpilot {
namespace {

using Views = std::vector<std::string_view>;
using Strings = std::vector<std::string>;

Views SplitOf(std::string_view s, char d) {
  Views out{"stale"};
  Split(s, d, out);
  return out;
}

TEST(Text, TrimTakesOnlyTheGivenCharactersFromTheEnds) {
  EXPECT_EQ(Trim(" \t a b \t "), "a b");
  EXPECT_EQ(Trim("   "), "");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(Trim(" \tx\r", " "), "\tx\r");
  EXPECT_EQ(Trim("x", ""), "x");
  EXPECT_EQ(TrimLeft("  x  ", " "), "x  ");
  EXPECT_EQ(TrimRight("  x \r \r", " \r"), "  x");
  EXPECT_EQ(TrimRight("\r\r", "\r"), "");
}

TEST(Text, SplitKeepsEveryPieceEmptyOnesToo) {
  EXPECT_EQ(SplitOf("a,,b", ','), (Views{"a", "", "b"}));
  EXPECT_EQ(SplitOf("a,", ','), (Views{"a", ""}));
  EXPECT_EQ(SplitOf(",a", ','), (Views{"", "a"}));
  EXPECT_EQ(SplitOf("", ','), (Views{""}));
  EXPECT_EQ(SplitOf(" a\t, b ", ','), (Views{" a\t", " b "}));
  EXPECT_EQ(SplitOf("x\t\"y,z\"", '\t'), (Views{"x", "\"y,z\""}));  // no quoting
  EXPECT_EQ(SplitOf("1_2_", '_'), (Views{"1", "2", ""}));
}

TEST(Text, SplitWhitespaceDropsRunsOfSpacesAndTabs) {
  Views out{"stale"};
  SplitWhitespace("  a\t\tb c  ", out);
  EXPECT_EQ(out, (Views{"a", "b", "c"}));
  SplitWhitespace(" \t ", out);
  EXPECT_TRUE(out.empty());
  SplitWhitespace("a\rb", out);
  EXPECT_EQ(out, (Views{"a\rb"}));  // only spaces and tabs separate
}

TEST(Text, SplitListDropsEmptyItemsAndTrimsNothing) {
  EXPECT_EQ(SplitList("a,b,c"), (Strings{"a", "b", "c"}));
  EXPECT_EQ(SplitList(",a,,b,"), (Strings{"a", "b"}));
  EXPECT_EQ(SplitList(""), Strings{});
  EXPECT_EQ(SplitList(",,"), Strings{});
  EXPECT_EQ(SplitList("a, b"), (Strings{"a", " b"}));
  EXPECT_EQ(SplitList("a;b,c", ';'), (Strings{"a", "b,c"}));
}

// Fields as strings, or nullopt where SplitQuoted refuses the line.
std::optional<Strings> SplitQuotedOf(std::string_view line, char d = ',') {
  std::deque<std::string> store;
  Views fields{"stale"};
  if (!SplitQuoted(line, d, fields, store)) return std::nullopt;
  return Strings(fields.begin(), fields.end());
}

TEST(Text, SplitQuotedFollowsRfc4180Strictly) {
  EXPECT_EQ(SplitQuotedOf(R"(a,"b,c","say ""hi""",)"), (Strings{"a", "b,c", R"(say "hi")", ""}));
  EXPECT_EQ(SplitQuotedOf(""), (Strings{""}));
  EXPECT_EQ(SplitQuotedOf(R"("",x)"), (Strings{"", "x"}));
  EXPECT_EQ(SplitQuotedOf(R"("a""")"), (Strings{R"(a")"}));
  EXPECT_EQ(SplitQuotedOf("a,,"), (Strings{"a", "", ""}));
  EXPECT_EQ(SplitQuotedOf("x\t\"a\tb\"", '\t'), (Strings{"x", "a\tb"}));
  // Only a quote that opens a field quotes; nothing is trimmed.
  EXPECT_EQ(SplitQuotedOf(R"(ab"c,d)"), (Strings{R"(ab"c)", "d"}));
  EXPECT_EQ(SplitQuotedOf(R"( "d" ,e)"), (Strings{R"( "d" )", "e"}));
  EXPECT_EQ(SplitQuotedOf(R"(a,"open)"), std::nullopt);  // unterminated
  EXPECT_EQ(SplitQuotedOf(R"("a"b,c)"), std::nullopt);   // text after the closing quote
  EXPECT_EQ(SplitQuotedOf(R"("a" ,c)"), std::nullopt);   // even a space
}

TEST(Text, SplitCsvRecordIsLenientAndTrimsUnquotedFields) {
  EXPECT_EQ(SplitCsvRecord(R"(a,"b,c","say ""hi""")", ','), (Strings{"a", "b,c", R"(say "hi")"}));
  EXPECT_EQ(SplitCsvRecord(" a ,\tb\t, c", ','), (Strings{"a", "b", "c"}));
  EXPECT_EQ(SplitCsvRecord(R"(" a ", x)", ','), (Strings{" a ", "x"}));      // quoted keeps its spaces
  EXPECT_EQ(SplitCsvRecord(R"( "a" ,b)", ','), (Strings{" a ", "b"}));       // ...even those outside the quotes
  EXPECT_EQ(SplitCsvRecord(R"(a"b,c"d,e)", ','), (Strings{"ab,cd", "e"}));   // a quote anywhere toggles
  EXPECT_EQ(SplitCsvRecord(R"(a,"open,b)", ','), (Strings{"a", "open,b"}));  // runs to the end
  EXPECT_EQ(SplitCsvRecord("", ','), (Strings{""}));
  EXPECT_EQ(SplitCsvRecord("a,", ','), (Strings{"a", ""}));
  EXPECT_EQ(SplitCsvRecord(",,", ','), (Strings{"", "", ""}));
  EXPECT_EQ(SplitCsvRecord(R"("")", ','), (Strings{""}));
  EXPECT_EQ(SplitCsvRecord("a\tb,c\t d", '\t'), (Strings{"a", "b,c", "d"}));
  EXPECT_EQ(SplitCsvRecord("\"a\nb\",c", ','), (Strings{"a\nb", "c"}));  // a record may hold line breaks
}

TEST(Text, SplitCsvRecordTrimsOnlyWhatItIsTold) {
  EXPECT_EQ(SplitCsvRecord(" a\t, b \r", ',', ""), (Strings{" a\t", " b \r"}));
  EXPECT_EQ(SplitCsvRecord(" a , b ", ',', " "), (Strings{"a", "b"}));
  EXPECT_EQ(SplitCsvRecord("\ta\t", ',', " "), (Strings{"\ta\t"}));
}

TEST(Text, ParseDoubleNeedsTheWholeFieldToBeANumber) {
  EXPECT_EQ(ParseDouble("1.5"), 1.5);
  EXPECT_EQ(ParseDouble("-2e3"), -2000.0);
  EXPECT_EQ(ParseDouble(".5"), 0.5);
  EXPECT_EQ(ParseDouble("5."), 5.0);
  EXPECT_EQ(ParseDouble("1E2"), 100.0);
  EXPECT_EQ(ParseDouble("+1.5"), 1.5);
  EXPECT_EQ(ParseDouble("+-1.5"), -1.5);     // the readers' rule: '+' then from_chars' own sign
  EXPECT_EQ(ParseDouble("4e-320"), 4e-320);  // subnormal, still in range
  for (std::string_view bad : {"", "+", "++1", " 1", "1 ", "1.5x", "1e", "1e+", "0x10", "1,5", "1_000", "abc", "\t1",
                               "1\r", "--1", "1e999", "1e-400"})
    EXPECT_EQ(ParseDouble(bad), std::nullopt) << "'" << bad << "'";
}

TEST(Text, ParseDoubleRulesForSignAndFiniteness) {
  for (std::string_view s : {"nan", "inf", "-inf", "infinity", "NaN", "+inf"})
    EXPECT_EQ(ParseDouble(s), std::nullopt) << s;
  EXPECT_TRUE(std::isinf(*ParseDouble("inf", {.finite = false})));
  EXPECT_TRUE(std::isnan(*ParseDouble("nan", {.finite = false})));
  EXPECT_EQ(ParseDouble("1e999", {.finite = false}), std::nullopt);  // out of range is never a number
  EXPECT_EQ(ParseDouble("+1", {.plus = false}), std::nullopt);
  EXPECT_EQ(ParseDouble("-1", {.plus = false}), -1.0);
}

TEST(Text, ParseIntIsWholeFieldAndRangeChecked) {
  EXPECT_EQ(ParseInt<int>("42"), 42);
  EXPECT_EQ(ParseInt<int>("-7"), -7);
  EXPECT_EQ(ParseInt<int>("007"), 7);
  EXPECT_EQ(ParseInt<int>("+5"), 5);
  EXPECT_EQ(ParseInt<int>("+5", {.plus = false}), std::nullopt);
  EXPECT_EQ(ParseInt<int64_t>("9223372036854775807"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(ParseInt<int64_t>("9223372036854775808"), std::nullopt);
  EXPECT_EQ(ParseInt<uint32_t>("4294967296"), std::nullopt);
  EXPECT_EQ(ParseInt<uint64_t>("-1"), std::nullopt);
  for (std::string_view bad : {"", "+", " 1", "1 ", "1.0", "1e3", "0x1f", "12a"})
    EXPECT_EQ(ParseInt<int>(bad), std::nullopt) << "'" << bad << "'";
}

}  // namespace
}  // namespace adpilot
