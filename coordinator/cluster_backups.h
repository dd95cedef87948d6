// Cluster backups as the coordinator runs them (docs/design.md "Backup, online" and "Backup,
// offline"): label checked, mode's rule checked, the operation lock taken on every agent, the
// record published as STATUS_BACKING_UP; then in the background the source master archives, the
// archive is replicated with its sha256 checked on receipt, and the record ends STATUS_READY or
// STATUS_ERROR with the reason. Records are pushed to every master (the catalog).
#pragma once

#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/single_task.h"
#include "coordinator/agent_client.h"
#include "coordinator/backup_plan.h"
#include "coordinator/cluster_lock.h"
#include "coordinator/cluster_view.h"
#include "proto/agent.pb.h"
#include "proto/backup.pb.h"

namespace lockstep::coordinator {

struct BackupSettings {
  std::string self;       // the coordinator's master
  uint32_t replicas = 0;  // masters that keep each archive; 0: every reachable one
  // Copies (the source's included) a backup needs to be READY; the others are waited for after
  // it, so a paused or slow master never holds a backup back. 0: a majority of the masters.
  uint32_t ready_replicas = 0;
  int quorum_margin = 0;  // offline: serving voters that must remain beyond a majority
  std::chrono::milliseconds lease{30000};
  std::vector<proto::ComponentSpec> components;  // the configured app components
};

// Thread-safe: any number of request threads may start, register or delete; the running set
// and the job threads are guarded by one mutex.
class ClusterBackups {
 public:
  // `view(fresh)`: the masters' status; fresh asks every agent now instead of using the last poll.
  // `clock`: the records' times and the lock's renewals.
  // `agents` unfenced: each operation stamps its calls with `leadership()` read as it starts.
  ClusterBackups(AgentClient& agents, std::function<ClusterView(bool fresh)> view,
                 BackupSettings settings, Leadership leadership,
                 Clock& clock = RealClockInstance());
  ~ClusterBackups();  // waits for running backups

  // Starts a backup, or, for a request id a backup already carries (a retry), returns that one.
  Result<proto::Backup> Start(const proto::CreateBackupRequest& request);
  // How Start finds the backup an earlier request with the same id started (the catalog).
  using RequestLookup = std::function<std::optional<proto::Backup>(const std::string& request_id)>;
  void set_request_lookup(RequestLookup lookup) { find_request_ = std::move(lookup); }
  // The newest copy of a record (the catalog): a replica that arrives after READY is added to
  // it, keeping what others changed meanwhile (the repository upload's status).
  using RecordLookup = std::function<Result<proto::Backup>(const std::string& id)>;
  void set_record_lookup(RecordLookup lookup) { find_record_ = std::move(lookup); }
  bool Running(const std::string& id) const;
  // An archive already stored on `holder` (an import) becomes a READY backup, replicated like any
  // other; synchronous, under the operation lock.
  Result<proto::Backup> Register(proto::Backup record, const std::string& holder);
  // Pushes a record to every master, at this coordinator's current generation (nothing when it
  // no longer coordinates); unreachable ones catch up when they are next read.
  void Publish(proto::Backup& record);
  // The same through `agents`, an operation's own at its generation.
  void PublishWith(AgentClient& agents, proto::Backup& record);
  // Removes `record`'s archive from every master under the operation lock and publishes its
  // tombstone.
  Result<proto::Backup> Delete(proto::Backup record);
  // Removes `record`'s archive from every master under the operation lock and publishes it
  // without replicas: the repository's copy is then its only one (remote retention).
  Result<proto::Backup> ReleaseReplicas(proto::Backup record);
  // Backups of `catalog` still BACKING_UP with no coordinator running them and no lock held for
  // them anywhere (their coordinator died and its lease lapsed) end STATUS_ERROR.
  void RecoverInterrupted(const std::vector<proto::Backup>& catalog);
  // Coordinator duty (replica_catch_up.h): starts the next catch-up fetch of a copy a backup
  // missed, unless one runs or it is not yet due again after a failure.
  void CatchUp(const std::vector<proto::Backup>& catalog);
  static constexpr std::chrono::seconds kCatchUpRetry{15};  // doubled per failure, to 10 min

 private:
  // Delete and ReleaseReplicas: every master's archive removed under the lock `operation`.
  Result<proto::Backup> RemoveArchives(proto::Backup record, const std::string& operation);

  struct Job {
    std::unique_ptr<AgentClient> agents;  // at the generation the backup started in
    proto::Backup record;
    proto::MasterStatus source;
    proto::TakeRequest take;
    std::vector<proto::MasterStatus> others;
    size_t masters = 0;  // in the cluster, reachable or not
    std::unique_ptr<ClusterLock> lock;
  };
  void Run(Job job);
  // The agents at this coordinator's generation now, or NotCoordinator.
  Result<std::unique_ptr<AgentClient>> Fenced() const;
  // Fetches running on other masters, in the order of `targets`.
  struct Fetches {
    std::vector<proto::MasterStatus> targets;
    std::vector<std::future<Status>> results;
    std::vector<bool> collected;
  };
  Fetches StartFetches(AgentClient& agents, proto::Backup& record, const proto::MasterStatus& from,
                       std::vector<proto::MasterStatus> others);
  // Adds a replica for each fetch that succeeds, until `record` has `enough` replicas or every
  // fetch ended; waits for all with `enough` 0.
  void Collect(Fetches& fetches, proto::Backup& record, size_t enough);
  // The fetches still running after READY: each one that succeeds is added to the newest copy.
  void CollectLaggards(Fetches& fetches, const proto::Backup& record);
  // The newest copy of `record` (find_record_), or `record` itself without a lookup.
  Result<proto::Backup> Latest(const proto::Backup& record) const;
  void Replicate(AgentClient& agents, proto::Backup& record, const proto::MasterStatus& from,
                 std::vector<proto::MasterStatus> others);
  // The replicas a backup needs to be READY, with `masters` masters in the cluster.
  size_t ReadyReplicas(size_t masters) const;
  void Fail(Job& job, const Status& status);
  // What the source archived goes into the record, the source as its first replica.
  void Record(proto::Backup& record, const proto::TakeReply& taken, const std::string& source);
  // The operation lock over every master of `view`, not yet acquired.
  std::unique_ptr<ClusterLock> LockFor(AgentClient& agents, const std::string& operation,
                                       const std::string& id, const ClusterView& view);

  AgentClient& agents_;
  const std::function<ClusterView(bool fresh)> view_;
  const BackupSettings settings_;
  const Leadership leadership_;
  Clock& clock_;
  RequestLookup find_request_;
  RecordLookup find_record_;
  // One Start at a time (they would contend for the lock anyway): a retry arriving while its
  // first attempt is still starting waits, then finds it published.
  std::mutex start_mu_;
  mutable std::mutex mu_;
  std::set<std::string> running_;
  std::map<std::string, std::thread> threads_;  // by backup id; finished ones joined at Start
  // CatchUp's state: guarded by catch_up_mu_; the task last, so it is joined before the rest go.
  void CatchUpOne(std::shared_ptr<AgentClient> agents, proto::Backup record,
                  proto::MasterStatus from, proto::MasterStatus to);
  std::mutex catch_up_mu_;
  struct Retry {
    Clock::TimePoint due;
    uint32_t failures = 0;
  };
  std::map<std::string, Retry> catch_up_retry_;  // by "backup@master"
  SingleTask catch_up_;
};

}  // namespace lockstep::coordinator
