// The archiver (docs/design.md "Continuous archiving"): on the agent the coordinator gives the job,
// a thread that every `interval_ms` asks its server how far it has processed (`srvr`), reads
// its transaction logs from the end of the archive up to there (log_tail.h: committed records
// only), writes what it read as segments into this master's store and ships each to every peer.
//
// The job is a lease the coordinator renews every duty tick (Assign); without a renewal the
// archiver stops by itself once the lease lapses, so an archiver whose coordinator changed, or
// that was paused past its lease, ships nothing more, and its peers refuse what a stale
// coordinator's generation would ship anyway (fence.h). A fresh assignment continues from the
// end of the archive: the later of the coordinator's view and this store's.
//
// Memory is bounded: a pass streams records into a segment file and starts a new segment every
// `max_segment_bytes` of log. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/crypto/keys.h"
#include "common/status.h"
#include "common/zxid.h"
#include "engine/archiving/log_tail.h"
#include "engine/archiving/segment_store.h"
#include "proto/archiving.pb.h"

namespace lockstep::archiving {

// Where a written segment goes beyond this master: every peer (and, later, the repository).
class SegmentShipper {
 public:
  virtual ~SegmentShipper() = default;
  // Ships a stored segment under the coordinator's `generation`; returns the masters it has not
  // reached (they are sent what they lack on a later call).
  virtual std::vector<std::string> Ship(const proto::ArchiveSegment& record,
                                        const std::string& path, uint64_t generation) = 0;
  // Sends the masters that missed segments what they lack (every pass; paced by the shipper).
  virtual void CatchUp(uint64_t generation) = 0;
  // A new job: what the archiver before shipped, and to whom, is unknown; every master's
  // holdings are compared at the next CatchUp.
  virtual void Recheck() = 0;
};

struct ServerPosition {
  bool serving = false;
  Zxid zxid = 0;  // the last processed (committed and applied) zxid
};

struct ArchiverOptions {
  std::string master;   // this master's name
  std::string log_dir;  // the server's transaction logs (dataLogDir/version-2)
  // `srvr` of this master's server; an error or !serving skips the pass.
  std::function<Result<ServerPosition>()> position;
  uint64_t max_segment_bytes = 8 << 20;
  // [encryption] recipients: segments are encrypted to them before they reach the disk.
  std::vector<age::X25519Recipient> recipients;
};

class Archiver {
 public:
  Archiver(ArchiverOptions options, SegmentStore* store, SegmentShipper* shipper,
           Clock& clock = RealClockInstance());
  ~Archiver();  // stops the thread

  // Takes or renews the job for coordinator `generation`; the report so far.
  proto::ArchiveReport Assign(const proto::ArchiveAssignment& assignment, uint64_t generation);
  // Gives the job up at once (the coordinator moved it).
  void Release();
  proto::ArchiveReport Report() const;

  // One pass now, on the caller's thread (tests; the thread calls it every interval).
  void PassForTest() { Pass(); }

 private:
  struct Shipped;  // what one pass wrote and shipped
  void Loop();
  bool Active(Clock::TimePoint now) const;  // mu_ held
  void Pass();
  // Tails the logs after `after` up to `upto` into segments, each kept and shipped.
  Shipped TailAndShip(Zxid after, Zxid upto, uint64_t generation,
                      const std::optional<TailPosition>& read_to);
  void Record(const Shipped& shipped, Zxid upto, int64_t asked_ms);  // into report_, mu_ held

  const ArchiverOptions options_;
  SegmentStore* store_;
  SegmentShipper* shipper_;
  Clock& clock_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  Clock::TimePoint lease_end_{};
  uint64_t generation_ = 0;
  std::chrono::milliseconds interval_{1000};
  // The archive's end as this archiver continues it; unset for an archive that has nothing yet,
  // which starts with the oldest transaction its server's logs hold.
  std::optional<Zxid> cursor_;
  bool fresh_ = false;                   // a new job: its first pass runs at once
  std::optional<TailPosition> read_to_;  // where the last pass stopped reading the logs
  proto::ArchiveReport report_;
  uint64_t scratch_serial_ = 0;
  // Recent passes: when each asked its server, and how far the server had processed then. Once
  // the archive reaches a pass's zxid, everything committed before that pass asked is archived.
  std::deque<std::pair<int64_t, Zxid>> asked_;
  std::thread thread_;
};

}  // namespace lockstep::archiving
