// WordPiece vocabulary learned from a corpus' word counts, for pre-training an
// encoder on a machine with no downloaded vocabulary.
#include <algorithm>
#include <unordered_map>

#include "adpilot/tokenizer.h"
#include "profile/unicode_text.h"

namespace adpilot {

using text::DecodeUtf8;

std::vector<std::string> LearnWordPieceVocab(const std::map<std::string, uint64_t>& word_counts, size_t vocab_size,
                                             uint64_t min_count) {
  std::vector<std::string> vocab = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  std::unordered_map<std::string, bool> have;
  for (const auto& t : vocab) have[t] = true;
  auto add = [&](const std::string& t) {
    if (vocab.size() >= vocab_size || have.count(t)) return;
    have[t] = true;
    vocab.push_back(t);
  };
  // Every character, so that any seen word can be covered without [UNK].
  std::map<std::string, uint64_t> chars;
  for (const auto& [w, c] : word_counts) {
    char32_t cp;
    for (size_t i = 0; i < w.size();) {
      size_t n = DecodeUtf8(w, i, cp);
      if (!n) n = 1;
      chars[w.substr(i, n)] += c;
      i += n;
    }
  }
  std::vector<std::pair<uint64_t, std::string>> by_count;
  by_count.reserve(chars.size());
  for (const auto& [ch, c] : chars) by_count.emplace_back(c, ch);
  std::sort(by_count.begin(), by_count.end(), std::greater<>());
  for (const auto& [c, ch] : by_count) add(ch);
  for (const auto& [c, ch] : by_count) add("##" + ch);
  // Whole words, most frequent first.
  std::vector<std::pair<uint64_t, std::string>> words;
  for (const auto& [w, c] : word_counts)
    if (c >= min_count) words.emplace_back(c, w);
  std::sort(words.begin(), words.end(), std::greater<>());
  size_t word_budget = vocab.size() + (vocab_size - std::min(vocab_size, vocab.size())) * 3 / 4;
  std::unordered_map<std::string, bool> covered;
  for (const auto& [c, w] : words) {
    if (vocab.size() >= word_budget) break;
    add(w);
    covered[w] = true;
  }
  // Frequent prefixes and "##" suffixes of the words left out.
  std::unordered_map<std::string, uint64_t> pieces;
  for (const auto& [w, c] : word_counts) {
    if (covered.count(w)) continue;
    std::vector<size_t> b;
    char32_t cp;
    for (size_t i = 0; i < w.size();) {
      b.push_back(i);
      size_t n = DecodeUtf8(w, i, cp);
      i += n ? n : 1;
    }
    b.push_back(w.size());
    size_t n = b.size() - 1;
    for (size_t len = 2; len <= std::min<size_t>(n - 1, 8); ++len) {
      pieces[w.substr(0, b[len])] += c * len;
      pieces["##" + w.substr(b[n - len])] += c * len;
    }
  }
  std::vector<std::pair<uint64_t, std::string>> ranked;
  ranked.reserve(pieces.size());
  for (const auto& [p, c] : pieces) ranked.emplace_back(c, p);
  std::sort(ranked.begin(), ranked.end(), std::greater<>());
  for (const auto& [c, p] : ranked) add(p);
  return vocab;
}

}  // namespace adpilot
