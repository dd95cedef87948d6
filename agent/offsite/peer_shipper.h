// Ships the archiver's segments to every other master (archiving::SegmentShipper):
// POST /v1/internal/archive/segments/{id} with the stored bytes as the body and the record in
// `?info=`, under the coordinator's generation, so a master fenced off a stale coordinator's
// archiver refuses its segments. A master that did not take one is "behind": it is skipped on
// later shipments and caught up at most every kCatchUpEvery (ShippingBacklog), by listing what
// it holds and sending what it lacks. A new job rechecks every peer the same way, and takes from
// each what this master lacks: a predecessor's segments that never reached this master (it was
// down while another master held the job) would otherwise stay missing here. Thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "agent/config/config.h"
#include "agent/offsite/shipping_backlog.h"
#include "common/clock.h"
#include "common/http/client.h"
#include "engine/archiving/archiver.h"

namespace lockstep::agent {

class PeerShipper : public archiving::SegmentShipper {
 public:
  PeerShipper(std::vector<PeerConfig> peers, const http::Client& client, std::string token,
              std::chrono::milliseconds timeout, archiving::SegmentStore* store,
              Clock& clock = RealClockInstance());

  std::vector<std::string> Ship(const proto::ArchiveSegment& record, const std::string& path,
                                uint64_t generation) override;
  void CatchUp(uint64_t generation) override;
  void Recheck() override;

  static constexpr std::chrono::seconds kCatchUpEvery{10};
  static constexpr size_t kCatchUpBatch = 64;  // segments sent to a lagging peer per catch-up

 private:
  Status Send(const PeerConfig& peer, const proto::ArchiveSegment& record, const std::string& bytes,
              uint64_t generation) const;
  // Sends `peer` what it lacks, up to kCatchUpBatch segments; Ok once it lacks nothing.
  Status SendMissing(const PeerConfig& peer, uint64_t generation) const;
  // Fetches the segments `peer` holds (`held`) that this master lacks, up to kCatchUpBatch.
  Status TakeMissing(const PeerConfig& peer, const proto::ArchiveSegmentList& held) const;
  // After an attempt to reach `peer`: it is no longer behind, or is tried again later.
  void Note(const PeerConfig& peer, const Status& sent, const std::string& what);

  const std::vector<PeerConfig> peers_;
  const http::Client& client_;
  const std::string token_;
  const std::chrono::milliseconds timeout_;
  archiving::SegmentStore* store_;
  ShippingBacklog backlog_;  // by peer name
};

// Fetches a segment this master lacks from the first agent in `urls` that holds it, into
// `store` (checked as every received segment is). NotFound naming the segment when none has it.
Status FetchSegment(archiving::SegmentStore& store, const proto::ArchiveSegment& record,
                    const std::vector<std::string>& urls, const http::Client& client,
                    const std::string& token, std::chrono::milliseconds timeout);

}  // namespace lockstep::agent
