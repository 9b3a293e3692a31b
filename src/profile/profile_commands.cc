// The profile stage's commands that make encoders and vectors: profile
// tokenize, embed, pretrain. Their options are declared here once; the CLI
// (text printers in src/cli/print_profile.cc) and `adpilot run` bind from them.
#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "adpilot/bert.h"
#include "adpilot/command.h"
#include "adpilot/error.h"
#include "adpilot/profile.h"
#include "adpilot/profile_store.h"
#include "adpilot/tokenizer.h"
#include "adpilot/use_lite.h"
#include "profile/user_source.h"

namespace adpilot::profile {
namespace {

class TokenizeCommand : public Command {
 public:
  std::vector<std::string> Examples() const override {
    return {"profile tokenize --model use-lite --text \"running shoes for the marathon\"",
            "profile tokenize --model encoder --text \"running shoes for the marathon\""};
  }
  void Describe(OptionSet& s) override {
    s.Add("model", &model_, "use-lite (SentencePiece), a USE-Lite folder, or a directory with vocab.txt (WordPiece)")
        .Required();
    s.Add("text", &text_, "text to tokenize").Required();
    s.Add("max_len", &max_len_, "truncate to this many ids (0 = no limit)").Min(0);
  }

  nlohmann::json Run(const Context&) override {
    if (IsUseLiteModel(model_)) return UseLite();
    WordPieceTokenizer tok = WordPieceTokenizer::Load(model_);
    auto ids = tok.Encode(text_, size_t(std::max(0, max_len_)));
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (int32_t id : ids) tokens.push_back(tok.Token(id));
    return {{"ids", ids}, {"tokens", tokens}};
  }

 private:
  // The published tokenizer's ids: no special tokens.
  nlohmann::json UseLite() const {
    UseLiteTokenizer tok = UseLiteTokenizer::Load((std::filesystem::path(UseLiteDir(model_)) / "vocab.json").string());
    auto ids = tok.Encode(text_);
    if (max_len_ > 0 && ids.size() > size_t(max_len_)) ids.resize(size_t(max_len_));
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (int32_t id : ids) tokens.push_back(tok.Piece(id));
    return {{"ids", ids}, {"tokens", tokens}, {"tokenizer", "sentencepiece"}};
  }

  std::string model_, text_;
  int max_len_ = 0;
};

class EmbedCommand : public Command {
 public:
  std::vector<std::string> Examples() const override {
    return {"profile embed --model use-lite --input world/users.jsonl --out users.vec",
            "profile embed --model encoder --input world/users.jsonl --out users.vec",
            "profile embed --encoder tfidf --input world/users.jsonl --out users.vec"};
  }
  std::string config_section() const override { return kEncoderSection; }

  void Describe(OptionSet& s) override {
    src_.Describe(s, "input");
    s.Add("out", &out_, "profile file (binary + FILE.index, see docs/formats.md)").Output();
  }

  nlohmann::json Run(const Context& ctx) override {
    BadRowLog bad;
    UserTexts users = src_.Read(ctx, bad);
    auto emb = src_.Make(users, ctx);
    // Plain pooled encoder output unless --whiten is asked for.
    Whitening whitening;
    Matrix m = src_.UserVectors(emb, users, ctx, &whitening);
    bool norm = emb->name() == "tfidf" || src_.enc.normalize;
    if (src_.enc.normalize) NormalizeRows(m);
    WarnBad(ctx, bad);
    if (!out_.empty()) {
      std::vector<uint32_t> counts;
      for (const auto& t : users.texts) counts.push_back(uint32_t(t.size()));
      nlohmann::json meta = {{"encoder", emb->name()},
                             {"model", src_.model},
                             {"input", src_.input},
                             {"pooling", src_.enc.pooling.empty() ? "default" : src_.enc.pooling}};
      // Vectors of users embedded later map through the same transform.
      if (whitening.out) meta["whitening"] = whitening;
      ProfileStore(m.dim, users.ids, m.data, counts, norm, meta).Save(out_);
      ctx.log().info("wrote {} profiles of dim {} to {}", m.rows, m.dim, out_);
    }
    nlohmann::json rows = nlohmann::json::array();
    for (size_t i = 0; i < m.rows; ++i) rows.push_back(std::vector<float>(m.row(i), m.row(i) + m.dim));
    return {{"users", users.ids.size()}, {"texts", users.num_texts()}, {"dim", m.dim},
            {"encoder", emb->name()},    {"normalized", norm},         {"user_ids", users.ids},
            {"embeddings", rows},        {"bad_rows", BadJson(bad)},   {"out", out_}};
  }

 private:
  UserSource src_;
  std::string out_;
};

class PretrainCommand : public Command {
 public:
  std::vector<std::string> Examples() const override {
    return {
        "--threads 2 profile pretrain --text world/users.jsonl --out encoder",
        "--threads 2 profile pretrain --init use-lite --text world/users.jsonl --contrastive-steps 200 --out tuned"};
  }
  std::string config_section() const override { return "pretrain"; }

  void Describe(OptionSet& s) override {
    s.Add("text", &text_, "corpus: lines, user_id<TAB>text or JSON lines with texts").Required();
    s.Add("out", &out_, "output model directory").Required().OutputDir();
    s.Add("format", &in_.format, "corpus layout: auto, lines, tsv, jsonl").Choices({"auto", "lines", "tsv", "jsonl"});
    s.Add("text_field", &in_.text_field, "JSON lines: texts field");
    s.Add("init", &init_,
          "start from a pretrained encoder: use-lite (or a USE-Lite folder) fine-tunes all its weights with the "
          "contrastive stage and writes a USE-Lite folder; empty trains a new BERT");
    opts_.Describe(s);
  }

  nlohmann::json Run(const Context& ctx) override {
    BadRowLog bad(text_);
    UserTexts users = ReadUserTexts(text_, in_, bad, ctx);
    WarnBad(ctx, bad);
    if (!init_.empty()) {
      if (!IsUseLiteModel(init_))
        Throw(ErrorCode::kInvalidArgument, "--init {}: not USE-Lite (use-lite or a folder with its model.json)", init_);
      UseLiteTuneReport t = FineTuneUseLite(init_, users.texts, out_, opts_, ctx);
      OptionSet used;
      opts_.Describe(used);
      return {{"init", init_},
              {"out", out_},
              {"report",
               {{"texts", t.texts},
                {"groups", t.groups},
                {"contrastive_steps", t.steps},
                {"contrastive_first_loss", t.first_loss},
                {"contrastive_last_loss", t.last_loss},
                {"seconds", t.seconds}}},
              {"options", used.ToJson()},
              {"bad_rows", BadJson(bad)}};
    }
    // A user's (or, for TSV, an id's) texts form one group for the contrastive stage.
    PretrainReport r = PretrainBert(users.texts, out_, opts_, ctx);
    // "options": the pretraining options alone, as the model was trained with.
    OptionSet used;
    opts_.Describe(used);
    return {{"report", r}, {"out", out_}, {"options", used.ToJson()}, {"bad_rows", BadJson(bad)}};
  }

 private:
  std::string text_, out_, init_;
  UserTextOptions in_;
  PretrainOptions opts_;
};

ADPILOT_COMMAND_GROUP("profile", "user profiles from text: BERT embeddings, segments, lookalikes, keywords");
ADPILOT_COMMAND("profile tokenize", "profile",
                "token ids of a text (USE-Lite SentencePiece, or WordPiece [CLS] ... [SEP])", TokenizeCommand);
ADPILOT_COMMAND("profile embed", "profile", "one vector per user (per line for plain text input)", EmbedCommand);
ADPILOT_COMMAND("profile pretrain", "profile", "train a small BERT (masked LM) from raw text, Hugging Face layout",
                PretrainCommand);

}  // namespace
}  // namespace adpilot::profile
