#include "adpilot/pipeline.h"

#include <dlfcn.h>

#include <cctype>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <toml.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/command.h"
#include "adpilot/dp.h"
#include "adpilot/error.h"
#include "adpilot/hash.h"
#include "adpilot/toml_file.h"
#include "run/step_watch.h"

namespace adpilot::run {

namespace fs = std::filesystem;

namespace {

std::string Expand(std::string s, const std::map<std::string, std::string>& vars, const std::string& origin) {
  for (size_t pos = s.find('{'); pos != std::string::npos; pos = s.find('{', pos)) {
    size_t end = s.find('}', pos);
    if (end == std::string::npos) break;
    std::string key = s.substr(pos + 1, end - pos - 1);
    if (!key.empty() && key[0] == '@') {  // resolved when the step runs; inner {vars} expand now
      pos += 1;
      continue;
    }
    auto it = vars.find(key);
    if (it == vars.end()) Throw(ErrorCode::kInvalidArgument, "{}: unknown placeholder {{{}}}", origin, key);
    s.replace(pos, end - pos + 1, it->second);
    pos += it->second.size();
  }
  return s;
}

// Content hash of a file, streamed; directories hash their regular files in name order.
uint64_t HashPath(const fs::path& p) {
  uint64_t h = Hash64(p.filename().string());
  if (fs::is_directory(p)) {
    std::vector<fs::path> files;
    for (auto& e : fs::recursive_directory_iterator(p))
      if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (auto& f : files) h = HashCombine(h, HashPath(f));
    return h;
  }
  std::ifstream in(p, std::ios::binary);
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), std::streamsize(buf.size()));
    std::streamsize n = in.gcount();
    if (n > 0) h = HashCombine(h, Hash64(buf.data(), size_t(n)));
  }
  return h;
}

// The value a runtime placeholder names: {@json:FILE:a.b.c} -> the value at
// a.b.c in the JSON file FILE (written by an earlier step), {@step:NAME:a.b.c}
// -> the value in step NAME's JSON output.
nlohmann::json LookupRuntime(const std::string& ref, const std::vector<StepResult>& done, const std::string& origin) {
  size_t c1 = ref.find(':'), c2 = ref.rfind(':');
  if (c1 == std::string::npos || c2 == c1)
    Throw(ErrorCode::kInvalidArgument, "{}: placeholder {{@{}}} must be {{@json:FILE:path}} or {{@step:NAME:path}}",
          origin, ref);
  std::string kind = ref.substr(0, c1), src = ref.substr(c1 + 1, c2 - c1 - 1), path = ref.substr(c2 + 1);
  nlohmann::json doc;
  if (kind == "json") {
    doc = nlohmann::json::parse(ReadFile(src), nullptr, false);
    if (doc.is_discarded()) Throw(ErrorCode::kBadInput, "{}: {} is not valid JSON", origin, src);
  } else if (kind == "step") {
    for (const auto& r : done)
      if (r.name == src) doc = r.output;
    if (doc.is_null())
      Throw(ErrorCode::kInvalidArgument, "{}: no earlier step named '{}' with JSON output", origin, src);
  } else {
    Throw(ErrorCode::kInvalidArgument, "{}: placeholder kind '{}' is not json or step", origin, kind);
  }
  const nlohmann::json* v = &doc;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!v->is_object() || !v->contains(part))
      Throw(ErrorCode::kInvalidArgument, "{}: '{}' not found in {}", origin, path, src);
    v = &(*v)[part];
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return *v;
}

std::string ExpandRuntime(std::string s, const std::vector<StepResult>& done, const std::string& origin) {
  for (size_t pos = s.find("{@"); pos != std::string::npos; pos = s.find("{@", pos)) {
    size_t end = s.find('}', pos);
    if (end == std::string::npos) break;
    nlohmann::json v = LookupRuntime(s.substr(pos + 2, end - pos - 2), done, origin);
    std::string text = v.is_string() ? v.get<std::string>() : v.dump();
    s.replace(pos, end - pos + 1, text);
    pos += text.size();
  }
  return s;
}

// A typed option value after runtime expansion: a string that is one
// placeholder becomes the value it names, with its JSON type.
nlohmann::json ExpandRuntime(const nlohmann::json& v, const std::vector<StepResult>& done, const std::string& origin) {
  if (v.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : v) out.push_back(ExpandRuntime(item, done, origin));
    return out;
  }
  if (!v.is_string()) return v;
  const std::string& s = v.get_ref<const std::string&>();
  if (s.size() > 3 && s.compare(0, 2, "{@") == 0 && s.find('}') == s.size() - 1)
    return LookupRuntime(s.substr(2, s.size() - 3), done, origin);
  return ExpandRuntime(s, done, origin);
}

// Typed reads of config values: a wrong type is a bad config (exit 2) naming
// the key, not toml11's type_error (which main() reports as exit 1).
const std::string& AsString(const toml::value& v, const std::string& origin, const std::string& key) {
  if (!v.is_string()) Throw(ErrorCode::kInvalidArgument, "{}: '{}' must be a string", origin, key);
  return v.as_string().str;
}

bool AsBool(const toml::value& v, const std::string& origin, const std::string& key) {
  if (!v.is_boolean()) Throw(ErrorCode::kInvalidArgument, "{}: '{}' must be true or false", origin, key);
  return v.as_boolean();
}

const toml::table& AsTable(const toml::value& v, const std::string& origin, const std::string& key) {
  if (!v.is_table()) Throw(ErrorCode::kInvalidArgument, "{}: '{}' must be a table", origin, key);
  return v.as_table();
}

int64_t AsInt(const toml::value& v, const std::string& origin, const std::string& key, int64_t lo, int64_t hi) {
  if (!v.is_integer() || v.as_integer() < lo || v.as_integer() > hi)
    Throw(ErrorCode::kInvalidArgument, "{}: '{}' must be an integer in [{}, {}]", origin, key, lo, hi);
  return v.as_integer();
}

// A step option's TOML value, typed, with {vars} expanded in its strings.
nlohmann::json TomlToJson(const toml::value& v, const std::map<std::string, std::string>& vars,
                          const std::string& origin) {
  if (v.is_boolean()) return v.as_boolean();
  if (v.is_integer()) return v.as_integer();
  if (v.is_floating()) return v.as_floating();
  if (v.is_string()) return Expand(v.as_string(), vars, origin);
  if (v.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : v.as_array()) {
      if (item.is_array() || item.is_table())
        Throw(ErrorCode::kInvalidArgument, "{}: a list of options holds strings, numbers or booleans", origin);
      out.push_back(TomlToJson(item, vars, origin));
    }
    return out;
  }
  Throw(ErrorCode::kInvalidArgument, "{}: must be a string, number, boolean or a list of them", origin);
}

// A step's name becomes RUN_DIR/steps/NAME.json and NAME.key, so it must stay
// one plain file name: no '/', no "..", no leading '.', nothing a shell or a
// file system treats specially.
void CheckStepName(const std::string& name, const std::string& origin) {
  bool ok = !name.empty() && name.size() <= 100 && name[0] != '.' && name.find("..") == std::string::npos;
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
  if (!ok)
    Throw(ErrorCode::kInvalidArgument,
          "{}: step name '{}' must be 1-100 of A-Z a-z 0-9 - _ . (no '/', no '..', not starting with '.')", origin,
          name);
}

// A step's `when`, placeholders expanded: "A == B", "A != B", "true" or "false".
bool When(const std::string& cond, const std::string& origin) {
  auto trim = [](std::string_view v) {
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    return std::string(v);
  };
  std::string c = trim(cond);
  if (c == "true") return true;
  if (c == "false") return false;
  for (const char* op : {"==", "!="}) {
    size_t at = c.find(op);
    if (at != std::string::npos) return (trim(c.substr(0, at)) == trim(c.substr(at + 2))) == (op[0] == '=');
  }
  Throw(ErrorCode::kInvalidArgument, "{}: when = \"{}\": expected \"A == B\", \"A != B\", true or false", origin, cond);
}

}  // namespace

Pipeline LoadPipeline(const std::string& path, const std::string& run_dir,
                      const std::map<std::string, std::string>& overrides) {
  Pipeline p;
  p.config_path = path;
  toml::value root = ParseTomlFile(path);
  p.vars["run"] = fs::absolute(run_dir).lexically_normal().string();
  p.vars["config_dir"] = fs::absolute(path).parent_path().lexically_normal().string();
  fs::path shared = fs::absolute(path).parent_path() / ".." / ".." / "shared" / "data";
  if (!fs::exists(shared)) shared = fs::current_path() / ".." / "shared" / "data";
  p.vars["shared"] = fs::exists(shared) ? fs::canonical(shared).string() : "";
  // [vars] first: steps refer to them whatever the order in the file.
  std::vector<std::pair<std::string, toml::value>> entries(root.as_table().begin(), root.as_table().end());
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    auto rank = [](const std::string& k) { return k == "vars" ? 0 : (k == "step" ? 2 : 1); };
    return rank(a.first) < rank(b.first);
  });
  for (const auto& [k, v] : entries) {
    if (k == "title") {
      p.title = AsString(v, path, k);
    } else if (k == "vars") {
      for (const auto& [vk, vv] : AsTable(v, path, k)) {
        if (vv.is_table() || vv.is_array())
          Throw(ErrorCode::kInvalidArgument, "{} [vars]: '{}' must be a string, number or boolean", path, vk);
        auto o = overrides.find(vk);
        std::string value =
            o != overrides.end() ? o->second : (vv.is_string() ? std::string(vv.as_string()) : toml::format(vv));
        p.vars[vk] = Expand(value, p.vars, fmt::format("{} [vars] {}", path, vk));
      }
    } else if (k == "step") {
      if (!v.is_array()) Throw(ErrorCode::kInvalidArgument, "{}: 'step' must be an array of tables ([[step]])", path);
      for (const auto& s : v.as_array()) {
        PipelineStep st;
        std::string origin = fmt::format("{} [[step]] #{}", path, p.steps.size() + 1);
        for (const auto& [sk, sv] : AsTable(s, origin, "step")) {
          if (sk == "name") st.name = AsString(sv, origin, sk);
          else if (sk == "stage") st.stage = AsString(sv, origin, sk);
          else if (sk == "command") st.command = AsString(sv, origin, sk);
          else if (sk == "threads") st.threads = int(AsInt(sv, origin, sk, 1, 1024));
          else if (sk == "seed") st.seed = uint64_t(AsInt(sv, origin, sk, 0, INT64_MAX));
          else if (sk == "options") {
            for (const auto& [ok, ov] : AsTable(sv, origin, sk))
              st.options[ok] = TomlToJson(ov, p.vars, origin + " options." + ok);
          } else if (sk == "json") st.json = AsBool(sv, origin, sk);
          else if (sk == "optional") st.optional = AsBool(sv, origin, sk);
          else if (sk == "when") {
            if (sv.is_boolean()) st.enabled = sv.as_boolean();
            else st.enabled = When(Expand(AsString(sv, origin, sk), p.vars, origin), origin + " when");
          } else if (sk == "args") {
            if (!sv.is_array()) Throw(ErrorCode::kInvalidArgument, "{}: 'args' must be an array of strings", origin);
            for (const auto& a : sv.as_array()) {
              if (!a.is_string()) Throw(ErrorCode::kInvalidArgument, "{}: 'args' must be an array of strings", origin);
              st.args.push_back(Expand(a.as_string(), p.vars, origin));
            }
          } else {
            Throw(ErrorCode::kInvalidArgument,
                  "{}: unknown key '{}'; valid: name, stage, command, options, threads, seed, args, json, optional, "
                  "when",
                  origin, sk);
          }
        }
        if (st.name.empty() || st.args.empty() == st.command.empty())
          Throw(ErrorCode::kInvalidArgument, "{}: a step needs 'name' and one of 'command' (with 'options') or 'args'",
                origin);
        if (!st.args.empty() && (st.threads || st.seed || !st.options.empty()))
          Throw(ErrorCode::kInvalidArgument,
                "{}: 'threads', 'seed' and 'options' go with 'command'; with 'args' they are flags in the command line",
                origin);
        CheckStepName(st.name, origin);
        for (const auto& other : p.steps)
          if (other.name == st.name)
            Throw(ErrorCode::kInvalidArgument, "{}: duplicate step name '{}'", origin, st.name);
        p.steps.push_back(std::move(st));
      }
    } else {
      Throw(ErrorCode::kInvalidArgument, "{}: unknown key '{}'; valid: title, vars, step", path, k);
    }
  }
  if (p.steps.empty()) Throw(ErrorCode::kInvalidArgument, "{}: no [[step]] defined", path);
  for (const auto& [name, value] : overrides) {
    const bool builtin = name == "run" || name == "config_dir" || name == "shared";
    if (builtin || !root.contains("vars") || !root.at("vars").is_table() || !root.at("vars").as_table().count(name))
      Throw(ErrorCode::kInvalidArgument, "--var {}={}: {} has no [vars] entry '{}'", name, value, path, name);
  }
  return p;
}

namespace {

// A step ready to run: its library command with the options set.
struct Prepared {
  const CommandSpec* spec = nullptr;
  std::unique_ptr<Command> command;
  OptionSet set;
  int threads = Context().threads;
  uint64_t seed = Context().seed;
  uint64_t key = 0;
};

// Leading global flags of a step's command line (--threads, --seed, --quiet,
// --verbose): they configure the step's Context. Returns how many args they took.
size_t ParseGlobals(const std::vector<std::string>& a, Prepared& p, const std::string& origin) {
  OptionSet g;
  bool quiet = false, verbose = false;
  g.Add("threads", &p.threads, "worker threads").Range(1, 1024);
  g.Add("seed", &p.seed, "random seed");
  g.Add("quiet", &quiet, "no progress or log output").Alias("q");
  g.Add("verbose", &verbose, "debug logging").Alias("v");
  size_t i = 0;
  while (i < a.size() && a[i].size() > 1 && a[i][0] == '-') {
    std::string name = a[i].substr(a[i][1] == '-' ? 2 : 1), value;
    size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    } else if (name == "threads" || name == "seed") {
      if (i + 1 >= a.size()) Throw(ErrorCode::kInvalidArgument, "{}: --{} needs a value", origin, name);
      value = a[++i];
    } else {
      value = "true";
    }
    if (name != "threads" && name != "seed" && name != "quiet" && name != "q" && name != "verbose" && name != "v")
      return i;
    g.SetFromString(name, value, origin + " --" + name);
    ++i;
  }
  return i;
}

// Sets the command's options from the step: --config first, then the rest.
void SetOptions(const PipelineStep& st, const std::vector<std::string>& rest, const std::vector<StepResult>& done,
                Prepared& p, const std::string& origin) {
  std::vector<std::string> args;
  std::string config;
  for (size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == "--config" && i + 1 < rest.size()) config = rest[++i];
    else if (rest[i].rfind("--config=", 0) == 0) config = rest[i].substr(9);
    else args.push_back(rest[i]);
  }
  if (st.options.contains("config")) config = ExpandRuntime(st.options["config"], done, origin).get<std::string>();
  if (!config.empty()) p.set.LoadTomlFile(config);
  p.command->set_config_path(config);
  p.set.ParseArgs(args, origin);
  for (auto it = st.options.begin(); it != st.options.end(); ++it)
    if (it.key() != "config") p.set.SetFromJson(it.key(), ExpandRuntime(it.value(), done, origin), origin + " options");
  p.set.Validate();
  p.command->set_given(p.set);
  if (!config.empty()) p.key = HashCombine(p.key, HashPath(config));
}

Prepared Prepare(const PipelineStep& step, const std::vector<StepResult>& done, uint64_t exe_hash,
                 const nlohmann::json& defaults) {
  std::string origin = fmt::format("step '{}'", step.name);
  Prepared p;
  p.key = exe_hash;
  std::vector<std::string> args = step.args;
  for (auto& a : args) a = ExpandRuntime(a, done, origin);
  std::vector<std::string> rest;
  if (!step.command.empty()) {
    std::vector<std::string> words;
    for (size_t b = 0, e; b <= step.command.size(); b = e + 1) {
      e = step.command.find(' ', b);
      if (e == std::string::npos) e = step.command.size();
      if (e > b) words.push_back(step.command.substr(b, e - b));
    }
    size_t used = 0;
    p.spec = FindCommand(words, &used);
    if (!p.spec || used != words.size())
      Throw(ErrorCode::kInvalidArgument, "{}: unknown command '{}'", origin, step.command);
    if (step.threads) p.threads = *step.threads;
    if (step.seed) p.seed = *step.seed;
  } else {
    size_t g = ParseGlobals(args, p, origin);
    std::vector<std::string> words;
    for (size_t i = g; i < args.size() && !(args[i].size() > 1 && args[i][0] == '-'); ++i) words.push_back(args[i]);
    size_t used = 0;
    p.spec = FindCommand(words, &used);
    if (p.spec) rest.assign(args.begin() + long(g + used), args.end());
  }
  if (!p.spec)
    Throw(ErrorCode::kInvalidArgument, "{}: '{}' is not a command a run can call (see adpilot --help)", origin,
          fmt::join(args, " "));
  p.command = p.spec->make();
  p.set = OptionSet(p.command->config_section());
  p.command->Describe(p.set);
  // The run's own options (--pseudonymise): on every step whose command has them,
  // below what the step's config, command line and options say.
  for (auto it = defaults.begin(); it != defaults.end(); ++it)
    if (p.set.Find(it.key())) p.set.SetFromJson(it.key(), it.value(), "adpilot run");
  SetOptions(step, rest, done, p, origin);
  // The key covers the command, every option's value and the content of every
  // existing input the options name.
  p.key = HashCombine(HashCombine(p.key, Hash64(p.spec->name)), Hash64(p.set.ToJson().dump()));
  p.key = HashCombine(HashCombine(p.key, uint64_t(p.threads)), p.seed);
  for (const auto& e : p.set.entries()) {
    std::vector<std::string> paths;
    if (auto* s = std::get_if<std::string*>(&e.target)) paths.push_back(**s);
    if (auto* l = std::get_if<std::vector<std::string>*>(&e.target)) paths = **l;
    for (const auto& path : paths) {
      if (path.empty() || path == "-") continue;
      std::error_code ec;
      if (e.io == OptionSet::Entry::Io::kOutput) {
        fs::create_directories(fs::path(path).parent_path(), ec);
      } else if (e.io == OptionSet::Entry::Io::kOutputDir) {
        fs::create_directories(path, ec);
      } else if (path.size() < 4096 && fs::exists(path, ec) && !ec) {
        p.key = HashCombine(p.key, HashPath(path));
      }
    }
  }
  return p;
}

// "42 s", "3 min 5 s".
std::string Duration(double s) {
  if (s < 60) return fmt::format("{:.0f} s", s);
  return fmt::format("{} min {} s", int64_t(s / 60), int64_t(s) % 60);
}

}  // namespace

double DpEpsilonSpent(const std::vector<StepResult>& results) {
  double spent = 0;
  for (const auto& r : results)
    if ((r.status == "ran" || r.status == "cached") && r.output.is_object() && r.output.contains("dp") &&
        r.output["dp"].is_object())
      spent += r.output["dp"].value("epsilon_spent", 0.0);
  return spent;
}

void RunPipeline(const Pipeline& p, const Context& ctx, const std::string& exe, const std::string& run_dir, bool force,
                 std::vector<StepResult>& results) {
  fs::create_directories(fs::path(run_dir) / "steps");
  // The binary and the library that holds the commands (the CLI links the
  // shared libadpilot): a rebuilt library must not reuse results of the old one.
  uint64_t exe_hash = HashPath(exe);
  Dl_info self{};
  if (dladdr(reinterpret_cast<void*>(&RunPipeline), &self) != 0 && self.dli_fname != nullptr &&
      std::string(self.dli_fname) != exe)
    exe_hash = HashCombine(exe_hash, HashPath(self.dli_fname));
  const auto run_t0 = std::chrono::steady_clock::now();
  // How long each step took when it last ran (steps/NAME.seconds): the run's
  // ETA before a step starts. An upper bound, since unchanged steps are reused.
  auto last_seconds = [&](const PipelineStep& st) {
    std::ifstream in(fs::path(run_dir) / "steps" / (st.name + ".seconds"));
    double s = 0;
    return in >> s && std::isfinite(s) && s > 0 ? s : 0.0;
  };
  std::vector<double> before(p.steps.size(), 0.0);
  bool have_times = false;
  for (size_t i = 0; i < p.steps.size(); ++i)
    if (p.steps[i].enabled) have_times = (before[i] = last_seconds(p.steps[i])) > 0 || have_times;
  PrivacyBudget budget(p.dp_budget > 0 ? p.dp_budget : std::numeric_limits<double>::infinity(), 1);
  size_t k = 0;
  for (const PipelineStep& st : p.steps) {
    ++k;
    StepResult r{st.name, st.stage, "ran", 0, nullptr, ""};
    if (!st.enabled) {
      r.status = "skipped";
      ctx.log().info("step {}/{} {}: skipped (its `when` does not hold)", k, p.steps.size(), st.name);
      results.push_back(std::move(r));
      continue;
    }
    fs::path json_path = fs::path(run_dir) / "steps" / (st.name + ".json");
    fs::path key_path = fs::path(run_dir) / "steps" / (st.name + ".key");
    auto fail = [&](const std::string& error, ErrorCode code, const std::string& what) {
      r.status = "failed";
      r.error = error;
      std::remove(key_path.string().c_str());
      results.push_back(r);
      if (!st.optional) throw Error(code, what);
    };
    Prepared prep;
    try {
      prep = Prepare(st, results, exe_hash, p.step_defaults);
    } catch (const Error& e) {
      fail(e.what(), e.code(), fmt::format("step '{}' failed: {}", st.name, e.what()));
      continue;
    }
    // A step that releases noisy aggregates spends from the run's budget, cached or
    // not (its output is released again in this run's report); refused once spent.
    double step_eps = 0;
    if (const auto* e = prep.set.Find("dp_epsilon"))
      if (auto* v = std::get_if<double*>(&e->target)) step_eps = **v;
    if (step_eps > 0) {
      try {
        budget.Spend(step_eps, 0, fmt::format("step '{}'", st.name));
      } catch (const Error& e) {
        fail(e.what(), e.code(), fmt::format("step '{}' failed: {}", st.name, e.what()));
        continue;
      }
    }
    std::string key_text = fmt::format("{:016x}", prep.key);
    if (!force && fs::exists(key_path) && fs::exists(json_path) && ReadFile(key_path.string()) == key_text) {
      r.status = "cached";
      ctx.log().info("step {}/{} {}: cached (inputs and options unchanged)", k, p.steps.size(), st.name);
      std::string text = ReadFile(json_path.string());
      if (!text.empty()) r.output = nlohmann::json::parse(text, nullptr, false);
      results.push_back(std::move(r));
      continue;
    }
    // The old key goes before the step starts: a run killed while the step
    // rewrites its outputs must not leave a key that vouches for them.
    std::remove(key_path.string().c_str());
    auto t0 = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
    // A counter and the time so far, so a long step (BERT pretraining) shows
    // where the run is; the step's own progress bar or lines give its ETA.
    std::string eta;
    if (have_times) {
      double left = 0;
      for (size_t i = k - 1; i < before.size(); ++i) left += before[i];
      eta = fmt::format(", at most {} left (the steps' last run times)", Duration(left));
    }
    ctx.log().info("step {}/{} {} ({}) starts, {} into the run{}", k, p.steps.size(), st.name, st.stage,
                   Duration(std::chrono::duration<double>(t0 - run_t0).count()), eta);
    {
      Context step_ctx = ctx;
      step_ctx.threads = prep.threads;
      step_ctx.seed = prep.seed;
      StepWatch watch(step_ctx, fmt::format("step {}/{} {}", k, p.steps.size(), st.name));
      try {
        nlohmann::json out = prep.command->Run(step_ctx);
        // Through text, as a printed result was: NaN becomes null, and the
        // report reads exactly what steps/NAME.json holds.
        if (st.json)
          r.output = nlohmann::json::parse(out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      } catch (const Error& e) {
        r.seconds = elapsed();
        fail(e.what(), e.code(), fmt::format("step '{}' failed: {}", st.name, e.what()));
        continue;
      } catch (const std::exception& e) {
        r.seconds = elapsed();
        fail(e.what(), ErrorCode::kInternal, fmt::format("step '{}' failed: {}", st.name, e.what()));
        continue;
      }
      r.seconds = elapsed();
    }
    ctx.log().info("step {}/{} {} done in {:.1f} s", k, p.steps.size(), st.name, r.seconds);
    WriteFileAtomic(json_path.string(), st.json ? r.output.dump(2) : "");
    WriteFileAtomic(key_path.string(), key_text);
    WriteFileAtomic((fs::path(run_dir) / "steps" / (st.name + ".seconds")).string(),
                    fmt::format("{:.3f}\n", r.seconds));
    results.push_back(std::move(r));
  }
}

std::vector<StepResult> LoadStepResults(const Pipeline& p, const std::string& run_dir) {
  std::vector<StepResult> results;
  for (const PipelineStep& st : p.steps) {
    StepResult r{st.name, st.stage, st.enabled ? "cached" : "skipped", 0, nullptr, ""};
    if (st.enabled) {
      fs::path json_path = fs::path(run_dir) / "steps" / (st.name + ".json");
      if (!fs::exists(json_path))
        Throw(ErrorCode::kNotFound, "step '{}' has no saved result ({}): run it first, without --report-only", st.name,
              json_path.string());
      std::string text = ReadFile(json_path.string());
      if (!text.empty()) r.output = nlohmann::json::parse(text, nullptr, false);
      std::ifstream in(fs::path(run_dir) / "steps" / (st.name + ".seconds"));
      if (!(in >> r.seconds) || !std::isfinite(r.seconds)) r.seconds = 0;
    }
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace adpilot::run
