// Sparse text formats: LibSVM (`label idx:val ...`, one field "features") and
// libffm (`label field:feature:value`). Labels -1/+1 read as 0/1. libffm's
// fields are numbered: the schema covers the field ids seen in the first
// kPeekLines lines, and a later row with a larger id is a bad row (models size
// their tables by the field count, so it cannot grow mid-stream).
#include <fmt/format.h>

#include "adpilot/error.h"
#include "data/line_reader.h"

namespace adpilot::data {
namespace {

constexpr uint64_t kPeekLines = 100000;

bool ParseSignedLabel(std::string_view s, double& label, RowError& err) {
  double v;
  if (!ParseFinite(s, v) || (v != 0 && v != 1 && v != -1)) {
    err = {"label", fmt::format("expected 0/1 or -1/+1, got '{}'", s.substr(0, 32))};
    return false;
  }
  label = v > 0 ? 1 : 0;
  return true;
}

// Shared row loop of both formats: label first, then one feature per token.
class SparseLineReader : public LineReader {
 public:
  using LineReader::LineReader;

 protected:
  enum class Token { kFeature, kSkip, kEndOfRow };
  // Parses one token after the label into `f`; false with `err` set on a bad token.
  virtual bool ParseToken(std::string_view t, RawFeature& f, Token& kind, RowError& err) = 0;

  bool ParseLine(std::string_view line, RawRecord& rec, RowError& err) override {
    SplitWhitespace(line, toks_);
    if (toks_.empty()) {
      err = {"line", "empty row"};
      return false;
    }
    if (!ParseSignedLabel(toks_[0], rec.label, err)) return false;
    for (size_t i = 1; i < toks_.size(); ++i) {
      RawFeature f;
      Token kind = Token::kFeature;
      if (!ParseToken(toks_[i], f, kind, err)) return false;
      if (kind == Token::kEndOfRow) break;
      if (kind == Token::kFeature) rec.features.push_back(f);
    }
    return true;
  }

 private:
  std::vector<std::string_view> toks_;
};

class LibSvmReader : public SparseLineReader {
 public:
  LibSvmReader(const std::string& path, const ReaderOptions& opts) : SparseLineReader(path, opts) {
    schema_.Add("features", FieldKind::kCategorical);
  }

 protected:
  bool SkipLine(std::string_view line) override { return line.empty() || line[0] == '#'; }

  bool ParseToken(std::string_view t, RawFeature& f, Token& kind, RowError& err) override {
    if (t[0] == '#') {  // trailing comment
      kind = Token::kEndOfRow;
      return true;
    }
    if (t.rfind("qid:", 0) == 0) {  // ranking groups carry no feature
      kind = Token::kSkip;
      return true;
    }
    size_t c = t.find(':');
    if (c == std::string_view::npos || c == 0) {
      err = {"features", fmt::format("expected index:value, got '{}'", t.substr(0, 32))};
      return false;
    }
    f.field = 0;
    f.token = t.substr(0, c);
    if (!ParseFinite(t.substr(c + 1), f.value)) {
      err = {"features", fmt::format("value of '{}' is not a finite number", t.substr(0, 32))};
      return false;
    }
    return true;
  }
};

class LibFfmReader : public SparseLineReader {
 public:
  LibFfmReader(const std::string& path, const ReaderOptions& opts) : SparseLineReader(path, opts) {
    LineSource peek(path, opts.max_line_bytes);
    std::vector<std::string_view> toks;
    int64_t max_field = -1;
    for (uint64_t n = 0; n < kPeekLines && peek.Next() != LineSource::Status::kEnd; ++n) {
      SplitWhitespace(peek.line(), toks);
      for (size_t i = 1; i < toks.size(); ++i) {
        double f;
        size_t c = toks[i].find(':');
        if (c != std::string_view::npos && ParseFinite(toks[i].substr(0, c), f) && f >= 0 && f < 100000 &&
            f == double(int64_t(f)))
          max_field = std::max(max_field, int64_t(f));
      }
    }
    for (int64_t i = 0; i <= max_field; ++i) schema_.Add(std::to_string(i), FieldKind::kCategorical);
  }

 protected:
  bool ParseToken(std::string_view t, RawFeature& f, Token&, RowError& err) override {
    size_t a = t.find(':'), b = a == std::string_view::npos ? a : t.find(':', a + 1);
    if (b == std::string_view::npos || a == 0 || b == a + 1) {
      err = {"features", fmt::format("expected field:feature:value, got '{}'", t.substr(0, 32))};
      return false;
    }
    double field;
    if (!ParseFinite(t.substr(0, a), field) || field < 0 || field != double(int64_t(field))) {
      err = {"features", fmt::format("field id is not a non-negative integer in '{}'", t.substr(0, 32))};
      return false;
    }
    if (field >= double(schema_.fields.size())) {
      err = {"features", fmt::format("field id {} beyond the {} fields seen in the first {} lines", field,
                                     schema_.fields.size(), kPeekLines)};
      return false;
    }
    f.field = uint32_t(field);
    f.token = t.substr(a + 1, b - a - 1);
    if (!ParseFinite(t.substr(b + 1), f.value)) {
      err = {"features", fmt::format("value of '{}' is not a finite number", t.substr(0, 32))};
      return false;
    }
    return true;
  }
};

ADPILOT_REGISTER(ReaderRegistry, "libsvm", "LibSVM: label idx:val ... (one field 'features')",
                 [](const std::string& path, const ReaderOptions& o) -> std::unique_ptr<RecordReader> {
                   return std::make_unique<LibSvmReader>(path, o);
                 });
ADPILOT_REGISTER(ReaderRegistry, "libffm", "libffm: label field:feature:value ...",
                 [](const std::string& path, const ReaderOptions& o) -> std::unique_ptr<RecordReader> {
                   return std::make_unique<LibFfmReader>(path, o);
                 });

}  // namespace
}  // namespace adpilot::data
