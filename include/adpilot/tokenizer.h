// BERT WordPiece tokenisation, matching Hugging Face's (slow) BertTokenizer:
// the basic tokenizer (clean control characters, CJK characters as their own
// tokens, NFC, lower-case and strip accents per tokenizer_config.json, split
// punctuation), then greedy longest-match-first WordPiece with "##"
// continuations; a word longer than max_input_chars_per_word code points, or
// one that cannot be covered by the vocabulary, becomes [UNK].
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace adpilot {

struct TokenizerConfig {
  bool do_lower_case = true;
  // Unset: follows do_lower_case (as Hugging Face does).
  std::optional<bool> strip_accents;
  bool tokenize_chinese_chars = true;
  int max_input_chars_per_word = 100;
  std::string unk = "[UNK]", cls = "[CLS]", sep = "[SEP]", pad = "[PAD]", mask = "[MASK]";
};

// Byte offset of the first invalid UTF-8 sequence, or npos when `s` is valid.
size_t FindInvalidUtf8(std::string_view s);

// Thread-safe after construction (all methods are const).
class WordPieceTokenizer {
 public:
  // Reads DIR/vocab.txt (one token a line, id = line index) and, when present,
  // DIR/tokenizer_config.json. Throws kNotFound / kCorruption naming the file.
  static WordPieceTokenizer Load(const std::string& dir);
  // Throws kInvalidArgument when a special token is missing from the vocabulary.
  WordPieceTokenizer(std::vector<std::string> vocab, TokenizerConfig config);

  // Basic tokenizer only: words and punctuation marks. Invalid UTF-8 throws kBadInput.
  std::vector<std::string> BasicTokenize(std::string_view text) const;
  // Word pieces of `text` (no [CLS]/[SEP]).
  std::vector<std::string> Tokenize(std::string_view text) const;
  // [CLS] pieces [SEP] as ids; max_len > 0 truncates the pieces so the whole
  // sequence fits in max_len.
  std::vector<int32_t> Encode(std::string_view text, size_t max_len = 0) const;
  // Appends the ids of the pieces of one basic-tokenized word.
  void WordPieceIds(std::string_view word, std::vector<int32_t>& out) const;

  int32_t TokenId(std::string_view token) const;  // -1 when absent
  const std::string& Token(int32_t id) const { return vocab_.at(size_t(id)); }
  size_t vocab_size() const { return vocab_.size(); }
  int32_t unk_id() const { return unk_id_; }
  int32_t cls_id() const { return cls_id_; }
  int32_t sep_id() const { return sep_id_; }
  int32_t pad_id() const { return pad_id_; }
  int32_t mask_id() const { return mask_id_; }
  const TokenizerConfig& config() const { return config_; }
  const std::vector<std::string>& vocab() const { return vocab_; }

  // Writes DIR/vocab.txt and DIR/tokenizer_config.json (Hugging Face layout).
  void Save(const std::string& dir) const;

 private:
  struct SvHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  void BasicTokenizeInto(std::string_view text, std::vector<std::string>& out) const;
  std::vector<std::string> vocab_;
  std::unordered_map<std::string, int32_t, SvHash, std::equal_to<>> ids_;
  TokenizerConfig config_;
  int32_t unk_id_ = -1, cls_id_ = -1, sep_id_ = -1, pad_id_ = -1, mask_id_ = -1;
};

// Learns a WordPiece vocabulary from word counts (words as BasicTokenize
// yields them): the special tokens, every character seen (alone and as a
// "##" continuation), the most frequent words with at least `min_count`
// occurrences, then the most frequent word-initial and "##" pieces of the
// remaining words, until `vocab_size` tokens.
std::vector<std::string> LearnWordPieceVocab(const std::map<std::string, uint64_t>& word_counts, size_t vocab_size,
                                             uint64_t min_count = 2);

}  // namespace adpilot
