// HMAC-SHA256 pseudonyms, the key file, and IP truncation.
#include "adpilot/pseudonym.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <cctype>
#include <cstring>

#include <fmt/format.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "adpilot/atomic_file.h"
#include "adpilot/error.h"

namespace adpilot {

std::string Pseudonymize(std::string_view id, std::string_view key) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(id.data()), id.size(),
            mac, &len) ||
      len < 8)
    Throw(ErrorCode::kInternal, "HMAC-SHA256 failed");
  uint64_t h = 0;
  for (int i = 0; i < 8; ++i) h = (h << 8) | mac[i];
  return fmt::format("{:016x}", h);
}

std::string LoadOrCreateKey(const std::string& path) {
  if (path.empty()) Throw(ErrorCode::kInvalidArgument, "--pseudonymise needs a key file path");
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) Throw(ErrorCode::kIOError, "{}: {}", path, std::strerror(errno));
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof(raw)) != 1) Throw(ErrorCode::kInternal, "no random bytes for a new key");
    std::string hex;
    for (unsigned char b : raw) hex += fmt::format("{:02x}", b);
    hex += "\n";
    // Written whole to a private temp file, then linked into place: link() fails
    // if another process (an mpirun rank, a parallel job) created the key first,
    // and then every process reads that one key instead of keeping its own.
    std::string tmp = path + ".tmp.XXXXXX";
    int fd = ::mkstemp(tmp.data());  // mode 0600, a name no other thread or process holds
    if (fd < 0) Throw(ErrorCode::kIOError, "{}: cannot create the key file: {}", path, std::strerror(errno));
    bool ok = ::fchmod(fd, S_IRUSR | S_IWUSR) == 0 && ::write(fd, hex.data(), hex.size()) == ssize_t(hex.size()) &&
              ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) {
      ::unlink(tmp.c_str());
      Throw(ErrorCode::kIOError, "{}: cannot write the key file: {}", path, std::strerror(errno));
    }
    const bool linked = ::link(tmp.c_str(), path.c_str()) == 0;
    const int link_errno = errno;
    ::unlink(tmp.c_str());
    if (!linked && link_errno != EEXIST)
      Throw(ErrorCode::kIOError, "{}: cannot create the key file: {}", path, std::strerror(link_errno));
    if (linked) SyncParentDir(path);
    if (::stat(path.c_str(), &st) != 0) Throw(ErrorCode::kIOError, "{}: {}", path, std::strerror(errno));
  }
  if (st.st_mode & (S_IRWXG | S_IRWXO))
    Throw(ErrorCode::kInvalidArgument,
          "{}: the pseudonymisation key is accessible to group or others (mode {:04o}); "
          "chmod 600 it",
          path, unsigned(st.st_mode & 07777));
  std::string text = ReadFile(path);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  bool hex = text.size() == 64;
  for (char c : text) hex = hex && std::isxdigit(static_cast<unsigned char>(c));
  if (!hex) Throw(ErrorCode::kInvalidArgument, "{}: not a pseudonymisation key (expected 64 hex digits)", path);
  std::string key(32, '\0');
  for (size_t i = 0; i < 32; ++i) key[i] = char(std::stoi(text.substr(2 * i, 2), nullptr, 16));
  return key;
}

bool TruncateIp(std::string_view ip, std::string& out) {
  char buf[INET6_ADDRSTRLEN + 1];
  if (ip.empty() || ip.size() >= sizeof(buf)) return false;
  std::memcpy(buf, ip.data(), ip.size());
  buf[ip.size()] = '\0';
  unsigned char a[16];
  char text[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, buf, a) == 1) {
    a[3] = 0;
    if (!inet_ntop(AF_INET, a, text, sizeof(text))) return false;
  } else if (inet_pton(AF_INET6, buf, a) == 1) {
    std::memset(a + 6, 0, 10);
    if (!inet_ntop(AF_INET6, a, text, sizeof(text))) return false;
  } else {
    return false;
  }
  out = text;
  return true;
}

}  // namespace adpilot
