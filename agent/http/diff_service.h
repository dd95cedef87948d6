// `backup diff` (GET /v1/backups/ID/diff?path=P) and a spot restore's dry run: what restoring a
// backup, or its subtree P, would change in the live ensemble. Computed on the agent asked, which
// needs no coordinator: its replica (fetched first from a peer or the repository when it has
// none) is read without starting a server (components/backup_tree.h), the live side walked
// through the ensemble. One diff at a time per agent: a second gets "busy" (exit 4), since a
// diff of a full backup extracts it into scratch space.
#pragma once

#include <mutex>
#include <string>

#include "agent/http/router.h"
#include "agent/master/catalog.h"
#include "agent/master/masters_view.h"
#include "agent/master/replica_store.h"
#include "common/http/message.h"
#include "proto/backup.pb.h"

namespace lockstep::agent {

class DiffService {
 public:
  DiffService(std::string self, std::string zk_connect, Catalog* catalog,
              const MastersView* masters, ReplicaStore* replicas);

  http::Reply Diff(const http::Request& request, const PathParams& params);
  // What the session reading the live tree presents ([zookeeper] auth_file).
  void set_zk_auth(std::vector<ZkAuth> auth) { zk_auth_ = std::move(auth); }

  // The backup's subtree `path` against the live subtree `to` (`path` when empty).
  // `identities`: AGE-SECRET-KEY-1… texts sent with a request, besides the agent's own.
  Result<proto::BackupDiff> Compute(const std::string& backup_id, const std::string& path,
                                    const std::string& to,
                                    const std::vector<std::string>& identities = {});

 private:
  Result<proto::BackupDiff> ComputeLocked(const proto::Backup& record, const std::string& path,
                                          const std::string& to,
                                          const std::vector<std::string>& identities);

  const std::string self_;
  const std::string zk_connect_;
  std::vector<ZkAuth> zk_auth_;
  Catalog* catalog_;
  const MastersView* masters_;
  ReplicaStore* replicas_;
  std::mutex running_;  // held while a diff runs
};

}  // namespace lockstep::agent
