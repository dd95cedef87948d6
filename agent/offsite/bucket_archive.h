// The repository's copy of the continuous archive seen from one master (docs/design.md "Continuous
// archiving"):
// - Adoption. A master whose archive is empty when it starts (a new master, a wiped disk, or
//   every master after the disaster the bucket exists for) downloads every segment the bucket
//   holds, each checked as a peer's shipment is (SegmentStore::Add), in the background. Until it
//   is done, `Adopting()` says how far it got: the coordinator assigns no archiver (it would not
//   know where the archive ends) and refuses point-in-time restores (they would see a part of
//   the archive). A segment that can't be read is skipped with an error naming it: the hole then
//   shows as a break, as on the masters.
// - Retention (the coordinator): the bucket keeps the segments a kept base needs, by the rule
//   every master applies to its own store (PruneSegments).
// Thread-safe: Tick and Prune run on the duties thread, Adopting on request threads.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "agent/offsite/repository.h"
#include "common/clock.h"
#include "common/single_task.h"
#include "engine/archiving/segment_store.h"
#include "proto/backup.pb.h"

namespace lockstep::agent {

// Downloads the segment `record` describes into `store`, checked against the record.
Status FetchSegmentFromRepository(const Repository& repository, archiving::SegmentStore& store,
                                  const proto::ArchiveSegment& record);

class BucketArchive {
 public:
  BucketArchive(const Repository* repository, archiving::SegmentStore* store, std::string master,
                Clock& clock = RealClockInstance());
  ~BucketArchive();  // waits for a running adoption

  // Every agent: decides once whether to adopt, then starts (or retries) the adoption.
  void Tick();
  // "" once the archive here is whole (adopted, or nothing to adopt); else where adoption is.
  std::string Adopting() const;
  // Coordinator duty, at most every kPruneEvery: removes from the bucket the segments wholly at
  // or before the oldest base's zxid. Nothing without a base. The ids removed.
  std::vector<std::string> Prune(const std::vector<proto::Backup>& catalog);

  static constexpr std::chrono::seconds kRetryAfter{10};
  static constexpr std::chrono::seconds kPruneEvery{60};

 private:
  void Adopt();
  // One segment from the bucket into the store.
  Status AdoptOne(const std::string& id);

  const Repository* repository_;
  archiving::SegmentStore* store_;
  const std::string master_;
  Clock& clock_;
  SingleTask task_;
  bool decided_ = false;  // duties thread only
  std::atomic<bool> done_{false};
  std::atomic<size_t> total_{0};
  std::atomic<size_t> adopted_{0};
  mutable std::mutex mu_;
  std::string failure_;            // why the last listing failed, guarded by mu_
  Clock::TimePoint not_before_{};  // no adoption attempt before this, guarded by mu_
  Clock::TimePoint next_prune_{};  // duties thread only
};

}  // namespace lockstep::agent
