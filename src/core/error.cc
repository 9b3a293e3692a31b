#include "adpilot/error.h"

namespace adpilot {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid argument";
    case ErrorCode::kBadInput:
      return "bad input";
    case ErrorCode::kNotFound:
      return "not found";
    case ErrorCode::kIOError:
      return "I/O error";
    case ErrorCode::kCorruption:
      return "corruption";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kInternal:
      return "internal error";
  }
  return "error";
}

int ExitCodeFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kBadInput:
    case ErrorCode::kNotFound:
      return 2;
    default:
      return 1;
  }
}

}  // namespace adpilot
