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
  // `history()`: the ensemble's history marker as the election last read it ("" when unknown).
  // `known_zxid()`: the newest zxid this master's server reported (0 when unknown).
  Fence(std::string state_file, std::function<uint64_t()> elected,
        std::function<std::string()> history = nullptr,
        std::function<uint64_t()> known_zxid = nullptr);
  // Reads the newest generation admitted before a restart; a missing file is a fresh master.
  Status Open();

  // Ok, and remembered, when `generation` is current, or when `held` (this master's operation
  // lock now) was taken by that very generation: the lock's lease, not the election, bounds an
  // operation once started (a restore stops ZooKeeper and so may change the coordinator by
  // itself, yet must finish what it began), while a coordinator whose lease lapsed can't take
  // the lock again. FailedPrecondition naming both generations when it is older; InvalidArgument
  // for a call that carries none.
  //
  // A generation is the zxid of an election znode, so it can't be beyond the zxids the ensemble
  // has produced: one more than a whole ZooKeeper epoch past the newest this master knows
  // (kMaxEpochsAhead) is refused, InvalidArgument, and not remembered. Otherwise a single forged
  // call (say 0xffffffffffffffff) would be remembered and fence every real coordinator out for
  // good.
  //
  // Generations are zxids, which begin again at 0x100000000 when every server's data is lost:
  // the generations remembered from the history before would then fence every coordinator for
  // good. The election's history marker tells the two histories apart; a new one makes this
  // master forget the generations of the old.
  Status Admit(uint64_t generation, const proto::LockState& held);
  uint64_t newest() const;

 private:
  // Forgets the generations of a history other than `history` (mu_ held).
  Status FollowHistory(const std::string& history);
  Status Persist() const;  // mu_ held

  const std::string state_file_;
  const std::function<uint64_t()> elected_;
  const std::function<std::string()> history_of_;
  const std::function<uint64_t()> known_zxid_;
  mutable std::mutex mu_;
  uint64_t newest_ = 0;  // the newest generation admitted
  std::string history_;  // the history newest_ belongs to ("" when unknown)
};

}  // namespace lockstep::agent
