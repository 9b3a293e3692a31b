// USE-Lite's int8 dense layers (use_lite_weights.h): libtorch's dynamically
// quantised linear (oneDNN on x86), weights int8 per output channel.
#include "profile/use_lite_weights.h"

#include <cstring>

#include "adpilot/error.h"

#ifdef ADPILOT_WITH_TORCH
#include <ATen/Parallel.h>

#include "profile/quantized_linear.h"
#endif

namespace adpilot::use_lite {

#ifdef ADPILOT_WITH_TORCH
namespace {

class TorchInt8 : public QuantizedDense {
 public:
  explicit TorchInt8(const Dense& d) : in_(d.in), out_(d.out) {
    // Our weights are in x out (x @ w); a linear layer's are out x in.
    at::Tensor w = at::from_blob(const_cast<float*>(d.w.data()), {d.in, d.out}, at::kFloat).t().contiguous();
    at::Tensor scales = std::get<0>(w.abs().max(1)).div(127.0).clamp_min(1e-8).to(at::kDouble);
    at::Tensor q = at::quantize_per_channel(w, scales, at::zeros({d.out}, at::kLong), 0, at::kQInt8);
    packed_ = PrepackInt8Linear(q, at::from_blob(const_cast<float*>(d.b.data()), {d.out}, at::kFloat).clone());
  }

  void Apply(const float* x, size_t rows, float* y, bool accumulate) const override {
    if (!rows) return;
    at::Tensor xt = at::from_blob(const_cast<float*>(x), {int64_t(rows), in_}, at::kFloat);
    at::Tensor r = packed_->apply_dynamic(xt, false).contiguous();
    const float* p = r.data_ptr<float>();
    const size_t n = rows * size_t(out_);
    if (accumulate)
      for (size_t i = 0; i < n; ++i) y[i] += p[i];
    else std::memcpy(y, p, n * sizeof(float));
  }

 private:
  int64_t in_, out_;
  c10::intrusive_ptr<LinearPackedParamsBase> packed_;
};

}  // namespace

void Quantize(Weights& w) {
  for (Layer& L : w.layers)
    for (Dense* d : {&L.qkv, &L.out, &L.ffn1, &L.ffn2, &L.residual})
      if (d->in) d->int8 = std::make_shared<TorchInt8>(*d);
}

SingleThreadedTorch::SingleThreadedTorch() : previous_(at::get_num_threads()) { at::set_num_threads(1); }
SingleThreadedTorch::~SingleThreadedTorch() { at::set_num_threads(previous_); }
#else
void Quantize(Weights&) {
  Throw(ErrorCode::kUnsupported, "int8 USE-Lite needs libtorch's quantised linear: this build has no libtorch");
}
SingleThreadedTorch::SingleThreadedTorch() = default;
SingleThreadedTorch::~SingleThreadedTorch() = default;
#endif

}  // namespace adpilot::use_lite
