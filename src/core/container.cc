#include "adpilot/container.h"

#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include "adpilot/error.h"
#include "adpilot/hash.h"

namespace adpilot {

struct detail::StreamHash {
  XXH3_state_t* s = XXH3_createState();
  StreamHash() {
    ADP_CHECK(s != nullptr);
    XXH3_64bits_reset(s);
  }
  ~StreamHash() { XXH3_freeState(s); }
  StreamHash(const StreamHash&) = delete;
  StreamHash& operator=(const StreamHash&) = delete;
  void Add(const void* p, size_t n) { XXH3_64bits_update(s, p, n); }
  uint64_t Digest() const { return XXH3_64bits_digest(s); }
};

namespace {

constexpr size_t kHead = kContainerHeadBytes;

template <typename T>
T Load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::string Head(const ContainerFormat& fmt, std::string_view config) {
  ADP_CHECK(fmt.magic.size() == 8);
  if (config.size() > std::numeric_limits<uint32_t>::max())
    Throw(ErrorCode::kInvalidArgument, "{} config of {} bytes is over the 4 GiB the format holds", fmt.what,
          config.size());
  std::string h(fmt.magic);
  uint32_t v = fmt.version, c = uint32_t(config.size());
  h.append(reinterpret_cast<const char*>(&v), 4);
  h.append(reinterpret_cast<const char*>(&c), 4);
  h += config;
  uint64_t sum = Hash64(h);
  h.append(reinterpret_cast<const char*>(&sum), 8);
  return h;
}

[[noreturn]] void Truncated(const std::string& name, const ContainerFormat& fmt, uint64_t size, uint64_t need) {
  Throw(ErrorCode::kCorruption, "{}: truncated {} ({} bytes, at least {} expected)", name, fmt.what, size, need);
}

// The first 16 bytes of a file of `size` bytes: returns C, the config length.
uint32_t CheckHead(std::string_view head, uint64_t size, const ContainerFormat& fmt, const std::string& name,
                   uint32_t& version) {
  version = ContainerVersion(head, fmt, name);
  if (version < fmt.first_version)
    Throw(ErrorCode::kCorruption, "{}: {} version {} is not container-framed (versions from {} are)", name, fmt.what,
          version, fmt.first_version);
  if (size < kContainerOverhead) Truncated(name, fmt, size, kContainerOverhead);
  uint32_t c = Load<uint32_t>(head.data() + 12);
  if (c > size - kContainerOverhead) Truncated(name, fmt, size, kContainerOverhead + uint64_t(c));
  return c;
}

void CheckPayloadLength(uint64_t p, uint64_t size, uint32_t c, const ContainerFormat& fmt, const std::string& name) {
  uint64_t want = size - kContainerOverhead - c;
  if (p != want)
    Throw(ErrorCode::kCorruption, "{}: truncated or damaged {}: its trailer gives {} payload bytes, the file holds {}",
          name, fmt.what, p, want);
}

[[noreturn]] void BadSum(const std::string& name, const ContainerFormat& fmt, const char* part) {
  Throw(ErrorCode::kCorruption, "{}: {} checksum mismatch: the {} is corrupt", name, part, fmt.what);
}

}  // namespace

uint32_t ContainerVersion(std::string_view bytes, const ContainerFormat& fmt, const std::string& name) {
  if (bytes.substr(0, 8) != fmt.magic.substr(0, bytes.size()))
    Throw(ErrorCode::kCorruption, "{}: not an {} (bad magic)", name, fmt.what);
  if (bytes.size() < 12) Truncated(name, fmt, bytes.size(), 12);
  uint32_t v = Load<uint32_t>(bytes.data() + 8);
  if (v == 0) Throw(ErrorCode::kCorruption, "{}: invalid {} version 0", name, fmt.what);
  if (v > fmt.version)
    Throw(ErrorCode::kCorruption, "{}: {} version {} is newer than this build reads ({})", name, fmt.what, v,
          fmt.version);
  return v;
}

ContainerView DecodeContainer(std::string_view bytes, const ContainerFormat& fmt, const std::string& name) {
  ContainerView out;
  if (bytes.size() < kHead) {
    ContainerVersion(bytes, fmt, name);
    Truncated(name, fmt, bytes.size(), kContainerOverhead);
  }
  uint32_t c = CheckHead(bytes.substr(0, kHead), bytes.size(), fmt, name, out.version);
  if (Hash64(bytes.data(), kHead + c) != Load<uint64_t>(bytes.data() + kHead + c)) BadSum(name, fmt, "header");
  uint64_t p = Load<uint64_t>(bytes.data() + bytes.size() - 16);
  CheckPayloadLength(p, bytes.size(), c, fmt, name);
  if (Hash64(bytes.data(), bytes.size() - 8) != Load<uint64_t>(bytes.data() + bytes.size() - 8))
    BadSum(name, fmt, "file");
  out.config = bytes.substr(kHead, c);
  out.payload = bytes.substr(kHead + c + 8, p);
  return out;
}

std::string EncodeContainer(const ContainerFormat& fmt, std::string_view config, std::string_view payload) {
  std::string out = Head(fmt, config);
  out += payload;
  uint64_t p = payload.size();
  out.append(reinterpret_cast<const char*>(&p), 8);
  uint64_t sum = Hash64(out);
  out.append(reinterpret_cast<const char*>(&sum), 8);
  return out;
}

void WriteContainer(const std::string& path, const ContainerFormat& fmt, std::string_view config,
                    std::string_view payload) {
  ContainerWriter w(path, fmt, config);
  w.Write(payload);
  w.Commit();
}

ContainerWriter::ContainerWriter(std::string path, const ContainerFormat& fmt, std::string_view config)
    : file_(std::move(path)), hash_(std::make_unique<detail::StreamHash>()) {
  std::string head = Head(fmt, config);
  file_.Write(head);
  hash_->Add(head.data(), head.size());
}

ContainerWriter::~ContainerWriter() = default;

void ContainerWriter::Write(const void* data, size_t n) {
  file_.Write(data, n);
  hash_->Add(data, n);
  payload_bytes_ += n;
}

void ContainerWriter::Commit() {
  file_.WritePod(payload_bytes_);
  hash_->Add(&payload_bytes_, 8);
  file_.WritePod(hash_->Digest());
  file_.Commit();
}

ContainerReader::ContainerReader(std::string path, const ContainerFormat& fmt)
    : path_(std::move(path)),
      what_(fmt.what),
      hash_(std::make_unique<detail::StreamHash>()),
      after_config_(std::make_unique<detail::StreamHash>()) {
  f_ = std::fopen(path_.c_str(), "rb");
  if (!f_)
    Throw(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIOError, "{}: cannot open: {}", path_,
          std::strerror(errno));
  struct stat st {};
  if (::fstat(fileno(f_), &st) != 0) {
    std::fclose(f_);
    Throw(ErrorCode::kIOError, "{}: cannot stat: {}", path_, std::strerror(errno));
  }
  try {
    const uint64_t size = uint64_t(st.st_size);
    char head[kHead] = {};
    size_t got = std::fread(head, 1, kHead, f_);
    if (got < kHead) {
      ContainerVersion(std::string_view(head, got), fmt, path_);
      Truncated(path_, fmt, size, kContainerOverhead);
    }
    uint32_t c = CheckHead(std::string_view(head, kHead), size, fmt, path_, version_);
    config_.resize(c);
    uint64_t sums[3];  // the header checksum; the trailer: payload length, file checksum
    if (std::fread(config_.data(), 1, c, f_) != c || std::fread(&sums[0], 1, 8, f_) != 8 ||
        ::pread(fileno(f_), &sums[1], 16, off_t(size - 16)) != 16)
      Truncated(path_, fmt, size, kContainerOverhead + uint64_t(c));
    hash_->Add(head, kHead);
    hash_->Add(config_.data(), c);
    if (hash_->Digest() != sums[0]) BadSum(path_, fmt, "header");
    hash_->Add(&sums[0], 8);
    CheckPayloadLength(sums[1], size, c, fmt, path_);
    XXH3_copyState(after_config_->s, hash_->s);
    payload_offset_ = kHead + c + 8;
    payload_size_ = sums[1];
    checksum_ = sums[2];
    if (payload_size_ == 0) Read(nullptr, 0, "nothing");  // no pass would check the file
  } catch (...) {
    std::fclose(f_);
    throw;
  }
}

ContainerReader::~ContainerReader() {
  if (f_) std::fclose(f_);
}

void ContainerReader::Read(void* data, size_t n, const char* what) {
  if (n > remaining())
    Throw(ErrorCode::kCorruption, "{}: damaged {}: {} runs past the end of the payload", path_, what_, what);
  if (n && std::fread(data, 1, n, f_) != n)
    Throw(ErrorCode::kCorruption, "{}: truncated {} while reading {} (changed while open?)", path_, what_, what);
  hash_->Add(data, n);
  pos_ += n;
  if (pos_ == payload_size_) {
    hash_->Add(&payload_size_, 8);
    if (hash_->Digest() != checksum_)
      Throw(ErrorCode::kCorruption, "{}: file checksum mismatch: the {} is corrupt", path_, what_);
  }
}

void ContainerReader::ReadAt(uint64_t offset, void* data, size_t n, const char* what) {
  if (offset > payload_size_ || n > payload_size_ - offset)
    Throw(ErrorCode::kCorruption, "{}: damaged {}: {} lies past the end of the payload", path_, what_, what);
  if (::pread(fileno(f_), data, n, off_t(payload_offset_ + offset)) != ssize_t(n))
    Throw(ErrorCode::kCorruption, "{}: truncated {} while reading {} (changed while open?)", path_, what_, what);
}

void ContainerReader::Rewind() {
  if (::fseeko(f_, off_t(payload_offset_), SEEK_SET) != 0)
    Throw(ErrorCode::kIOError, "{}: cannot seek: {}", path_, std::strerror(errno));
  pos_ = 0;
  XXH3_copyState(hash_->s, after_config_->s);
}

}  // namespace adpilot
