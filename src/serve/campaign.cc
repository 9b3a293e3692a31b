// [[campaign]] tables of a serve config, and the per-impression eligibility
// check (targeting, exclusions, creative sizes).
#include "adpilot/campaign.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "adpilot/toml_file.h"
#include "serve/toml_table.h"

namespace adpilot {
namespace {

nlohmann::json TomlToJson(const toml::value& v) {
  if (v.is_boolean()) return v.as_boolean();
  if (v.is_integer()) return v.as_integer();
  if (v.is_floating()) return v.as_floating();
  if (v.is_string()) return v.as_string().str;
  if (v.is_array()) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& x : v.as_array()) a.push_back(TomlToJson(x));
    return a;
  }
  if (v.is_table()) {
    nlohmann::json o = nlohmann::json::object();
    for (const auto& [k, x] : v.as_table()) o[k] = TomlToJson(x);
    return o;
  }
  return toml::format(v);  // dates and times: as written
}

Campaign ReadCampaign(const toml::value& v, const std::string& file, size_t index) {
  serve::TomlTable t(v, file, fmt::format("campaign #{}", index + 1));
  Campaign c;
  t.Get("id", c.id);
  if (c.id.empty()) t.Bad("id", "a non-empty string");
  if (c.id.find_first_of(" \t\n:") != std::string::npos) t.Bad("id", "no spaces or ':'");
  serve::TomlTable named(v, file, "campaign " + c.id);
  named.Get("id", c.id);
  named.Get("daily_budget", c.daily_budget);
  named.Get("max_cpm", c.max_cpm);
  named.Get("strategy", c.strategy);
  named.Get("policy", c.policy);
  if (auto* p = named.Raw("params")) {
    if (!p->is_table()) named.Bad("params", "a table");
    c.params_json = TomlToJson(*p).dump();
  }
  named.Get("avg_ctr", c.avg_ctr);
  named.Get("avg_cpm", c.avg_cpm);
  named.Get("daily_auctions", c.daily_auctions);
  named.Get("pacing", c.pacing);
  named.Get("pacing_slack", c.pacing_slack);
  named.Get("shade", c.shade);
  named.Get("adomain", c.adomain);
  named.Get("cat", c.cat);
  if (!(c.daily_budget > 0)) named.Bad("daily_budget", "a positive number");
  if (!(c.max_cpm > 0)) named.Bad("max_cpm", "a positive number");
  if (!(c.avg_ctr > 0 && c.avg_ctr < 1)) named.Bad("avg_ctr", "a number in (0, 1)");
  if (!(c.avg_cpm > 0)) named.Bad("avg_cpm", "a positive number");
  if (c.daily_auctions < 1) named.Bad("daily_auctions", "a positive integer");
  if (c.pacing != "none" && c.pacing != "even") named.Bad("pacing", "\"none\" or \"even\"");
  if (!(c.pacing_slack >= 0 && c.pacing_slack <= 1)) named.Bad("pacing_slack", "a number in [0, 1]");
  if (!(c.shade > 0 && c.shade <= 1)) named.Bad("shade", "a number in (0, 1]");
  if (auto* tv = named.Raw("targeting")) {
    serve::TomlTable tt(*tv, file, "campaign " + c.id + ".targeting");
    Targeting& g = c.targeting;
    tt.Get("inventory", g.inventory);
    tt.Get("domains", g.domains);
    tt.Get("publishers", g.publishers);
    tt.Get("countries", g.countries);
    tt.Get("devicetypes", g.devicetypes);
    tt.Get("os", g.os);
    if (g.inventory != "any" && g.inventory != "site" && g.inventory != "app")
      tt.Bad("inventory", "\"any\", \"site\" or \"app\"");
    tt.CheckAllUsed();
  }
  if (auto* cv = named.Raw("creative")) {
    if (!cv->is_array()) named.Bad("creative", "an array of tables ([[campaign.creative]])");
    for (const auto& x : cv->as_array()) {
      serve::TomlTable ct(x, file, fmt::format("campaign {}.creative #{}", c.id, c.creatives.size() + 1));
      Creative cr;
      ct.Get("id", cr.id);
      ct.Get("w", cr.w);
      ct.Get("h", cr.h);
      ct.Get("adm", cr.adm);
      if (cr.id.empty()) ct.Bad("id", "a non-empty string");
      if (cr.w <= 0 || cr.h <= 0) ct.Bad("w", "positive w and h");
      if (cr.adm.empty()) ct.Bad("adm", "the creative's markup");
      ct.CheckAllUsed();
      c.creatives.push_back(std::move(cr));
    }
  }
  if (c.creatives.empty()) named.Bad("creative", "at least one [[campaign.creative]]");
  named.CheckAllUsed();
  return c;
}

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

bool AnyIEquals(const std::vector<std::string>& list, std::string_view v) {
  for (const auto& x : list)
    if (IEquals(x, v)) return true;
  return false;
}

// "foobar.com" admits "foobar.com", "www.foobar.com" and any other subdomain.
bool DomainMatches(const std::string& rule, std::string_view host) {
  if (IEquals(rule, host)) return true;
  return host.size() > rule.size() && host[host.size() - rule.size() - 1] == '.' &&
         IEquals(rule, host.substr(host.size() - rule.size()));
}

// bcat "IAB3" blocks "IAB3" and its subcategories "IAB3-1"...
bool CategoryBlocked(const std::string& cat, const std::vector<std::string>& bcat) {
  for (const auto& b : bcat) {
    if (IEquals(b, cat)) return true;
    if (cat.size() > b.size() && cat[b.size()] == '-' && IEquals(b, std::string_view(cat).substr(0, b.size())))
      return true;
  }
  return false;
}

}  // namespace

std::vector<Campaign> LoadCampaigns(const std::string& path) {
  toml::value root = ParseTomlFile(path);
  std::vector<Campaign> out;
  if (!root.is_table() || !root.contains("campaign")) return out;
  const toml::value& arr = root.at("campaign");
  if (!arr.is_array())
    Throw(ErrorCode::kInvalidArgument, "{}: 'campaign' must be an array of tables ([[campaign]])", path);
  std::set<std::string> ids;
  for (size_t i = 0; i < arr.as_array().size(); ++i) {
    out.push_back(ReadCampaign(arr.as_array()[i], path, i));
    if (!ids.insert(out.back().id).second)
      Throw(ErrorCode::kInvalidArgument, "{}: duplicate campaign id '{}'", path, out.back().id);
  }
  return out;
}

std::string MatchCampaign(const Campaign& c, const openrtb::BidRequest& req, const openrtb::Imp& imp, int& creative) {
  creative = -1;
  if (!imp.banner) return "format";
  if (imp.pmp_private) return "private_auction";
  const Targeting& g = c.targeting;
  if (g.inventory == "site" && !req.has_site) return "inventory";
  if (g.inventory == "app" && !req.is_app) return "inventory";
  if (!g.domains.empty()) {
    std::string_view host = req.is_app && !req.bundle.empty() ? std::string_view(req.bundle) : req.domain;
    bool ok = false;
    for (const auto& d : g.domains) ok = ok || DomainMatches(d, host);
    if (!ok) return "domain";
  }
  if (!g.publishers.empty() && !AnyIEquals(g.publishers, req.publisher_id)) return "publisher";
  if (!g.countries.empty() && !AnyIEquals(g.countries, req.country)) return "geo";
  if (!g.devicetypes.empty() &&
      std::find(g.devicetypes.begin(), g.devicetypes.end(), req.devicetype) == g.devicetypes.end())
    return "device";
  if (!g.os.empty() && !AnyIEquals(g.os, req.os)) return "os";
  for (const auto& cat : c.cat)
    if (CategoryBlocked(cat, req.bcat)) return "bcat";
  for (const auto& d : c.adomain)
    for (const auto& b : req.badv)
      if (DomainMatches(b, d)) return "badv";
  for (size_t i = 0; i < c.creatives.size() && creative < 0; ++i)
    for (const auto& [w, h] : imp.sizes)
      if (c.creatives[i].w == w && c.creatives[i].h == h) {
        creative = int(i);
        break;
      }
  return creative < 0 ? "size" : "";
}

}  // namespace adpilot
