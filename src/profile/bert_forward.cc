// The BERT forward pass on ATen ops (Hugging Face BertModel semantics):
// parameter slots and shapes, embeddings, self-attention layers, pooling,
// padding of id batches, and int8 dynamic quantisation of the linear layers.
#ifdef ADPILOT_WITH_TORCH
#include <algorithm>
#include <cmath>
#include <limits>

#include "adpilot/error.h"
#include "profile/bert_impl.h"
#include "profile/quantized_linear.h"

namespace adpilot {

namespace bert {

std::vector<Slot> Slots(const BertConfig& c, Weights& w) {
  int64_t H = c.hidden_size, I = c.intermediate_size;
  std::vector<Slot> s = {
      {"embeddings.word_embeddings.weight", &w.word, {c.vocab_size, H}},
      {"embeddings.position_embeddings.weight", &w.pos, {c.max_position_embeddings, H}},
      {"embeddings.token_type_embeddings.weight", &w.type, {c.type_vocab_size, H}},
      {"embeddings.LayerNorm.weight", &w.ln_w, {H}},
      {"embeddings.LayerNorm.bias", &w.ln_b, {H}},
  };
  w.layers.resize(size_t(c.num_hidden_layers));
  for (int i = 0; i < c.num_hidden_layers; ++i) {
    auto& L = w.layers[size_t(i)];
    std::string p = "encoder.layer." + std::to_string(i) + ".";
    std::vector<Slot> l = {
        {p + "attention.self.query.weight", &L.q_w, {H, H}},
        {p + "attention.self.query.bias", &L.q_b, {H}},
        {p + "attention.self.key.weight", &L.k_w, {H, H}},
        {p + "attention.self.key.bias", &L.k_b, {H}},
        {p + "attention.self.value.weight", &L.v_w, {H, H}},
        {p + "attention.self.value.bias", &L.v_b, {H}},
        {p + "attention.output.dense.weight", &L.ao_w, {H, H}},
        {p + "attention.output.dense.bias", &L.ao_b, {H}},
        {p + "attention.output.LayerNorm.weight", &L.ln1_w, {H}},
        {p + "attention.output.LayerNorm.bias", &L.ln1_b, {H}},
        {p + "intermediate.dense.weight", &L.i_w, {I, H}},
        {p + "intermediate.dense.bias", &L.i_b, {I}},
        {p + "output.dense.weight", &L.o_w, {H, I}},
        {p + "output.dense.bias", &L.o_b, {H}},
        {p + "output.LayerNorm.weight", &L.ln2_w, {H}},
        {p + "output.LayerNorm.bias", &L.ln2_b, {H}},
    };
    s.insert(s.end(), l.begin(), l.end());
  }
  return s;
}

bool SmallModel(const BertConfig& c) { return c.hidden_size < 256; }

at::Tensor Activation(const BertConfig& c, const at::Tensor& x) {
  if (c.hidden_act == "gelu") return at::gelu(x);
  if (c.hidden_act == "relu") return at::relu(x);
  return at::gelu(x, "tanh");
}

void QuantizeLinears(Weights& w) {
  for (auto& l : w.layers) {
    l.packed.clear();
    for (auto [wt, b] : {std::pair{&l.q_w, &l.q_b},
                         {&l.k_w, &l.k_b},
                         {&l.v_w, &l.v_b},
                         {&l.ao_w, &l.ao_b},
                         {&l.i_w, &l.i_b},
                         {&l.o_w, &l.o_b}}) {
      double scale = std::max(1e-8, wt->abs().max().item<double>() / 127.0);
      at::Tensor q = at::quantize_per_tensor(*wt, scale, 0, at::kQInt8);
      l.packed.push_back(PrepackInt8Linear(q, *b));
    }
  }
}

void DropQuantization(Weights& w) {
  for (auto& l : w.layers) l.packed.clear();
}

namespace {
// Linear layer `idx` of a layer: float32, or the prepacked int8 one.
at::Tensor Lin(const LayerWeights& l, int idx, const at::Tensor& x, const at::Tensor& wt, const at::Tensor& b) {
  if (l.packed.empty()) return at::linear(x, wt, b);
  std::vector<int64_t> shape = x.sizes().vec();
  at::Tensor y = l.packed[size_t(idx)]->apply_dynamic(x.reshape({-1, x.size(-1)}).contiguous(), false);
  shape.back() = y.size(1);
  return y.view(shape);
}
}  // namespace

at::Tensor Forward(const BertConfig& c, const Weights& w, const at::Tensor& ids, const at::Tensor& mask) {
  int64_t B = ids.size(0), L = ids.size(1), H = c.hidden_size, nh = c.num_attention_heads, hd = H / nh;
  std::vector<int64_t> hs{H};
  at::Tensor x = at::embedding(w.word, ids) + w.pos.slice(0, 0, L).unsqueeze(0) + w.type[0];
  x = at::layer_norm(x, hs, w.ln_w, w.ln_b, c.layer_norm_eps);
  // Additive mask as Hugging Face builds it: 0 for tokens, the dtype's lowest value for padding.
  at::Tensor add_mask = ((1.0 - mask) * std::numeric_limits<float>::lowest()).view({B, 1, 1, L});
  double scale = 1.0 / std::sqrt(double(hd));
  for (const auto& l : w.layers) {
    auto heads = [&](const at::Tensor& t) { return t.view({B, L, nh, hd}).transpose(1, 2); };
    at::Tensor q = heads(Lin(l, 0, x, l.q_w, l.q_b));
    at::Tensor k = heads(Lin(l, 1, x, l.k_w, l.k_b));
    at::Tensor v = heads(Lin(l, 2, x, l.v_w, l.v_b));
    at::Tensor probs = at::softmax(at::matmul(q, k.transpose(-1, -2)) * scale + add_mask, -1);
    at::Tensor ctx = at::matmul(probs, v).transpose(1, 2).reshape({B, L, H});
    at::Tensor a = at::layer_norm(Lin(l, 3, ctx, l.ao_w, l.ao_b) + x, hs, l.ln1_w, l.ln1_b, c.layer_norm_eps);
    at::Tensor inter = Activation(c, Lin(l, 4, a, l.i_w, l.i_b));
    x = at::layer_norm(Lin(l, 5, inter, l.o_w, l.o_b) + a, hs, l.ln2_w, l.ln2_b, c.layer_norm_eps);
  }
  return x;
}

at::Tensor Pool(const at::Tensor& hidden, const at::Tensor& mask, bool cls, bool normalize) {
  at::Tensor v;
  if (cls) {
    v = hidden.select(1, 0);
  } else {
    at::Tensor m = mask.unsqueeze(-1);
    v = (hidden * m).sum(1) / m.sum(1).clamp_min(1e-9);
  }
  if (normalize) v = v / v.norm(2, {1}, true).clamp_min(1e-12);
  return v;
}

std::pair<at::Tensor, at::Tensor> PadBatch(const std::vector<const std::vector<int32_t>*>& seqs, int32_t pad) {
  int64_t B = int64_t(seqs.size()), L = 1;
  for (auto* s : seqs) L = std::max<int64_t>(L, int64_t(s->size()));
  at::Tensor ids = at::full({B, L}, int64_t(pad), at::kLong);
  at::Tensor mask = at::zeros({B, L}, at::kFloat);
  auto ia = ids.accessor<int64_t, 2>();
  auto ma = mask.accessor<float, 2>();
  for (int64_t b = 0; b < B; ++b)
    for (size_t t = 0; t < seqs[size_t(b)]->size(); ++t) {
      ia[b][int64_t(t)] = (*seqs[size_t(b)])[t];
      ma[b][int64_t(t)] = 1;
    }
  return {ids, mask};
}

}  // namespace bert

}  // namespace adpilot
#endif
