// Word splitting shared by the TF-IDF baseline, segment descriptions and
// keyword reach: the BERT basic tokenizer (lower-cased), punctuation dropped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace adpilot {
std::vector<std::string> ProfileWords(std::string_view text);
}  // namespace adpilot
