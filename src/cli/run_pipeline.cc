#include "cli/run_pipeline.h"

#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sys/wait.h>

#include <fmt/format.h>
#include <toml.hpp>

#include "adpilot/atomic_file.h"
#include "adpilot/error.h"
#include "adpilot/hash.h"
#include "adpilot/toml_file.h"

namespace adpilot::cli {

namespace fs = std::filesystem;

namespace {

std::string Expand(std::string s, const std::map<std::string, std::string>& vars,
                   const std::string& origin) {
  for (size_t pos = s.find('{'); pos != std::string::npos; pos = s.find('{', pos)) {
    size_t end = s.find('}', pos);
    if (end == std::string::npos) break;
    std::string key = s.substr(pos + 1, end - pos - 1);
    if (!key.empty() && key[0] == '@') {  // resolved when the step runs; inner {vars} expand now
      pos += 1;
      continue;
    }
    auto it = vars.find(key);
    if (it == vars.end())
      Throw(ErrorCode::kInvalidArgument, "{}: unknown placeholder {{{}}}", origin, key);
    s.replace(pos, end - pos + 1, it->second);
    pos += it->second.size();
  }
  return s;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
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

// {@json:FILE:a.b.c} -> the value at a.b.c in the JSON file FILE (written by
// an earlier step), {@step:NAME:a.b.c} -> the value in step NAME's JSON output.
std::string ExpandRuntime(std::string s, const std::vector<StepResult>& done, const std::string& origin) {
  for (size_t pos = s.find("{@"); pos != std::string::npos; pos = s.find("{@", pos)) {
    size_t end = s.find('}', pos);
    if (end == std::string::npos) break;
    std::string ref = s.substr(pos + 2, end - pos - 2);
    size_t c1 = ref.find(':'), c2 = ref.rfind(':');
    if (c1 == std::string::npos || c2 == c1)
      Throw(ErrorCode::kInvalidArgument, "{}: placeholder {{@{}}} must be {{@json:FILE:path}} or {{@step:NAME:path}}", origin, ref);
    std::string kind = ref.substr(0, c1), src = ref.substr(c1 + 1, c2 - c1 - 1), path = ref.substr(c2 + 1);
    nlohmann::json doc;
    if (kind == "json") {
      doc = nlohmann::json::parse(ReadFile(src), nullptr, false);
      if (doc.is_discarded()) Throw(ErrorCode::kBadInput, "{}: {} is not valid JSON", origin, src);
    } else if (kind == "step") {
      for (const auto& r : done)
        if (r.name == src) doc = r.output;
      if (doc.is_null()) Throw(ErrorCode::kInvalidArgument, "{}: no earlier step named '{}' with JSON output", origin, src);
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
    std::string text = v->is_string() ? v->get<std::string>() : v->dump();
    s.replace(pos, end - pos + 1, text);
    pos += text.size();
  }
  return s;
}

// Flags whose value a step writes: excluded from the cache key, and their
// folders are created before the step runs.
bool IsOutputFlag(const std::string& flag) {
  if (flag.rfind("--", 0) != 0) return false;
  return flag.find("out") != std::string::npos || flag == "--curve" || flag == "--csv-dir" ||
         flag == "--cache-dir" || flag == "--log-dir";
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

// A step's name becomes RUN_DIR/steps/NAME.json and NAME.key, so it must stay
// one plain file name: no '/', no "..", no leading '.', nothing a shell or a
// file system treats specially.
void CheckStepName(const std::string& name, const std::string& origin) {
  bool ok = !name.empty() && name.size() <= 100 && name[0] != '.' && name.find("..") == std::string::npos;
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
  if (!ok)
    Throw(ErrorCode::kInvalidArgument,
          "{}: step name '{}' must be 1-100 of A-Z a-z 0-9 - _ . (no '/', no '..', not starting with '.')",
          origin, name);
}

}  // namespace

Pipeline LoadPipeline(const std::string& path, const std::string& run_dir) {
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
        p.vars[vk] = Expand(vv.is_string() ? std::string(vv.as_string()) : toml::format(vv), p.vars,
                            fmt::format("{} [vars] {}", path, vk));
      }
    } else if (k == "step") {
      if (!v.is_array()) Throw(ErrorCode::kInvalidArgument, "{}: 'step' must be an array of tables ([[step]])", path);
      for (const auto& s : v.as_array()) {
        PipelineStep st;
        std::string origin = fmt::format("{} [[step]] #{}", path, p.steps.size() + 1);
        for (const auto& [sk, sv] : AsTable(s, origin, "step")) {
          if (sk == "name") st.name = AsString(sv, origin, sk);
          else if (sk == "stage") st.stage = AsString(sv, origin, sk);
          else if (sk == "json") st.json = AsBool(sv, origin, sk);
          else if (sk == "optional") st.optional = AsBool(sv, origin, sk);
          else if (sk == "args") {
            if (!sv.is_array()) Throw(ErrorCode::kInvalidArgument, "{}: 'args' must be an array of strings", origin);
            for (const auto& a : sv.as_array()) {
              if (!a.is_string()) Throw(ErrorCode::kInvalidArgument, "{}: 'args' must be an array of strings", origin);
              st.args.push_back(Expand(a.as_string(), p.vars, origin));
            }
          } else {
            Throw(ErrorCode::kInvalidArgument, "{}: unknown key '{}'; valid: name, stage, args, json, optional", origin, sk);
          }
        }
        if (st.name.empty() || st.args.empty())
          Throw(ErrorCode::kInvalidArgument, "{}: a step needs 'name' and 'args'", origin);
        CheckStepName(st.name, origin);
        for (const auto& other : p.steps)
          if (other.name == st.name) Throw(ErrorCode::kInvalidArgument, "{}: duplicate step name '{}'", origin, st.name);
        p.steps.push_back(std::move(st));
      }
    } else {
      Throw(ErrorCode::kInvalidArgument, "{}: unknown key '{}'; valid: title, vars, step", path, k);
    }
  }
  if (p.steps.empty()) Throw(ErrorCode::kInvalidArgument, "{}: no [[step]] defined", path);
  return p;
}

void RunPipeline(const Pipeline& p, const std::string& exe, const std::string& run_dir, bool force,
                 bool quiet, std::vector<StepResult>& results) {
  fs::create_directories(fs::path(run_dir) / "steps");
  uint64_t exe_hash = HashPath(exe);
  for (PipelineStep st : p.steps) {
    StepResult r{st.name, st.stage, "ran", 0, nullptr, ""};
    for (auto& a : st.args) a = ExpandRuntime(a, results, fmt::format("step '{}'", st.name));
    // The key covers the binary, the arguments and every existing input named in them.
    uint64_t key = exe_hash;
    std::string cmd = ShellQuote(exe);
    if (quiet) cmd += " --quiet";
    for (const auto& a : st.args) {
      key = HashCombine(key, Hash64(a));
      cmd += " " + ShellQuote(a);
      std::error_code ec;
      if (a.size() < 4096 && fs::exists(a, ec) && !ec) {
        bool is_output = false;
        // Files this step writes (after --out) are outputs, not inputs.
        auto it = std::find(st.args.begin(), st.args.end(), a);
        if (it != st.args.begin()) {
          const std::string& flag = *(it - 1);
          is_output = IsOutputFlag(flag);
        }
        if (!is_output) key = HashCombine(key, HashPath(a));
      }
    }
    if (st.json) cmd += " --json";
    // Outputs may live in folders of the run directory that do not exist yet.
    for (size_t i = 1; i < st.args.size(); ++i) {
      const std::string& flag = st.args[i - 1];
      if (IsOutputFlag(flag)) {
        fs::path target(st.args[i]);
        std::error_code ec;
        fs::create_directories(flag.find("dir") != std::string::npos ? target : target.parent_path(), ec);
      }
    }
    std::string key_text = fmt::format("{:016x}", key);
    fs::path json_path = fs::path(run_dir) / "steps" / (st.name + ".json");
    fs::path key_path = fs::path(run_dir) / "steps" / (st.name + ".key");
    if (!force && fs::exists(key_path) && fs::exists(json_path) && ReadFile(key_path.string()) == key_text) {
      r.status = "cached";
      std::string text = ReadFile(json_path.string());
      if (!text.empty()) r.output = nlohmann::json::parse(text, nullptr, false);
      results.push_back(std::move(r));
      continue;
    }
    // The old key goes before the step starts: a run killed while the step
    // rewrites its outputs must not leave a key that vouches for them.
    std::remove(key_path.string().c_str());
    auto t0 = std::chrono::steady_clock::now();
    std::string out;
    FILE* pipe = popen(cmd.c_str(), "r");
    if (!pipe) Throw(ErrorCode::kIOError, "cannot start step '{}'", st.name);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
    int status = pclose(pipe);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (code != 0) {
      r.status = "failed";
      r.error = fmt::format("exit code {}", code);
      std::remove(key_path.string().c_str());
      results.push_back(r);
      // A step that exits 2 was given bad arguments or input, which the run's
      // config supplied (a var of the wrong type, a missing file): the run exits 2 too.
      if (!st.optional)
        Throw(code == 2 ? ErrorCode::kInvalidArgument : ErrorCode::kInternal, "step '{}' failed ({}): {}",
              st.name, code == 2 ? r.error + ": bad arguments or input" : r.error, cmd);
      continue;
    }
    if (st.json) {
      r.output = nlohmann::json::parse(out, nullptr, false);
      if (r.output.is_discarded())
        Throw(ErrorCode::kInternal, "step '{}' printed no valid JSON object", st.name);
    }
    WriteFileAtomic(json_path.string(), st.json ? r.output.dump(2) : "");
    WriteFileAtomic(key_path.string(), key_text);
    results.push_back(std::move(r));
  }
}

}  // namespace adpilot::cli
