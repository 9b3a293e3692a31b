// The inputs of `adpilot bid`: test, tuning and training logs, the budget
// scale an allocation implies, and budget ratios written as fractions.
#include <cmath>
#include <filesystem>

#include "adpilot/context.h"
#include "adpilot/error.h"
#include "adpilot/replay.h"

namespace adpilot {

namespace fs = std::filesystem;

namespace {

bool IsTrainInfo(const std::string& p) { return p.ends_with(".json") || p.find("train-info") != std::string::npos; }

}  // namespace

ReplayInputs LoadReplayInputs(const ReplaySource& a, int64_t episode, const Context& ctx) {
  ReplayInputs in;
  const bool scored = a.format != "rlb" && a.format != "world";
  if (!a.log.empty())
    in.test = scored ? LoadScoredLog(a.log, a.format, a.model, ctx, a.privacy) : LoadAuctionLog(a.log, a.format);
  if (!a.tune_log.empty()) {
    in.tune = scored ? LoadScoredLog(a.tune_log, a.format, a.model, ctx, a.privacy) : LoadAuctionLog(a.tune_log, "rlb");
    in.tune_source = a.tune_log;
  }
  if (!a.train.empty()) {
    if (IsTrainInfo(a.train)) {
      in.train = LoadTrainInfo(a.train);
      // The RLB data set keeps the validation stream beside train-info: the
      // paper tunes on it. Never when it is the log under test.
      if (in.tune.size() == 0 && a.tune_split <= 0) {
        std::string stem = a.train.substr(0, a.train.find(".train-info"));
        for (const char* ext : {".validation.txt.gz", ".validation.txt"}) {
          std::string cand = stem + ext;
          if (fs::exists(cand) && !(fs::exists(a.log) && fs::equivalent(cand, a.log))) {
            in.tune = LoadAuctionLog(cand, "rlb");
            in.tune_source = cand;
            break;
          }
        }
      }
    } else {
      AuctionLog t =
          scored ? LoadScoredLog(a.train, a.format, a.model, ctx, a.privacy) : LoadAuctionLog(a.train, "rlb");
      in.train = t.Stats();
      if (in.tune.size() == 0) in.tune = std::move(t), in.tune_source = a.train;
    }
  }
  if (a.tune_split > 0) {
    if (a.tune_split >= 1) Throw(ErrorCode::kInvalidArgument, "--tune-split must be in (0, 1)");
    // Split on an episode boundary: tune on the head, test on the tail.
    size_t cut = size_t(double(in.test.size()) * a.tune_split);
    if (episode > 0) cut = cut / size_t(episode) * size_t(episode);
    if (cut == 0 || cut >= in.test.size())
      Throw(ErrorCode::kInvalidArgument, "--tune-split leaves nothing to tune or test");
    if (in.tune.size() == 0) in.tune = in.test.Slice(0, cut), in.tune_source = a.log + " (head)";
    in.test = in.test.Slice(cut, in.test.size());
  }
  if (in.test.size() == 0) in.test = in.tune;  // bid train without --log
  if (a.train.empty()) in.train = in.tune.size() ? in.tune.Stats() : in.test.Stats();
  if (in.tune.size() == 0)
    ctx.log().warn(
        "no tuning data (--tune-log, --tune-split or a validation log beside --train): "
        "strategies use budget-neutral defaults");
  else ctx.log().info("tuning on {} ({} auctions)", in.tune_source, in.tune.size());
  return in;
}

double ReplayBudgetScale(const std::string& budget_from, const std::string& channel, double budget_override) {
  if (budget_from.empty() && channel.empty()) return 1;
  if (budget_from.empty() || channel.empty())
    Throw(ErrorCode::kInvalidArgument, "--budget-from and --channel go together");
  if (budget_override > 0) Throw(ErrorCode::kInvalidArgument, "--budget-from and --budget exclude each other");
  return BudgetScaleFromAllocation(budget_from, channel);
}

double ParseBudgetRatio(const std::string& s) {
  double v = 0;
  try {
    size_t slash = s.find('/');
    v = slash == std::string::npos ? std::stod(s) : std::stod(s.substr(0, slash)) / std::stod(s.substr(slash + 1));
  } catch (const std::exception&) {
    Throw(ErrorCode::kInvalidArgument, "--budget-ratio: '{}' is not a number or a fraction like 1/32", s);
  }
  if (!(v > 0) || !std::isfinite(v)) Throw(ErrorCode::kInvalidArgument, "--budget-ratio must be > 0, got '{}'", s);
  return v;
}

}  // namespace adpilot
