// Unicode helpers of the WordPiece tokenizer, as Hugging Face's BertTokenizer
// (Python's unicodedata) defines them: UTF-8 decoding, character classes,
// lower-casing and accent stripping. Tables from ICU; ASCII takes fast paths.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace adpilot::text {

// Decodes one code point at s[i]; returns its length, 0 when invalid.
size_t DecodeUtf8(std::string_view s, size_t i, char32_t& cp);
void AppendUtf8(std::string& out, char32_t cp);
bool IsWhitespace(char32_t c);
bool IsControl(char32_t c);
bool IsPunctuation(char32_t c);
bool IsCjk(char32_t c);
// Python's str.split() separators that survive cleaning (U+2028/2029 and the like).
bool IsSplitSpace(char32_t c);
bool IsAscii(std::string_view s);
// NFC of a UTF-8 string.
std::string NfcUtf8(std::string_view s);
// Lower-case (full mapping, as Python's str.lower) and/or strip accents (NFD, drop Mn).
std::string Normalize(std::string_view word, bool lower, bool strip);

}  // namespace adpilot::text
