// Restores: a restore whose driver was lost (the coordinator died mid-way) is settled by the next
// coordinator from the masters' journals: finished where every master finished, rolled back
// where any did not, and recorded either way.
#include <algorithm>

#include "api/names.h"
#include "api/restore_phase.h"
#include "common/log.h"
#include "coordinator/restore_run.h"
#include "coordinator/restores.h"

namespace lockstep::coordinator {
namespace phase = api::restore_phase;

Status Restores::SettleLeftovers(Run& run, std::optional<proto::RestoreRecord>* completed) {
  std::map<std::string, std::vector<proto::RestoreJournal>> by_restore;
  for (const auto& member : run.members) {
    ASSIGN_OR_RETURN(proto::RestoreJournalList list, agents_.RestoreJournals(member));
    for (const auto& journal : list.journals()) by_restore[journal.restore_id()].push_back(journal);
  }
  for (auto& [restore_id, journals] : by_restore) {
    const bool unfinished = std::any_of(journals.begin(), journals.end(), [](const auto& j) {
      return !phase::IsTerminal(j.phase());
    });
    if (!unfinished) continue;
    const std::string backup_id = journals.front().backup_id();
    Result<std::unique_ptr<Run>> leftover = [&]() -> Result<std::unique_ptr<Run>> {
      auto other = std::make_unique<Run>(clock_);
      ASSIGN_OR_RETURN(other->backup, host_.find(backup_id));
      return other;
    }();
    if (!leftover.ok()) return leftover.status().Prepend("settling restore " + restore_id);
    Run& other = **leftover;
    other.members = run.members;
    other.agents = run.agents;
    other.lock = run.lock;
    for (const auto& r : other.backup.restores()) {
      if (r.id() == restore_id) other.record = r;
    }
    other.record.set_id(restore_id);
    Settle(other, journals);
    if (other.backup.id() == run.backup.id() && other.record.status() == proto::STATUS_READY) {
      *completed = other.record;
    }
  }
  return Status::Ok();
}

void Restores::Settle(Run& run, const std::vector<proto::RestoreJournal>& journals) {
  const std::string lost = run.record.driver().empty() ? "its driver" : run.record.driver();
  run.record.set_status(proto::STATUS_RESTORING);
  if (!run.record.component_status().count("zookeeper")) {
    (*run.record.mutable_component_status())["zookeeper"].set_last_zxid(
        run.backup.component_status().count("zookeeper")
            ? run.backup.component_status().at("zookeeper").last_zxid()
            : "");
  }
  run.min_epoch = journals.front().min_epoch();
  for (const auto& journal : journals) run.min_epoch = std::max(run.min_epoch, journal.min_epoch());
  const bool every_master_swapped =
      journals.size() == run.members.size() &&
      std::all_of(journals.begin(), journals.end(),
                  [](const auto& j) { return phase::SwappedOrLater(j.phase()); });
  run.servers_touched = std::any_of(journals.begin(), journals.end(),
                                    [](const auto& j) { return j.phase() != phase::kStaged; });
  log::Warn("settling a restore whose driver was lost",
            {{"restore", run.record.id()}, {"resume", every_master_swapped ? "yes" : "no"}});
  run.record.set_driver(settings_.self);
  if (every_master_swapped) {
    Publish(run, "starting (resumed by " + settings_.self + ")");
    Status resumed = ForAll(run, "start");
    if (resumed.ok()) resumed = WaitHealthy(run, settings_.start_timeout);
    if (resumed.ok()) resumed = ForAll(run, "finish");
    if (resumed.ok()) {
      Finish(run, proto::STATUS_READY, "");
      return;
    }
    RollBack(run, resumed.Prepend("resuming after " + lost + " was lost"));
    return;
  }
  RollBack(run, Internal("interrupted: " + lost + " was lost before every master had swapped"));
}

void Restores::Recover(const std::string& restore_id, const std::string& backup_id) {
  std::lock_guard guard(mu_);
  if (!task_.Idle(kRestoreRunning).ok()) return;
  Result<std::unique_ptr<Run>> run = [&]() -> Result<std::unique_ptr<Run>> {
    ASSIGN_OR_RETURN(proto::Backup backup, host_.find(backup_id));
    // A lock of its own: taking it under the lost restore's id would count as renewing that
    // restore's lease, and so succeed while its driver is still alive.
    ASSIGN_OR_RETURN(auto r, NewRun(MembersOf(host_.view(true)), api::NewRestoreId()));
    r->backup = std::move(backup);
    RETURN_IF_ERROR(r->lock->Acquire());
    return r;
  }();
  if (!run.ok()) return;  // busy (its driver lives, or its lease has not lapsed) or unreachable
  std::optional<proto::RestoreRecord> completed;
  if (Status settled = SettleLeftovers(**run, &completed); !settled.ok()) {
    log::Warn("restore recovery failed", {{"restore", restore_id}, {"error", settled.message()}});
  }
}

}  // namespace lockstep::coordinator
