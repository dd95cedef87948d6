// Progress on a terminal: one line on stderr, rewritten at most ten times a second, only when
// stderr is a TTY (logs and pipes stay clean).
#pragma once

#include <chrono>

#include "engine/datadir/progress.h"

namespace lockstep::cli {

class ProgressPrinter {
 public:
  ProgressPrinter();
  ~ProgressPrinter();  // ends the line
  void Update(const datadir::Progress& progress);
  bool enabled() const { return enabled_; }

 private:
  bool enabled_;
  bool printed_ = false;
  std::chrono::steady_clock::time_point last_{};
};

std::string HumanBytes(uint64_t bytes);

}  // namespace lockstep::cli
