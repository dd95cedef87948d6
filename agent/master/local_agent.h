// This master's side of every call the coordinator makes (coordinator::AgentClient's server
// half): the operation lock, the catalog and schedule records kept here, this master's archive
// replicas, and its steps of a cluster-wide restore. The coordinator reaches its own master
// through these methods in process (agent_clients.h) and every other master through the same
// methods over HTTP (internal_api.h). Thread-safe: each part it owns locks for itself.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "agent/master/fence.h"
#include "agent/master/local_node.h"
#include "agent/master/node_restore.h"
#include "agent/master/op_lock.h"
#include "agent/master/replica_store.h"
#include "common/http/client.h"
#include "engine/archiving/segment_store.h"
#include "engine/datadir/compact_staging.h"
#include "engine/record_store.h"
#include "engine/zk/zoo_cfg.h"
#include "proto/backup.pb.h"

namespace lockstep::agent {

struct LocalAgentOptions {
  std::string store_dir;
  std::string token;  // to fetch replicas from peers
  zk::ZooCfg zoo_cfg;
  uint32_t rollback_keep = 0;
  datadir::CompactOptions compact;  // java, classpath and threshold; dirs and zxid come per restore
  // The coordinator generation this master's election view names now (0 when unknown).
  std::function<uint64_t()> elected_generation;
  // The ensemble's history marker as the election last read it (coordinator::Election::history).
  std::function<std::string()> history;
  EncryptionConfig encryption;
  const Repository* repository = nullptr;  // with [repository]: replicas can come from it too
};

class LocalAgent {
 public:
  LocalAgent(LocalAgentOptions options, LocalNode* node, const http::Client* client);
  Status Open();
  const std::string& name() const { return node_->options().name; }

  // Whether a mutating call from a coordinator of `generation` may run here (Fence::Admit, with
  // this master's operation lock). Every way in (InternalApi, AgentClients) asks before calling
  // any method below but the reads.
  Status Admit(uint64_t generation) { return fence_.Admit(generation, lock_.Current()); }
  const Fence& fence() const { return fence_; }

  // The cluster operation lock's share on this master, taken by coordinator `generation`.
  Result<proto::LockState> Lock(proto::LockRequest request, uint64_t generation) {
    request.set_generation(generation);
    return lock_.Acquire(request);
  }
  void Unlock(const std::string& id) { lock_.Release(id); }
  proto::LockState LockState() const { return lock_.Current(); }

  // Catalog records (STORE/catalog) and schedules (STORE/schedules) kept on this master; a copy
  // replaces the stored one only when its revision is higher.
  Result<bool> PutRecord(const proto::Backup& record);
  Result<bool> PutSchedule(const proto::Schedule& schedule);
  RecordStore<proto::Backup>& records() { return records_; }
  RecordStore<proto::Schedule>& schedules() { return schedules_; }

  // Archives this master takes under the lock for that very backup, fetches, checks and removes.
  Result<proto::TakeReply> Take(const proto::TakeRequest& request);
  Status Fetch(const proto::FetchRequest& request) { return replicas_.Fetch(request); }
  Status RemoveReplica(const std::string& id);
  Result<proto::ReplicaCheck> Check(const std::string& id, const std::string& expected_sha256);
  Result<proto::DeepCheck> DeepVerify(const std::string& id);
  ReplicaStore& replicas() { return replicas_; }
  // The continuous archive's segments kept on this master (STORE/archive).
  archiving::SegmentStore& segments() { return segments_; }

  // This master's steps of a cluster-wide restore, only under a restore's operation lock.
  Result<proto::StageReply> Stage(const proto::StageRequest& request);
  // `step`: stop | swap | start | finish | rollback.
  Result<proto::RestoreJournal> RestoreStep(const std::string& step,
                                            const proto::RestoreStepRequest& request);
  std::vector<proto::RestoreJournal> RestoreJournals() const { return restore_.Journals(); }

 private:
  Status RequireRestoreLock(const std::string& step, const std::string& restore_id) const;
  Status RequireReplica(const std::string& id) const;

  const LocalAgentOptions options_;
  LocalNode* node_;
  Fence fence_;
  OperationLock lock_;
  RecordStore<proto::Backup> records_;
  RecordStore<proto::Schedule> schedules_;
  ReplicaStore replicas_;
  archiving::SegmentStore segments_;
  NodeRestore restore_;
};

}  // namespace lockstep::agent
