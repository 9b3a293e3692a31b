// Trains a field-aware FM on a Criteo-layout file and scores a second file
// with the saved model, through the installed library (find_package(adpilot)).
//   train_and_score TRAIN.tsv TEST.tsv MODEL.apm
#include <cstdio>
#include <exception>

#include "adpilot/context.h"
#include "adpilot/model.h"
#include "adpilot/reader.h"

int main(int argc, char** argv) {
  if (argc != 4) return std::fprintf(stderr, "usage: %s TRAIN.tsv TEST.tsv MODEL.apm\n", argv[0]), 2;
  try {
    adpilot::Context ctx;
    adpilot::ReaderOptions ro;
    ro.format = "criteo";
    adpilot::FeatureConfig features;
    features.bits = 16;
    auto hasher = std::make_shared<adpilot::FeatureHasher>(features, adpilot::OpenReader(argv[1], ro)->schema());
    auto model = adpilot::CreateModel("ffm");
    model->SetFeatures(hasher, ro.format);
    model->Init(ctx);
    adpilot::MemorySource train(adpilot::LoadExamples(argv[1], ro, *hasher, {}, ctx));
    adpilot::TrainConfig schedule;
    schedule.epochs = 2;
    model->Train(train, nullptr, schedule, ctx);
    model->Save(argv[3]);

    auto saved = adpilot::LoadModel(argv[3]);
    auto test = adpilot::LoadExamples(argv[2], saved->reader_options(), saved->hasher(), {}, ctx);
    double clicks = 0, predicted = 0;
    for (const auto& ex : test) clicks += ex.label, predicted += saved->PredictProba(ex);
    std::printf("%zu test rows: %.0f clicks, %.1f predicted\n", test.size(), clicks, predicted);
  } catch (const std::exception& e) {
    return std::fprintf(stderr, "error: %s\n", e.what()), 1;
  }
  return 0;
}
