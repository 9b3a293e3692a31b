// OpenRTB 2.5/2.6 bid requests and responses: the subset of fields a bidder
// decides on, parsed with simdjson. Unknown fields are ignored (as the spec
// requires); a missing id or imp, or a known field of the wrong type, rejects
// the request with a reason, never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace adpilot::openrtb {

struct Imp {
  std::string id;
  double bidfloor = 0;  // CPM in bidfloorcur
  std::string bidfloorcur = "USD";
  bool banner = false, video = false, native = false, audio = false;
  std::vector<std::pair<int, int>> sizes;  // banner w x h, then banner.format[]
  int pos = -1;                            // banner/video position, -1 = absent
  int instl = 0;
  std::string tagid;
  bool pmp_private = false;  // private auction: only deal bids are allowed
};

struct BidRequest {
  std::string id;
  int at = 2;    // 1 first price, 2 second price
  int tmax = 0;  // ms, 0 = absent
  int test = 0;
  std::vector<std::string> cur;  // allowed currencies; empty = USD
  std::vector<std::string> bcat, badv;
  std::vector<Imp> imp;
  // site or app (is_app), flattened
  bool has_site = false, is_app = false;
  std::string inventory_id, domain, bundle, page, publisher_id;
  std::vector<std::string> cat;  // site/app categories
  // device
  std::string ua, ip, os, osv, make, model, language, carrier;
  int devicetype = 0, connectiontype = 0, dnt = 0;
  std::string country, region, city, metro, zip;
  // user
  std::string user_id, buyeruid, gender;
  int yob = 0;
};

// Parses `json` into `out`. Returns false and sets `error` ("imp[0].id: expected
// string") for malformed JSON, a missing id/imp or a known field of the wrong type.
bool ParseBidRequest(std::string_view json, BidRequest& out, std::string& error);

struct Bid {
  std::string id, impid, crid, cid, adm, nurl, burl, lurl;
  double price = 0;  // CPM in the response currency
  std::vector<std::string> adomain;
  std::vector<std::string> cat;
  int w = 0, h = 0;
};

// The response JSON: id echoed, one seatbid with the bids, `cur` and `bidid`.
std::string WriteBidResponse(std::string_view request_id, std::string_view bidid, std::string_view cur,
                             std::string_view seat, const std::vector<Bid>& bids);

// Appends s to out as a JSON string literal (quotes included).
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace adpilot::openrtb
