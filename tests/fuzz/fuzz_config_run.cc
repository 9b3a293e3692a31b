// libFuzzer target for `adpilot run` configs: LoadPipeline (src/run/
// pipeline.cc) parses the steps, [vars] and placeholders; nothing is run.
// Any refusal must be an adpilot::Error naming the problem.
#include <cstdint>
#include <string>

#include "adpilot/pipeline.h"
#include "fuzz_util.h"

using namespace adpilot;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = fuzz::TempPath("run.toml");
  fuzz::WriteFile(path, fuzz::AsView(data, size));
  fuzz::Refusable([&] {
    auto p = run::LoadPipeline(path, fuzz::TempPath("run"));
    if (p.steps.empty()) __builtin_trap();  // documented as an error
    for (const auto& st : p.steps)
      if (st.name.empty() || st.args.empty() == st.command.empty()) __builtin_trap();
  });
  return 0;
}
