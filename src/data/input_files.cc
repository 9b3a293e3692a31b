// InputFiles: a data set given as several files (adpilot/input.h).
#include <algorithm>
#include <filesystem>

#include "adpilot/error.h"
#include "adpilot/input.h"

namespace adpilot {

namespace fs = std::filesystem;

namespace {

void AddPath(const std::string& path, const std::string& spec, std::vector<std::string>& out) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    if (!fs::exists(path, ec)) Throw(ErrorCode::kNotFound, "{}: no such file (in the input list '{}')", path, spec);
    out.push_back(path);
    return;
  }
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(path, ec)) {
    const std::string name = e.path().filename().string();
    std::error_code fec;
    if (!name.empty() && name[0] != '.' && e.is_regular_file(fec)) files.push_back(e.path().string());
  }
  if (ec) Throw(ErrorCode::kIOError, "{}: cannot list the directory: {}", path, ec.message());
  if (files.empty()) Throw(ErrorCode::kInvalidArgument, "{}: the directory holds no data files", path);
  std::sort(files.begin(), files.end());
  out.insert(out.end(), files.begin(), files.end());
}

}  // namespace

std::vector<std::string> InputFiles(const std::string& spec) {
  std::error_code ec;
  const bool dir = fs::is_directory(spec, ec);
  if (spec == "-" || (!dir && (fs::exists(spec, ec) || spec.find(',') == std::string::npos))) return {spec};
  std::vector<std::string> out;
  if (dir) {
    AddPath(spec, spec, out);
    return out;
  }
  size_t begin = 0;
  while (begin <= spec.size()) {
    size_t end = std::min(spec.find(',', begin), spec.size());
    if (end == begin) Throw(ErrorCode::kInvalidArgument, "'{}': an empty name in the list of input files", spec);
    AddPath(spec.substr(begin, end - begin), spec, out);
    begin = end + 1;
  }
  return out;
}

}  // namespace adpilot
