// Shared by the `adpilot profile` subcommands (cmd_profile.cc: tokenize,
// embed, pretrain; cmd_profile_audience.cc: segment, lookalike, keywords,
// evaluate): where the user vectors come from, and bad-row reporting.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "adpilot/bad_rows.h"
#include "adpilot/bert.h"
#include "adpilot/options.h"
#include "adpilot/profile.h"
#include "cli/cli.h"

namespace adpilot::cli::profile {

// Where the user vectors come from: a BERT directory, the TF-IDF baseline, or a saved profile file.
struct Source {
  std::string model, encoder, profiles;
  EncoderOptions enc;
  OptionSet set{"encoder"};
  std::unique_ptr<BoundOptions> bound;
  UserTextOptions in;
  std::string input;
  bool json = false;
  // BERT-whitening of the user vectors (see Whitening), fitted on these users.
  bool whiten = false;
  int whiten_dims = 0;

  void Install(CLI::App* cmd, const std::string& input_flag, bool need_input = true);
  std::unique_ptr<TextEmbedder> Make(const UserTexts& users, const Context& ctx);
  // The users' vectors under `emb`. With whitening on (BERT only) the whitening
  // is fitted on them and applied, `emb` becomes the whitened embedder (so
  // texts embedded later are comparable) and `fitted` receives it.
  Matrix UserVectors(std::unique_ptr<TextEmbedder>& emb, const UserTexts& users, const Context& ctx,
                     Whitening* fitted = nullptr) const;
  UserTexts Read(const Context& ctx, BadRowLog& bad) { return ReadUserTexts(input, in, bad, ctx); }
  // Reads --users (or the input flag's file) into `bad_rows`, warning when any row was bad.
  UserTexts ReadReported(const Context& ctx);
  BadRowLog bad_rows;
};

void WarnBad(const Context& ctx, const BadRowLog& bad);
nlohmann::json BadJson(const BadRowLog& bad);
// The user vectors: a saved profile file (--profiles) or the chosen encoder.
Matrix Profiles(Source& s, const UserTexts& users, const Context& ctx, std::string& name);

void InstallSegment(CLI::App* profile, Globals& g);
void InstallLookalike(CLI::App* profile, Globals& g);
void InstallKeywords(CLI::App* profile, Globals& g);
void InstallEvaluate(CLI::App* profile, Globals& g);

}  // namespace adpilot::cli::profile
