// libFuzzer target for ProfileStore::Load (profile_store.h). The input is the
// profile file, then the separator "\nADPIDX\n", then its .index text. The
// harness rewrites the file's checksums (a container's trailer too, with
// fuzz::SealContainer; a version 1 file's trailing checksum) so that
// mutations reach the size, metadata and index checks instead of stopping there.
#include <cstdint>
#include <cstring>
#include <string>

#include "adpilot/hash.h"
#include "adpilot/profile_store.h"
#include "fuzz_util.h"

using namespace adpilot;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = fuzz::TempPath("profile.bin");
  std::string_view in = fuzz::AsView(data, size);
  constexpr std::string_view kSep = "\nADPIDX\n";
  size_t cut = in.find(kSep);
  std::string file(in.substr(0, cut));
  std::string index(cut == std::string_view::npos ? std::string_view() : in.substr(cut + kSep.size()));
  if (fuzz::VersionOf(file) != 1 && file.size() >= 16) {
    file = fuzz::SealContainer(file.substr(0, file.size() - 16));
  } else if (file.size() >= 16) {
    uint64_t sum = Hash64(std::string_view(file).substr(0, file.size() - 8));
    std::memcpy(file.data() + file.size() - 8, &sum, 8);
  }
  fuzz::WriteFile(path, file);
  fuzz::WriteFile(path + ".index", index);
  fuzz::Refusable([&] {
    ProfileStore s = ProfileStore::Load(path);
    if (s.data().size() != s.size() * s.dim()) __builtin_trap();
    for (size_t i = 0; i < s.size(); ++i)
      if (s.Find(s.user_ids()[i]) < 0) __builtin_trap();
  });
  return 0;
}
