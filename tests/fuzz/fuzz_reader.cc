// libFuzzer target for one reader (ADPILOT_FUZZ_FORMAT): the input bytes become
// a file, which is read with on_error = skip and hashed. Any crash, sanitizer
// report or exception other than adpilot::Error is a bug.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "adpilot/error.h"
#include "adpilot/features.h"
#include "adpilot/reader.h"

namespace {

std::string TempPath(const char* suffix) {
  return "/tmp/adpilot-fuzz-" + std::to_string(::getpid()) + "-" ADPILOT_FUZZ_FORMAT + suffix;
}

void Write(const std::string& path, const uint8_t* data, size_t size) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) __builtin_trap();
  std::fwrite(data, 1, size, f);
  std::fclose(f);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string schema = [] {
    std::string p = TempPath(".toml");
    std::string s = "label = \"click\"\nweight = \"w\"\nuser_id = \"uid\"\ntimestamp = \"ts\"\nnumeric = [\"price\"]\n"
                    "categorical = [\"site\"]\nmulti = [\"tags\"]\ntext = [\"title\"]\n";
    Write(p, reinterpret_cast<const uint8_t*>(s.data()), s.size());
    return p;
  }();
  static const std::string input = TempPath(".in");
  std::string body(reinterpret_cast<const char*>(data), size);
  if (std::string(ADPILOT_FUZZ_FORMAT) == "csv") body = "click,w,uid,ts,price,site,tags,title\n" + body;
  Write(input, reinterpret_cast<const uint8_t*>(body.data()), body.size());
  adpilot::ReaderOptions o;
  o.format = ADPILOT_FUZZ_FORMAT;
  o.schema_path = schema;
  o.max_line_bytes = 1 << 16;
  o.pseudonymize_key = "fuzz";
  try {
    auto r = adpilot::OpenReader(input, o);
    adpilot::FeatureConfig fc;
    fc.bits = 12;
    adpilot::FeatureHasher h(fc, r->schema());
    adpilot::RawRecord rec;
    adpilot::Example ex;
    while (r->Next(rec)) {
      h.Hash(rec, ex);
      for (const auto& f : ex.features)
        if (f.index >= (1u << 12) || f.field >= uint32_t(h.num_fields())) __builtin_trap();
    }
  } catch (const adpilot::Error& e) {
    // Expected for input-level problems (e.g. a corrupt gzip); never kInternal.
    if (e.code() == adpilot::ErrorCode::kInternal) __builtin_trap();
  }
  return 0;
}
