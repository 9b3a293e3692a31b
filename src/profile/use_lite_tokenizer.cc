// USE-Lite's SentencePiece tokenizer (adpilot/use_lite.h). Each step follows
// @energetic-ai/embeddings@0.2.0 dist/index.js, quirks included, because the
// ids must be the published ones: the Viterbi update also fires while best[e]
// is exactly 0, later starts win ties (>=), and the backtrack steps back by a
// piece's UTF-16 length although the lattice counts code points.
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "adpilot/atomic_file.h"
#include "adpilot/error.h"
#include "adpilot/use_lite.h"

namespace adpilot {

struct UseLiteTokenizer::Node {
  std::unordered_map<char32_t, int> children;  // index into the node array
  bool end = false;
  double score = 0;
  int32_t id = 0;
};

namespace {

constexpr int kReserved = 6;  // ids 0-5: <unk>, <s>, </s>, three extra tokens
constexpr char32_t kSeparator = 0x2581;

std::vector<char32_t> CodePoints(const icu::UnicodeString& u) {
  std::vector<char32_t> out;
  out.reserve(size_t(u.length()));
  for (int32_t i = 0; i < u.length(); i = u.moveIndex32(i, 1)) out.push_back(char32_t(u.char32At(i)));
  return out;
}

// NFKC, then U+0020 -> U+2581 with one U+2581 in front (non-empty input only).
std::vector<char32_t> ProcessInput(std::string_view text) {
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), int32_t(text.size())));
  UErrorCode st = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(st);
  if (U_FAILURE(st)) Throw(ErrorCode::kInternal, "ICU NFKC unavailable: {}", u_errorName(st));
  icu::UnicodeString n = nfkc->normalize(u, st);
  if (U_FAILURE(st)) Throw(ErrorCode::kInternal, "ICU NFKC failed: {}", u_errorName(st));
  std::vector<char32_t> cps = CodePoints(n);
  if (cps.empty()) return cps;
  std::vector<char32_t> out;
  out.reserve(cps.size() + 1);
  out.push_back(kSeparator);
  for (char32_t c : cps) out.push_back(c == U' ' ? kSeparator : c);
  return out;
}

}  // namespace

UseLiteTokenizer UseLiteTokenizer::Load(const std::string& vocab_json) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(ReadFile(vocab_json));
  } catch (const nlohmann::json::exception& e) {
    Throw(ErrorCode::kBadInput, "{}: not JSON: {}", vocab_json, e.what());
  }
  if (!j.is_array() || j.size() <= size_t(kReserved))
    Throw(ErrorCode::kBadInput, "{}: expected an array of [piece, score] pairs", vocab_json);
  UseLiteTokenizer t;
  std::vector<Node> nodes(1);
  for (size_t i = 0; i < j.size(); ++i) {
    const auto& e = j[i];
    // A null score (the package has one, for ":") adds as 0 in JavaScript.
    if (!e.is_array() || e.size() < 2 || !e[0].is_string() || !(e[1].is_number() || e[1].is_null()))
      Throw(ErrorCode::kBadInput, "{}: entry {}: expected [piece, score]", vocab_json, i);
    std::string piece = e[0].get<std::string>();
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(piece);
    t.pieces_.push_back(piece);
    t.scores_.push_back(e[1].is_null() ? 0.0 : e[1].get<double>());
    t.utf16_len_.push_back(u.length());
    if (i < size_t(kReserved)) continue;
    int node = 0;
    for (char32_t c : CodePoints(u)) {
      auto it = nodes[size_t(node)].children.find(c);
      if (it == nodes[size_t(node)].children.end()) {
        nodes.emplace_back();
        it = nodes[size_t(node)].children.emplace(c, int(nodes.size() - 1)).first;
      }
      node = it->second;
    }
    if (node == 0) continue;  // an empty piece matches nothing
    nodes[size_t(node)].end = true;
    nodes[size_t(node)].score = t.scores_.back();
    nodes[size_t(node)].id = int32_t(i);
  }
  // The nodes live in one array; root_ owns it through the first element.
  auto all = std::make_shared<std::vector<Node>>(std::move(nodes));
  t.root_ = std::shared_ptr<const Node>(all, all->data());
  return t;
}

const std::string& UseLiteTokenizer::Piece(int32_t id) const {
  if (id < 0 || size_t(id) >= pieces_.size()) Throw(ErrorCode::kInvalidArgument, "token id {} out of range", id);
  return pieces_[size_t(id)];
}

std::vector<int32_t> UseLiteTokenizer::Encode(std::string_view text) const {
  const std::vector<char32_t> sym = ProcessInput(text);
  const size_t n = sym.size();
  const Node* nodes = root_.get();
  struct Cand {
    size_t start, len;
    double score;
    int32_t id;
  };
  // ends[e]: the pieces ending at e, in increasing start order (the published
  // code walks an object whose integer keys iterate in that order).
  std::vector<std::vector<Cand>> ends(n + 1);
  for (size_t i = 0; i < n; ++i) {
    bool any = false;
    auto child = [&](const Node& nd, size_t k) -> const Node* {
      if (k >= n) return nullptr;
      auto it = nd.children.find(sym[k]);
      return it == nd.children.end() ? nullptr : &nodes[it->second];
    };
    const Node* nd = child(nodes[0], i);
    for (size_t k = 0; i + k < n && nd; ++k) {
      if (nd->end) {
        ends[i + k + 1].push_back({i, k + 1, nd->score, nd->id});
        any = true;
      }
      nd = child(*nd, i + k + 1);
    }
    if (!any) ends[i + 1].push_back({i, 1, 0.0, 0});
  }
  std::vector<double> best(n + 1, 0.0);
  std::vector<int32_t> words(n + 1, 0);
  for (size_t e = 0; e <= n; ++e)
    for (const Cand& c : ends[e]) {
      double s = c.score + best[e - c.len];
      if (best[e] == 0 || s >= best[e]) {
        best[e] = s;
        words[e] = c.id;
      }
    }
  std::vector<int32_t> back;
  for (long it = long(n); it > 0; it -= utf16_len_[size_t(words[size_t(it)])]) back.push_back(words[size_t(it)]);
  std::vector<int32_t> out;
  out.reserve(back.size());
  bool prev_unk = false;
  for (int32_t id : back) {
    if (!(prev_unk && id == 0)) out.push_back(id);
    prev_unk = id == 0;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace adpilot
