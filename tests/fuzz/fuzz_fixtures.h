// Inputs shared by the targets and fuzz_seeds (which writes their seed
// corpora): the seeds only reach deep into a loader when they were made with
// the very options the target loads with.
#pragma once

#include <string>

#include "adpilot/features.h"
#include "adpilot/reader.h"

namespace adpilot::fuzz {

// Four Criteo rows (13 numeric, 26 categorical columns), one with empty fields.
inline std::string CriteoRows() {
  std::string out;
  for (int r = 0; r < 4; ++r) {
    out += std::to_string(r % 2);
    for (int i = 1; i <= 13; ++i) out += "\t" + (r == 3 && i % 3 == 0 ? std::string() : std::to_string(r * 7 + i));
    for (int i = 1; i <= 26; ++i)
      out += "\t" + (r == 3 && i % 4 == 0 ? std::string() : "c" + std::to_string((r + i) % 5));
    out += "\n";
  }
  return out;
}

inline ReaderOptions CacheReaderOptions() {
  ReaderOptions o;
  o.format = "criteo";
  return o;
}

inline FeatureConfig CacheFeatures() {
  FeatureConfig fc;
  fc.bits = 10;
  return fc;
}

}  // namespace adpilot::fuzz
