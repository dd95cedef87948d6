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
  std::function<Status(proto::Schedule&)> save_schedule;
};

// "<name>-yyyymmdd-hhmm" for the run due at `minute`.
std::string ScheduledLabel(const std::string& name, time_t minute);
std::string FormatUtc(time_t when);
std::optional<time_t> ParseUtc(const std::string& text);

std::vector<std::string> RetentionVictims(const proto::Schedule& schedule,
                                          const std::vector<proto::Backup>& catalog);
// One pass at the time `clock` tells.
void RunSchedules(const std::vector<proto::Schedule>& schedules,
                  const std::vector<proto::Backup>& catalog, const Clock& clock,
                  const ScheduleActions& actions);

}  // namespace lockstep::coordinator
