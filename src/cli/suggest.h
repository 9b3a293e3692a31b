// Unknown commands and flags are caught before CLI11 parses, so the error is
// about the word the user mistyped ("did you mean 'train'?") rather than a
// required option that the mistyped one hid.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace adpilot::cli {

// Optimal-string-alignment distance: insertions, deletions, substitutions
// and swaps of two neighbours ("trian" -> "train" is 1).
size_t EditDistance(const std::string& a, const std::string& b);

// The candidates closest to `word` within a distance that grows with its
// length (1 up to 4 letters, then a third of them), closest first.
std::vector<std::string> Suggestions(const std::string& word, const std::vector<std::string>& candidates);

// Walks argv through the command tree: an unknown command word or an option
// the command does not have is a kInvalidArgument error naming it, with the
// closest names. `--help` does not excuse an unknown command.
void CheckArgv(const CLI::App& app, const std::vector<std::string>& args);

}  // namespace adpilot::cli
