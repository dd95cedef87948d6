// Scheduled backups on the agent: the schedules live in STORE/schedules on every master (not in
// ZooKeeper), pushed by the coordinator, merged on read like the catalog. Routes:
//   POST /v1/schedules, DELETE /v1/schedules/NAME (coordinator), GET /v1/schedules,
//   GET /v1/internal/schedules, PUT /v1/internal/schedules/NAME.
// On the coordinator, Tick() runs due schedules and retention.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "node-agent/agent/backup_service.h"
#include "node-agent/agent/record_store.h"

namespace lockstep::agent {

class ScheduleService {
 public:
  ScheduleService(const std::string& store_dir, const std::string& token,
                  std::chrono::milliseconds peer_timeout, BackupService* backups, PeerView* peers,
                  const http::Client* client, coordinator::Election* election,
                  Clock& clock = RealClockInstance());
  Status Open();
  std::optional<http::Reply> Handle(const http::Request& request,
                                    const std::vector<std::string>& parts);
  std::vector<proto::Schedule> Schedules();  // merged, tombstones included
  // `catalog`: Catalog() as the caller just read it.
  void Tick(const std::vector<proto::Backup>& catalog);

 private:
  http::Reply Create(const http::Request& request);
  http::Reply Delete(const std::string& name);
  Status Save(proto::Schedule& schedule);
  std::optional<http::Reply> CoordinatorOnly(const http::Request& request);

  RecordStore<proto::Schedule> store_;
  const std::string token_;
  const std::chrono::milliseconds peer_timeout_;
  BackupService* backups_;
  PeerView* peers_;
  const http::Client* client_;
  coordinator::Election* election_;
  Clock& clock_;  // when schedules are created and come due
};

}  // namespace lockstep::agent
