// Text output of `adpilot profile tokenize|embed|pretrain|segment|lookalike|
// keywords|evaluate` (the commands live in src/profile).
#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/cli.h"

namespace adpilot::cli {
namespace {

using nlohmann::json;

void PrintTokenize(const json& r, const json&) {
  fmt::print("{}\n{}\n", fmt::join(r["ids"].get<std::vector<int32_t>>(), " "),
             fmt::join(r["tokens"].get<std::vector<std::string>>(), " "));
}

void PrintEmbed(const json& r, const json&) {
  fmt::print("users {}  texts {}  dim {}  encoder {}  bad rows {}\n", r["users"].get<size_t>(),
             r["texts"].get<size_t>(), r["dim"].get<size_t>(), r["encoder"].get<std::string>(),
             r["bad_rows"]["count"].get<uint64_t>());
}

void PrintPretrain(const json& j, const json&) {
  const json& r = j["report"];
  fmt::print(
      "pretrained {} masked-LM steps on {} texts ({} tokens), vocabulary {}, loss {:.3f} -> {:.3f}; "
      "{} contrastive steps on {} groups, loss {:.3f} -> {:.3f}; {:.1f}s -> {}\n",
      r["steps"].get<int>(), r["texts"].get<size_t>(), r["tokens"].get<size_t>(), r["vocab_size"].get<size_t>(),
      r["first_loss"].get<double>(), r["last_loss"].get<double>(), r["contrastive_steps"].get<int>(),
      r["groups"].get<size_t>(), r["contrastive_first_loss"].get<double>(), r["contrastive_last_loss"].get<double>(),
      r["seconds"].get<double>(), j["out"].get<std::string>());
}

void PrintSegment(const json& r, const json& opts) {
  fmt::print("{} users, encoder {}, k = {}{}\n", r["users"].get<size_t>(), r["encoder"].get<std::string>(),
             r["k"].get<int>(),
             r.contains("nmi")
                 ? fmt::format(", NMI vs {} = {:.3f}", opts["label_field"].get<std::string>(), r["nmi"].get<double>())
                 : "");
  for (const auto& j : r["segments"])
    fmt::print("  segment {:>2} {:>6} users  {:<40} {}\n", j["segment"].get<int>(), j["users"].get<size_t>(),
               j.contains("majority_label") ? fmt::format("true: {} ({:.0f}%)", j["majority_label"].get<std::string>(),
                                                          100 * j["majority_share"].get<double>())
                                            : "",
               fmt::join(j["terms"].get<std::vector<std::string>>(), " "));
}

void PrintLookalike(const json& r, const json& opts) {
  const json& aud = r["audience"];
  fmt::print("{} seeds -> {} lookalikes (encoder {}), recall vs exact {:.3f}, ANN {:.3f}s, exact {:.3f}s\n",
             r["seeds"].get<size_t>(), aud.size(), r["encoder"].get<std::string>(), r["recall"].get<double>(),
             r["ann_seconds"].get<double>(), r["exact_seconds"].get<double>());
  if (r.contains("seed_label_share"))
    fmt::print("share of the audience labelled {}: {:.3f}\n", opts["seed_label"].get<std::string>(),
               r["seed_label_share"].get<double>());
  for (size_t i = 0; i < std::min<size_t>(10, aud.size()); ++i)
    fmt::print("  {}  {:.4f}\n", aud[i]["user_id"].get<std::string>(), aud[i]["score"].get<float>());
}

void PrintKeywords(const json& r, const json&) {
  fmt::print("{:<24} {:>10} {:>7} {:>9} {:>7}\n", "keyword", "similarity", "reach", "response", "score");
  for (const auto& k : r["keywords"])
    fmt::print("{:<24} {:>10.4f} {:>7} {:>9.4f} {:>7.4f}\n", k["keyword"].get<std::string>(),
               k["similarity"].get<double>(), k["reach"].get<size_t>(), k["response"].get<double>(),
               k["score"].get<double>());
}

void PrintEvaluate(const json& j, const json& opts) {
  const json& res = j["encoders"];
  // -1 marks a figure the inputs do not allow (no labels, no truth); the item
  // column shows when items were judged: an encoder's item AUC is there then
  // (with no encoder evaluated, when --items named any item for any user).
  bool with_items = false;
  for (const auto& e : res) with_items = with_items || e.contains("item_auc");
  if (res.empty())
    with_items =
        !opts["items"].get<std::string>().empty() && j["items"].get<size_t>() > 0 && j["users"].get<size_t>() > 0;
  fmt::print("{} users, {} texts\n{:<14} {:>5} {:>8} {:>14} {:>14}{}\n", j["users"].get<size_t>(),
             j["texts"].get<size_t>(), "encoder", "k", "NMI",
             fmt::format("precision@{}", j["neighbours"].get<size_t>()), "kNN label AUC",
             with_items ? fmt::format(" {:>9}", "item AUC") : "");
  for (auto it = res.begin(); it != res.end(); ++it)
    fmt::print("{:<14} {:>5} {:>8.4f} {:>14.4f} {:>14.4f}{}\n", it.key(), it.value()["k"].get<int>(),
               it.value()["nmi"].get<double>(), it.value()["precision_at_k"].get<double>(),
               it.value()["knn_label_auc"].get<double>(),
               with_items ? fmt::format(" {:>9.4f}", it.value().value("item_auc", -1.0)) : "");
  const std::string primary = j.value("primary", "bert"), diff_key = primary + "_minus_tfidf";
  if (j.contains(diff_key))
    for (auto it = j[diff_key].begin(); it != j[diff_key].end(); ++it)
      fmt::print("{} - tfidf {}: {:+.4f} (95% interval {:+.4f} .. {:+.4f}, {} resamples of users)\n", primary, it.key(),
                 it.value()["diff"].get<double>(), it.value()["ci95"][0].get<double>(),
                 it.value()["ci95"][1].get<double>(), it.value()["reps"].get<int>());
}

ADPILOT_CLI_PRINTER("profile tokenize", PrintTokenize);
ADPILOT_CLI_PRINTER("profile embed", PrintEmbed);
ADPILOT_CLI_PRINTER("profile pretrain", PrintPretrain);
ADPILOT_CLI_PRINTER("profile segment", PrintSegment);
ADPILOT_CLI_PRINTER("profile lookalike", PrintLookalike);
ADPILOT_CLI_PRINTER("profile keywords", PrintKeywords);
ADPILOT_CLI_PRINTER("profile evaluate", PrintEvaluate);

}  // namespace
}  // namespace adpilot::cli
