// Vowpal Wabbit text: `label [importance] ['tag]|ns[:scale] feat[:v] ... |ns2 ...`.
// Namespaces become fields (the unnamed one is "_"); a feature's value is
// multiplied by its namespace scale. Labels -1/+1 read as 0/1. Like libffm,
// the fields are the namespaces of the first kPeekLines lines; a row with a
// new namespace after that is a bad row.
#include <fmt/format.h>

#include "adpilot/error.h"
#include "data/line_reader.h"

namespace adpilot::data {
namespace {

constexpr uint64_t kPeekLines = 100000;

std::string_view NamespaceName(std::string_view seg) {
  // seg starts right after '|': the name runs up to the first space/tab.
  size_t e = seg.find_first_of(" \t");
  std::string_view head = seg.substr(0, e);
  size_t c = head.find(':');
  head = head.substr(0, c);
  return head.empty() ? std::string_view("_") : head;
}

class VwReader : public LineReader {
 public:
  VwReader(const std::string& path, const ReaderOptions& opts) : LineReader(path, opts) {
    LineSource peek(path, opts.max_line_bytes);
    for (uint64_t n = 0; n < kPeekLines && peek.Next() != LineSource::Status::kEnd; ++n) {
      std::string_view l = peek.line();
      for (size_t p = l.find('|'); p != std::string_view::npos; p = l.find('|', p + 1)) {
        std::string ns(NamespaceName(l.substr(p + 1)));
        if (schema_.FieldIndex(ns) < 0) schema_.Add(ns, FieldKind::kCategorical);
      }
    }
  }

 protected:
  bool ParseLine(std::string_view line, RawRecord& rec, RowError& err) override {
    size_t bar = line.find('|');
    if (bar == std::string_view::npos) {
      err = {"line", "no '|' namespace separator"};
      return false;
    }
    SplitWhitespace(line.substr(0, bar), toks_);
    if (toks_.empty()) {
      err = {"label", "missing label"};
      return false;
    }
    double v;
    if (!ParseFinite(toks_[0], v) || (v != 1 && v != -1 && v != 0)) {
      err = {"label", fmt::format("expected -1/+1 or 0/1, got '{}'", toks_[0].substr(0, 32))};
      return false;
    }
    rec.label = v > 0 ? 1 : 0;
    if (toks_.size() >= 2 && toks_[1][0] != '\'') {
      if (!ParseFinite(toks_[1], rec.weight) || rec.weight < 0) {
        err = {"importance", fmt::format("expected a non-negative number, got '{}'", toks_[1].substr(0, 32))};
        return false;
      }
    }
    while (bar != std::string_view::npos) {
      size_t next = line.find('|', bar + 1);
      std::string_view seg = line.substr(bar + 1, next == std::string_view::npos ? next : next - bar - 1);
      bar = next;
      std::string_view name = NamespaceName(seg);
      int field = schema_.FieldIndex(name);
      if (field < 0) {
        err = {"namespace",
               fmt::format("'{}' not among the namespaces of the first {} lines", name.substr(0, 32), kPeekLines)};
        return false;
      }
      double scale = 1;
      SplitWhitespace(seg, toks_);
      size_t first = 0;
      if (!seg.empty() && seg[0] != ' ' && seg[0] != '\t') {
        std::string_view head = toks_.empty() ? std::string_view() : toks_[0];
        size_t c = head.find(':');
        if (c != std::string_view::npos && !ParseFinite(head.substr(c + 1), scale)) {
          err = {"namespace", fmt::format("bad scale in '|{}'", head.substr(0, 32))};
          return false;
        }
        first = 1;
      }
      for (size_t i = first; i < toks_.size(); ++i) {
        std::string_view t = toks_[i];
        RawFeature f;
        f.field = uint32_t(field);
        size_t c = t.rfind(':');
        f.token = t;
        f.value = scale;
        if (c != std::string_view::npos && c > 0) {
          double x;
          if (!ParseFinite(t.substr(c + 1), x)) {
            err = {std::string(name), fmt::format("value of '{}' is not a finite number", t.substr(0, 32))};
            return false;
          }
          f.token = t.substr(0, c);
          f.value = x * scale;
        }
        rec.features.push_back(f);
      }
    }
    return true;
  }

 private:
  std::vector<std::string_view> toks_;
};

ADPILOT_REGISTER(ReaderRegistry, "vw", "Vowpal Wabbit text: label [weight] |ns feat[:v] ... (namespaces = fields)",
                 [](const std::string& path, const ReaderOptions& o) -> std::unique_ptr<RecordReader> {
                   return std::make_unique<VwReader>(path, o);
                 });

}  // namespace
}  // namespace adpilot::data
