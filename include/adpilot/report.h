// A self-contained HTML report: sections of Vega-Lite charts, tables and text,
// each chart with a one-sentence takeaway written by the caller from the
// numbers. The chart libraries (vega, vega-lite, vega-embed from npm) are
// inlined into the file, so it opens offline and fetches nothing.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace adpilot {

class Report {
 public:
  explicit Report(std::string title, std::string subtitle = "");

  void AddSection(const std::string& title, const std::string& intro = "");
  // `spec` is a Vega-Lite spec with its data inlined ("data": {"values": [...]}).
  void AddChart(const std::string& title, nlohmann::json spec, const std::string& takeaway);
  void AddTable(const std::string& title, const std::vector<std::string>& columns,
                const std::vector<std::vector<std::string>>& rows, const std::string& takeaway);
  void AddText(const std::string& html_escaped_text);
  // A coloured line that stands out from the text: a warning (amber) or an
  // all-clear (green), e.g. the MMM sampler's diagnostics.
  void AddBadge(const std::string& text, bool warning);
  // Key figures shown as tiles at the top.
  void AddKeyFigure(const std::string& label, const std::string& value, const std::string& note = "");

  size_t chart_count() const { return charts_; }
  // Charts plus tables.
  size_t item_count() const { return items_; }
  struct KeyFigure {
    std::string label, value, note;
  };
  const std::vector<KeyFigure>& key_figures() const { return key_figures_; }
  // The takeaway of every chart and table, in order (for tests that hold
  // captions to the key figures they must agree with).
  const std::vector<std::string>& takeaways() const { return takeaways_; }

  // Writes the HTML atomically. `assets_dir` holds vega.min.js, vega-lite.min.js
  // and vega-embed.min.js; throws kNotFound naming the missing file.
  void Write(const std::string& path, const std::string& assets_dir) const;

 private:
  std::string title_, subtitle_;
  std::string body_;
  std::string figures_;
  std::vector<nlohmann::json> specs_;
  std::vector<KeyFigure> key_figures_;
  std::vector<std::string> takeaways_;
  size_t charts_ = 0;
  size_t items_ = 0;
};

std::string HtmlEscape(const std::string& s);

// Where the inlined chart libraries live: $ADPILOT_ASSETS, then
// <dir of the running binary>/share/adpilot, then the source tree's
// web/node_modules build folders. Returns "" if none has them.
std::string FindReportAssets();

}  // namespace adpilot
