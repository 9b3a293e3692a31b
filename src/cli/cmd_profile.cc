// adpilot profile tokenize|embed|pretrain|segment|lookalike|keywords|evaluate
#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/bert.h"
#include "adpilot/error.h"
#include "adpilot/line_source.h"
#include "adpilot/profile.h"
#include "adpilot/profile_store.h"
#include "adpilot/tokenizer.h"
#include "cli/cli.h"
#include "cli/cmd_profile.h"

namespace adpilot::cli::profile {

void Source::Install(CLI::App* cmd, const std::string& input_flag, bool need_input) {
  cmd->add_option("--model", model, "Hugging Face BERT directory (config.json, model.safetensors, vocab.txt)");
  cmd->add_option("--encoder", encoder, "bert (with --model) or tfidf (bag-of-words baseline)");
  auto* o = cmd->add_option(input_flag, input, "users' texts: lines, user_id<TAB>text, or JSON lines");
  if (need_input) o->required();
  cmd->add_option("--format", in.format, "input layout: auto, lines, tsv, jsonl");
  cmd->add_option("--id-field", in.id_field, "JSON lines: user id field");
  cmd->add_option("--text-field", in.text_field, "JSON lines: texts field (string, array, or [{text}])");
  cmd->add_flag("--json", json, "print one JSON object on stdout");
  enc.Describe(set);
  set.Add("whiten", &whiten, "BERT-whitening of user vectors, fitted on the users' own vectors (BERT only)");
  set.Add("whiten_dims", &whiten_dims, "whitening keeps this many leading directions (0 = all)").Min(0);
  bound = std::make_unique<BoundOptions>(cmd, set);
}

Matrix Source::UserVectors(std::unique_ptr<TextEmbedder>& emb, const UserTexts& users, const Context& ctx,
                           Whitening* fitted) const {
  Matrix m = emb->EmbedUsers(users, ctx);
  if (!whiten || emb->name() != "bert") return m;
  Whitening w = Whitening::Fit(m, size_t(whiten_dims));
  ctx.log().info("whitening: {} -> {} dimensions, fitted on {} users", w.in, w.out, users.ids.size());
  m = w.Apply(m);
  if (fitted) *fitted = w;
  emb = MakeWhitenedEmbedder(std::shared_ptr<const TextEmbedder>(std::move(emb)), std::move(w));
  return m;
}

std::unique_ptr<TextEmbedder> Source::Make(const UserTexts& users, const Context& ctx) {
  bound->Resolve();
  std::string e = encoder.empty() ? (model.empty() ? "" : "bert") : encoder;
  if (e == "tfidf") return FitTfidf(UserDocuments(users), 5000, 2, 0.5, ctx);
  if (e != "bert") Throw(ErrorCode::kInvalidArgument, "--encoder '{}': expected bert or tfidf", e);
  if (model.empty()) Throw(ErrorCode::kInvalidArgument, "--model DIR is required (or --encoder tfidf)");
  std::shared_ptr<BertEncoder> bert = BertEncoder::Load(model, enc, ctx);
  // SIF weights from these users' own token frequencies.
  if (enc.pooling == "sif") bert->SetTokenCounts(TokenCounts(bert->tokenizer(), users, size_t(enc.max_len)));
  return MakeBertEmbedder(std::move(bert));
}

void WarnBad(const Context& ctx, const BadRowLog& bad) {
  if (bad.count()) ctx.log().warn("{}", bad.Summary());
}

UserTexts Source::ReadReported(const Context& ctx) {
  bad_rows = BadRowLog(input);
  UserTexts users = Read(ctx, bad_rows);
  WarnBad(ctx, bad_rows);
  return users;
}

nlohmann::json BadJson(const BadRowLog& bad) { return {{"count", bad.count()}, {"examples", bad.examples()}}; }

Matrix Profiles(Source& s, const UserTexts& users, const Context& ctx, std::string& name) {
  if (!s.profiles.empty()) {
    ProfileStore st = ProfileStore::Load(s.profiles);
    Matrix m{users.ids.size(), st.dim(), std::vector<float>(users.ids.size() * st.dim(), 0.f)};
    size_t missing = 0;
    for (size_t u = 0; u < users.ids.size(); ++u) {
      const float* r = st.Get(users.ids[u]);
      if (r) std::copy(r, r + st.dim(), m.row(u));
      else ++missing;
    }
    if (missing) ctx.log().warn("{} users are not in {} (zero vectors)", missing, s.profiles);
    name = "profiles";
    return m;
  }
  auto emb = s.Make(users, ctx);
  name = emb->name();
  return s.UserVectors(emb, users, ctx);
}

namespace {

void InstallTokenize(CLI::App* profile, Globals& g) {
  struct Args { std::string model, text; bool json = false; int max_len = 0; };
  auto a = std::make_shared<Args>();
  auto* c = profile->add_subcommand("tokenize", "WordPiece ids of a text ([CLS] ... [SEP])");
  c->add_option("--model", a->model, "directory with vocab.txt (and tokenizer_config.json)")->required();
  c->add_option("--text", a->text, "text to tokenize")->required();
  c->add_option("--max-len", a->max_len, "truncate to this many ids (0 = no limit)");
  c->add_flag("--json", a->json, "print one JSON object on stdout");
  c->callback([a, &g] {
    Context ctx = MakeContext(g);
    WordPieceTokenizer tok = WordPieceTokenizer::Load(a->model);
    auto ids = tok.Encode(a->text, size_t(std::max(0, a->max_len)));
    std::vector<std::string> tokens;
    for (int32_t id : ids) tokens.push_back(tok.Token(id));
    if (a->json) return PrintJson({{"ids", ids}, {"tokens", tokens}});
    fmt::print("{}\n{}\n", fmt::join(ids, " "), fmt::join(tokens, " "));
  });
}

void InstallEmbed(CLI::App* profile, Globals& g) {
  auto s = std::make_shared<Source>();
  auto out = std::make_shared<std::string>();
  auto* c = profile->add_subcommand("embed", "one vector per user (per line for plain text input)");
  s->Install(c, "--input");
  c->add_option("--out", *out, "profile file (binary + FILE.index, see docs/formats.md)");
  c->callback([s, out, &g] {
    Context ctx = MakeContext(g);
    BadRowLog bad(s->input);
    UserTexts users = s->Read(ctx, bad);
    auto emb = s->Make(users, ctx);
    // Plain pooled encoder output unless --whiten is asked for.
    Whitening whitening;
    Matrix m = s->UserVectors(emb, users, ctx, &whitening);
    bool norm = emb->name() == "tfidf" || s->enc.normalize;
    if (s->enc.normalize) NormalizeRows(m);
    WarnBad(ctx, bad);
    if (!out->empty()) {
      std::vector<uint32_t> counts;
      for (const auto& t : users.texts) counts.push_back(uint32_t(t.size()));
      nlohmann::json meta = {{"encoder", emb->name()}, {"model", s->model}, {"input", s->input},
                             {"pooling", s->enc.pooling.empty() ? "default" : s->enc.pooling}};
      // Vectors of users embedded later map through the same transform.
      if (whitening.out) meta["whitening"] = whitening;
      ProfileStore(m.dim, users.ids, m.data, counts, norm, meta).Save(*out);
      ctx.log().info("wrote {} profiles of dim {} to {}", m.rows, m.dim, *out);
    }
    if (!s->json) {
      fmt::print("users {}  texts {}  dim {}  encoder {}  bad rows {}\n", users.ids.size(), users.num_texts(),
                 m.dim, emb->name(), bad.count());
      return;
    }
    nlohmann::json rows = nlohmann::json::array();
    for (size_t i = 0; i < m.rows; ++i) rows.push_back(std::vector<float>(m.row(i), m.row(i) + m.dim));
    PrintJson({{"users", users.ids.size()}, {"texts", users.num_texts()}, {"dim", m.dim},
               {"encoder", emb->name()}, {"normalized", norm}, {"user_ids", users.ids},
               {"embeddings", rows}, {"bad_rows", BadJson(bad)}, {"out", *out}});
  });
}

void InstallPretrain(CLI::App* profile, Globals& g) {
  struct Args {
    std::string text, out;
    UserTextOptions in;
    bool json = false;
    PretrainOptions opts;
    OptionSet set{"pretrain"};
    std::unique_ptr<BoundOptions> bound;
  };
  auto a = std::make_shared<Args>();
  auto* c = profile->add_subcommand("pretrain", "train a small BERT (masked LM) from raw text, Hugging Face layout");
  c->add_option("--text", a->text, "corpus: lines, user_id<TAB>text or JSON lines with texts")->required();
  c->add_option("--out", a->out, "output model directory")->required();
  c->add_option("--format", a->in.format, "corpus layout: auto, lines, tsv, jsonl");
  c->add_option("--text-field", a->in.text_field, "JSON lines: texts field");
  c->add_flag("--json", a->json, "print one JSON object on stdout");
  a->opts.Describe(a->set);
  a->bound = std::make_unique<BoundOptions>(c, a->set);
  c->callback([a, &g] {
    a->bound->Resolve();
    Context ctx = MakeContext(g);
    BadRowLog bad(a->text);
    UserTexts users = ReadUserTexts(a->text, a->in, bad, ctx);
    WarnBad(ctx, bad);
    // A user's (or, for TSV, an id's) texts form one group for the contrastive stage.
    PretrainReport r = PretrainBert(users.texts, a->out, a->opts, ctx);
    if (a->json) return PrintJson({{"report", r}, {"out", a->out}, {"options", a->set.ToJson()},
                                   {"bad_rows", BadJson(bad)}});
    fmt::print("pretrained {} masked-LM steps on {} texts ({} tokens), vocabulary {}, loss {:.3f} -> {:.3f}; "
               "{} contrastive steps on {} groups, loss {:.3f} -> {:.3f}; {:.1f}s -> {}\n",
               r.steps, r.texts, r.tokens, r.vocab_size, r.first_loss, r.last_loss, r.contrastive_steps, r.groups,
               r.contrastive_first_loss, r.contrastive_last_loss, r.seconds, a->out);
  });
}

}  // namespace

void InstallProfile(CLI::App& app, Globals& g) {
  auto* p = app.add_subcommand("profile", "user profiles from text: BERT embeddings, segments, lookalikes, keywords");
  p->require_subcommand(1);
  InstallTokenize(p, g);
  InstallEmbed(p, g);
  InstallPretrain(p, g);
  InstallSegment(p, g);
  InstallLookalike(p, g);
  InstallKeywords(p, g);
  InstallEvaluate(p, g);
}

}  // namespace adpilot::cli::profile

namespace adpilot::cli {
namespace {
void InstallProfileCommands(CLI::App& app, Globals& g) { profile::InstallProfile(app, g); }
ADPILOT_CLI_COMMAND(70, InstallProfileCommands);
}  // namespace
}  // namespace adpilot::cli
