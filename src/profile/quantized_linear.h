// Internal to the profile stage's libtorch translation units (BERT, USE-Lite):
// libtorch's dynamically quantised int8 linear layer.
#pragma once

#ifdef ADPILOT_WITH_TORCH
#include <ATen/ATen.h>
#include <ATen/native/quantized/PackedParams.h>

namespace adpilot {

// Picks libtorch's quantised engine (oneDNN, else FBGEMM, else QNNPACK) and
// prepacks an int8 weight (out x in, per tensor or per output channel) with
// its float bias; kUnsupported when this libtorch has no quantised engine.
c10::intrusive_ptr<LinearPackedParamsBase> PrepackInt8Linear(const at::Tensor& q_weight, const at::Tensor& bias);

}  // namespace adpilot
#endif
