// Reading a server's transaction logs from where the archive left off (the archiver's input):
// every complete, checksum-valid record with `after` < zxid <= `upto` (the server's last
// processed zxid, `srvr`: only committed transactions leave), across the log files in order,
// while ZooKeeper goes on appending (a torn last record is where the log ends for now).
// Transactions a follower logged twice are passed once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "common/zxid.h"
#include "engine/zkfmt/txnlog.h"

namespace lockstep::archiving {

// Where the last tail stopped reading, so the next one reads on from there instead of from the
// start of a log file that may be 64 MiB long.
struct TailPosition {
  std::string log;      // the log file's name ("log.1a00000001")
  uint64_t offset = 0;  // where the record after `zxid` starts in it
  Zxid zxid = 0;        // the last record read there
};

struct TailResult {
  uint64_t records = 0;
  std::optional<Zxid> last;  // the last record passed
  // The logs no longer hold what follows `after` (purged, or the server synced by snapshot and
  // its log jumps): the chain breaks here, and a new base must start the next one.
  bool gap = false;
  std::optional<Zxid> resumes_at;  // with `gap`: the first zxid the logs do hold after `after`
  std::optional<TailPosition> position;  // right after the last record passed
};

// Corruption when a record in the range fails its checksum (the server's own log is damaged).
// `resume`: where the previous tail stopped; used when it stopped right after `after` and its
// log is still there.
Result<TailResult> TailLogs(const std::string& log_dir, Zxid after, Zxid upto,
                            const zkfmt::TxnVisitor& visit,
                            const std::optional<TailPosition>& resume = std::nullopt);

}  // namespace lockstep::archiving
