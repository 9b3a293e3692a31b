// libtorch's dynamically quantised int8 linear (quantized_linear.h).
#include "profile/quantized_linear.h"

#ifdef ADPILOT_WITH_TORCH
#include <algorithm>

#include <ATen/core/dispatch/Dispatcher.h>

#include "adpilot/error.h"

namespace adpilot {

c10::intrusive_ptr<LinearPackedParamsBase> PrepackInt8Linear(const at::Tensor& q_weight, const at::Tensor& bias) {
  const auto& engines = at::globalContext().supportedQEngines();
  auto has = [&](at::QEngine e) { return std::find(engines.begin(), engines.end(), e) != engines.end(); };
  if (has(at::QEngine::ONEDNN)) at::globalContext().setQEngine(at::QEngine::ONEDNN);
  else if (has(at::QEngine::FBGEMM)) at::globalContext().setQEngine(at::QEngine::FBGEMM);
  else if (has(at::QEngine::QNNPACK)) at::globalContext().setQEngine(at::QEngine::QNNPACK);
  else Throw(ErrorCode::kUnsupported, "this libtorch has no quantized engine: int8 quantisation unavailable");
  static auto prepack = c10::Dispatcher::singleton()
                            .findSchemaOrThrow("quantized::linear_prepack", "")
                            .typed<c10::intrusive_ptr<LinearPackedParamsBase>(at::Tensor, c10::optional<at::Tensor>)>();
  return prepack.call(q_weight, c10::optional<at::Tensor>(bias));
}

}  // namespace adpilot
#endif
