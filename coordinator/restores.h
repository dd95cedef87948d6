// The cluster-wide restore of `zookeeper` as its driver runs it (docs/design.md "Restore of
// zookeeper"): every agent locked; phase 0 stages and verifies the archive on every master with
// nothing stopped; then stop all, swap all (epoch files raised above every epoch the ensemble
// used), start all, wait for one leader with every server serving, confirm. A failure in the
// swap or the start rolls every master back. Each master journals its steps, so a restore whose
// driver died is resumed (every master swapped) or rolled back (anything less) by whichever agent
// next holds the lock - which needs no ZooKeeper, because the restore itself takes it down.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/single_task.h"
#include "common/zxid.h"
#include "coordinator/agent_client.h"
#include "coordinator/cluster_lock.h"
#include "coordinator/cluster_view.h"
#include "proto/backup.pb.h"

namespace lockstep::coordinator {

struct RestoreSettings {
  std::string self;  // the driving agent's master
  std::chrono::milliseconds lease{30000};
  // Phase 3: how long the restarted ensemble gets to elect one leader with every server serving.
  std::chrono::milliseconds start_timeout{120000};
  // After a rollback, how long the previous data gets to form the ensemble again. Apart from
  // start_timeout because it is the way back: a short confirmation window for restored data must
  // not also cut short the wait for the data that served before.
  std::chrono::milliseconds rollback_start_timeout{120000};
  // Whether a restore's age identities may go to a master whose URL is plain http://.
  bool identities_over_http = false;
};

// What a restore needs from the agent hosting it.
struct RestoreHost {
  std::function<ClusterView(bool fresh)> view;
  std::function<Result<proto::Backup>(const std::string& id)> find;
  // Pushes the record to every master through `agents` (the restore's, at its generation).
  std::function<void(AgentClient& agents, proto::Backup&)> publish;
  // Opens and closes a fresh ZooKeeper session: a write in the restored ensemble's new epoch,
  // after which its zxid is above any a client saw before the restore.
  std::function<void()> seal;
};

// A point-in-time restore (docs/design.md "Continuous archiving"): the base backup's data plus
// these archived segments, replayed up to `target_zxid` on every master.
struct PointInTime {
  std::vector<proto::ArchiveSegment> segments;  // the chain's, in order
  Zxid target_zxid = 0;                         // formatted ("0x…") only in records
  std::string target_time;                      // its transaction's time, RFC 3339 UTC
  bool beyond_archive = false;                  // asked for a moment later than the archive's end
  // Archived transactions after the target that no chain reaches (after a break), named so the
  // record says what else is lost.
  std::string unreachable;
};

// Puts `record` into the newest copy of `backup` (re-read through `host`, so a change made
// meanwhile is kept) and publishes it; `backup` becomes that copy.
void PublishRestore(const RestoreHost& host, AgentClient& agents, proto::Backup& backup,
                    const proto::RestoreRecord& record);

// Why an agent refuses a second restore while it drives one.
inline constexpr char kRestoreRunning[] =
    "a restore driven by this agent is still running; `lockstep backup show` follows it";

// The restore of `backup` that request `request_id` started, if any (none for an empty id).
std::optional<proto::RestoreRecord> RestoreOfRequest(const proto::Backup& backup,
                                                     const std::string& request_id);

// Exactly one leader (or a standalone server), every master reachable and serving.
bool EnsembleHealthy(const ClusterView& view, std::string* why);

// Thread-safe: one restore at a time; the running one is guarded by a mutex.
class Restores {
 public:
  // `clock`: the records' times, the wait for the ensemble and the lock's renewals. `agents`
  // unfenced: a restore stamps its calls with `leadership()` as read when it starts.
  Restores(AgentClient& agents, RestoreHost host, RestoreSettings settings, Leadership leadership,
           Clock& clock = RealClockInstance());
  ~Restores();  // waits for a running restore

  // Phase 0 everywhere, then the plan; staging is removed and nothing is stopped.
  // `identities` (RestoreRequest.identities) go to every master for its staging only.
  // `pit`: restore to a point in time from `backup_id` as the base.
  Result<proto::RestorePlan> DryRun(const std::string& backup_id,
                                    const std::vector<std::string>& identities = {},
                                    const std::optional<PointInTime>& pit = std::nullopt);
  // Starts the restore in the background; its record (in the backup's restores[]) tells how it
  // goes. Restores left unfinished by a lost driver are settled first.
  // `request_id`: a retry of a request that already started a restore of this backup gets that
  // restore's record; nothing runs twice.
  Result<proto::RestoreRecord> Start(const std::string& backup_id,
                                     const std::string& request_id = "",
                                     const std::vector<std::string>& identities = {},
                                     const std::optional<PointInTime>& pit = std::nullopt);
  // Settles `restore_id` if its driver is gone (the lock is free): resumed or rolled back.
  void Recover(const std::string& restore_id, const std::string& backup_id);

 private:
  struct Run;
  Result<std::unique_ptr<Run>> Prepare(const std::string& backup_id, const std::string& restore_id,
                                       const std::optional<PointInTime>& pit);
  Status StageAll(Run& run);
  void Drive(std::unique_ptr<Run> run);
  Status Outage(Run& run);
  Status ForAll(Run& run, const std::string& step, uint32_t min_epoch = 0);
  Status WaitHealthy(Run& run, std::chrono::milliseconds timeout);
  void RollBack(Run& run, const Status& cause);
  void Abandon(Run& run);
  void Finish(Run& run, proto::BackupStatus status, const std::string& reason);
  void Publish(Run& run, const std::string& phase);
  Status SettleLeftovers(Run& run, std::optional<proto::RestoreRecord>* completed);
  void Settle(Run& run, const std::vector<proto::RestoreJournal>& journals);
  // A run at this coordinator's generation, its lock over `members` taken as `lock_id`.
  Result<std::unique_ptr<Run>> NewRun(std::vector<Member> members, const std::string& lock_id);

  AgentClient& agents_;
  const RestoreHost host_;
  const RestoreSettings settings_;
  const Leadership leadership_;
  Clock& clock_;
  std::mutex mu_;
  SingleTask task_;  // the restore running in the background, if any
};

}  // namespace lockstep::coordinator
