// Scheduled backups and their retention, as the coordinator runs them every few seconds. A
// schedule runs at most once per pass, for the latest due minute since its last run: a run missed
// while there was no coordinator is made up once. Retention keeps the newest `keep` READY
// backups of a schedule, never deletes the newest READY one, and never one being restored.
#pragma once

#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "proto/backup.pb.h"

namespace lockstep::coordinator {

struct ScheduleActions {
  std::function<Result<proto::Backup>(const proto::CreateBackupRequest&)> start_backup;
  std::function<Status(const std::string& id)> delete_backup;
  // Removes the masters' replicas, keeping the repository's copy; empty without a repository.
  std::function<Status(const std::string& id)> release_replicas;
  uint32_t remote_keep = 0;  // the repository's `keep`: see PlanRetention
  std::function<Status(proto::Schedule&)> save_schedule;
};

// "<name>-yyyymmdd-hhmm" for the run due at `minute`.
std::string ScheduledLabel(const std::string& name, time_t minute);
std::string FormatUtc(time_t when);
std::optional<time_t> ParseUtc(const std::string& text);

// What retention does to a schedule's READY backups, newest first: the masters keep `keep`;
// when the repository keeps more (`remote_keep`), the next ones up to `remote_keep` only give up
// their masters' replicas, once their copy is READY in the repository (until then they stay);
// anything older is deleted everywhere. Never the newest READY one, never one being restored.
struct RetentionPlan {
  std::vector<std::string> delete_everywhere;
  std::vector<std::string> release_replicas;
};
RetentionPlan PlanRetention(const proto::Schedule& schedule,
                            const std::vector<proto::Backup>& catalog, uint32_t remote_keep = 0);
// PlanRetention's delete_everywhere without a repository.
std::vector<std::string> RetentionVictims(const proto::Schedule& schedule,
                                          const std::vector<proto::Backup>& catalog);
// One pass at the time `clock` tells.
void RunSchedules(const std::vector<proto::Schedule>& schedules,
                  const std::vector<proto::Backup>& catalog, const Clock& clock,
                  const ScheduleActions& actions);

}  // namespace lockstep::coordinator
