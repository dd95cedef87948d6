// Scheduled backups on the agent: the schedules live in STORE/schedules on every master (not in
// ZooKeeper), pushed by the coordinator, merged on read like the catalog. Routes (routes.cc):
//   POST /v1/schedules, DELETE /v1/schedules/NAME (coordinator), GET /v1/schedules.
// On the coordinator, Tick() runs due schedules, retention and the schedules' restore drills.
// Thread-safe: its state is the schedule store's, which locks for itself.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/http/backup_service.h"
#include "agent/http/router.h"
#include "agent/master/local_agent.h"
#include "agent/master/masters_view.h"
#include "agent/master/peer_view.h"
#include "common/clock.h"
#include "coordinator/agent_client.h"
#include "coordinator/duties/drill_runs.h"
#include "coordinator/election.h"

namespace lockstep::agent {

class ScheduleService {
 public:
  ScheduleService(const std::string& token, std::chrono::milliseconds peer_timeout,
                  LocalAgent* self, BackupService* backups, const MastersView* masters,
                  coordinator::AgentClient* agents, PeerView* peers, const http::Client* client,
                  coordinator::Election* election, Clock& clock = RealClockInstance());
  http::Reply Create(const http::Request& request, const PathParams& params);
  http::Reply Delete(const http::Request& request, const PathParams& params);
  http::Reply List(const http::Request& request, const PathParams& params);
  std::vector<proto::Schedule> Schedules();  // merged, tombstones included
  // `catalog`: Catalog() as the caller just read it.
  void Tick(const std::vector<proto::Backup>& catalog);
  // [repository] keep: retention keeps that many of each schedule's backups in the repository
  // (see coordinator::PlanRetention). Set once, before the duties thread starts.
  void set_remote_keep(uint32_t keep) { remote_keep_ = keep; }
  // Runs the drills of schedules with `verify` (drills.h). Set once, before the duties thread.
  void set_drills(Drills* drills) { drills_ = drills; }

 private:
  http::Reply DeleteHere(const std::string& name);
  Status Save(proto::Schedule& schedule);
  std::optional<http::Reply> CoordinatorOnly(const http::Request& request);

  RecordStore<proto::Schedule>& store_;
  const std::string token_;
  const std::chrono::milliseconds peer_timeout_;
  BackupService* backups_;
  const MastersView* masters_;
  coordinator::AgentClient* agents_;
  PeerView* peers_;
  const http::Client* client_;
  coordinator::Election* election_;
  Clock& clock_;  // when schedules are created and come due
  uint32_t remote_keep_ = 0;
  Drills* drills_ = nullptr;
};

}  // namespace lockstep::agent
