// Vega-Lite building blocks the report sections share, so every section's
// bars and lines look alike.
#pragma once

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

namespace adpilot::charts {

using nlohmann::json;

// An encoding channel: {"field", "type", "title"}.
json Enc(const std::string& field, const std::string& type, const std::string& title);
// Bars sorted by value, values inlined.
json Bar(const json& values, const std::string& x, const std::string& y, const std::string& xtitle,
         const std::string& ytitle);
// One line per `color` value.
json Lines(const json& values, const std::string& x, const std::string& y, const std::string& color,
           const std::string& xtitle, const std::string& ytitle);
// o[key] when it is a number, else dflt.
double Num(const json& o, const char* key, double dflt = std::nan(""));

// Points with interval whiskers, one row per `cat`, coloured by `series` (so
// every mark is named in the legend). The value axis does not start at zero:
// the differences are what the chart is for.
json Dots(const json& values, const std::string& cat, const std::string& value, const std::string& low,
          const std::string& high, const std::string& series, const std::string& cat_title,
          const std::string& value_title);

// A dashed vertical line at 0, as a layer of a Dots chart of differences: a
// whisker that crosses it is no evidence of a difference.
json ZeroRule();

// An estimate with its interval, and the one sentence a caption and a key
// figure both quote, so the two cannot disagree.
struct Estimate {
  double value = std::nan(""), low = std::nan(""), high = std::nan("");
  bool has_interval() const { return std::isfinite(low) && std::isfinite(high); }
  // The interval holds 0 (or the estimate has none): the headline is hedged.
  bool uncertain() const { return !has_interval() || (low <= 0 && high >= 0); }
};
// "+3.5% (90% interval -4.0% to +11.0%)"; `fmt_spec` formats each number
// (e.g. "{:+.1f}%" after scaling by the caller).
std::string WithInterval(const Estimate& e, const std::string& fmt_spec, int level_pct);

}  // namespace adpilot::charts
