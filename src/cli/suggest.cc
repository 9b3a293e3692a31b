#include "cli/suggest.h"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "adpilot/error.h"

namespace adpilot::cli {

size_t EditDistance(const std::string& a, const std::string& b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  std::iota(d[0].begin(), d[0].end(), size_t(0));
  for (size_t i = 1; i <= n; ++i)
    for (size_t j = 1; j <= m; ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[n][m];
}

std::vector<std::string> Suggestions(const std::string& word, const std::vector<std::string>& candidates) {
  const size_t limit = std::max<size_t>(1, word.size() / 3);
  std::vector<std::pair<size_t, std::string>> near;
  for (const auto& c : candidates) {
    size_t d = EditDistance(word, c);
    // A prefix counts as near too ("--thread" for "--threads").
    if (d <= limit || (word.size() >= 3 && c.rfind(word, 0) == 0)) near.emplace_back(d, c);
  }
  std::stable_sort(near.begin(), near.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (const auto& [d, c] : near)
    if (out.size() < 3 && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  return out;
}

namespace {

std::string DidYouMean(const std::vector<std::string>& s) {
  if (s.empty()) return "";
  std::string list;
  for (size_t i = 0; i < s.size(); ++i) list += (i ? (i + 1 == s.size() ? " or '" : ", '") : "'") + s[i] + "'";
  return "; did you mean " + list + "?";
}

// The option `flag` ("--model", "-n") of the command or of any command above
// it (CLI11 falls through), the innermost first.
const CLI::Option* FindOption(const std::vector<const CLI::App*>& chain, const std::string& flag) {
  for (auto it = chain.rbegin(); it != chain.rend(); ++it)
    if (const CLI::Option* o = (*it)->get_option_no_throw(flag)) return o;
  return nullptr;
}

std::vector<std::string> FlagNames(const CLI::App& app) {
  std::vector<std::string> out;
  for (const CLI::Option* o : app.get_options())
    for (const auto& l : o->get_lnames()) out.push_back("--" + l);
  return out;
}

std::vector<std::string> SubcommandNames(const CLI::App& app) {
  std::vector<std::string> out;
  for (const CLI::App* s : app.get_subcommands([](const CLI::App*) { return true; })) out.push_back(s->get_name());
  return out;
}

std::string Path(const std::vector<const CLI::App*>& chain) {
  std::string p;
  for (size_t i = 1; i < chain.size(); ++i) p += (p.empty() ? "" : " ") + chain[i]->get_name();
  return p;
}

}  // namespace

void CheckArgv(const CLI::App& app, const std::vector<std::string>& args) {
  std::vector<const CLI::App*> chain = {&app};
  bool words_done = false;  // past the command's name: the rest are its options and positionals
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") return;
    if (a.size() > 1 && a[0] == '-' && !std::isdigit(static_cast<unsigned char>(a[1])) && a[1] != '.') {
      std::string flag = a.substr(0, a.find('='));
      if (flag == "--help" || flag == "-h" || flag == "--version") continue;
      // -qv (two short flags) or -n100 (a short option and its value).
      if (a[1] != '-' && a.size() > 2) {
        const CLI::Option* first = FindOption(chain, a.substr(0, 2));
        if (first && first->get_expected_min() > 0) continue;
        bool all = true;
        for (size_t k = 1; k < a.size() && all; ++k) {
          const CLI::Option* o = FindOption(chain, std::string("-") + a[k]);
          all = o && o->get_expected_min() == 0;
        }
        if (all) continue;
      }
      const CLI::Option* o = FindOption(chain, flag);
      if (!o) {
        std::vector<std::string> names;
        for (const auto* c : chain) {
          auto f = FlagNames(*c);
          names.insert(names.end(), f.begin(), f.end());
        }
        std::string where = chain.size() > 1 ? "'" + Path(chain) + "'" : "adpilot";
        Throw(ErrorCode::kInvalidArgument, "unknown option '{}' for {}{} (see adpilot {} --help)", flag, where,
              DidYouMean(Suggestions(flag, names)), Path(chain));
      }
      if (a.find('=') == std::string::npos && o->get_expected_min() > 0) ++i;  // its value
      continue;
    }
    if (words_done) continue;
    const CLI::App* cur = chain.back();
    auto found = cur->get_subcommands([&](const CLI::App* s) { return s->get_name() == a; });
    if (!found.empty()) {
      chain.push_back(found.front());
      continue;
    }
    // A word that is not a subcommand: an error where one is required (the
    // top level, a group), otherwise the command's first positional.
    if (chain.size() == 1 || cur->get_require_subcommand_min() > 0) {
      std::string what = chain.size() == 1 ? "command" : "'" + Path(chain) + "' command";
      Throw(ErrorCode::kInvalidArgument, "unknown {} '{}'{} (see adpilot {}--help)", what, a,
            DidYouMean(Suggestions(a, SubcommandNames(*cur))), chain.size() == 1 ? "" : Path(chain) + " ");
    }
    words_done = true;
  }
}

}  // namespace adpilot::cli
