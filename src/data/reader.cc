#include "adpilot/reader.h"

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "adpilot/atomic_file.h"
#include "adpilot/error.h"
#include "adpilot/hash.h"
#include "adpilot/input.h"
#include "adpilot/line_source.h"
#include "adpilot/options.h"
#include "adpilot/pseudonym.h"

namespace adpilot {

uint64_t ReaderOptions::Digest() const {
  uint64_t schema_hash = 0;
  if (!schema_path.empty() && std::filesystem::exists(schema_path)) schema_hash = Hash64(ReadFile(schema_path));
  // The key itself never enters the digest, only a hash of it.
  std::string s = fmt::format("{}|{:x}|{}|{:x}|{}", format, schema_hash, header,
                              pseudonymize_key.empty() ? 0 : Hash64(pseudonymize_key, 7), max_line_bytes);
  if (shards > 1) s += fmt::format("|shard {}/{}", shard, shards);
  if (ip_truncate) s += "|ip /24 /48";
  return Hash64(s);
}

void PrivacyOptions::Describe(OptionSet& s) {
  s.Add("pseudonymise", &keyfile,
        "key file: user, device and IP columns become HMAC-SHA256 pseudonyms (64 bits) at ingestion; created with "
        "mode 0600 when absent, never written anywhere else");
  s.Add("ip_truncate", &ip_truncate, "IP columns keep their /24 (IPv4) or /48 (IPv6) instead of a pseudonym");
}

void PrivacyOptions::Apply(ReaderOptions& ro) const {
  if (!keyfile.empty()) ro.pseudonymize_key = LoadOrCreateKey(keyfile);
  ro.ip_truncate = ip_truncate;
}

}  // namespace adpilot

namespace adpilot {

std::string GuessFormat(const std::string& spec) {
  // A list of files is guessed from its first.
  const std::string path = InputFiles(spec)[0];
  auto ends = [&](const char* suffix) {
    std::string p = path;
    if (p.size() > 3 && p.compare(p.size() - 3, 3, ".gz") == 0) p.resize(p.size() - 3);
    std::string s = suffix;
    return p.size() >= s.size() && p.compare(p.size() - s.size(), s.size(), s) == 0;
  };
  if (ends(".log.txt")) return "ipinyou";
  if (ends(".ffm") || ends(".libffm")) return "libffm";
  if (ends(".svm") || ends(".libsvm")) return "libsvm";
  if (ends(".vw")) return "vw";
  std::string line;
  try {
    LineSource src(path);
    if (src.Next() != LineSource::Status::kLine) return "";
    line = std::string(src.line());
  } catch (const Error&) {
    return "";
  }
  auto count = [&](char c) { return std::count(line.begin(), line.end(), c); };
  if (line.rfind("id,click", 0) == 0 || (count(',') == 23 && count('\t') == 0)) return "avazu";
  if (count('\t') == 39) return "criteo";
  if (count('\t') == 26 || count('\t') == 28) return "ipinyou";
  if (line.find('|') != std::string::npos) return "vw";
  size_t sp = line.find(' ');
  if (sp != std::string::npos) {
    std::string_view tok = std::string_view(line).substr(sp + 1);
    tok = tok.substr(0, tok.find(' '));
    size_t colons = std::count(tok.begin(), tok.end(), ':');
    if (colons == 2) return "libffm";
    if (colons == 1) return "libsvm";
  }
  return "";
}

}  // namespace adpilot
