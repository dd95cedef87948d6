#include "engine/datadir/describe.h"

namespace lockstep::datadir {

std::string DescribeProblems(const zkfmt::Problems& problems, size_t limit) {
  std::string out;
  size_t shown = 0;
  for (bool fatal : {true, false}) {
    for (const auto& p : problems) {
      if (p.fatal != fatal || shown == limit) continue;
      if (!out.empty()) out += "; ";
      out += p.file + " at offset " + std::to_string(p.offset) + ": " + p.message;
      if (!p.expected.empty() || !p.actual.empty()) {
        out += " (expected " + p.expected + ", found " + p.actual + ")";
      }
      ++shown;
    }
  }
  if (problems.size() > shown) out += "; and " + std::to_string(problems.size() - shown) + " more";
  return out.empty() ? "no problems" : out;
}

}  // namespace lockstep::datadir
