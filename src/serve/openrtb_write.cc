// Bid responses are written by hand into one string: the shape is fixed and
// small, and a generic JSON DOM would cost more than the rest of the bid.
#include <fmt/format.h>

#include "adpilot/openrtb.h"

namespace adpilot::openrtb {

void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", unsigned(c));
        } else {
          out.push_back(char(c));
        }
    }
  }
  out.push_back('"');
}

namespace {

void Field(std::string& out, std::string_view key, std::string_view value) {
  out.push_back(',');
  AppendJsonString(out, key);
  out.push_back(':');
  AppendJsonString(out, value);
}

void StringArray(std::string& out, std::string_view key, const std::vector<std::string>& v) {
  out.push_back(',');
  AppendJsonString(out, key);
  out += ":[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out.push_back(',');
    AppendJsonString(out, v[i]);
  }
  out.push_back(']');
}

}  // namespace

std::string WriteBidResponse(std::string_view request_id, std::string_view bidid, std::string_view cur,
                             std::string_view seat, const std::vector<Bid>& bids) {
  std::string out;
  out.reserve(256 + 512 * bids.size());
  out += "{\"id\":";
  AppendJsonString(out, request_id);
  Field(out, "bidid", bidid);
  Field(out, "cur", cur);
  out += ",\"seatbid\":[{\"seat\":";
  AppendJsonString(out, seat);
  out += ",\"bid\":[";
  for (size_t i = 0; i < bids.size(); ++i) {
    const Bid& b = bids[i];
    if (i) out.push_back(',');
    out += "{\"id\":";
    AppendJsonString(out, b.id);
    Field(out, "impid", b.impid);
    // Shortest round-trip form: the price read back is the price compared to the floor.
    fmt::format_to(std::back_inserter(out), ",\"price\":{}", b.price);
    if (!b.adm.empty()) Field(out, "adm", b.adm);
    if (!b.nurl.empty()) Field(out, "nurl", b.nurl);
    if (!b.burl.empty()) Field(out, "burl", b.burl);
    if (!b.lurl.empty()) Field(out, "lurl", b.lurl);
    if (!b.crid.empty()) Field(out, "crid", b.crid);
    if (!b.cid.empty()) Field(out, "cid", b.cid);
    if (!b.adomain.empty()) StringArray(out, "adomain", b.adomain);
    if (!b.cat.empty()) StringArray(out, "cat", b.cat);
    if (b.w > 0 && b.h > 0) fmt::format_to(std::back_inserter(out), ",\"w\":{},\"h\":{}", b.w, b.h);
    out.push_back('}');
  }
  out += "]}]}";
  return out;
}

}  // namespace adpilot::openrtb
