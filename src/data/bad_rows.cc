#include "adpilot/bad_rows.h"

#include <fmt/format.h>

#include "adpilot/error.h"

namespace adpilot {

OnError ParseOnError(const std::string& s) {
  if (s == "skip") return OnError::kSkip;
  if (s == "fail") return OnError::kFail;
  Throw(ErrorCode::kInvalidArgument, "--on-error must be skip or fail, got '{}'", s);
}

void BadRowLog::Report(uint64_t line, const std::string& field, const std::string& reason) {
  std::string msg = fmt::format("{}:{}: {}: {}", file_, line, field, reason);
  ++count_;
  if (policy_ == OnError::kFail) throw Error(ErrorCode::kBadInput, msg);
  if (examples_.size() < keep_) examples_.push_back(std::move(msg));
}

void BadRowLog::Merge(const BadRowLog& other) {
  count_ += other.count_;
  for (const auto& e : other.examples_)
    if (examples_.size() < keep_) examples_.push_back(e);
}

std::string BadRowLog::Summary() const {
  if (count_ == 0) return fmt::format("{}: no bad rows", file_);
  std::string s = fmt::format("{}: {} bad row{} skipped", file_, count_, count_ == 1 ? "" : "s");
  for (const auto& e : examples_) s += "\n  " + e;
  if (count_ > examples_.size()) s += fmt::format("\n  ... and {} more", count_ - examples_.size());
  return s;
}

}  // namespace adpilot
