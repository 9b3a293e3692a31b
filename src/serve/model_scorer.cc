// The adapter from a predict-stage Model (model.h) to the server's PctrScorer.
#include <filesystem>

#include <fmt/format.h>

#include "adpilot/atomic_file.h"
#include "adpilot/hash.h"
#include "adpilot/model.h"
#include "adpilot/server.h"

namespace adpilot {
namespace {

class ModelScorer : public PctrScorer {
 public:
  ModelScorer(std::unique_ptr<Model> m, std::string version) : model_(std::move(m)), version_(std::move(version)) {}
  const Schema& schema() const override { return model_->hasher().schema(); }
  double Predict(const RawRecord& rec) const override { return model_->PredictProba(rec); }
  std::string format() const override { return model_->format(); }
  std::string version() const override { return version_; }

 private:
  std::unique_ptr<Model> model_;
  std::string version_;
};

}  // namespace

std::shared_ptr<PctrScorer> LoadModelScorer(const std::string& path) {
  auto model = LoadModel(path);
  // The version names the model kind and a digest of the file, so /metrics
  // shows when a reload changed what is served.
  std::string bytes = ReadFile(path);
  std::string version = fmt::format("{}-{:016x}", model->name(), Hash64(bytes));
  return std::make_shared<ModelScorer>(std::move(model), std::move(version));
}

}  // namespace adpilot
