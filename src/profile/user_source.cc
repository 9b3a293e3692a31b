#include "profile/user_source.h"

#include <algorithm>

#include "adpilot/error.h"
#include "adpilot/profile_store.h"
#include "adpilot/pseudonym.h"
#include "adpilot/tokenizer.h"
#include "adpilot/use_lite.h"

namespace adpilot::profile {

void UserSource::Describe(OptionSet& s, const std::string& input_key) {
  s.Add("model", &model,
        "use-lite (the pretrained Universal Sentence Encoder Lite), a USE-Lite folder, or a Hugging Face BERT "
        "directory (config.json, model.safetensors, vocab.txt)");
  s.Add("encoder", &encoder, "use-lite, bert (with --model) or tfidf (bag-of-words baseline)")
      .Choices({"", "use-lite", "bert", "tfidf"});
  s.Add(input_key, &input, "users' texts: lines, user_id<TAB>text, or JSON lines").Required();
  s.Add("format", &in.format, "input layout: auto, lines, tsv, jsonl").Choices({"auto", "lines", "tsv", "jsonl"});
  s.Add("id_field", &in.id_field, "JSON lines: user id field");
  s.Add("text_field", &in.text_field, "JSON lines: texts field (string, array, or [{text}])");
  enc.Describe(s);
  s.Add("pseudonymise", &keyfile,
        "key file: user ids become HMAC-SHA256 pseudonyms (64 bits) as they are read; created with mode 0600 when "
        "absent, never written anywhere else");
  s.Add("whiten", &whiten, "BERT-whitening of user vectors, fitted on the users' own vectors (BERT only)");
  s.Add("whiten_dims", &whiten_dims, "whitening keeps this many leading directions (0 = all)").Min(0);
}

std::string UserSource::ModelEncoder() const {
  return encoder == "use-lite" || (encoder.empty() && IsUseLiteModel(model)) ? "use-lite" : "bert";
}

std::unique_ptr<TextEmbedder> UserSource::Make(const std::string& encoder_name, const UserTexts& users,
                                               const Context& ctx) const {
  std::string e = encoder_name;
  if (e.empty() && !model.empty()) e = ModelEncoder();
  if (e == "tfidf") return FitTfidf(UserDocuments(users), 5000, 2, 0.5, ctx);
  if (e == "use-lite") {
    UseLiteOptions o;
    o.batch_size = enc.batch_size;
    o.int8 = enc.quantize;
    return MakeUseLiteEmbedder(UseLiteEncoder::Load(model.empty() ? "use-lite" : model, o));
  }
  if (e != "bert") Throw(ErrorCode::kInvalidArgument, "--encoder '{}': expected use-lite, bert or tfidf", e);
  if (model.empty()) Throw(ErrorCode::kInvalidArgument, "--model DIR is required (or --encoder tfidf)");
  std::shared_ptr<BertEncoder> bert = BertEncoder::Load(model, enc, ctx);
  // SIF weights from these users' own token frequencies.
  if (enc.pooling == "sif") bert->SetTokenCounts(TokenCounts(bert->tokenizer(), users, size_t(enc.max_len)));
  return MakeBertEmbedder(std::move(bert));
}

Matrix UserSource::UserVectors(std::unique_ptr<TextEmbedder>& emb, const UserTexts& users, const Context& ctx,
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

UserTexts UserSource::Read(const Context& ctx, BadRowLog& bad) const {
  bad = BadRowLog(input);
  UserTextOptions o = in;
  if (!keyfile.empty()) o.pseudonymize_key = LoadOrCreateKey(keyfile);
  return ReadUserTexts(input, o, bad, ctx);
}

UserTexts UserSource::ReadReported(const Context& ctx, BadRowLog& bad) const {
  UserTexts users = Read(ctx, bad);
  WarnBad(ctx, bad);
  return users;
}

Matrix UserSource::Profiles(const std::string& profiles, const UserTexts& users, const Context& ctx,
                            std::string& name) const {
  if (!profiles.empty()) {
    ProfileStore st = ProfileStore::Load(profiles);
    Matrix m{users.ids.size(), st.dim(), std::vector<float>(users.ids.size() * st.dim(), 0.f)};
    size_t missing = 0;
    for (size_t u = 0; u < users.ids.size(); ++u) {
      const float* r = st.Get(users.ids[u]);
      if (r) std::copy(r, r + st.dim(), m.row(u));
      else ++missing;
    }
    if (missing) ctx.log().warn("{} users are not in {} (zero vectors)", missing, profiles);
    name = "profiles";
    return m;
  }
  auto emb = Make(users, ctx);
  name = emb->name();
  return UserVectors(emb, users, ctx);
}

void WarnBad(const Context& ctx, const BadRowLog& bad) {
  if (bad.count()) ctx.log().warn("{}", bad.Summary());
}

nlohmann::json BadJson(const BadRowLog& bad) { return {{"count", bad.count()}, {"examples", bad.examples()}}; }

}  // namespace adpilot::profile
