// The reader targets' oracle: every row a reader yields hashes into features
// that models can index with, for a 12-bit hasher on the reader's schema.
#pragma once

#include <cstdint>

#include "adpilot/features.h"
#include "adpilot/reader.h"

namespace adpilot::fuzz {

inline void HashEveryRow(RecordReader& r) {
  FeatureConfig fc;
  fc.bits = 12;
  FeatureHasher h(fc, r.schema());
  RawRecord rec;
  Example ex;
  while (r.Next(rec)) {
    h.Hash(rec, ex);
    for (const auto& f : ex.features)
      if (f.index >= (1u << 12) || f.field >= uint32_t(h.num_fields())) __builtin_trap();
  }
}

}  // namespace adpilot::fuzz
