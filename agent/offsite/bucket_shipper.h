// Ships the archiver's segments to the masters (PeerShipper) and to the repository's bucket
// (Repository::PutSegment), so the archive outlives the masters' disks: a segment reaches the
// bucket in the same pass that writes it. A bucket that refuses or does not answer is behind
// (ShippingBacklog): later passes skip it and it is caught up at most every kCatchUpEvery, by
// listing what it holds and uploading what it lacks, oldest first. `Ship` names it "repository"
// among the places a segment has not reached. Thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "agent/offsite/repository.h"
#include "agent/offsite/shipping_backlog.h"
#include "common/clock.h"
#include "engine/archiving/archiver.h"
#include "engine/archiving/segment_store.h"

namespace lockstep::agent {

class BucketShipper : public archiving::SegmentShipper {
 public:
  // `peers` (not owned) ships to the masters; `repository` and `store` are not owned either.
  BucketShipper(archiving::SegmentShipper* peers, const Repository* repository,
                const archiving::SegmentStore* store, Clock& clock = RealClockInstance());

  std::vector<std::string> Ship(const proto::ArchiveSegment& record, const std::string& path,
                                uint64_t generation) override;
  void CatchUp(uint64_t generation) override;
  void Recheck() override;

  // The name Ship reports for the bucket.
  static constexpr const char* kName = "repository";
  static constexpr std::chrono::seconds kCatchUpEvery{10};
  static constexpr size_t kCatchUpBatch = 64;  // segments uploaded per catch-up

 private:
  // Uploads what the bucket lacks, up to kCatchUpBatch; Ok once it lacks nothing.
  Status UploadMissing();
  // After an attempt to reach the bucket: it is current, or is tried again later.
  void Note(const Status& sent, const std::string& what);

  archiving::SegmentShipper* peers_;
  const Repository* repository_;
  const archiving::SegmentStore* store_;
  ShippingBacklog backlog_;  // of one destination, kName
  std::mutex mu_;
  std::set<std::string> conflicts_;  // ids the bucket holds another segment under, guarded by mu_
};

}  // namespace lockstep::agent
