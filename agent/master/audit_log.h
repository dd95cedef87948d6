// This master's audit log: one JSON line per request it recorded (audit.h: identified callers'
// changes and archive downloads; unauthenticated refusals are only counted), in STORE/audit.log
// (0600), appended with O_APPEND. Bounded in bytes and in days: once the file would pass
// `max_bytes` it is renamed audit.log.1 (the older ones shifting up, the oldest beyond `keep`
// dropped, and any rotated file last written more than `max_age` ago dropped too), so the log
// never takes more than (keep + 1) × max_bytes of disk, and a read holds at most `limit`
// entries in memory. Thread-safe: appends, rotation and reads are serialised by a
// mutex (a read never sees a file renamed under it).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "common/file.h"
#include "common/status.h"
#include "proto/audit.pb.h"

namespace lockstep::agent {

struct AuditLogOptions {
  uint64_t max_bytes = 4 << 20;  // per file
  int keep = 3;                  // rotated files kept beside the current one
  // Rotated files last written longer ago than this are dropped at the next rotation.
  std::chrono::hours max_age{24 * 365};
};

class AuditLog {
 public:
  explicit AuditLog(std::string path, AuditLogOptions options = {});

  // Writes `entry` as one line with one write(2), synced, rotating first when needed. An error
  // names the file; the request it records has been answered either way.
  Status Append(const proto::AuditEntry& entry);
  // The entries whose time is at or after `since` (an api::AuditTimestamp; "" for all), oldest
  // first: at most `limit`, the newest kept and `truncated` set when more matched. Lines that
  // don't parse (a torn last line after a crash) are skipped.
  proto::AuditLog Read(const std::string& since, size_t limit) const;

  const std::string& path() const { return path_; }

 private:
  std::string Rotated(int n) const { return path_ + "." + std::to_string(n); }
  Result<UniqueFd> OpenForAppend() const;
  // Caller holds mu_.
  Status Rotate();

  const std::string path_;
  const AuditLogOptions options_;
  mutable std::mutex mu_;
};

}  // namespace lockstep::agent
