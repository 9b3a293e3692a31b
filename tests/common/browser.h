// Loads an HTML file in headless Chromium (Debian `chromium`) and returns the
// DOM after scripts ran, or "" when no browser is installed.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>

namespace adpilot::testing {

inline std::string ChromiumPath() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (std::filesystem::exists(p)) return p;
  return "";
}

// Flags: no sandbox (tests run as root), no GPU, and nothing that reaches the
// network (the machine has none; background requests would only fail).
inline std::string ChromiumFlags(const std::string& profile_dir) {
  return "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
         "--disable-background-networking --disable-component-update --disable-sync "
         "--disable-extensions --user-data-dir=" +
         profile_dir + " --virtual-time-budget=20000 ";
}

inline std::string DumpDom(const std::string& html, const std::string& profile_dir, const std::string& log_file) {
  std::string cmd = ChromiumPath() + " " + ChromiumFlags(profile_dir) + "--dump-dom file://" +
                    std::filesystem::absolute(html).string() + " 2>" + log_file;
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[8192];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

inline bool Screenshot(const std::string& html, const std::string& png, const std::string& profile_dir,
                       int width = 1280, int height = 2400) {
  std::string cmd = ChromiumPath() + " " + ChromiumFlags(profile_dir) +
                    "--hide-scrollbars --window-size=" + std::to_string(width) + "," + std::to_string(height) +
                    " --screenshot=" + png + " file://" + std::filesystem::absolute(html).string() + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0 && std::filesystem::exists(png);
}

}  // namespace adpilot::testing
