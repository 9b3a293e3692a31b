// libFuzzer target for LoadModel (model.h): every registered model kind (lr,
// fm, ffm, gbdt; deep models when the build has libtorch). The input is a model
// file without its trailer, which the harness adds, so mutations reach the
// config and state checks: for a container (version 2 on) the payload length
// and checksum, after rewriting the config checksum (fuzz::SealContainer); for
// a version 1 file the checksum (Hash64 of the bytes, as version 1 wrote it).
// A loaded model must score and explain a row.
#include <cmath>
#include <cstdint>
#include <string>

#include "adpilot/hash.h"
#include "adpilot/model.h"
#include "fuzz_util.h"

using namespace adpilot;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = fuzz::TempPath("model.apm");
  std::string file(fuzz::AsView(data, size));
  if (fuzz::VersionOf(file) == 1) {
    uint64_t sum = Hash64(file.data(), file.size(), 0);
    file.append(reinterpret_cast<const char*>(&sum), 8);
  } else {
    file = fuzz::SealContainer(std::move(file));
  }
  fuzz::WriteFile(path, file);
  fuzz::Refusable([&] {
    auto m = LoadModel(path);
    // One value in every field of the model's schema, as a reader would give.
    const Schema& s = m->hasher().schema();
    RawRecord rec;
    for (size_t f = 0; f < s.fields.size(); ++f) {
      RawFeature rf;
      rf.field = uint32_t(f);
      rf.numeric = s.kinds[f] == FieldKind::kNumeric;
      rf.token = rf.numeric ? "" : "tok";
      rf.value = rf.numeric ? 3.0 : 1.0;
      rec.features.push_back(rf);
    }
    double p = m->PredictProba(rec);
    if (p < 0 || p > 1) __builtin_trap();  // NaN passes: a corrupt but loadable state may hold NaNs
    Example ex;
    m->hasher().Hash(rec, ex);
    m->Explain(ex);
  });
  return 0;
}
