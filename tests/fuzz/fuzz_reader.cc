// libFuzzer target for one reader (ADPILOT_FUZZ_FORMAT): the input bytes become
// a file, which is read with on_error = skip and hashed; every feature must land
// inside the hasher's space. csv reads the bytes under a fixed header and schema
// (the schema itself is fuzzed by fuzz_csv_schema).
#include <cstdint>
#include <string>

#include "adpilot/reader.h"
#include "fuzz_hash.h"
#include "fuzz_util.h"

using namespace adpilot;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string schema = [] {
    std::string p = fuzz::TempPath(ADPILOT_FUZZ_FORMAT ".toml");
    fuzz::WriteFile(p,
                    "label = \"click\"\nweight = \"w\"\nuser_id = \"uid\"\ntimestamp = \"ts\"\n"
                    "numeric = [\"price\"]\ncategorical = [\"site\"]\nmulti = [\"tags\"]\ntext = [\"title\"]\n");
    return p;
  }();
  static const std::string input = fuzz::TempPath(ADPILOT_FUZZ_FORMAT ".in");
  std::string body(fuzz::AsView(data, size));
  if (std::string(ADPILOT_FUZZ_FORMAT) == "csv") body = "click,w,uid,ts,price,site,tags,title\n" + body;
  fuzz::WriteFile(input, body);
  ReaderOptions o;
  o.format = ADPILOT_FUZZ_FORMAT;
  o.schema_path = schema;
  o.max_line_bytes = 1 << 16;
  o.pseudonymize_key = "fuzz";
  fuzz::Refusable([&] {
    auto r = OpenReader(input, o);
    fuzz::HashEveryRow(*r);
  });
  return 0;
}
