// Streaming reader of long-layout journeys (one row per touch).
#include <algorithm>
#include <optional>
#include <tuple>
#include <unordered_map>

#include <fmt/format.h>

#include "adpilot/attribution.h"
#include "adpilot/error.h"
#include "adpilot/line_source.h"
#include "adpilot/table.h"
#include "adpilot/text.h"

namespace adpilot {
namespace {

struct Touch {
  double order, time;
  size_t seq;
  int channel;
};

}  // namespace

double Journeys::total_conversions() const {
  double s = 0;
  for (const auto& j : items) s += j.conversions;
  return s;
}

Journeys ReadJourneys(const std::string& path, const JourneyColumns& cols) {
  LineSource src(path);
  std::vector<std::string> header;
  while (header.empty()) {
    if (src.Next() != LineSource::Status::kLine) Throw(ErrorCode::kBadInput, "{}: no header row", path);
    if (!src.line().empty()) header = SplitCsvRecord(src.line(), ',');
  }
  auto find = [&](const std::string& name, const char* flag, bool required) -> int {
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return int(i);
    if (required)
      Throw(ErrorCode::kInvalidArgument, "{}: column '{}' not found in {}; columns are: {}", flag, name, path,
            fmt::join(header, ", "));
    return -1;
  };
  int jc = find(cols.journey, "--journey-col", true), cc = find(cols.channel, "--channel-col", true);
  int vc = find(cols.converted, "--converted-col", true);
  int tc = find(cols.time, "--time-col", false), oc = find(cols.order, "--order-col", false);

  Journeys out;
  out.has_time = tc >= 0;
  std::unordered_map<std::string, int> jindex, cindex;
  std::vector<std::vector<Touch>> touches;
  size_t seq = 0;
  while (src.Next() == LineSource::Status::kLine) {
    if (src.line().empty()) continue;
    auto cells = SplitCsvRecord(src.line(), ',');
    auto where = [&] { return fmt::format("{}:{}", path, src.line_number()); };
    if (cells.size() != header.size())
      Throw(ErrorCode::kBadInput, "{}: expected {} fields (as in the header), got {}", where(), header.size(),
            cells.size());
    const std::string& ch = cells[cc];
    if (ch.empty()) Throw(ErrorCode::kBadInput, "{}: column '{}': empty channel", where(), cols.channel);
    const std::optional<double> converted = ParseDouble(cells[vc]);
    if (!converted || *converted < 0)
      Throw(ErrorCode::kBadInput, "{}: column '{}': expected 0/1 or a count, got '{}'", where(), cols.converted,
            cells[vc].substr(0, 40));
    const double conv = *converted;
    Touch t{0, 0, seq++, 0};
    if (tc >= 0) {
      auto v = ParseDouble(cells[tc]);
      if (!v)
        Throw(ErrorCode::kBadInput, "{}: column '{}': expected Unix seconds, got '{}'", where(), cols.time,
              cells[tc].substr(0, 40));
      t.time = *v;
    }
    if (oc >= 0) {
      auto v = ParseDouble(cells[oc]);
      if (!v)
        Throw(ErrorCode::kBadInput, "{}: column '{}': expected a number, got '{}'", where(), cols.order,
              cells[oc].substr(0, 40));
      t.order = *v;
    }
    auto [cit, cnew] = cindex.try_emplace(ch, int(out.channels.size()));
    if (cnew) out.channels.push_back(ch);
    t.channel = cit->second;
    auto [jit, jnew] = jindex.try_emplace(cells[jc], int(out.items.size()));
    if (jnew) {
      out.items.emplace_back();
      touches.emplace_back();
    }
    Journey& j = out.items[jit->second];
    // The outcome is repeated on every row of a journey: keep the largest.
    j.conversions = std::max(j.conversions, conv);
    touches[jit->second].push_back(t);
  }
  if (out.items.empty()) Throw(ErrorCode::kBadInput, "{}: no journeys (only a header)", path);
  for (size_t i = 0; i < out.items.size(); ++i) {
    auto& ts = touches[i];
    std::stable_sort(ts.begin(), ts.end(), [](const Touch& a, const Touch& b) {
      return std::tie(a.order, a.time, a.seq) < std::tie(b.order, b.time, b.seq);
    });
    for (const auto& t : ts) {
      out.items[i].touches.push_back(t.channel);
      if (out.has_time) out.items[i].times.push_back(t.time);
    }
  }
  return out;
}

std::vector<double> Attribute(const Journeys& j, const std::string& model, const AttributionOptions& o,
                              const Context& ctx) {
  return AttributionRegistry::Get().Create("attribution model", model)->Attribute(j, o, ctx);
}

}  // namespace adpilot
