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

}  // namespace adpilot::charts
