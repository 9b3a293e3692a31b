// Signed notice URLs. Every win, loss and click URL of a bid carries what the
// notice may act on (bid id, campaign, UTC day, the bid's maximum cost and
// currency, an expiry) and an HMAC-SHA256 of those fields and the notice kind
// under the server's secret, as exchanges' signed win URLs do. The server
// acts only on notices whose signature verifies and whose expiry has not
// passed, so ids cannot be guessed into charges, releases or clicks, a price
// can only lower the charge below the signed maximum, and a click URL (shown
// to users in the creative) cannot be turned into a win or a loss.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace adpilot::serve {

struct NoticeFields {
  std::string bid, campaign, cur;
  int32_t day = 0;         // UTC day of the reservation
  int64_t max_micros = 0;  // the bid's maximum cost, account currency
  int64_t expires_s = 0;   // Unix seconds after which the notice is refused
};

enum class NoticeCheck { kOk, kUnsigned, kMalformed, kBadSignature, kExpired };
const char* NoticeCheckName(NoticeCheck c);

class NoticeSigner {
 public:
  // An empty secret draws a random one (notices then do not survive a restart).
  explicit NoticeSigner(std::string secret);
  // The signed queries ("bid=...&c=...&cu=...&d=...&m=...&e=...&s=...") of a
  // bid's three notices, which share one encoding of its fields.
  struct Queries {
    std::string win, loss, click;
  };
  Queries Sign(const NoticeFields& f) const;
  // Parses the fields out of a query and checks them against `kind` ("win",
  // "loss", "click") and now.
  NoticeCheck Check(std::string_view kind, std::string_view query, int64_t now_s, NoticeFields& out) const;

 private:
  // The tag of `kind` over the encoded fields (the query less "&s=").
  std::string Mac(std::string_view kind, std::string_view fields) const;
  std::string secret_;
};

std::string PercentDecode(std::string_view s);
std::string PercentEncode(std::string_view s);
// The decoded value of `key` in a query string; "" when absent.
std::string QueryParam(std::string_view query, std::string_view key);
// As QueryParam, but tells absent from empty.
bool FindQueryParam(std::string_view query, std::string_view key, std::string& value);

}  // namespace adpilot::serve
