// Internal to the profile stage's commands (profile_commands.cc,
// audience_commands.cc): where a command's user vectors come from (a BERT
// directory, the TF-IDF baseline, or a saved profile file), its options
// declared once, and bad-row reporting. No libtorch here: BERT is reached
// through adpilot/bert.h.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "adpilot/bad_rows.h"
#include "adpilot/bert.h"
#include "adpilot/context.h"
#include "adpilot/options.h"
#include "adpilot/profile.h"

namespace adpilot::profile {

// The TOML table --config reads for the commands that embed users (the
// encoder options live there, docs/profile.md).
inline constexpr const char* kEncoderSection = "encoder";

struct UserSource {
  std::string model, encoder, input;
  UserTextOptions in;
  EncoderOptions enc;
  // BERT-whitening of the user vectors (see Whitening), fitted on these users.
  bool whiten = false;
  int whiten_dims = 0;
  // --pseudonymise KEYFILE: user ids become keyed pseudonyms as they are read.
  std::string keyfile;

  // Declares model, encoder, the users' texts under `input_key` (required),
  // format, id_field, text_field, the encoder options, whiten and whiten_dims.
  void Describe(OptionSet& s, const std::string& input_key);

  // The encoder --model/--encoder name besides TF-IDF: "use-lite" (--encoder
  // use-lite, or a --model that names USE-Lite) or "bert".
  std::string ModelEncoder() const;
  // The embedder named by `encoder_name` ("" = bert with a model, else an
  // error): TF-IDF fitted on `users`, or the BERT directory `model` (SIF
  // weights from the users' own token counts).
  std::unique_ptr<TextEmbedder> Make(const std::string& encoder_name, const UserTexts& users, const Context& ctx) const;
  std::unique_ptr<TextEmbedder> Make(const UserTexts& users, const Context& ctx) const {
    return Make(encoder, users, ctx);
  }
  // The users' vectors under `emb`. With whitening on (BERT only) the whitening
  // is fitted on them and applied, `emb` becomes the whitened embedder (so
  // texts embedded later are comparable) and `fitted` receives it.
  Matrix UserVectors(std::unique_ptr<TextEmbedder>& emb, const UserTexts& users, const Context& ctx,
                     Whitening* fitted = nullptr) const;
  // Reads the input into `bad` (which it resets to name the input).
  UserTexts Read(const Context& ctx, BadRowLog& bad) const;
  // Reads the input, warning when any row was bad.
  UserTexts ReadReported(const Context& ctx, BadRowLog& bad) const;
  // The user vectors: a saved profile file (`profiles` non-empty) or the chosen encoder.
  Matrix Profiles(const std::string& profiles, const UserTexts& users, const Context& ctx, std::string& name) const;
};

void WarnBad(const Context& ctx, const BadRowLog& bad);
// {"count": N, "examples": [...]}
nlohmann::json BadJson(const BadRowLog& bad);

}  // namespace adpilot::profile
