// WordPiece against known Hugging Face BertTokenizer outputs on the standard
// bert-base-uncased vocabulary; expected ids of the tricky cases are the
// vocab.txt line numbers (minus one) of the pieces Hugging Face produces.
#include <filesystem>

#include "adpilot/error.h"
#include "adpilot/tokenizer.h"
#include "common/test_util.h"

namespace adpilot {
namespace {

using Ids = std::vector<int32_t>;

class BaseUncased : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string root = testing::SharedData();
    dir_ = root + "/bert/bert-base-uncased";
    if (root.empty() || !std::filesystem::exists(dir_ + "/vocab.txt"))
      GTEST_SKIP() << "../shared/data/bert/bert-base-uncased not found: real-vocab test skipped";
    tok_ = std::make_unique<WordPieceTokenizer>(WordPieceTokenizer::Load(dir_));
  }
  std::string dir_;
  std::unique_ptr<WordPieceTokenizer> tok_;
};

TEST_F(BaseUncased, PublishedExamples) {
  EXPECT_EQ(tok_->Encode("Hello, my dog is cute"), (Ids{101, 7592, 1010, 2026, 3899, 2003, 10140, 102}));
  EXPECT_EQ(tok_->Encode("Jim Henson was a puppeteer"), (Ids{101, 3958, 27227, 2001, 1037, 13997, 11510, 102}));
  EXPECT_EQ(tok_->Tokenize("unaffable"), (std::vector<std::string>{"una", "##ffa", "##ble"}));
}

TEST_F(BaseUncased, AccentsAndCase) {
  EXPECT_EQ(tok_->Encode("Héllo WÖRLD!"), (Ids{101, 7592, 2088, 999, 102}));
  EXPECT_EQ(tok_->Encode("naïve café"), (Ids{101, 15743, 7668, 102}));
  // U+0130 lower-cases to "i" + U+0307 (a combining mark, then stripped).
  EXPECT_EQ(tok_->Encode("\xC4\xB0stanbul"), (Ids{101, 9960, 102}));
  // Decomposed input (e + U+0301) reads like the composed form.
  EXPECT_EQ(tok_->Encode("cafe\xCC\x81"), (Ids{101, 7668, 102}));
}

TEST_F(BaseUncased, ChineseEmojiPunctuation) {
  // CJK characters are single tokens; 是 is not in this vocabulary.
  EXPECT_EQ(tok_->Encode("我是中国人"), (Ids{101, 1855, 100, 1746, 1799, 1756, 102}));
  // ❤️ (with variation selector, a stripped Mn) and 🙂 are unknown.
  EXPECT_EQ(tok_->Encode("I \xE2\x9D\xA4\xEF\xB8\x8F \xF0\x9F\x99\x82"), (Ids{101, 1045, 100, 100, 102}));
  EXPECT_EQ(tok_->Encode("don't ¿"), (Ids{101, 2123, 1005, 1056, 1094, 102}));
}

TEST_F(BaseUncased, EdgeCases) {
  EXPECT_EQ(tok_->Encode(""), (Ids{101, 102}));
  EXPECT_EQ(tok_->Encode(" \t\n\r\x07 "), (Ids{101, 102}));  // whitespace and a control char
  EXPECT_EQ(tok_->Encode("hello [MASK] world"), (Ids{101, 7592, 103, 2088, 102}));
  // 100 characters is the limit: greedy longest match "aaa", "##aa" x 48, "##a".
  Ids hundred = tok_->Encode(std::string(100, 'a'));
  ASSERT_EQ(hundred.size(), 52u);
  EXPECT_EQ(hundred[1], 13360);
  for (int i = 2; i < 50; ++i) EXPECT_EQ(hundred[i], 11057);
  EXPECT_EQ(hundred[50], 2050);
  EXPECT_EQ(tok_->Encode(std::string(101, 'a')), (Ids{101, 100, 102}));
  // Truncation keeps [CLS] ... [SEP] within max_len.
  Ids t = tok_->Encode("Jim Henson was a puppeteer", 4);
  EXPECT_EQ(t, (Ids{101, 3958, 27227, 102}));
}

TEST_F(BaseUncased, InvalidUtf8IsBadInput) {
  try {
    tok_->Encode("ok \xC3\x28 bad");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput);
    EXPECT_NE(std::string(e.what()).find("byte 3"), std::string::npos) << e.what();
  }
  EXPECT_EQ(FindInvalidUtf8("ok \xC3\x28"), 3u);
  EXPECT_EQ(FindInvalidUtf8("\xED\xA0\x80"), 0u);  // a UTF-16 surrogate is not UTF-8
  EXPECT_EQ(FindInvalidUtf8("fine é 中"), std::string_view::npos);
}

TEST(Tokenizer, CasedKeepsCaseAndAccents) {
  TokenizerConfig cfg;
  cfg.do_lower_case = false;
  WordPieceTokenizer tok({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "Héllo", "h", "##é"}, cfg);
  EXPECT_EQ(tok.Tokenize("Héllo héllo"), (std::vector<std::string>{"Héllo", "[UNK]"}));
  cfg.do_lower_case = true;
  cfg.strip_accents = false;
  WordPieceTokenizer lower({"[PAD]", "[UNK]", "[CLS]", "[SEP]", "héllo"}, cfg);
  EXPECT_EQ(lower.Tokenize("HÉLLO"), (std::vector<std::string>{"héllo"}));
}

TEST(Tokenizer, MissingSpecialTokenIsAnError) {
  EXPECT_THROW(WordPieceTokenizer({"a", "b"}, TokenizerConfig{}), Error);
}

TEST(Tokenizer, LearnedVocabularyCoversCorpusAndRoundTrips) {
  std::map<std::string, uint64_t> counts = {{"running", 5}, {"runner", 3}, {"jumping", 4}, {"zebra", 1}};
  auto vocab = LearnWordPieceVocab(counts, 60, 2);
  WordPieceTokenizer tok(vocab, TokenizerConfig{});
  EXPECT_EQ(tok.Tokenize("running"), (std::vector<std::string>{"running"}));
  // A rare word is still covered by pieces, never [UNK].
  for (const auto& p : tok.Tokenize("zebra jumper")) EXPECT_NE(p, "[UNK]");
  testing::TempDir dir;
  tok.Save(dir.path().string());
  WordPieceTokenizer back = WordPieceTokenizer::Load(dir.path().string());
  EXPECT_EQ(back.vocab(), vocab);
  EXPECT_EQ(back.Encode("runner zebra"), tok.Encode("runner zebra"));
}

}  // namespace
}  // namespace adpilot
