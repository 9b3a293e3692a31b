// WordPiece tokenizer as Hugging Face's BertTokenizer: basic tokenization
// (cleaning, CJK spacing, NFC, lower-casing, accent stripping, punctuation
// splitting) then greedy longest-match WordPiece. Unicode helpers in
// unicode_text.cc; vocabulary learning in wordpiece_vocab.cc.
#include "adpilot/tokenizer.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/error.h"
#include "profile/unicode_text.h"

namespace adpilot {

using namespace text;  // NOLINT: the Unicode helpers are this file's vocabulary

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
  if (!IsAscii(clean)) clean = NfcUtf8(clean);
  bool lower = config_.do_lower_case;
  bool strip = config_.strip_accents.value_or(lower);
  auto special = [&](std::string_view w) {
    return w == config_.unk || w == config_.cls || w == config_.sep || w == config_.pad || w == config_.mask;
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
      if (!n) {
        n = 1;
        c = 0xFFFD;
      }
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
    if (!n) {
      ++i;
      continue;
    }
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
  if (special >= 0 && (word == config_.unk || word == config_.cls || word == config_.sep || word == config_.pad ||
                       word == config_.mask)) {
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
      {"unk_token", config_.unk},
      {"cls_token", config_.cls},
      {"sep_token", config_.sep},
      {"pad_token", config_.pad},
      {"mask_token", config_.mask},
      {"model_max_length", 512},
  };
  j["strip_accents"] = config_.strip_accents ? nlohmann::json(*config_.strip_accents) : nlohmann::json();
  WriteFileAtomic(dir + "/tokenizer_config.json", j.dump(2) + "\n");
}

}  // namespace adpilot
