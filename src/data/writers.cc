// Writers for libffm, libsvm, vw (hashed) and criteo (raw), plus ConvertFile.
#include <chrono>

#include <fmt/format.h>

#include "adpilot/atomic_file.h"
#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/progress.h"
#include "adpilot/writer.h"

namespace adpilot {
namespace {

// Buffers output and hands it to an AtomicFileWriter in large chunks.
class TextWriter : public RecordWriter {
 public:
  TextWriter(const std::string& path, const FeatureHasher& hasher) : out_(path), hasher_(hasher) {}
  void Commit() override {
    Flush();
    out_.Commit();
  }

 protected:
  void EndLine() {
    buf_.push_back('\n');
    if (buf_.size() >= (1u << 20)) Flush();
  }
  void Flush() {
    out_.Write(buf_.data(), buf_.size());
    buf_.clear();
  }
  AtomicFileWriter out_;
  const FeatureHasher& hasher_;
  fmt::memory_buffer buf_;
};

class LibFfmWriter : public TextWriter {
 public:
  using TextWriter::TextWriter;
  void Write(const RawRecord&, const Example& ex) override {
    fmt::format_to(std::back_inserter(buf_), "{}", ex.label);
    for (const auto& f : ex.features) fmt::format_to(std::back_inserter(buf_), " {}:{}:{}", f.field, f.index, f.value);
    EndLine();
  }
};

class LibSvmWriter : public TextWriter {
 public:
  using TextWriter::TextWriter;
  void Write(const RawRecord&, const Example& ex) override {
    fmt::format_to(std::back_inserter(buf_), "{}", ex.label);
    for (const auto& f : ex.features) fmt::format_to(std::back_inserter(buf_), " {}:{}", f.index, f.value);
    EndLine();
  }
};

class VwWriter : public TextWriter {
 public:
  VwWriter(const std::string& path, const FeatureHasher& hasher) : TextWriter(path, hasher) {
    for (int i = 0; i < hasher.num_fields(); ++i) names_.push_back(WriterFieldName(hasher, size_t(i)));
  }
  void Write(const RawRecord&, const Example& ex) override {
    fmt::format_to(std::back_inserter(buf_), "{}", ex.label > 0.5f ? 1 : -1);
    if (ex.weight != 1.0f) fmt::format_to(std::back_inserter(buf_), " {}", ex.weight);
    uint32_t field = UINT32_MAX;
    for (const auto& f : ex.features) {
      if (f.field != field) {
        field = f.field;
        fmt::format_to(std::back_inserter(buf_), " |{}", names_[field]);
      }
      fmt::format_to(std::back_inserter(buf_), " {}:{}", f.index, f.value);
    }
    EndLine();
  }

 private:
  std::vector<std::string> names_;
};

// Criteo TSV from raw tokens: the schema's numeric fields fill I1.., the
// categorical ones C1.. in order; a schema that does not fit is refused.
class CriteoWriter : public TextWriter {
 public:
  CriteoWriter(const std::string& path, const FeatureHasher& hasher) : TextWriter(path, hasher) {
    const Schema& s = hasher.schema();
    slot_.assign(s.fields.size(), -1);
    int ni = 0, nc = 0;
    for (size_t i = 0; i < s.fields.size(); ++i) {
      if (s.kinds[i] == FieldKind::kNumeric) slot_[i] = ni++;
      else if (s.kinds[i] == FieldKind::kCategorical) slot_[i] = 13 + nc++;
      else
        Throw(ErrorCode::kInvalidArgument, "--to criteo: field '{}' is multi-valued or text, which criteo cannot hold",
              s.fields[i]);
    }
    if (ni > 13 || nc > 26)
      Throw(ErrorCode::kInvalidArgument, "--to criteo holds 13 numeric and 26 categorical fields; input has {} and {}",
            ni, nc);
  }
  void Write(const RawRecord& raw, const Example& ex) override {
    for (auto& c : cols_) c.clear();
    for (const auto& f : raw.features) {
      int slot = slot_[f.field];
      if (f.missing) continue;
      if (!cols_[slot].empty())
        Throw(ErrorCode::kInvalidArgument, "--to criteo: line {}: field '{}' has several values", raw.line,
              hasher_.schema().fields[f.field]);
      if (f.numeric) cols_[slot] = fmt::format("{}", f.value);
      else if (f.token.find_first_of("\t\r\n") != std::string_view::npos)
        Throw(ErrorCode::kInvalidArgument, "--to criteo: line {}: a tab or newline inside field '{}'", raw.line,
              hasher_.schema().fields[f.field]);
      else cols_[slot] = f.token;
    }
    fmt::format_to(std::back_inserter(buf_), "{}", ex.label);
    for (const auto& c : cols_) {
      buf_.push_back('\t');
      buf_.append(c);
    }
    EndLine();
  }

 private:
  std::vector<int> slot_;
  std::string cols_[39];
};

template <typename W>
std::unique_ptr<RecordWriter> Make(const std::string& path, const FeatureHasher& h) {
  return std::make_unique<W>(path, h);
}

ADPILOT_REGISTER(WriterRegistry, "libffm", "label field:bucket:value (hashed)", Make<LibFfmWriter>);
ADPILOT_REGISTER(WriterRegistry, "libsvm", "label bucket:value (hashed)", Make<LibSvmWriter>);
ADPILOT_REGISTER(WriterRegistry, "vw", "label [weight] |field bucket:value ... (hashed)", Make<VwWriter>);
ADPILOT_REGISTER(WriterRegistry, "criteo", "Criteo TSV from raw values (<= 13 numeric, 26 categorical fields)",
                 Make<CriteoWriter>);

}  // namespace

std::string WriterFieldName(const FeatureHasher& hasher, size_t i) {
  const std::string& n = hasher.field_names()[i];
  if (n.empty() || n == "_" || n.find_first_of(" \t:|'") != std::string::npos) return fmt::format("f{}", i);
  return n;
}

std::unique_ptr<RecordWriter> OpenWriter(const std::string& path, const std::string& format,
                                         const FeatureHasher& hasher) {
  return WriterRegistry::Get().Create("output format", format, path, hasher);
}

ConvertResult ConvertFile(const std::string& in, const ReaderOptions& opts, const FeatureConfig& features,
                          const std::string& out, const std::string& to, const Context& ctx) {
  auto t0 = std::chrono::steady_clock::now();
  if (!WriterRegistry::Get().Has(to))
    Throw(ErrorCode::kInvalidArgument, "unknown output format '{}'; valid: {}", to,
          WriterRegistry::Get().NamesJoined());
  auto reader = OpenReader(in, opts);
  FeatureHasher hasher(features, reader->schema());
  if (hasher.needs_fit()) {
    auto sample = OpenReader(in, opts);
    hasher.FitQuantileEdges(*sample);
  }
  auto writer = OpenWriter(out, to, hasher);
  ConvertResult r;
  RawRecord rec;
  Example ex;
  Progress progress(ctx, "convert " + in, reader->total_bytes(), "bytes");
  while (reader->Next(rec)) {
    hasher.Hash(rec, ex);
    writer->Write(rec, ex);
    ++r.rows;
    progress.Set(reader->bytes_read());
  }
  writer->Commit();
  r.bad_rows = reader->bad_rows().count();
  if (r.bad_rows) ctx.log().warn("{}", reader->bad_rows().Summary());
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace adpilot
