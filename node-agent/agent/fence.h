// Fencing of coordinator calls on this master. Every mutating call from a coordinator carries
// its leadership generation (coordinator::CoordinatorInfo::generation); this master admits a
// call only when its generation is at least the newest it knows: the newest it has admitted
// (kept in STORE/coordinator-generation, so a restarted agent remembers) and the one its own
// view of the election names now. A coordinator that was paused or cut off, and woke up still
// believing it leads, so executes nothing. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "common/status.h"
#include "proto/backup.pb.h"

namespace lockstep::agent {

class Fence {
 public:
  // `elected()`: the generation this agent's election view names now (0 when unknown).
  Fence(std::string state_file, std::function<uint64_t()> elected);
  // Reads the newest generation admitted before a restart; a missing file is a fresh master.
  Status Open();

  // Ok, and remembered, when `generation` is current, or when `held` (this master's operation
  // lock now) was taken by that very generation: the lock's lease, not the election, bounds an
  // operation once started (a restore stops ZooKeeper and so may change the coordinator by
  // itself, yet must finish what it began), while a coordinator whose lease lapsed can't take
  // the lock again. FailedPrecondition naming both generations when it is older; InvalidArgument
  // for a call that carries none.
  Status Admit(uint64_t generation, const proto::LockState& held);
  uint64_t newest() const;

 private:
  const std::string state_file_;
  const std::function<uint64_t()> elected_;
  mutable std::mutex mu_;
  uint64_t newest_ = 0;  // the newest generation admitted
};

}  // namespace lockstep::agent
