// WordPiece tokenizer. Unicode properties (categories, full lower-casing, NFC
// and NFD) come from ICU; pure-ASCII words take a fast path that needs none.
#include "adpilot/tokenizer.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/locid.h>

#include "adpilot/atomic_file.h"
#include "adpilot/error.h"

namespace adpilot {
namespace {

// Decodes one code point at s[i]; returns its length, 0 when invalid.
size_t DecodeUtf8(std::string_view s, size_t i, char32_t& cp) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned c = b(i);
  if (c < 0x80) { cp = c; return 1; }
  size_t len;
  char32_t min;
  if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; min = 0x80; }
  else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; min = 0x800; }
  else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; min = 0x10000; }
  else return 0;
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

bool IsWhitespace(char32_t c) {
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return true;
  return c >= 0x80 && u_charType(UChar32(c)) == U_SPACE_SEPARATOR;
}

bool IsControl(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  if (c < 0x80) return c < 0x20 || c == 0x7F;
  switch (u_charType(UChar32(c))) {
    case U_CONTROL_CHAR: case U_FORMAT_CHAR: case U_UNASSIGNED:
    case U_PRIVATE_USE_CHAR: case U_SURROGATE:
      return true;
    default:
      return false;
  }
}

bool IsPunctuation(char32_t c) {
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126))
    return true;
  if (c < 0x80) return false;
  switch (u_charType(UChar32(c))) {
    case U_DASH_PUNCTUATION: case U_START_PUNCTUATION: case U_END_PUNCTUATION:
    case U_CONNECTOR_PUNCTUATION: case U_OTHER_PUNCTUATION: case U_INITIAL_PUNCTUATION:
    case U_FINAL_PUNCTUATION:
      return true;
    default:
      return false;
  }
}

bool IsCjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

// Python's str.split() separators that survive cleaning (U+2028/2029 and the like).
bool IsSplitSpace(char32_t c) { return c == ' ' || (c >= 0x80 && u_isUWhiteSpace(UChar32(c))); }

bool IsAscii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

std::string ToUtf8(const icu::UnicodeString& u) {
  std::string s;
  u.toUTF8String(s);
  return s;
}

const icu::Normalizer2& Nfc() {
  UErrorCode st = U_ZERO_ERROR;
  const icu::Normalizer2* n = icu::Normalizer2::getNFCInstance(st);
  if (U_FAILURE(st)) Throw(ErrorCode::kInternal, "ICU NFC unavailable: {}", u_errorName(st));
  return *n;
}
const icu::Normalizer2& Nfd() {
  UErrorCode st = U_ZERO_ERROR;
  const icu::Normalizer2* n = icu::Normalizer2::getNFDInstance(st);
  if (U_FAILURE(st)) Throw(ErrorCode::kInternal, "ICU NFD unavailable: {}", u_errorName(st));
  return *n;
}

// Lower-case (full mapping, as Python's str.lower) and/or strip accents (NFD, drop Mn).
std::string Normalize(std::string_view word, bool lower, bool strip) {
  if (IsAscii(word)) {
    std::string s(word);
    if (lower)
      for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    return s;
  }
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(word.data(), int32_t(word.size())));
  if (lower) u.toLower(icu::Locale::getRoot());
  if (!strip) return ToUtf8(u);
  UErrorCode st = U_ZERO_ERROR;
  icu::UnicodeString d = Nfd().normalize(u, st);
  icu::UnicodeString kept;
  for (int32_t i = 0; i < d.length();) {
    UChar32 c = d.char32At(i);
    if (u_charType(c) != U_NON_SPACING_MARK) kept.append(c);
    i += U16_LENGTH(c);
  }
  return ToUtf8(kept);
}

}  // namespace

size_t FindInvalidUtf8(std::string_view s) {
  char32_t cp;
  for (size_t i = 0; i < s.size();) {
    size_t n = DecodeUtf8(s, i, cp);
    if (!n) return i;
    i += n;
  }
  return std::string_view::npos;
}

WordPieceTokenizer::WordPieceTokenizer(std::vector<std::string> vocab, TokenizerConfig config)
    : vocab_(std::move(vocab)), config_(std::move(config)) {
  ids_.reserve(vocab_.size());
  for (size_t i = 0; i < vocab_.size(); ++i) ids_.emplace(vocab_[i], int32_t(i));  // first wins
  auto need = [&](const std::string& t) {
    int32_t id = TokenId(t);
    if (id < 0) Throw(ErrorCode::kInvalidArgument, "special token '{}' is not in the vocabulary", t);
    return id;
  };
  unk_id_ = need(config_.unk);
  cls_id_ = need(config_.cls);
  sep_id_ = need(config_.sep);
  pad_id_ = need(config_.pad);
  mask_id_ = TokenId(config_.mask);
}

WordPieceTokenizer WordPieceTokenizer::Load(const std::string& dir) {
  std::string vocab_path = dir + "/vocab.txt";
  if (!std::filesystem::exists(vocab_path))
    Throw(ErrorCode::kNotFound, "{}: no vocab.txt (a BERT WordPiece vocabulary is required)", vocab_path);
  std::ifstream in(vocab_path);
  std::vector<std::string> vocab;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    vocab.push_back(line);
  }
  if (vocab.empty()) Throw(ErrorCode::kCorruption, "{}: empty vocabulary", vocab_path);
  TokenizerConfig cfg;
  std::string cfg_path = dir + "/tokenizer_config.json";
  if (std::filesystem::exists(cfg_path)) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(ReadFile(cfg_path));
    } catch (const nlohmann::json::exception& e) {
      Throw(ErrorCode::kCorruption, "{}: malformed JSON: {}", cfg_path, e.what());
    }
    auto get_bool = [&](const char* k, bool& v) {
      if (j.contains(k) && j[k].is_boolean()) v = j[k].get<bool>();
    };
    auto get_str = [&](const char* k, std::string& v) {
      if (j.contains(k) && j[k].is_string()) v = j[k].get<std::string>();
      if (j.contains(k) && j[k].is_object() && j[k].contains("content")) v = j[k]["content"].get<std::string>();
    };
    get_bool("do_lower_case", cfg.do_lower_case);
    get_bool("tokenize_chinese_chars", cfg.tokenize_chinese_chars);
    if (j.contains("strip_accents") && j["strip_accents"].is_boolean())
      cfg.strip_accents = j["strip_accents"].get<bool>();
    get_str("unk_token", cfg.unk);
    get_str("cls_token", cfg.cls);
    get_str("sep_token", cfg.sep);
    get_str("pad_token", cfg.pad);
    get_str("mask_token", cfg.mask);
  }
  try {
    return WordPieceTokenizer(std::move(vocab), cfg);
  } catch (const Error& e) {
    Throw(ErrorCode::kCorruption, "{}: {}", vocab_path, e.what());
  }
}

int32_t WordPieceTokenizer::TokenId(std::string_view token) const {
  auto it = ids_.find(token);
  return it == ids_.end() ? -1 : it->second;
}

void WordPieceTokenizer::BasicTokenizeInto(std::string_view text, std::vector<std::string>& out) const {
  // Clean, isolate CJK characters, then split on whitespace.
  std::string clean;
  clean.reserve(text.size() + 8);
  char32_t cp;
  for (size_t i = 0; i < text.size();) {
    size_t n = DecodeUtf8(text, i, cp);
    if (!n) Throw(ErrorCode::kBadInput, "invalid UTF-8 at byte {}", i);
    i += n;
    if (cp == 0 || cp == 0xFFFD || IsControl(cp)) continue;
    if (IsWhitespace(cp)) {
      clean += ' ';
    } else if (config_.tokenize_chinese_chars && IsCjk(cp)) {
      clean += ' ';
      AppendUtf8(clean, cp);
      clean += ' ';
    } else {
      AppendUtf8(clean, cp);
    }
  }
  if (!IsAscii(clean)) {
    UErrorCode st = U_ZERO_ERROR;
    icu::UnicodeString u = Nfc().normalize(
        icu::UnicodeString::fromUTF8(icu::StringPiece(clean.data(), int32_t(clean.size()))), st);
    clean = ToUtf8(u);
  }
  bool lower = config_.do_lower_case;
  bool strip = config_.strip_accents.value_or(lower);
  auto special = [&](std::string_view w) {
    return w == config_.unk || w == config_.cls || w == config_.sep || w == config_.pad ||
           w == config_.mask;
  };
  auto emit_word = [&](std::string_view w) {
    if (w.empty()) return;
    if (special(w)) {
      out.emplace_back(w);
      return;
    }
    std::string norm = (lower || strip) ? Normalize(w, lower, strip) : std::string(w);
    // Split punctuation into single-character tokens.
    std::string cur;
    char32_t c;
    for (size_t i = 0; i < norm.size();) {
      size_t n = DecodeUtf8(norm, i, c);
      if (!n) { n = 1; c = 0xFFFD; }
      if (IsPunctuation(c)) {
        if (!cur.empty()) out.push_back(std::move(cur));
        cur.clear();
        out.emplace_back(norm.substr(i, n));
      } else {
        cur.append(norm, i, n);
      }
      i += n;
    }
    if (!cur.empty()) out.push_back(std::move(cur));
  };
  size_t start = 0;
  for (size_t i = 0; i < clean.size();) {
    size_t n = DecodeUtf8(clean, i, cp);
    if (!n) { ++i; continue; }
    if (IsSplitSpace(cp)) {
      emit_word(std::string_view(clean).substr(start, i - start));
      start = i + n;
    }
    i += n;
  }
  emit_word(std::string_view(clean).substr(start));
}

std::vector<std::string> WordPieceTokenizer::BasicTokenize(std::string_view text) const {
  std::vector<std::string> out;
  BasicTokenizeInto(text, out);
  return out;
}

void WordPieceTokenizer::WordPieceIds(std::string_view word, std::vector<int32_t>& out) const {
  int32_t special = TokenId(word);
  if (special >= 0 && (word == config_.unk || word == config_.cls || word == config_.sep ||
                       word == config_.pad || word == config_.mask)) {
    out.push_back(special);
    return;
  }
  // Code point boundaries: pieces never split a character.
  std::vector<size_t> bounds;
  char32_t cp;
  for (size_t i = 0; i < word.size();) {
    bounds.push_back(i);
    size_t n = DecodeUtf8(word, i, cp);
    i += n ? n : 1;
  }
  bounds.push_back(word.size());
  size_t chars = bounds.size() - 1;
  if (chars > size_t(config_.max_input_chars_per_word)) {
    out.push_back(unk_id_);
    return;
  }
  size_t mark = out.size();
  std::string piece;
  size_t s = 0;
  while (s < chars) {
    size_t e = chars;
    int32_t found = -1;
    while (e > s) {
      piece.clear();
      if (s > 0) piece = "##";
      piece.append(word.substr(bounds[s], bounds[e] - bounds[s]));
      found = TokenId(piece);
      if (found >= 0) break;
      --e;
    }
    if (found < 0) {
      out.resize(mark);
      out.push_back(unk_id_);
      return;
    }
    out.push_back(found);
    s = e;
  }
}

std::vector<std::string> WordPieceTokenizer::Tokenize(std::string_view text) const {
  std::vector<std::string> words = BasicTokenize(text);
  std::vector<int32_t> ids;
  for (const auto& w : words) WordPieceIds(w, ids);
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (int32_t id : ids) out.push_back(vocab_[size_t(id)]);
  return out;
}

std::vector<int32_t> WordPieceTokenizer::Encode(std::string_view text, size_t max_len) const {
  thread_local std::vector<std::string> words;
  words.clear();
  BasicTokenizeInto(text, words);
  std::vector<int32_t> ids{cls_id_};
  for (const auto& w : words) {
    WordPieceIds(w, ids);
    if (max_len && ids.size() >= max_len - 1) break;
  }
  if (max_len && max_len >= 2 && ids.size() > max_len - 1) ids.resize(max_len - 1);
  ids.push_back(sep_id_);
  return ids;
}

void WordPieceTokenizer::Save(const std::string& dir) const {
  std::filesystem::create_directories(dir);
  std::string v;
  for (const auto& t : vocab_) v += t + "\n";
  WriteFileAtomic(dir + "/vocab.txt", v);
  nlohmann::json j = {
      {"tokenizer_class", "BertTokenizer"},
      {"do_lower_case", config_.do_lower_case},
      {"tokenize_chinese_chars", config_.tokenize_chinese_chars},
      {"unk_token", config_.unk}, {"cls_token", config_.cls}, {"sep_token", config_.sep},
      {"pad_token", config_.pad}, {"mask_token", config_.mask},
      {"model_max_length", 512},
  };
  j["strip_accents"] = config_.strip_accents ? nlohmann::json(*config_.strip_accents) : nlohmann::json();
  WriteFileAtomic(dir + "/tokenizer_config.json", j.dump(2) + "\n");
}

std::vector<std::string> LearnWordPieceVocab(const std::map<std::string, uint64_t>& word_counts,
                                             size_t vocab_size, uint64_t min_count) {
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
  for (const auto& [p, c] : pieces) ranked.emplace_back(c, p);
  std::sort(ranked.begin(), ranked.end(), std::greater<>());
  for (const auto& [c, p] : ranked) add(p);
  return vocab;
}

}  // namespace adpilot
