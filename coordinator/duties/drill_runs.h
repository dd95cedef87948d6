// The coordinator's restore drills: each READY backup of a schedule with `--verify=quick|deep`
// is checked as `backup verify [--deep]` checks it (every replica re-hashed where it lies; for
// deep, one intact replica restored into a scratch ZooKeeper on its master and compared) and the
// result is recorded in the backup (by the Verifier agent.cc hands in). coordinator/drills.h
// decides which backup is next; the record is the to-do list, so a drill its coordinator never
// recorded is run by the next one.
//
// One drill at a time, on a thread of its own: the duties loop never waits for a JVM. No
// operation lock, the same rule as `backup verify`: a drill reads replicas and stops nothing,
// so backups, restores and deletes go on meanwhile (a backup deleted under a drill ends it,
// unrecorded). A drill that proved nothing (no master holding a replica answered, or the deep
// check could not run) is tried again with backoff. Thread-safe: Tick runs on the duties thread,
// the drill on its own.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/single_task.h"
#include "coordinator/drills.h"
#include "proto/backup.pb.h"

namespace lockstep::agent {

class Drills {
 public:
  // Checks a backup, records the result, and says in `not_recorded` when it did not (agent.cc
  // passes the HTTP side's VerifyAndRecord).
  using Verifier = std::function<proto::VerifyReport(
      const proto::Backup& record, const std::string& kind, const std::string& trigger)>;

  explicit Drills(Verifier verifier, Clock& clock = RealClockInstance());
  ~Drills();  // waits for a running drill

  // Coordinator duty: starts the newest pending drill that is due, unless one runs.
  void Tick(const std::vector<proto::Schedule>& schedules,
            const std::vector<proto::Backup>& catalog);

  // Waits for a running drill to end. Not while Tick may run (tests call it between Ticks).
  void Wait() { task_.Join(); }

  // 30 s after the first inconclusive drill of a backup, doubling up to 30 minutes.
  static std::chrono::seconds Backoff(uint32_t attempts);
  // A recorded drill is not started again for this long, whatever a stale catalog read says.
  static constexpr std::chrono::seconds kRecorded{60};

 private:
  void Run(const coordinator::Drill& drill, const proto::Backup& record);
  // Whether `id`'s drill may start now (not backing off after an inconclusive one).
  bool Due(const std::string& id);
  // Forgets the guards that no longer matter: lapsed ones of recorded drills, and the backoff of
  // backups no longer `pending`.
  void Prune(const std::vector<coordinator::Drill>& pending);

  const Verifier verifier_;
  Clock& clock_;
  std::mutex mu_;
  struct Retry {
    Clock::TimePoint due;   // not before
    uint32_t attempts = 0;  // inconclusive drills in a row; 0 once recorded
  };
  std::map<std::string, Retry> retry_;  // by backup id, guarded by mu_
  SingleTask task_;                     // last: joined before the rest goes
};

}  // namespace lockstep::agent
