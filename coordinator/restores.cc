#include "coordinator/restores.h"

#include <algorithm>
#include <future>
#include <map>

#include "api/exhibitor_code.h"
#include "api/names.h"
#include "api/restore_phase.h"
#include "common/clock.h"
#include "common/crash_point.h"
#include "common/crypto/secret.h"
#include "common/log.h"
#include "common/zxid.h"
#include "coordinator/restore_run.h"

namespace lockstep::coordinator {
namespace {

constexpr auto kHealthPoll = std::chrono::milliseconds(250);

namespace phase = api::restore_phase;

double SecondsSince(const Clock& clock, Clock::TimePoint begun) {
  return std::chrono::duration<double>(clock.Now() - begun).count();
}

}  // namespace

void PublishRestore(const RestoreHost& host, AgentClient& agents, proto::Backup& backup,
                    const proto::RestoreRecord& record) {
  Result<proto::Backup> latest = host.find(backup.id());
  if (latest.ok()) backup = std::move(*latest);
  auto* restores = backup.mutable_restores();
  auto it = std::find_if(restores->begin(), restores->end(),
                         [&](const auto& r) { return r.id() == record.id(); });
  if (it == restores->end()) {
    *backup.add_restores() = record;
  } else {
    *it = record;
  }
  host.publish(agents, backup);
}

bool EnsembleHealthy(const ClusterView& view, std::string* why) {
  int leaders = 0;
  std::string problems;
  for (const auto& master : view.masters) {
    if (!master.agent_reachable()) {
      problems += (problems.empty() ? "" : "; ") + master.name() + "'s agent is unreachable";
    } else if (master.zk().code() != api::kServing) {
      problems += (problems.empty() ? "" : "; ") + master.name() + " is not serving (" +
                  master.zk().description() + ")";
    } else if (master.zk().mode() == "leader" || master.zk().mode() == "standalone") {
      ++leaders;
    }
  }
  if (problems.empty() && leaders != 1) {
    problems = std::to_string(leaders) + " leaders instead of one";
  }
  if (why) *why = problems;
  return problems.empty();
}

Restores::Restores(AgentClient& agents, RestoreHost host, RestoreSettings settings,
                   Leadership leadership, Clock& clock)
    : agents_(agents),
      host_(std::move(host)),
      settings_(std::move(settings)),
      leadership_(std::move(leadership)),
      clock_(clock) {}

Restores::~Restores() = default;  // the task waits for a running restore

Result<std::unique_ptr<Restores::Run>> Restores::NewRun(std::vector<Member> members,
                                                        const std::string& lock_id) {
  ASSIGN_OR_RETURN(uint64_t generation, CurrentGeneration(leadership_));
  auto run = std::make_unique<Run>(clock_);
  run->members = std::move(members);
  run->agents = agents_.AtGeneration(generation);
  // Every master takes part: one that can't be reached can't be restored or rolled back.
  run->lock = MakeOperationLock(*run->agents, run->members, "restore", lock_id, settings_.self,
                                settings_.lease, true, clock_);
  return run;
}

Result<std::unique_ptr<Restores::Run>> Restores::Prepare(const std::string& backup_id,
                                                         const std::string& restore_id,
                                                         const std::optional<PointInTime>& pit) {
  RETURN_IF_ERROR(api::CheckBackupId(backup_id));
  ASSIGN_OR_RETURN(proto::Backup backup, host_.find(backup_id));
  const bool remote_copy = backup.remote().status() == proto::STATUS_READY;
  if (backup.status() != proto::STATUS_READY || (backup.replicas_size() == 0 && !remote_copy)) {
    return FailedPrecondition("backup " + backup_id + " is not READY (it is " +
                              proto::BackupStatus_Name(backup.status()) +
                              "); only a complete backup can be restored");
  }
  if (!backup.component_status().count("zookeeper")) {
    return FailedPrecondition("backup " + backup_id + " holds no zookeeper component");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<Run> run, NewRun(MembersOf(host_.view(true)), restore_id));
  run->backup = std::move(backup);
  RETURN_IF_ERROR(run->lock->Acquire().Prepend("a restore needs every agent"));
  proto::RestoreRecord& record = run->record;
  record.set_id(restore_id);
  record.set_backup_id(backup_id);
  record.set_timestamp(UtcTimestamp(clock_));
  record.set_status(proto::STATUS_RESTORING);
  record.set_driver(settings_.self);
  for (const auto& member : run->members) record.add_masters(member.name);
  auto& zookeeper = (*record.mutable_component_status())["zookeeper"];
  zookeeper.set_status(proto::STATUS_RESTORING);
  zookeeper.set_last_zxid(run->backup.component_status().at("zookeeper").last_zxid());
  if (pit) {
    run->pit = pit;
    record.set_target_zxid(FormatZxid(pit->target_zxid));
    record.set_target_time(pit->target_time);
    record.set_segments(static_cast<uint32_t>(pit->segments.size()));
    zookeeper.set_last_zxid(FormatZxid(pit->target_zxid));
  }
  return run;
}

void Restores::Publish(Run& run, const std::string& phase) {
  run.record.set_phase(phase);
  if (run.dry_run) return;
  PublishRestore(host_, *run.agents, run.backup, run.record);
  log::Info("restore phase",
            {{"restore", run.record.id()}, {"backup", run.backup.id()}, {"phase", phase}});
}

Status Restores::StageAll(Run& run) {
  Publish(run, "staging");
  proto::StageRequest request;
  request.set_restore_id(run.record.id());
  request.set_backup_id(run.backup.id());
  request.set_sha256(run.backup.sha256());
  request.set_size_bytes(run.backup.size_bytes());
  request.set_driver(settings_.self);
  if (!run.identities.empty() && !settings_.identities_over_http) {
    for (const auto& member : run.members) {
      if (member.name == settings_.self || !member.url.starts_with("http://")) continue;
      return FailedPrecondition(
          "the restore's age identities would reach " + member.name + " over plain HTTP (" +
          member.url +
          "), where anyone on the network could read them: configure TLS between the agents "
          "([tls] in agent.toml), install the identity_file on every master instead of passing "
          "--identity, or set identities_over_http = true to accept the risk");
    }
  }
  for (const std::string& identity : run.identities) request.add_identities(identity);
  if (run.pit) {
    request.set_target_zxid(FormatZxid(run.pit->target_zxid));
    for (const auto& segment : run.pit->segments) *request.add_segments() = segment;
  }
  std::map<std::string, std::string> url_of;
  for (const auto& member : run.members) url_of[member.name] = member.url;
  std::vector<std::future<Result<proto::StageReply>>> stages;
  for (const auto& member : run.members) {
    proto::StageRequest mine = request;
    // Other masters' replicas first: a master's own replica is the one found wanting.
    for (const auto& replica : run.backup.replicas()) {
      if (replica.master() != member.name && url_of.count(replica.master())) {
        mine.add_source_urls(url_of[replica.master()]);
      }
    }
    // The repository's copy last: masters' copies are nearer, and one of them may be intact
    // when the stored object is not.
    if (run.backup.remote().status() == proto::STATUS_READY) {
      mine.add_source_urls(run.backup.remote().url());
    }
    // Every master keeps the archive: any other may have a segment this one missed.
    for (const auto& other : run.members) {
      if (run.pit && other.name != member.name) mine.add_segment_sources(other.url);
    }
    stages.push_back(std::async(std::launch::async, [&run, member, mine]() mutable {
      Result<proto::StageReply> reply = run.agents->Stage(member, mine);
      for (std::string& identity : *mine.mutable_identities()) age::Wipe(identity);
      return reply;
    }));
  }
  // Staging is the identities' only use: wiped once every master has been sent its request.
  for (std::string& identity : *request.mutable_identities()) age::Wipe(identity);
  Status first_failure;
  uint32_t highest_epoch = 0;
  Zxid current = 0;
  for (size_t i = 0; i < stages.size(); ++i) {
    Result<proto::StageReply> staged = stages[i].get();
    if (!staged.ok()) {
      log::Error("staging failed",
                 {{"master", run.members[i].name}, {"error", staged.status().message()}});
      if (first_failure.ok()) first_failure = staged.status().Prepend(run.members[i].name);
      continue;
    }
    // Above the restored data's own epoch too: after a disaster the servers may run a fresh
    // ensemble at epoch 1 while the data restored (a point in time) is from a later epoch, and
    // ZooKeeper refuses to load data newer than its epoch files.
    const Zxid restored = ParseHexZxid(staged->restored_zxid()).value_or(0);
    highest_epoch = std::max({highest_epoch, staged->current_epoch(), ZxidEpoch(restored)});
    current = std::max(current, ParseHexZxid(staged->current_zxid()).value_or(0));
    run.staged.push_back(std::move(*staged));
  }
  RETURN_IF_ERROR(first_failure);
  run.min_epoch = highest_epoch + 1;
  run.record.set_min_epoch(run.min_epoch);
  const std::string backup_zxid = run.record.component_status().at("zookeeper").last_zxid();
  const std::string what = run.pit ? "the target" : "the backup";
  run.record.set_discarded(
      current ? "the ensemble is at zxid " + FormatZxid(current) + ", " + what + " at " +
                    backup_zxid + ": every change after " + what + " is discarded"
              : "no server is running; " + what + " (zxid " + backup_zxid + ") replaces its data");
  if (run.pit && !run.pit->unreachable.empty()) {
    run.record.set_discarded(run.record.discarded() + "; " + run.pit->unreachable);
  }
  return Status::Ok();
}

Status Restores::ForAll(Run& run, const std::string& step, uint32_t min_epoch) {
  proto::RestoreStepRequest request;
  request.set_restore_id(run.record.id());
  request.set_min_epoch(min_epoch);
  std::vector<std::future<Result<proto::RestoreJournal>>> steps;
  for (const auto& member : run.members) {
    steps.push_back(std::async(std::launch::async, [&run, member, step, request] {
      return run.agents->RestoreStep(member, step, request);
    }));
  }
  Status first_failure;
  for (size_t i = 0; i < steps.size(); ++i) {
    Result<proto::RestoreJournal> done = steps[i].get();
    if (done.ok() || (step == "rollback" && done.status().code() == StatusCode::kNotFound)) {
      continue;
    }
    log::Error(
        "restore step failed",
        {{"master", run.members[i].name}, {"step", step}, {"error", done.status().message()}});
    if (first_failure.ok()) {
      first_failure = done.status().Prepend(step + " failed on " + run.members[i].name);
    }
  }
  if (first_failure.ok() && run.lock->lost()) {
    return Internal("the operation lock was lost (another operation took it) during " + step);
  }
  return first_failure;
}

Status Restores::WaitHealthy(Run& run, std::chrono::milliseconds timeout) {
  const auto deadline = clock_.Now() + timeout;
  const Zxid backup_zxid =
      ParseHexZxid(run.record.component_status().at("zookeeper").last_zxid()).value_or(0);
  std::string why;
  for (;;) {
    ClusterView view = host_.view(true);
    if (EnsembleHealthy(view, &why)) {
      host_.seal();  // clients that saw newer zxids are let back in from here
      view = host_.view(true);
      for (const auto& master : view.masters) {
        const Zxid zxid = ParseHexZxid(master.zk().zxid()).value_or(0);
        if (master.zk().mode() != "leader" && master.zk().mode() != "standalone") continue;
        if (zxid >= backup_zxid && ZxidEpoch(zxid) >= run.min_epoch) return Status::Ok();
        why = "the leader " + master.name() + " is at zxid " + FormatZxid(zxid) +
              ", not yet in epoch " + std::to_string(run.min_epoch) + " or beyond the backup's";
      }
    }
    if (clock_.Now() > deadline) {
      return Status(StatusCode::kUnavailable, "the ensemble did not form within " +
                                                  std::to_string(timeout.count() / 1000) +
                                                  " s: " + why);
    }
    clock_.SleepFor(kHealthPoll);
  }
}

void Restores::Finish(Run& run, proto::BackupStatus status, const std::string& reason) {
  proto::RestoreRecord& record = run.record;
  record.set_status(status);
  record.set_reason(reason);
  record.set_finished_at(UtcTimestamp(clock_));
  record.set_duration_seconds(SecondsSince(clock_, run.begun));
  auto& zookeeper = (*record.mutable_component_status())["zookeeper"];
  zookeeper.set_status(status);
  zookeeper.set_reason(reason);
  Publish(run, status == proto::STATUS_READY ? "done" : "failed");
  if (status == proto::STATUS_READY) {
    log::Info("restore done",
              {{"restore", record.id()}, {"outage_ms", std::to_string(record.outage_ms())}});
  } else {
    log::Error("restore failed", {{"restore", record.id()}, {"reason", reason}});
  }
}

void Restores::Abandon(Run& run) {
  if (Status undone = ForAll(run, "rollback"); !undone.ok()) {
    log::Warn("staging not removed everywhere", {{"error", undone.message()}});
  }
}

void Restores::RollBack(Run& run, const Status& cause) {
  if (!run.servers_touched) {
    Abandon(run);
    Finish(run, proto::STATUS_ERROR, cause.message() + "; nothing was stopped");
    return;
  }
  Publish(run, "rolling back");
  Status undone = ForAll(run, "rollback");
  std::string reason = cause.message();
  if (!undone.ok()) {
    reason += "; the rollback failed too (" + undone.message() +
              "): run the restore again or roll back by hand from the .lockstep-rollback- "
              "directories";
  } else if (Status healthy = WaitHealthy(run, settings_.rollback_start_timeout); !healthy.ok()) {
    reason += "; rolled back to the previous data on every master, but " + healthy.message();
  } else {
    reason += "; rolled back: every master serves its previous data again";
  }
  Finish(run, proto::STATUS_ERROR, reason);
}

Status Restores::Outage(Run& run) {
  run.servers_touched = true;
  run.outage_begun = clock_.Now();
  Publish(run, "stopping");
  RETURN_IF_ERROR(ForAll(run, "stop"));
  CrashPoint("restore.after_stop");
  Publish(run, "swapping");
  RETURN_IF_ERROR(ForAll(run, "swap", run.min_epoch));
  CrashPoint("restore.after_swap");
  Publish(run, "starting");
  RETURN_IF_ERROR(ForAll(run, "start"));
  CrashPoint("restore.after_start");
  Publish(run, "confirming");
  RETURN_IF_ERROR(WaitHealthy(run, settings_.start_timeout));
  run.record.set_outage_ms(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now() - *run.outage_begun)
          .count()));
  return ForAll(run, "finish");
}

void Restores::Drive(std::unique_ptr<Run> run) {
  if (Status staged = StageAll(*run); !staged.ok()) {
    RollBack(*run, staged.Prepend("phase 0 (staging) failed"));
    return;
  }
  CrashPoint("restore.after_stage");
  if (Status outage = Outage(*run); !outage.ok()) {
    RollBack(*run, outage);
    return;
  }
  (*run->record.mutable_component_status())["zookeeper"].set_node_count(
      run->staged.empty() ? 0 : run->staged.front().node_count());
  Finish(*run, proto::STATUS_READY, "");
}

Result<proto::RestorePlan> Restores::DryRun(const std::string& backup_id,
                                            const std::vector<std::string>& identities,
                                            const std::optional<PointInTime>& pit) {
  ASSIGN_OR_RETURN(std::unique_ptr<Run> run, Prepare(backup_id, api::NewRestoreId(), pit));
  run->dry_run = true;
  run->identities = identities;
  Status staged = StageAll(*run);
  Abandon(*run);
  RETURN_IF_ERROR(staged.Prepend("phase 0 (staging) failed; nothing was stopped"));
  proto::RestorePlan plan;
  plan.set_backup_id(backup_id);
  plan.set_archive_sha256(run->backup.sha256());
  const auto& zookeeper = run->backup.component_status().at("zookeeper");
  plan.set_backup_zxid(zookeeper.last_zxid());
  plan.set_backup_node_count(zookeeper.node_count());
  plan.set_discarded(run->record.discarded());
  plan.set_min_epoch(run->min_epoch);
  Zxid current = 0;
  for (const auto& staged_reply : run->staged) {
    proto::RestorePlanMaster* master = plan.add_masters();
    master->set_name(staged_reply.master());
    master->set_current_zxid(staged_reply.current_zxid());
    master->set_current_epoch(staged_reply.current_epoch());
    master->set_staged_zxid(staged_reply.restored_zxid());
    master->set_node_count(staged_reply.node_count());
    master->set_repaired(staged_reply.repaired());
    master->set_compaction(staged_reply.compaction());
    current = std::max(current, ParseHexZxid(staged_reply.current_zxid()).value_or(0));
  }
  plan.set_current_zxid(current ? FormatZxid(current) : "");
  const std::string n = std::to_string(run->members.size());
  if (pit) {
    plan.set_target_zxid(FormatZxid(pit->target_zxid));
    plan.set_target_time(pit->target_time);
    plan.set_beyond_archive(pit->beyond_archive);
    for (const auto& segment : pit->segments) plan.add_segments(segment.id());
    plan.add_steps("0. stage: the base backup checked, extracted and verified on all " + n +
                   " masters, " + std::to_string(pit->segments.size()) +
                   (pit->segments.size() == 1 ? " archived segment" : " archived segments") +
                   " replayed onto it up to " + FormatZxid(pit->target_zxid) +
                   " and verified (done in this dry run, then removed)");
  } else {
    plan.add_steps("0. stage: the archive checked, extracted and verified on all " + n +
                   " masters (done in this dry run, then removed)");
  }
  plan.add_steps("1. stop ZooKeeper on all " + n + " masters and confirm each is down");
  plan.add_steps("2. swap the staged data in on every master (myid kept, epoch files raised to " +
                 std::to_string(run->min_epoch) + "); the previous data kept for rollback");
  plan.add_steps("3. start all; wait for one leader with every server serving");
  plan.add_steps("4. confirm; on any failure in 2-3, every master goes back to its previous data");
  return plan;
}

std::optional<proto::RestoreRecord> RestoreOfRequest(const proto::Backup& backup,
                                                     const std::string& request_id) {
  if (request_id.empty()) return std::nullopt;
  for (const auto& restore : backup.restores()) {
    if (restore.request_id() == request_id) return restore;
  }
  return std::nullopt;
}

Result<proto::RestoreRecord> Restores::Start(const std::string& backup_id,
                                             const std::string& request_id,
                                             const std::vector<std::string>& identities,
                                             const std::optional<PointInTime>& pit) {
  RETURN_IF_ERROR(api::CheckRequestId(request_id));
  std::lock_guard guard(mu_);
  if (!request_id.empty()) {
    // Before the busy check: the retry of a running restore is answered with it, not refused.
    ASSIGN_OR_RETURN(proto::Backup backup, host_.find(backup_id));
    if (auto earlier = RestoreOfRequest(backup, request_id)) return *earlier;
  }
  RETURN_IF_ERROR(task_.Idle(kRestoreRunning));
  ASSIGN_OR_RETURN(std::unique_ptr<Run> run, Prepare(backup_id, api::NewRestoreId(), pit));
  run->record.set_request_id(request_id);
  run->identities = identities;
  std::optional<proto::RestoreRecord> completed;
  RETURN_IF_ERROR(SettleLeftovers(*run, &completed));
  if (completed) return *completed;
  Publish(*run, "staging");
  proto::RestoreRecord started = run->record;
  task_.Start([this, run = std::move(run)]() mutable { Drive(std::move(run)); });
  return started;
}

}  // namespace lockstep::coordinator
