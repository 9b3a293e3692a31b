// libFuzzer target for the OpenRTB request parser: any bytes must either parse
// into a request that satisfies the parser's promises or be refused with a
// reason; never crash, hang or read out of bounds (run with ASan/UBSan).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "adpilot/openrtb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  adpilot::openrtb::BidRequest req;
  std::string error;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (adpilot::openrtb::ParseBidRequest(in, req, error)) {
    if (req.id.empty() || req.imp.empty()) std::abort();
    for (const auto& imp : req.imp)
      if (imp.id.empty() || imp.bidfloor < 0) std::abort();
    // The writer must accept whatever the parser produced.
    adpilot::openrtb::Bid b;
    b.id = req.id;
    b.impid = req.imp[0].id;
    b.price = req.imp[0].bidfloor;
    std::string out = adpilot::openrtb::WriteBidResponse(req.id, req.id, "USD", "s", {b});
    if (out.empty()) std::abort();
  } else if (error.empty()) {
    std::abort();
  }
  return 0;
}
