#include "adpilot/atomic_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "adpilot/error.h"

namespace adpilot {

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)) {
  tmp_ = path_ + ".tmp." + std::to_string(::getpid());
  f_ = std::fopen(tmp_.c_str(), "wb");
  if (!f_) Throw(ErrorCode::kIOError, "{}: cannot create: {}", tmp_, std::strerror(errno));
}

AtomicFileWriter::~AtomicFileWriter() {
  if (f_) std::fclose(f_);
  if (!committed_) std::remove(tmp_.c_str());
}

void AtomicFileWriter::Write(const void* data, size_t n) {
  if (n && std::fwrite(data, 1, n, f_) != n)
    Throw(ErrorCode::kIOError, "{}: write failed: {}", tmp_, std::strerror(errno));
}

void AtomicFileWriter::Commit() {
  if (std::fflush(f_) != 0 || ::fsync(::fileno(f_)) != 0)
    Throw(ErrorCode::kIOError, "{}: flush failed: {}", tmp_, std::strerror(errno));
  std::fclose(f_);
  f_ = nullptr;
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0)
    Throw(ErrorCode::kIOError, "{}: rename failed: {}", path_, std::strerror(errno));
  committed_ = true;
  auto dir = std::filesystem::path(path_).parent_path();
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

void WriteFileAtomic(const std::string& path, std::string_view bytes) {
  AtomicFileWriter w(path);
  w.Write(bytes);
  w.Commit();
}

std::string ReadFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) Throw(ErrorCode::kNotFound, "{}: no such file", path);
  std::ifstream in(path, std::ios::binary);
  if (!in) Throw(ErrorCode::kIOError, "{}: cannot open: {}", path, std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace adpilot
