#include "adpilot/context.h"

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "adpilot/collective.h"
#include "adpilot/hash.h"

namespace adpilot {

Context::Context() {
  static auto silent =
      std::make_shared<spdlog::logger>("adpilot-silent", std::make_shared<spdlog::sinks::null_sink_mt>());
  logger = silent;
  collective = SingleProcess();
}

uint64_t Context::SubSeed(const std::string& stream) const { return Hash64(stream, seed); }

std::mt19937_64 Context::Rng(const std::string& stream) const { return std::mt19937_64(SubSeed(stream)); }

}  // namespace adpilot
