// Reading users' texts from plain lines, TSV or JSON lines.
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/line_source.h"
#include "adpilot/profile.h"
#include "adpilot/progress.h"
#include "adpilot/pseudonym.h"
#include "adpilot/tokenizer.h"

namespace adpilot {
namespace {

bool EndsWith(const std::string& s, const std::string& suf) {
  return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}

std::string ResolveFormat(const std::string& path, const std::string& f) {
  if (f != "auto") {
    if (f != "lines" && f != "tsv" && f != "jsonl")
      Throw(ErrorCode::kInvalidArgument, "text format '{}': expected auto, lines, tsv or jsonl", f);
    return f;
  }
  std::string p = EndsWith(path, ".gz") ? path.substr(0, path.size() - 3) : path;
  if (EndsWith(p, ".jsonl") || EndsWith(p, ".json")) return "jsonl";
  if (EndsWith(p, ".tsv")) return "tsv";
  return "lines";
}

}  // namespace

size_t UserTexts::num_texts() const {
  size_t n = 0;
  for (const auto& t : texts) n += t.size();
  return n;
}

UserTexts ReadUserTexts(const std::string& path, const UserTextOptions& opts, BadRowLog& bad, const Context& ctx) {
  std::string format = ResolveFormat(path, opts.format);
  LineSource src(path);
  Progress progress(ctx, "read " + path, src.file_size(), "bytes");
  UserTexts out;
  std::unordered_map<std::string, size_t> index;
  auto user = [&](const std::string& raw) {
    const std::string id = opts.pseudonymize_key.empty() ? raw : Pseudonymize(raw, opts.pseudonymize_key);
    auto [it, fresh] = index.emplace(id, out.ids.size());
    if (fresh) {
      out.ids.push_back(id);
      out.texts.emplace_back();
      if (!opts.truth_field.empty()) out.truth.emplace_back();
      if (!opts.label_field.empty()) out.labels.emplace_back();
    }
    return it->second;
  };
  // A text with invalid UTF-8 is reported and dropped; the user stays.
  auto add_text = [&](size_t u, std::string_view text, const char* field) {
    size_t badpos = FindInvalidUtf8(text);
    if (badpos != std::string_view::npos) {
      bad.Report(src.line_number(), field, fmt::format("invalid UTF-8 at byte {}", badpos));
      return;
    }
    out.texts[u].emplace_back(text);
  };
  for (;;) {
    auto st = src.Next();
    if (st == LineSource::Status::kEnd) break;
    progress.Set(src.bytes_read());
    if (st == LineSource::Status::kTooLong) {
      bad.Report(src.line_number(), "line", "longer than the line limit; skipped");
      continue;
    }
    std::string_view line = src.line();
    if (format == "lines") {
      add_text(user(std::to_string(src.line_number())), line, "text");
      continue;
    }
    if (line.empty()) continue;
    if (format == "tsv") {
      size_t tab = line.find('\t');
      if (tab == std::string_view::npos || tab == 0) {
        bad.Report(src.line_number(), "line", "expected user_id<TAB>text");
        continue;
      }
      add_text(user(std::string(line.substr(0, tab))), line.substr(tab + 1), "text");
      continue;
    }
    // JSON strings must be valid UTF-8: say so rather than "not JSON".
    if (size_t badpos = FindInvalidUtf8(line); badpos != std::string_view::npos) {
      bad.Report(src.line_number(), "line", fmt::format("invalid UTF-8 at byte {}", badpos));
      continue;
    }
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      bad.Report(src.line_number(), "line", "not a JSON object");
      continue;
    }
    auto idv = j.find(opts.id_field);
    if (idv == j.end() || !(idv->is_string() || idv->is_number_integer())) {
      bad.Report(src.line_number(), opts.id_field, "missing user id");
      continue;
    }
    std::string id = idv->is_string() ? idv->get<std::string>() : std::to_string(idv->get<int64_t>());
    std::vector<float> truth;
    if (!opts.truth_field.empty()) {
      auto tv = j.find(opts.truth_field);
      bool ok = tv != j.end() && tv->is_array() && !tv->empty();
      if (ok)
        for (const auto& x : *tv) {
          if (!x.is_number()) ok = false;
          else truth.push_back(x.get<float>());
        }
      if (!ok) {
        bad.Report(src.line_number(), opts.truth_field, "expected a non-empty array of numbers");
        continue;
      }
    }
    size_t u = user(id);
    if (!opts.truth_field.empty()) out.truth[u] = std::move(truth);
    if (!opts.label_field.empty()) {
      auto lv = j.find(opts.label_field);
      if (lv != j.end() && lv->is_string()) out.labels[u].push_back(lv->get<std::string>());
      if (lv != j.end() && lv->is_array())
        for (const auto& x : *lv)
          if (x.is_string()) out.labels[u].push_back(x.get<std::string>());
    }
    auto tv = j.find(opts.text_field);
    if (tv == j.end() || tv->is_null()) continue;  // a user with no text
    if (tv->is_string()) {
      add_text(u, tv->get_ref<const std::string&>(), opts.text_field.c_str());
    } else if (tv->is_array()) {
      for (const auto& x : *tv) {
        if (x.is_string()) add_text(u, x.get_ref<const std::string&>(), opts.text_field.c_str());
        else if (x.is_object() && x.contains("text") && x["text"].is_string())
          add_text(u, x["text"].get_ref<const std::string&>(), opts.text_field.c_str());
        else bad.Report(src.line_number(), opts.text_field, "text entry is neither a string nor {\"text\": ...}");
      }
    } else {
      bad.Report(src.line_number(), opts.text_field, "expected a string or an array of texts");
    }
  }
  progress.Finish();
  size_t empty = 0;
  for (const auto& t : out.texts) empty += t.empty();
  if (empty) ctx.log().warn("{}: {} of {} users have no text (zero vectors)", path, empty, out.ids.size());
  return out;
}

std::vector<std::string> UserDocuments(const UserTexts& users) {
  std::vector<std::string> docs(users.ids.size());
  for (size_t u = 0; u < docs.size(); ++u)
    for (const auto& t : users.texts[u]) {
      if (!docs[u].empty()) docs[u] += '\n';
      docs[u] += t;
    }
  return docs;
}

}  // namespace adpilot
