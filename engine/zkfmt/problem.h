// A finding about a ZooKeeper file: where it is, what was expected and what was there.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "common/status.h"

namespace lockstep::zkfmt {

struct Problem {
  std::string file;
  uint64_t offset = 0;
  std::string message;
  std::string expected;
  std::string actual;
  // Non-fatal problems are reported but leave the data restorable (a torn last log record is
  // simply where the log ends).
  bool fatal = true;
};

using Problems = std::vector<Problem>;

// "0x5a4b534e": how magics and checksums appear in problems.
inline std::string FormatHex32(uint32_t value) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", value);
  return buf;
}

// Corruption naming the first fatal problem ("FILE: message (expected E, found A)"); Ok if none.
inline Status FirstFatal(const Problems& problems) {
  for (const auto& p : problems) {
    if (!p.fatal) continue;
    std::string message = p.file + ": " + p.message;
    if (!p.expected.empty() || !p.actual.empty()) {
      message += " (expected " + p.expected + ", found " + p.actual + ")";
    }
    return Corruption(message);
  }
  return Status::Ok();
}

inline bool HasFatal(const Problems& problems) {
  for (const auto& p : problems) {
    if (p.fatal) return true;
  }
  return false;
}

}  // namespace lockstep::zkfmt
