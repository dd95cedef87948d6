#include "coordinator/scheduler.h"

#include <algorithm>

#include "api/cron.h"
#include "api/names.h"
#include "common/clock.h"
#include "common/log.h"

namespace lockstep::coordinator {

std::string FormatUtc(time_t when) {
  return FormatUtcTime(std::chrono::system_clock::from_time_t(when), kUtcTimestampFormat);
}

std::optional<time_t> ParseUtc(const std::string& text) {
  std::tm t{};
  const char* end = strptime(text.c_str(), kUtcTimestampFormat, &t);
  if (!end || *end != '\0') return std::nullopt;
  return timegm(&t);
}

std::string ScheduledLabel(const std::string& name, time_t minute) {
  std::tm t{};
  gmtime_r(&minute, &t);
  char suffix[16];
  std::strftime(suffix, sizeof suffix, "%Y%m%d-%H%M", &t);
  return name + "-" + suffix;
}

std::vector<std::string> RetentionVictims(const proto::Schedule& schedule,
                                          const std::vector<proto::Backup>& catalog) {
  return PlanRetention(schedule, catalog).delete_everywhere;
}

RetentionPlan PlanRetention(const proto::Schedule& schedule,
                            const std::vector<proto::Backup>& catalog, uint32_t remote_keep) {
  if (schedule.keep() == 0) return {};
  std::vector<const proto::Backup*> ready;
  for (const auto& backup : catalog) {
    if (backup.schedule() == schedule.name() && backup.status() == proto::STATUS_READY &&
        !backup.deleted()) {
      ready.push_back(&backup);
    }
  }
  std::sort(ready.begin(), ready.end(), [](const auto* a, const auto* b) {
    return a->timestamp() != b->timestamp() ? a->timestamp() < b->timestamp() : a->id() < b->id();
  });
  const size_t keep = std::max<size_t>(schedule.keep(), 1);  // never the newest READY one
  const size_t kept_remotely = std::max<size_t>(keep, remote_keep);
  RetentionPlan plan;
  for (size_t i = 0; i + keep < ready.size(); ++i) {
    const proto::Backup& backup = *ready[i];
    bool in_use = false;
    for (const auto& restore : backup.restores()) {
      if (restore.status() == proto::STATUS_RESTORING) in_use = true;
    }
    if (in_use) continue;
    const size_t newer = ready.size() - 1 - i;  // READY backups of the schedule newer than it
    if (newer >= kept_remotely) {
      plan.delete_everywhere.push_back(backup.id());
    } else if (backup.replicas_size() > 0 && backup.remote().status() == proto::STATUS_READY) {
      plan.release_replicas.push_back(backup.id());
    }
  }
  return plan;
}

void RunSchedules(const std::vector<proto::Schedule>& schedules,
                  const std::vector<proto::Backup>& catalog, const Clock& clock,
                  const ScheduleActions& actions) {
  const time_t now = std::chrono::system_clock::to_time_t(clock.WallNow());
  for (proto::Schedule schedule : schedules) {
    if (schedule.deleted()) continue;
    Result<api::CronSchedule> cron = api::CronSchedule::Parse(schedule.cron());
    if (!cron.ok()) continue;
    const time_t since =
        ParseUtc(schedule.last_run()).value_or(ParseUtc(schedule.created_at()).value_or(now));
    if (std::optional<time_t> due = cron->LastDueIn(since, now)) {
      proto::CreateBackupRequest request;
      request.set_label(ScheduledLabel(schedule.name(), *due));
      request.set_mode(schedule.mode().empty() ? "online" : schedule.mode());
      request.set_schedule(schedule.name());
      Result<proto::Backup> started = actions.start_backup(request);
      if (started.ok() || started.status().code() != StatusCode::kBusy) {
        // Busy: another operation runs; try again next pass. Anything else counts as the run
        // (its failure is in the backup's record, or in the log when it never started).
        if (!started.ok()) {
          log::Error("scheduled backup did not start",
                     {{"schedule", schedule.name()}, {"error", started.status().message()}});
        }
        schedule.set_last_run(FormatUtc(*due));
        Status saved = actions.save_schedule(schedule);
        if (!saved.ok()) log::Warn("schedule not saved", {{"error", saved.message()}});
      }
    }
    const RetentionPlan plan = PlanRetention(schedule, catalog, actions.remote_keep);
    for (const std::string& id : plan.delete_everywhere) {
      Status deleted = actions.delete_backup(id);
      log::Info("retention", {{"schedule", schedule.name()},
                              {"deleted", id},
                              {"result", deleted.ok() ? "ok" : deleted.message()}});
    }
    for (const std::string& id : plan.release_replicas) {
      if (!actions.release_replicas) break;
      Status released = actions.release_replicas(id);
      log::Info("retention", {{"schedule", schedule.name()},
                              {"kept only in the repository", id},
                              {"result", released.ok() ? "ok" : released.message()}});
    }
  }
}

}  // namespace lockstep::coordinator
