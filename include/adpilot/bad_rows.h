// Malformed rows are counted, never silently dropped: the first few are kept as
// "file:line: field: reason" for the report, and under OnError::kFail the first
// one aborts the run with a kBadInput error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace adpilot {

enum class OnError { kSkip, kFail };
OnError ParseOnError(const std::string& s);  // "skip" | "fail"

class BadRowLog {
 public:
  BadRowLog(std::string file = "", OnError policy = OnError::kSkip, size_t keep = 10)
      : file_(std::move(file)), policy_(policy), keep_(keep) {}

  // Records one bad row. Throws kBadInput when the policy is kFail.
  void Report(uint64_t line, const std::string& field, const std::string& reason);
  uint64_t count() const { return count_; }
  const std::vector<std::string>& examples() const { return examples_; }
  // Adds another log's rows (the files of one data set), keeping examples up
  // to this log's limit.
  void Merge(const BadRowLog& other);
  std::string Summary() const;  // "N bad rows in FILE; first: ..."
  const std::string& file() const { return file_; }
  OnError policy() const { return policy_; }

 private:
  std::string file_;
  OnError policy_;
  size_t keep_;
  uint64_t count_ = 0;
  std::vector<std::string> examples_;
};

}  // namespace adpilot
