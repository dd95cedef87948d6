// This master's share of a cluster-wide restore (docs/design.md "Restore of zookeeper"). The driver
// calls the steps in order on every master - stage, stop, swap, start, finish - or rollback at
// any point. Each step is journaled on this master's disk (STORE/restores/ID.json) before and
// after it acts, so whoever drives the restore after a crash can tell exactly where each master
// is, and every step can be repeated safely.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "agent/master/local_node.h"
#include "agent/master/replica_store.h"
#include "api/restore_phase.h"
#include "engine/archiving/segment_store.h"
#include "engine/datadir/compact_staging.h"
#include "engine/datadir/restore.h"
#include "engine/record_store.h"
#include "engine/zk/zoo_cfg.h"
#include "engine/zkfmt/data_dir.h"
#include "proto/backup.pb.h"

namespace lockstep::agent {

// The finished journals beyond the `keep` newest; unfinished ones are never pruned.
std::vector<std::string> JournalsToPrune(const std::vector<proto::RestoreJournal>& journals,
                                         size_t keep);

// Thread-safe: steps are serialised by one mutex (one step at a time on this master).
struct NodeRestoreParts {
  std::string store_dir;
  zk::ZooCfg zoo_cfg;
  LocalNode* node = nullptr;
  ReplicaStore* archives = nullptr;
  archiving::SegmentStore* segments = nullptr;  // a point-in-time restore's archived segments
  const http::Client* client = nullptr;         // to fetch a segment this master lacks
  const Repository* repository = nullptr;       // with [repository]: its copy of the archive
  std::string token;
  uint32_t rollback_keep = 0;
  datadir::CompactOptions compact;
};

class NodeRestore {
 public:
  explicit NodeRestore(NodeRestoreParts parts);
  Status Open();

  // Phase 0, no outage: a good replica here (fetched again from `source_urls` when missing or
  // corrupt), free disk checked, extracted and verified beside the live directories.
  Result<proto::StageReply> Stage(const proto::StageRequest& request);
  // Stops the server and keeps it stopped (across an agent restart too) until Start or Rollback.
  Result<proto::RestoreJournal> Stop(const std::string& restore_id);
  // Swaps the staged data in, myid kept, epoch files raised to at least `min_epoch`.
  Result<proto::RestoreJournal> Swap(const std::string& restore_id, uint32_t min_epoch);
  Result<proto::RestoreJournal> Start(const std::string& restore_id);
  // The restore is confirmed: rollback copies beyond the retention are removed.
  Result<proto::RestoreJournal> Finish(const std::string& restore_id);
  // Undoes whatever this master did: previous data back, staging removed, the server running
  // again if it ran before. Refused once finished.
  Result<proto::RestoreJournal> Rollback(const std::string& restore_id);

  std::vector<proto::RestoreJournal> Journals() const { return journals_.All(); }

 private:
  Result<proto::RestoreJournal> Load(const std::string& restore_id) const;
  Status Record(proto::RestoreJournal& journal, const std::string& phase);
  void PruneJournals();
  // Leaves the staged data as one snapshot when that makes the restored servers start faster;
  // says what it did (a failure to compact is not a failed staging).
  Result<std::string> Compact(const datadir::StagedRestore& staged,
                              const datadir::RestoreResult& verified);
  // Extracts and verifies this master's replica beside the live directories. A missing or
  // corrupt replica is fetched again from the other holders and staged once more; a good one is
  // read once (extraction computes the sha256 that is checked).
  Result<datadir::StagedRestore> StageReplica(const proto::StageRequest& request, bool* repaired);
  Result<datadir::StagedRestore> StageArchive(const proto::StageRequest& request);
  Status FetchReplica(const proto::StageRequest& request);
  // A point-in-time restore: the request's segments (fetched first when missing here) written
  // as one log into the staging, cut at the target; the staged data replayed to prove it reaches
  // exactly the target. What the staged data was verified to be.
  Result<datadir::RestoreResult> ReplayArchive(const proto::StageRequest& request,
                                               const datadir::StagedRestore& staged);
  Status CheckStagingSpace(const std::string& archive_path,
                           const age::Identities& identities) const;
  zkfmt::DataDirs Live() const;

  const zk::ZooCfg zoo_cfg_;
  LocalNode* node_;
  ReplicaStore* archives_;
  archiving::SegmentStore* segments_;
  const Repository* repository_;
  const http::Client* client_;
  const std::string token_;
  const uint32_t rollback_keep_;
  const datadir::CompactOptions compact_;
  RecordStore<proto::RestoreJournal> journals_;
  std::mutex mu_;  // one step at a time on this master
};

}  // namespace lockstep::agent
