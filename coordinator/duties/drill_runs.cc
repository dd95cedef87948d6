#include "coordinator/duties/drill_runs.h"

#include <algorithm>
#include <set>

#include "common/log.h"

namespace lockstep::agent {

std::chrono::seconds Drills::Backoff(uint32_t attempts) {
  const uint32_t doublings = std::min<uint32_t>(attempts > 0 ? attempts - 1 : 0, 6);
  return std::min<std::chrono::seconds>(std::chrono::seconds(30) * (1u << doublings),
                                        std::chrono::minutes(30));
}

Drills::Drills(Verifier verifier, Clock& clock) : verifier_(std::move(verifier)), clock_(clock) {}

Drills::~Drills() = default;  // the task waits for a running drill

bool Drills::Due(const std::string& id) {
  std::lock_guard lock(mu_);
  auto retry = retry_.find(id);
  return retry == retry_.end() || clock_.Now() >= retry->second.due;
}

void Drills::Prune(const std::vector<coordinator::Drill>& pending) {
  std::set<std::string> ids;
  for (const auto& drill : pending) ids.insert(drill.id);
  std::lock_guard lock(mu_);
  std::erase_if(retry_, [&](const auto& entry) {
    const Retry& retry = entry.second;
    if (retry.attempts == 0) return clock_.Now() >= retry.due;  // a recorded one's guard lapsed
    return ids.count(entry.first) == 0;  // verified meanwhile (by hand), or deleted
  });
}

void Drills::Tick(const std::vector<proto::Schedule>& schedules,
                  const std::vector<proto::Backup>& catalog) {
  if (!task_.Idle("restore drill").ok()) return;
  const std::vector<coordinator::Drill> pending = coordinator::PendingDrills(schedules, catalog);
  Prune(pending);
  for (const coordinator::Drill& drill : pending) {
    if (!Due(drill.id)) continue;
    auto record = std::find_if(catalog.begin(), catalog.end(),
                               [&](const proto::Backup& b) { return b.id() == drill.id; });
    task_.Start([this, drill, record = *record] { Run(drill, record); });
    return;
  }
}

void Drills::Run(const coordinator::Drill& drill, const proto::Backup& record) {
  log::Info("restore drill started", {{"operation", "drill"},
                                      {"id", drill.id},
                                      {"kind", drill.kind},
                                      {"schedule", drill.schedule}});
  const proto::VerifyReport report = verifier_(record, drill.kind, "schedule " + drill.schedule);
  std::lock_guard lock(mu_);
  if (report.not_recorded().empty()) {
    // VerifyService logged the result. The duties loop may still hold a catalog read before it
    // was recorded: not again until that has surely been replaced.
    retry_[drill.id] = Retry{.due = clock_.Now() + kRecorded, .attempts = 0};
    return;
  }
  // Unrecorded: it proved nothing, or this agent lost the role (then it runs no more drills and
  // the next coordinator finds the backup still unverified).
  Retry& retry = retry_[drill.id];
  retry.attempts++;
  retry.due = clock_.Now() + Backoff(retry.attempts);
  log::Warn("restore drill not recorded; trying again later",
            {{"operation", "drill"},
             {"id", drill.id},
             {"kind", drill.kind},
             {"attempt", std::to_string(retry.attempts)},
             {"retry_in_s", std::to_string(Backoff(retry.attempts).count())},
             {"why", report.not_recorded()}});
}

}  // namespace lockstep::agent
