// Progress of a long local operation, reported in bytes and files so a terminal can show it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace lockstep::datadir {

struct Progress {
  std::string phase;  // "verifying", "archiving", "extracting", "swapping"
  uint64_t bytes_done = 0;
  uint64_t bytes_total = 0;  // 0 when unknown
  uint32_t files_done = 0;
  uint32_t files_total = 0;
  std::string current_file;
};

using ProgressCallback = std::function<void(const Progress&)>;
// Called once per archived or restored file (the `-v` listing).
using FileCallback = std::function<void(const std::string& name, uint64_t size)>;

}  // namespace lockstep::datadir
