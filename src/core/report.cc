#include "adpilot/report.h"

#include <unistd.h>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "adpilot/atomic_file.h"
#include "adpilot/error.h"

namespace adpilot {

namespace {

constexpr const char* kAssetFiles[] = {"vega.min.js", "vega-lite.min.js", "vega-embed.min.js"};

const char* kStyle = R"CSS(
body{font-family:-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1d2330;color:#fff;padding:24px 40px}
header h1{margin:0;font-size:26px} header p{margin:6px 0 0;color:#b8c0cc}
main{max-width:1180px;margin:0 auto;padding:20px 40px 60px}
section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.08);margin:22px 0;padding:18px 24px}
section h2{margin:0 0 6px;font-size:20px} .intro{color:#4a5568;margin:0 0 12px}
.chart{display:inline-block;vertical-align:top;margin:10px 18px 10px 0;max-width:100%}
.chart h3{font-size:15px;margin:4px 0}
.takeaway{font-size:13px;color:#2b6cb0;margin:4px 0 0;max-width:560px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
th,td{border-bottom:1px solid #e2e8f0;padding:4px 10px;text-align:right} th{background:#edf2f7}
td:first-child,th:first-child{text-align:left}
.figures{display:flex;flex-wrap:wrap;gap:12px;margin:10px 0}
.figure{background:#fff;border-radius:8px;padding:12px 16px;min-width:150px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.figure .v{font-size:22px;font-weight:600} .figure .l{font-size:12px;color:#4a5568} .figure .n{font-size:11px;color:#718096}
#status{font-size:11px;color:#a0aec0}
.badge{display:inline-block;font-size:13px;border-radius:6px;padding:6px 12px;margin:8px 0}
.badge.warn{background:#fefcbf;color:#744210;border:1px solid #ecc94b}
.badge.ok{background:#f0fff4;color:#22543d;border:1px solid #9ae6b4}
)CSS";

// Renders every chart, records failures, and publishes the outcome in
// #status so a headless browser test can read it from the DOM.
const char* kScript = R"JS(
(function(){
  var errors=[]; var rendered=0;
  window.addEventListener('error',function(e){errors.push(String(e.message));});
  var specs=JSON.parse(document.getElementById('adpilot-specs').textContent);
  var jobs=specs.map(function(spec,i){
    return vegaEmbed('#chart-'+i,spec,{actions:false,renderer:'svg'})
      .then(function(){rendered++;})
      .catch(function(e){errors.push('chart '+i+': '+e);});
  });
  Promise.all(jobs).then(function(){
    var s=document.getElementById('status');
    s.setAttribute('data-rendered',rendered);
    s.setAttribute('data-errors',errors.length);
    s.setAttribute('data-done','1');
    s.textContent=rendered+' of '+specs.length+' charts rendered'+(errors.length?'; errors: '+errors.join(' | '):'');
  });
})();
)JS";

std::string Exe() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "" : p.string();
}

bool HasAssets(const std::filesystem::path& dir) {
  for (const char* f : kAssetFiles)
    if (!std::filesystem::exists(dir / f)) return false;
  return true;
}

}  // namespace

std::string HtmlEscape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Report::Report(std::string title, std::string subtitle) : title_(std::move(title)), subtitle_(std::move(subtitle)) {}

void Report::AddSection(const std::string& title, const std::string& intro) {
  if (!body_.empty()) body_ += "</section>\n";
  body_ += fmt::format("<section><h2>{}</h2>", HtmlEscape(title));
  if (!intro.empty()) body_ += fmt::format("<p class=\"intro\">{}</p>", HtmlEscape(intro));
}

void Report::AddChart(const std::string& title, nlohmann::json spec, const std::string& takeaway) {
  if (!spec.contains("$schema")) spec["$schema"] = "https://vega.github.io/schema/vega-lite/v6.json";
  body_ += fmt::format("<div class=\"chart\"><h3>{}</h3><div id=\"chart-{}\"></div><p class=\"takeaway\">{}</p></div>",
                       HtmlEscape(title), specs_.size(), HtmlEscape(takeaway));
  specs_.push_back(std::move(spec));
  takeaways_.push_back(takeaway);
  ++charts_;
  ++items_;
}

void Report::AddTable(const std::string& title, const std::vector<std::string>& columns,
                      const std::vector<std::vector<std::string>>& rows, const std::string& takeaway) {
  std::string t = fmt::format("<div class=\"chart\"><h3>{}</h3><table><tr>", HtmlEscape(title));
  for (const auto& c : columns) t += "<th>" + HtmlEscape(c) + "</th>";
  t += "</tr>";
  for (const auto& r : rows) {
    t += "<tr>";
    for (const auto& c : r) t += "<td>" + HtmlEscape(c) + "</td>";
    t += "</tr>";
  }
  t += fmt::format("</table><p class=\"takeaway\">{}</p></div>", HtmlEscape(takeaway));
  body_ += t;
  takeaways_.push_back(takeaway);
  ++items_;
}

void Report::AddText(const std::string& text) { body_ += "<p>" + HtmlEscape(text) + "</p>"; }

void Report::AddBadge(const std::string& text, bool warning) {
  body_ += fmt::format("<div><span class=\"badge {}\">{}{}</span></div>", warning ? "warn" : "ok",
                       warning ? "&#9888; " : "&#10003; ", HtmlEscape(text));
}

void Report::AddKeyFigure(const std::string& label, const std::string& value, const std::string& note) {
  key_figures_.push_back({label, value, note});
  figures_ += fmt::format(
      "<div class=\"figure\"><div class=\"v\">{}</div><div class=\"l\">{}</div><div class=\"n\">{}</div></div>",
      HtmlEscape(value), HtmlEscape(label), HtmlEscape(note));
}

void Report::Write(const std::string& path, const std::string& assets_dir) const {
  std::string scripts;
  for (const char* f : kAssetFiles) {
    std::string file = (std::filesystem::path(assets_dir) / f).string();
    std::string js = ReadFile(file);
    scripts += "<script>" + js + "</script>\n";
  }
  // Specs go in a JSON script block; "</" is escaped so no string can close it.
  std::string specs = nlohmann::json(specs_).dump();
  std::string safe;
  for (size_t i = 0; i < specs.size(); ++i) {
    if (specs[i] == '<' && i + 1 < specs.size() && specs[i + 1] == '/') safe += "<\\";
    else safe += specs[i];
  }
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
      "<title>{}</title><style>{}</style>\n{}</head><body>"
      "<header><h1>{}</h1><p>{}</p></header><main><div class=\"figures\">{}</div>{}{}"
      "<p id=\"status\" data-done=\"0\">rendering charts…</p></main>"
      "<script type=\"application/json\" id=\"adpilot-specs\">{}</script><script>{}</script></body></html>\n",
      HtmlEscape(title_), kStyle, scripts, HtmlEscape(title_), HtmlEscape(subtitle_), figures_, body_,
      body_.empty() ? "" : "</section>", safe, kScript);
  WriteFileAtomic(path, html);
}

std::string FindReportAssets() {
  std::vector<std::filesystem::path> candidates;
  if (const char* env = std::getenv("ADPILOT_ASSETS")) candidates.emplace_back(env);
  std::string exe = Exe();
  if (!exe.empty()) {
    auto dir = std::filesystem::path(exe).parent_path();
    candidates.push_back(dir / "share" / "adpilot");
    candidates.push_back(dir.parent_path() / "share" / "adpilot");
  }
  for (const auto& c : candidates)
    if (HasAssets(c)) return c.string();
  return "";
}

}  // namespace adpilot
