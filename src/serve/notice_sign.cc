#include "serve/notice_sign.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <charconv>

#include <fmt/format.h>

#include "adpilot/error.h"
#include "adpilot/text.h"

namespace adpilot::serve {

const char* NoticeCheckName(NoticeCheck c) {
  switch (c) {
    case NoticeCheck::kOk:
      return "ok";
    case NoticeCheck::kUnsigned:
      return "unsigned";
    case NoticeCheck::kMalformed:
      return "malformed";
    case NoticeCheck::kBadSignature:
      return "bad_signature";
    case NoticeCheck::kExpired:
      return "expired";
  }
  return "?";
}

NoticeSigner::NoticeSigner(std::string secret) : secret_(std::move(secret)) {
  if (secret_.empty()) {
    secret_.resize(32);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(secret_.data()), int(secret_.size())) != 1)
      Throw(ErrorCode::kInternal, "cannot draw a random notice secret");
  }
}

namespace {

// Values percent-encoded, so neither '&' nor '=' nor '\n' can occur inside
// one: two different field lists never make the same string, and the string
// is what the tag covers.
std::string EncodedFields(const NoticeFields& f) {
  return fmt::format("bid={}&c={}&cu={}&d={}&m={}&e={}", PercentEncode(f.bid), PercentEncode(f.campaign),
                     PercentEncode(f.cur), f.day, f.max_micros, f.expires_s);
}

}  // namespace

std::string NoticeSigner::Mac(std::string_view kind, std::string_view fields) const {
  std::string msg;
  msg.reserve(kind.size() + 1 + fields.size());
  msg.append(kind).append("\n").append(fields);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), secret_.data(), int(secret_.size()), reinterpret_cast<const unsigned char*>(msg.data()),
            msg.size(), mac, &len))
    Throw(ErrorCode::kInternal, "HMAC-SHA256 failed");
  // 128 bits of the tag: forging one is 2^128 guesses, and the URL stays short.
  std::string hex;
  for (unsigned i = 0; i < 16 && i < len; ++i) fmt::format_to(std::back_inserter(hex), "{:02x}", mac[i]);
  return hex;
}

NoticeSigner::Queries NoticeSigner::Sign(const NoticeFields& f) const {
  const std::string q = EncodedFields(f);
  return {q + "&s=" + Mac("win", q), q + "&s=" + Mac("loss", q), q + "&s=" + Mac("click", q)};
}

namespace {

// Signed fields are our own decimal text: no '+', which EncodedFields never writes.
template <typename T>
bool ParseField(const std::string& s, T& out) {
  auto v = ParseInt<T>(s, {.plus = false});
  if (v) out = *v;
  return v.has_value();
}

}  // namespace

NoticeCheck NoticeSigner::Check(std::string_view kind, std::string_view query, int64_t now_s, NoticeFields& f) const {
  std::string sig, d, m, e;
  if (!FindQueryParam(query, "s", sig) || sig.empty()) return NoticeCheck::kUnsigned;
  if (!FindQueryParam(query, "bid", f.bid) || !FindQueryParam(query, "c", f.campaign) ||
      !FindQueryParam(query, "cu", f.cur) || !FindQueryParam(query, "d", d) || !FindQueryParam(query, "m", m) ||
      !FindQueryParam(query, "e", e) || !ParseField(d, f.day) || !ParseField(m, f.max_micros) ||
      !ParseField(e, f.expires_s) || f.max_micros < 0)
    return NoticeCheck::kMalformed;
  const std::string want = Mac(kind, EncodedFields(f));
  if (sig.size() != want.size() || CRYPTO_memcmp(sig.data(), want.data(), want.size()) != 0)
    return NoticeCheck::kBadSignature;
  // Checked after the signature, so an expiry cannot be forged later.
  if (now_s > f.expires_s) return NoticeCheck::kExpired;
  return NoticeCheck::kOk;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int v = 0;
      auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 3, v, 16);
      if (ec == std::errc() && p == s.data() + i + 3) {
        out.push_back(char(v));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i] == '+' ? ' ' : s[i]);
  }
  return out;
}

std::string PercentEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~')
      out.push_back(char(c));
    else fmt::format_to(std::back_inserter(out), "%{:02X}", c);
  }
  return out;
}

bool FindQueryParam(std::string_view query, std::string_view key, std::string& value) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    auto eq = kv.find('=');
    if (kv.substr(0, eq) == key) {
      value = eq == std::string_view::npos ? "" : PercentDecode(kv.substr(eq + 1));
      return true;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return false;
}

std::string QueryParam(std::string_view query, std::string_view key) {
  std::string v;
  FindQueryParam(query, key, v);
  return v;
}

}  // namespace adpilot::serve
