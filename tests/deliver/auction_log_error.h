// The error an rlb log fails to load with, for the bad-input tests.
#pragma once

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "adpilot/auction_log.h"
#include "adpilot/error.h"

namespace adpilot::testing {

// Writes `text` to `path` and loads it as an rlb log: the error message, or
// "" when it loads. A refusal must be kBadInput.
inline std::string AuctionLogError(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  try {
    LoadAuctionLog(path);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadInput) << e.what();
    return e.what();
  }
  return "";
}

}  // namespace adpilot::testing
