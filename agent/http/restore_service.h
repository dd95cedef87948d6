// The restore route of the agent's API (this master's steps are LocalAgent's):
//   POST /v1/backups/ID/restore            body RestoreRequest; 202 with the restore's record,
//                                          or 200 with the plan for a dry run. `zookeeper`
//                                          (the whole ensemble) is restored on its own; app
//                                          components (all of the backup's when none is named)
//                                          are restored online by the coordinator, as is one
//                                          subtree (`path`, optionally made live at `to`)
// The coordinator drives a restore; when ZooKeeper is down everywhere there is no coordinator,
// and the agent the request reached drives it instead, under the same all-agents lock. Every
// agent also settles, periodically, a restore its journals show unfinished once the lock that
// protected it has lapsed (its driver died). Thread-safe: the running restores are
// coordinator::Restores' and ComponentRestores', which lock for themselves.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/http/backup_service.h"
#include "agent/http/diff_service.h"
#include "agent/http/router.h"
#include "agent/master/catalog.h"
#include "agent/master/local_agent.h"
#include "agent/master/masters_view.h"
#include "common/http/client.h"
#include "common/http/message.h"
#include "coordinator/duties/component_restores.h"
#include "coordinator/election.h"
#include "coordinator/restores.h"

namespace lockstep::agent {

struct RestoreServiceOptions {
  std::string token;
  coordinator::RestoreSettings settings;
  std::string zk_connect;                   // the ensemble's client addresses
  std::vector<ZkAuth> zk_auth;              // [zookeeper] auth_file
  std::vector<ComponentConfig> components;  // app components and their hooks
};

class RestoreService {
 public:
  RestoreService(RestoreServiceOptions options, LocalAgent* self, Catalog* catalog,
                 BackupService* backups, const MastersView* masters,
                 coordinator::AgentClient* agents, const http::Client* client,
                 coordinator::Election* election, DiffService* diffs);

  http::Reply Restore(const http::Request& request, const PathParams& params);
  // POST /v1/archive/restore: the whole ensemble to a point in time (a base backup plus the
  // archived transactions up to the target).
  http::Reply RestorePointInTime(const http::Request& request, const PathParams& params);
  // GET /v1/archive/plan?to_zxid=|to_time=|latest=1[&base=]: what a point-in-time restore to
  // that target would use (base, exact target, segments), resolved as the restore resolves it
  // on this master, with nothing staged or changed (restore_queries.cc).
  http::Reply Plan(const http::Request& request, const PathParams& params);
  // GET /v1/restores/ID: the restore's record and each master's phase (its journal), asked of
  // every agent now.
  http::Reply Progress(const http::Request& request, const PathParams& params);
  // With [repository]: "" once this master's archive is whole, else why it is not (it is still
  // copying the archive from the bucket). A point-in-time restore waits for it.
  void set_archive_adoption(std::function<std::string()> adopting) {
    adopting_ = std::move(adopting);
  }
  // Restores this master's journals show unfinished, with no lock held here: settled.
  void SettleOrphans();

 private:
  // The coordinator's reply when there is one to ask; nullopt: drive the restore here.
  std::optional<http::Reply> RouteToDriver(const http::Request& request);
  // App components or one subtree, online: the coordinator drives (a dry run of a subtree is
  // its diff, computed here).
  // `identities`: taken out of `restore` (wiped there) by the caller.
  http::Reply RestoreOnline(const http::Request& request, const std::string& backup_id,
                            const proto::RestoreRequest& restore,
                            const std::vector<std::string>& identities);
  // The generation a cluster restore driven here stamps its calls with; 0 when it may not drive.
  uint64_t DriverGeneration() const;

  const RestoreServiceOptions options_;
  LocalAgent* self_;
  Catalog* catalog_;
  const MastersView* masters_;
  coordinator::AgentClient* agents_;
  const http::Client* client_;
  coordinator::Election* election_;
  std::unique_ptr<coordinator::Restores> restores_;
  std::unique_ptr<ComponentRestores> components_;
  DiffService* diffs_;
  std::function<std::string()> adopting_;
};

}  // namespace lockstep::agent
