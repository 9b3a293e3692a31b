#include "adpilot/reader.h"

namespace adpilot {

std::unique_ptr<RecordReader> OpenReader(const std::string& path, const ReaderOptions& opts) {
  return ReaderRegistry::Get().Create("format", opts.format, path, opts);
}

}  // namespace adpilot
