// Pseudonymisation at ingestion: user, device and IP columns become a keyed
// HMAC-SHA256 (OpenSSL) truncated to 64 bits, so no raw identifier travels past
// the reader while joins on the same key still work. The key lives in a file of
// its own (created with mode 0600 when absent) and is never written anywhere
// else: not into models, caches, reports or logs.
#pragma once

#include <string>
#include <string_view>

namespace adpilot {

// Keyed pseudonym: the first 64 bits of HMAC-SHA256(key, id), as 16 hex digits.
std::string Pseudonymize(std::string_view id, std::string_view key);

// The key in `path` (64 hex digits = 32 bytes), created from the system's random
// source with mode 0600 (atomically) when the file is absent. Throws
// kInvalidArgument when the file is readable or writable by group or others, or
// does not hold a key; the message names the file, never the key.
std::string LoadOrCreateKey(const std::string& path);

// IPv4 a.b.c.d -> a.b.c.0 (/24), IPv6 -> its first 48 bits ("2001:db8:1::");
// false when `ip` is not an address (the caller pseudonymises it instead).
bool TruncateIp(std::string_view ip, std::string& out);

}  // namespace adpilot
