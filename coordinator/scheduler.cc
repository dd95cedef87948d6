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
  std::vector<std::string> victims;
  for (size_t i = 0; i + keep < ready.size(); ++i) {
    bool in_use = false;
    for (const auto& restore : ready[i]->restores()) {
      if (restore.status() == proto::STATUS_RESTORING) in_use = true;
    }
    if (!in_use) victims.push_back(ready[i]->id());
  }
  return victims;
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
    for (const std::string& id : RetentionVictims(schedule, catalog)) {
      Status deleted = actions.delete_backup(id);
      log::Info("retention", {{"schedule", schedule.name()},
                              {"deleted", id},
                              {"result", deleted.ok() ? "ok" : deleted.message()}});
    }
  }
}

}  // namespace lockstep::coordinator
