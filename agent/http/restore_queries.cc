// RestoreService's read-only routes: what a point-in-time restore would use, and where a restore
// is on every master. They change nothing, so a viewer may ask (the console draws them).
#include <algorithm>
#include <future>

#include "agent/http/api_util.h"
#include "agent/http/restore_service.h"
#include "agent/master/point_in_time.h"
#include "api/names.h"
#include "api/restore_request.h"
#include "common/zxid.h"

namespace lockstep::agent {
namespace {

// The query's target as a RestoreRequest: the same names as the POST body's fields.
proto::RestoreRequest PlanRequestOf(const http::Request& request) {
  proto::RestoreRequest restore;
  restore.add_components("zookeeper");
  restore.set_to_zxid(QueryOr(request, "to_zxid", ""));
  restore.set_to_time(QueryOr(request, "to_time", ""));
  const std::string latest = QueryOr(request, "latest", "");
  restore.set_latest(latest == "1" || latest == "true");
  restore.set_base(QueryOr(request, "base", ""));
  return restore;
}

// The backup holding restore `restore_id` in its record, if the catalog knows it.
const proto::Backup* BackupWithRestore(const std::vector<proto::Backup>& catalog,
                                       const std::string& restore_id,
                                       const proto::RestoreRecord** record) {
  for (const auto& backup : catalog) {
    for (const auto& restore : backup.restores()) {
      if (restore.id() == restore_id) {
        *record = &restore;
        return &backup;
      }
    }
  }
  return nullptr;
}

proto::MasterRestorePhase PhaseOn(coordinator::AgentClient& agents,
                                  const coordinator::Member& member,
                                  const std::string& restore_id) {
  proto::MasterRestorePhase phase;
  phase.set_master(member.name);
  Result<proto::RestoreJournalList> journals = agents.RestoreJournals(member);
  if (!journals.ok()) {
    phase.set_error(journals.status().message());
    return phase;
  }
  phase.set_reachable(true);
  for (const auto& journal : journals->journals()) {
    if (journal.restore_id() != restore_id) continue;
    phase.set_phase(journal.phase());
    phase.set_updated_at(journal.updated_at());
    phase.set_detail(journal.detail());
  }
  return phase;
}

}  // namespace

http::Reply RestoreService::Plan(const http::Request& request, const PathParams&) {
  proto::RestoreRequest restore = PlanRequestOf(request);
  if (Status valid = api::CheckPointInTimeRestore(restore); !valid.ok()) {
    return StatusReply(valid.Prepend("GET /v1/archive/plan?to_zxid=|to_time=|latest=1"));
  }
  // This master's own identity file only: a plan is asked with a token, never with keys.
  Result<age::Identities> opened = self_->replicas().Identities({});
  if (!opened.ok()) return StatusReply(opened.status());
  const std::vector<proto::Backup> catalog = catalog_->All();
  Result<PointInTimeChoice> choice =
      ChoosePointInTime(restore, catalog, self_->segments(), *opened);
  if (!choice.ok()) return StatusReply(choice.status());
  proto::RestorePlan plan;
  plan.set_backup_id(choice->base_id);
  for (const auto& backup : catalog) {
    if (backup.id() != choice->base_id) continue;
    const auto& zookeeper = backup.component_status().at("zookeeper");
    plan.set_backup_zxid(zookeeper.last_zxid());
    plan.set_backup_node_count(zookeeper.node_count());
    plan.set_archive_sha256(backup.sha256());
  }
  plan.set_target_zxid(FormatZxid(choice->pit.target_zxid));
  plan.set_target_time(choice->pit.target_time);
  plan.set_beyond_archive(choice->pit.beyond_archive);
  for (const auto& segment : choice->pit.segments) plan.add_segments(segment.id());
  if (!choice->pit.unreachable.empty()) plan.set_discarded(choice->pit.unreachable);
  return JsonReply(plan);
}

http::Reply RestoreService::Progress(const http::Request&, const PathParams& params) {
  const std::string& id = params.at("id");
  if (Status valid = api::CheckRestoreId(id); !valid.ok()) return StatusReply(valid);
  const std::vector<proto::Backup> catalog = catalog_->All();
  const proto::RestoreRecord* record = nullptr;
  const proto::Backup* backup = BackupWithRestore(catalog, id, &record);
  if (!backup) {
    return StatusReply(NotFound("no backup's record holds restore " + id +
                                " (`lockstep backup list` shows backups; a restore is in its "
                                "backup's record)"));
  }
  proto::RestoreProgress progress;
  *progress.mutable_record() = *record;
  progress.set_backup_label(backup->label());
  // Every master at once: one that does not answer costs one peer timeout, not one each.
  std::vector<std::future<proto::MasterRestorePhase>> asked;
  for (const auto& member : coordinator::MembersOf(masters_->View())) {
    asked.push_back(std::async(std::launch::async,
                               [this, member, &id] { return PhaseOn(*agents_, member, id); }));
  }
  for (auto& phase : asked) *progress.add_masters() = phase.get();
  return JsonReply(progress);
}

}  // namespace lockstep::agent
