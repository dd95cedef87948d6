#include "agent/http/schedule_service.h"

#include <ctime>
#include <map>

#include "agent/http/api_util.h"
#include "agent/http/coordinator_route.h"
#include "api/names.h"
#include "api/paths.h"
#include "common/log.h"
#include "coordinator/scheduler.h"
#include "proto/json.h"

namespace lockstep::agent {

ScheduleService::ScheduleService(const std::string& token, std::chrono::milliseconds peer_timeout,
                                 LocalAgent* self, BackupService* backups,
                                 const MastersView* masters, coordinator::AgentClient* agents,
                                 PeerView* peers, const http::Client* client,
                                 coordinator::Election* election, Clock& clock)
    : store_(self->schedules()),
      token_(token),
      peer_timeout_(peer_timeout),
      backups_(backups),
      masters_(masters),
      agents_(agents),
      peers_(peers),
      client_(client),
      election_(election),
      clock_(clock) {}

std::vector<proto::Schedule> ScheduleService::Schedules() {
  std::map<std::string, proto::Schedule> merged;
  for (auto& schedule : store_.All()) merged[schedule.name()] = std::move(schedule);
  for (const std::string& body :
       AskPeers(*peers_, *client_, token_, api::paths::kScheduleStore, peer_timeout_)) {
    proto::ScheduleList list;
    if (!proto::FromJson(body, &list, true).ok()) continue;
    for (auto& schedule : *list.mutable_schedules()) {
      auto it = merged.find(schedule.name());
      if (it != merged.end() && it->second.revision() >= schedule.revision()) continue;
      (void)store_.Put(schedule);
      merged[schedule.name()] = std::move(schedule);
    }
  }
  std::vector<proto::Schedule> schedules;
  for (auto& [name, schedule] : merged) schedules.push_back(std::move(schedule));
  return schedules;
}

Status ScheduleService::Save(proto::Schedule& schedule) {
  // Only a coordinator changes schedules: one that lost its role changes nothing.
  ASSIGN_OR_RETURN(uint64_t generation,
                   coordinator::CurrentGeneration([this] { return election_->Generation(); }));
  std::unique_ptr<coordinator::AgentClient> agents = agents_->AtGeneration(generation);
  schedule.set_revision(schedule.revision() + 1);
  RETURN_IF_ERROR(store_.Put(schedule).status());
  for (const auto& member : coordinator::MembersOf(masters_->View())) {
    Status put = agents->PutSchedule(member, schedule);
    if (!put.ok())
      log::Warn("schedule not pushed", {{"agent", member.name}, {"error", put.message()}});
  }
  return Status::Ok();
}

std::optional<http::Reply> ScheduleService::CoordinatorOnly(const http::Request& request) {
  return RouteToCoordinator(*election_, *client_, token_, request, std::chrono::seconds(30),
                            clock_);
}

http::Reply ScheduleService::Create(const http::Request& request, const PathParams&) {
  proto::Schedule schedule;
  if (Status parsed = ParseBody(request, &schedule); !parsed.ok()) return StatusReply(parsed);
  if (Status valid = api::CheckSchedule(schedule); !valid.ok()) return StatusReply(valid);
  if (auto forwarded = CoordinatorOnly(request)) return *forwarded;
  for (const auto& existing : Schedules()) {
    if (existing.name() == schedule.name() && !existing.deleted()) {
      return StatusReply(FailedPrecondition("schedule '" + schedule.name() +
                                            "' exists; delete it first to change it"));
    }
    if (existing.name() == schedule.name()) schedule.set_revision(existing.revision());
  }
  const time_t now = std::chrono::system_clock::to_time_t(clock_.WallNow());
  schedule.set_created_at(coordinator::FormatUtc(now));
  schedule.set_last_run(coordinator::FormatUtc(now - now % 60));  // nothing before creation
  if (schedule.mode().empty()) schedule.set_mode("online");
  if (schedule.verify().empty()) schedule.set_verify(api::kVerifyNone);
  schedule.set_deleted(false);
  if (Status saved = Save(schedule); !saved.ok()) return StatusReply(saved);
  log::Info("schedule created",
            {{"name", schedule.name()}, {"cron", schedule.cron()}, {"verify", schedule.verify()}});
  return JsonReply(schedule, 201);
}

http::Reply ScheduleService::DeleteHere(const std::string& name) {
  for (auto& schedule : Schedules()) {
    if (schedule.name() != name || schedule.deleted()) continue;
    schedule.set_deleted(true);
    if (Status saved = Save(schedule); !saved.ok()) return StatusReply(saved);
    log::Info("schedule deleted", {{"name", name}});
    return JsonReply(schedule);
  }
  return StatusReply(NotFound("no schedule '" + name + "'; `lockstep schedule list` shows them"));
}

http::Reply ScheduleService::List(const http::Request&, const PathParams&) {
  proto::ScheduleList list;
  for (auto& schedule : Schedules()) {
    if (!schedule.deleted()) *list.add_schedules() = std::move(schedule);
  }
  return JsonReply(list);
}

http::Reply ScheduleService::Delete(const http::Request& request, const PathParams& params) {
  if (auto forwarded = CoordinatorOnly(request)) return *forwarded;
  return DeleteHere(params.at("name"));
}

void ScheduleService::Tick(const std::vector<proto::Backup>& catalog) {
  std::vector<proto::Schedule> schedules = Schedules();
  if (schedules.empty()) return;
  coordinator::ScheduleActions actions{
      .start_backup =
          [this](const proto::CreateBackupRequest& r) { return backups_->StartBackup(r); },
      .delete_backup =
          [this](const std::string& id) { return backups_->DeleteBackup(id).status(); },
      .release_replicas =
          remote_keep_ == 0
              ? std::function<Status(const std::string&)>()
              : [this](const std::string& id) { return backups_->ReleaseReplicas(id).status(); },
      .remote_keep = remote_keep_,
      .save_schedule = [this](proto::Schedule& s) { return Save(s); }};
  coordinator::RunSchedules(schedules, catalog, clock_, actions);
  if (drills_) drills_->Tick(schedules, catalog);
}

}  // namespace lockstep::agent
