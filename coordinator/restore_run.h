// One cluster restore as Restores drives it: what restores.cc (staging, the swap, rollback) and
// restore_recovery.cc (settling a restore whose driver was lost) share. Private to Restores.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/crypto/secret.h"
#include "coordinator/restores.h"

namespace lockstep::coordinator {

struct Restores::Run {
  explicit Run(const Clock& clock) : begun(clock.Now()) {}
  ~Run() {
    for (std::string& identity : identities) age::Wipe(identity);
  }
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  proto::Backup backup;
  proto::RestoreRecord record;
  std::vector<Member> members;
  std::shared_ptr<AgentClient> agents;  // at the generation the restore began in
  std::shared_ptr<ClusterLock> lock;
  std::vector<proto::StageReply> staged;
  uint32_t min_epoch = 0;
  bool dry_run = false;
  std::vector<std::string> identities;  // secret: for StageRequest only
  std::optional<PointInTime> pit;
  bool servers_touched = false;  // phase 1 began: a rollback must bring the ensemble back
  Clock::TimePoint begun;
  std::optional<Clock::TimePoint> outage_begun;
};

}  // namespace lockstep::coordinator
