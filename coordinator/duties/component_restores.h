// Restores of app components (`backup restore ID [--component NAME]...`), run by the coordinator
// while every server keeps serving: under the operation lock, for each component the pre-restore
// hook runs on this master, then the live subtree is made equal to the backup's dump, then the
// post-restore hook; the backup's restores[] record shows each component go STATUS_RESTORING ->
// STATUS_READY, or STATUS_ERROR with the reason and the hooks' output. A failing pre-hook leaves
// its subtree untouched. Running the same restore again after a crash finishes the job (the
// subtree restore is idempotent); the interrupted record is marked as superseded. A spot restore
// (one subtree of a backup, `backup restore ID --path P [--to Q]`) runs the same way, as one
// entry named after its live path, without hooks.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/config/config.h"
#include "agent/master/replica_store.h"
#include "common/single_task.h"
#include "common/zk_client.h"
#include "coordinator/agent_client.h"
#include "coordinator/restores.h"
#include "engine/components/dump.h"

namespace lockstep::agent {

struct ComponentRestoreOptions {
  std::string self;
  std::string zk_connect;
  std::vector<ZkAuth> zk_auth;  // what the session restoring presents ([zookeeper] auth_file)
  std::chrono::milliseconds lease{30000};
  std::vector<ComponentConfig> components;  // hooks by name
};

// Thread-safe: one restore at a time, guarded by a mutex.
class ComponentRestores {
 public:
  // `agents` unfenced: a restore stamps its calls with `leadership()` as read when it starts.
  ComponentRestores(ComponentRestoreOptions options, coordinator::AgentClient& agents,
                    coordinator::Leadership leadership, coordinator::RestoreHost host,
                    ReplicaStore* archives);
  ~ComponentRestores();  // waits for a running restore

  // What to restore: app components by name (none: every one the backup holds), or one subtree
  // of the backup (`path`, from a component's dump holding it or from the full data), made live
  // at `to`. A spot restore runs no hooks: it is the operator's own, narrow act.
  struct Target {
    std::vector<std::string> names;
    std::string path;
    std::string to;
  };
  // `request_id`: as for coordinator::Restores::Start, a retry gets the restore already begun.
  // `identities`: as RestoreRequest.identities, for reading an encrypted archive here.
  Result<proto::RestoreRecord> Start(const std::string& backup_id, Target target,
                                     const std::string& request_id = "",
                                     std::vector<std::string> identities = {});

 private:
  struct Run;
  void Drive(std::unique_ptr<Run> run);
  Status EnsureArchive(Run& run);
  void RestoreOne(Run& run, const std::string& name, ZkClient& zk);
  // The records to make `name`'s subtree from: its dump, or the spot restore's subtree.
  Result<std::unique_ptr<components::ZNodeSource>> OpenSource(const Run& run,
                                                              const std::string& name) const;
  // Fills run.names and the record's entries; InvalidArgument/NotFound when the backup lacks it.
  Status Choose(Run& run, Target target) const;
  void Publish(Run& run);
  const ComponentConfig* ConfigOf(const std::string& name) const;

  const ComponentRestoreOptions options_;
  coordinator::AgentClient& agents_;
  const coordinator::Leadership leadership_;
  const coordinator::RestoreHost host_;
  ReplicaStore* archives_;
  std::mutex mu_;
  SingleTask task_;  // the restore running in the background, if any
};

}  // namespace lockstep::agent
