// OpenRTB request parsing on simdjson's DOM: one parser per thread, reused, so
// the hot path does not allocate beyond the strings it keeps.
#include <simdjson.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "adpilot/openrtb.h"

namespace adpilot::openrtb {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// Requests above this size are refused before parsing (the server's body limit
// is lower; this bounds the parser's buffers for direct library callers).
constexpr size_t kMaxDocument = 64u << 20;

// A field error: "path: expected TYPE".
struct Fail {
  std::string msg;
};

[[noreturn]] void Expected(std::string_view path, const char* what) {
  throw Fail{fmt::format("{}: expected {}", path, what)};
}

bool Lookup(object o, std::string_view key, element& e) { return o.at_key(key).get(e) == simdjson::SUCCESS; }

void GetString(object o, std::string_view key, std::string& out, std::string_view path) {
  element e;
  if (!Lookup(o, key, e) || e.is_null()) return;
  std::string_view v;
  if (e.get_string().get(v)) Expected(fmt::format("{}.{}", path, key), "string");
  out.assign(v);
}

// OpenRTB integers; JSON numbers written as 1.0 are accepted too.
void GetInt(object o, std::string_view key, int& out, std::string_view path) {
  element e;
  if (!Lookup(o, key, e) || e.is_null()) return;
  int64_t i;
  double d;
  if (!e.get_int64().get(i)) {
    out = int(std::clamp<int64_t>(i, INT32_MIN, INT32_MAX));
  } else if (!e.get_double().get(d) && std::abs(d) < 2e9 &&
             d == double(int64_t(d))) {  // range first: int64_t(7e28) is UB
    out = int(d);
  } else {
    Expected(fmt::format("{}.{}", path, key), "integer");
  }
}

void GetDouble(object o, std::string_view key, double& out, std::string_view path) {
  element e;
  if (!Lookup(o, key, e) || e.is_null()) return;
  double d;
  if (e.get_double().get(d) || !std::isfinite(d)) Expected(fmt::format("{}.{}", path, key), "number");
  out = d;
}

void GetStrings(object o, std::string_view key, std::vector<std::string>& out, std::string_view path) {
  element e;
  if (!Lookup(o, key, e) || e.is_null()) return;
  simdjson::dom::array a;
  if (e.get_array().get(a)) Expected(fmt::format("{}.{}", path, key), "array of strings");
  for (element x : a) {
    std::string_view v;
    if (x.get_string().get(v)) Expected(fmt::format("{}.{}[]", path, key), "string");
    out.emplace_back(v);
  }
}

bool GetObject(object o, std::string_view key, object& out, std::string_view path) {
  element e;
  if (!Lookup(o, key, e) || e.is_null()) return false;
  if (e.get_object().get(out)) Expected(fmt::format("{}.{}", path, key), "object");
  return true;
}

void ParseImp(element e, Imp& imp, const std::string& path) {
  object o;
  if (e.get_object().get(o)) Expected(path, "object");
  GetString(o, "id", imp.id, path);
  if (imp.id.empty()) throw Fail{path + ".id: required non-empty string"};
  GetDouble(o, "bidfloor", imp.bidfloor, path);
  if (imp.bidfloor < 0) throw Fail{path + ".bidfloor: negative"};
  GetString(o, "bidfloorcur", imp.bidfloorcur, path);
  GetString(o, "tagid", imp.tagid, path);
  GetInt(o, "instl", imp.instl, path);
  object b;
  if (GetObject(o, "banner", b, path)) {
    imp.banner = true;
    std::string bp = path + ".banner";
    int w = 0, h = 0;
    GetInt(b, "w", w, bp);
    GetInt(b, "h", h, bp);
    if (w > 0 && h > 0) imp.sizes.emplace_back(w, h);
    GetInt(b, "pos", imp.pos, bp);
    element fe;
    if (Lookup(b, "format", fe) && !fe.is_null()) {
      simdjson::dom::array fa;
      if (fe.get_array().get(fa)) Expected(bp + ".format", "array");
      for (element f : fa) {
        object fo;
        if (f.get_object().get(fo)) Expected(bp + ".format[]", "object");
        int fw = 0, fh = 0;
        GetInt(fo, "w", fw, bp + ".format[]");
        GetInt(fo, "h", fh, bp + ".format[]");
        if (fw > 0 && fh > 0) imp.sizes.emplace_back(fw, fh);
      }
    }
  }
  object v;
  if (GetObject(o, "video", v, path)) {
    imp.video = true;
    GetInt(v, "pos", imp.pos, path + ".video");
  }
  object n;
  if (GetObject(o, "native", n, path)) imp.native = true;
  object au;
  if (GetObject(o, "audio", au, path)) imp.audio = true;
  object pmp;
  if (GetObject(o, "pmp", pmp, path)) {
    int priv = 0;
    GetInt(pmp, "private_auction", priv, path + ".pmp");
    imp.pmp_private = priv == 1;
  }
}

void ParseInventory(object o, BidRequest& r, const char* path) {
  GetString(o, "id", r.inventory_id, path);
  GetString(o, "domain", r.domain, path);
  GetString(o, "bundle", r.bundle, path);
  GetString(o, "page", r.page, path);
  GetStrings(o, "cat", r.cat, path);
  object pub;
  if (GetObject(o, "publisher", pub, path)) GetString(pub, "id", r.publisher_id, std::string(path) + ".publisher");
}

void ParseRoot(element root, BidRequest& r) {
  object o;
  if (root.get_object().get(o)) Expected("request", "object");
  GetString(o, "id", r.id, "request");
  if (r.id.empty()) throw Fail{"id: required non-empty string"};
  GetInt(o, "at", r.at, "request");
  GetInt(o, "tmax", r.tmax, "request");
  GetInt(o, "test", r.test, "request");
  GetStrings(o, "cur", r.cur, "request");
  GetStrings(o, "bcat", r.bcat, "request");
  GetStrings(o, "badv", r.badv, "request");
  element imps;
  if (!Lookup(o, "imp", imps) || imps.is_null()) throw Fail{"imp: required"};
  simdjson::dom::array ia;
  if (imps.get_array().get(ia)) Expected("imp", "array");
  size_t i = 0;
  for (element e : ia) {
    r.imp.emplace_back();
    ParseImp(e, r.imp.back(), fmt::format("imp[{}]", i++));
  }
  if (r.imp.empty()) throw Fail{"imp: must hold at least one impression"};
  object inv;
  if (GetObject(o, "site", inv, "request")) {
    r.has_site = true;
    ParseInventory(inv, r, "site");
  } else if (GetObject(o, "app", inv, "request")) {
    r.is_app = true;
    ParseInventory(inv, r, "app");
  }
  object dev;
  if (GetObject(o, "device", dev, "request")) {
    GetString(dev, "ua", r.ua, "device");
    GetString(dev, "ip", r.ip, "device");
    GetString(dev, "os", r.os, "device");
    GetString(dev, "osv", r.osv, "device");
    GetString(dev, "make", r.make, "device");
    GetString(dev, "model", r.model, "device");
    GetString(dev, "language", r.language, "device");
    GetString(dev, "carrier", r.carrier, "device");
    GetInt(dev, "devicetype", r.devicetype, "device");
    GetInt(dev, "connectiontype", r.connectiontype, "device");
    GetInt(dev, "dnt", r.dnt, "device");
    object geo;
    if (GetObject(dev, "geo", geo, "device")) {
      GetString(geo, "country", r.country, "device.geo");
      GetString(geo, "region", r.region, "device.geo");
      GetString(geo, "city", r.city, "device.geo");
      GetString(geo, "metro", r.metro, "device.geo");
      GetString(geo, "zip", r.zip, "device.geo");
    }
  }
  object user;
  if (GetObject(o, "user", user, "request")) {
    GetString(user, "id", r.user_id, "user");
    GetString(user, "buyeruid", r.buyeruid, "user");
    GetString(user, "gender", r.gender, "user");
    GetInt(user, "yob", r.yob, "user");
    object ugeo;
    if (r.country.empty() && GetObject(user, "geo", ugeo, "user")) GetString(ugeo, "country", r.country, "user.geo");
  }
}

}  // namespace

bool ParseBidRequest(std::string_view json, BidRequest& out, std::string& error) {
  out = BidRequest();
  if (json.size() > kMaxDocument) {
    error = "request larger than the parser's limit";
    return false;
  }
  thread_local simdjson::dom::parser parser(kMaxDocument);
  element root;
  auto err = parser.parse(json.data(), json.size(), true).get(root);
  if (err) {
    error = std::string("invalid JSON: ") + simdjson::error_message(err);
    return false;
  }
  try {
    ParseRoot(root, out);
  } catch (const Fail& f) {
    error = f.msg;
    return false;
  }
  return true;
}

}  // namespace adpilot::openrtb
