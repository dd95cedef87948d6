#include "coordinator/cluster_backups.h"

#include <algorithm>
#include <future>
#include <optional>

#include "api/names.h"
#include "common/clock.h"
#include "common/crash_point.h"
#include "common/log.h"
#include "common/zxid.h"

namespace lockstep::coordinator {
namespace {

// How long the copies beyond the ones a backup needs may still join it before READY.
constexpr auto kLaggardGrace = std::chrono::seconds(2);

Zxid ZxidOf(const proto::MasterStatus& master) {
  return ParseHexZxid(master.zk().zxid()).value_or(0);
}

// The backup and each of its components end with `status`; a failure's `reason` goes on both.
void EndWith(proto::Backup& record, proto::BackupStatus status, const std::string& reason) {
  record.set_status(status);
  record.set_progress("");
  if (!reason.empty()) record.set_reason(reason);
  for (auto& [name, component] : *record.mutable_component_status()) {
    component.set_status(status);
    if (!reason.empty()) component.set_reason(reason);
  }
}

}  // namespace

ClusterBackups::ClusterBackups(AgentClient& agents, std::function<ClusterView(bool fresh)> view,
                               BackupSettings settings, Leadership leadership, Clock& clock)
    : agents_(agents),
      view_(std::move(view)),
      settings_(std::move(settings)),
      leadership_(std::move(leadership)),
      clock_(clock) {}

Result<std::unique_ptr<AgentClient>> ClusterBackups::Fenced() const {
  ASSIGN_OR_RETURN(uint64_t generation, CurrentGeneration(leadership_));
  return agents_.AtGeneration(generation);
}

ClusterBackups::~ClusterBackups() {
  std::map<std::string, std::thread> threads;
  {
    std::lock_guard lock(mu_);
    threads.swap(threads_);
  }
  for (auto& [id, thread] : threads) thread.join();
}

bool ClusterBackups::Running(const std::string& id) const {
  std::lock_guard lock(mu_);
  return running_.count(id) > 0;
}

std::unique_ptr<ClusterLock> ClusterBackups::LockFor(AgentClient& agents,
                                                     const std::string& operation,
                                                     const std::string& id,
                                                     const ClusterView& view) {
  // Only the agents that answer (as last polled): an unreachable one would be skipped anyway,
  // after a timeout each operation would pay; a backup stops no server it can't reach.
  return MakeOperationLock(agents, ReachableMembersOf(view), operation, id, settings_.self,
                           settings_.lease, false, clock_);
}

void ClusterBackups::Publish(proto::Backup& record) {
  Result<std::unique_ptr<AgentClient>> agents = Fenced();
  if (!agents.ok()) {
    log::Warn("catalog record not pushed",
              {{"id", record.id()}, {"error", agents.status().message()}});
    return;
  }
  PublishWith(**agents, record);
}

void ClusterBackups::PublishWith(AgentClient& agents, proto::Backup& record) {
  record.set_revision(record.revision() + 1);
  // To every master whose agent answers (as last polled), all at once: one paused master must
  // not hold up each step of the operation. A master that missed the record reads it from the
  // others when asked (the catalog merges every master's copy).
  const std::vector<Member> members = ReachableMembersOf(view_(false));
  std::vector<std::future<Status>> puts;
  for (const auto& member : members) {
    puts.push_back(std::async(std::launch::async, [&agents, &record, member] {
      return agents.PutRecord(member, record);
    }));
  }
  for (size_t i = 0; i < members.size(); ++i) {
    Status put = puts[i].get();
    if (!put.ok()) {
      log::Warn("catalog record not pushed",
                {{"agent", members[i].name}, {"id", record.id()}, {"error", put.message()}});
    }
  }
}

Result<proto::Backup> ClusterBackups::Start(const proto::CreateBackupRequest& request) {
  RETURN_IF_ERROR(api::CheckLabel(request.label()));
  RETURN_IF_ERROR(api::CheckRequestId(request.request_id()));
  std::lock_guard starting(start_mu_);
  if (!request.request_id().empty() && find_request_) {
    if (std::optional<proto::Backup> earlier = find_request_(request.request_id())) {
      log::Info("backup already started by this request",
                {{"id", earlier->id()}, {"request", request.request_id()}});
      return *earlier;
    }
  }
  const std::string mode = request.mode().empty() ? "online" : request.mode();
  ASSIGN_OR_RETURN(ComponentSelection selection,
                   SelectComponents({request.components().begin(), request.components().end()},
                                    settings_.components));
  if (!selection.zookeeper && mode == "offline") {
    return InvalidArgument(
        "--mode=offline applies to the zookeeper component (a stopped "
        "follower's data directory); app components are always walked online");
  }
  const ClusterView view = view_(true);  // the quorum rule must not judge a stale view
  ASSIGN_OR_RETURN(proto::MasterStatus source,
                   ChooseSource(view, mode, settings_.self, settings_.quorum_margin));
  Job job;
  ASSIGN_OR_RETURN(job.agents, Fenced());
  job.record.set_id(api::NewBackupId(request.label()));
  job.lock = LockFor(*job.agents, "backup", job.record.id(), view);
  RETURN_IF_ERROR(job.lock->Acquire());

  for (const auto& master : view.masters) {
    if (master.name() != source.name() && master.agent_reachable()) job.others.push_back(master);
  }
  job.masters = view.masters.size();
  job.source = source;
  job.take.set_id(job.record.id());
  job.take.set_mode(mode);
  job.take.set_skip_zookeeper(!selection.zookeeper);
  for (const auto& app : selection.apps) *job.take.add_components() = app;
  // A follower serves only once it has synced with the leader; on top of that it must not be
  // behind where it was before the stop. (The leader's own zxid is no yardstick: right after an
  // election it reports the new epoch, which followers only show once a write happens in it.)
  job.take.set_expected_min_zxid(FormatZxid(ZxidOf(source)));
  proto::Backup& record = job.record;
  record.set_label(request.label());
  record.set_request_id(request.request_id());
  record.set_timestamp(UtcTimestamp(clock_));
  record.set_status(proto::STATUS_BACKING_UP);
  record.set_mode(mode);
  record.set_schedule(request.schedule());
  record.set_operation_holder(settings_.self);
  record.set_progress("archiving on " + source.name());
  if (selection.zookeeper) {
    auto& zookeeper = (*record.mutable_component_status())["zookeeper"];
    zookeeper.set_status(proto::STATUS_BACKING_UP);
    zookeeper.set_source(source.name());
  }
  for (const auto& app : selection.apps) {
    auto& component = (*record.mutable_component_status())[app.name()];
    component.set_status(proto::STATUS_BACKING_UP);
    component.set_source(source.name());
    component.set_root(app.path());
  }
  PublishWith(*job.agents, record);
  log::Info("backup started", {{"id", record.id()}, {"mode", mode}, {"source", source.name()}});
  proto::Backup started = record;
  std::lock_guard lock(mu_);
  // A finished backup's thread holds its stack until joined: join those now, not at exit
  // (a schedule every minute makes half a million a year).
  for (auto it = threads_.begin(); it != threads_.end();) {
    if (running_.count(it->first)) {
      ++it;
      continue;
    }
    it->second.join();
    it = threads_.erase(it);
  }
  running_.insert(record.id());
  threads_.emplace(record.id(),
                   std::thread([this, job = std::move(job)]() mutable { Run(std::move(job)); }));
  return started;
}

void ClusterBackups::Fail(Job& job, const Status& status) {
  proto::Backup& record = job.record;
  log::Error("backup failed", {{"id", record.id()}, {"error", status.message()}});
  EndWith(record, proto::STATUS_ERROR, status.message());
  record.set_finished_at(UtcTimestamp(clock_));
  PublishWith(*job.agents, record);
}

size_t ClusterBackups::ReadyReplicas(size_t masters) const {
  return settings_.ready_replicas ? settings_.ready_replicas : masters / 2 + 1;
}

ClusterBackups::Fetches ClusterBackups::StartFetches(AgentClient& agents, proto::Backup& record,
                                                     const proto::MasterStatus& from,
                                                     std::vector<proto::MasterStatus> others) {
  std::sort(others.begin(), others.end(),
            [](const auto& a, const auto& b) { return a.name() < b.name(); });
  if (settings_.replicas) {
    const size_t more = settings_.replicas > static_cast<uint32_t>(record.replicas_size())
                            ? settings_.replicas - record.replicas_size()
                            : 0;
    if (others.size() > more) others.resize(more);
  }
  Fetches fetches;
  if (others.empty()) return fetches;
  std::string targets;
  for (const auto& other : others) targets += (targets.empty() ? "" : ", ") + other.name();
  record.set_progress("replicating to " + targets);
  PublishWith(agents, record);
  // All at once: each master pulls from the source and checks the sha256 itself.
  proto::FetchRequest fetch;
  fetch.set_id(record.id());
  fetch.set_from_url(from.address());
  fetch.set_sha256(record.sha256());
  fetch.set_size_bytes(record.size_bytes());
  for (const auto& other : others) {
    fetches.results.push_back(std::async(
        std::launch::async,
        [&agents, fetch, member = MemberOf(other)] { return agents.Fetch(member, fetch); }));
  }
  fetches.targets = std::move(others);
  fetches.collected.assign(fetches.targets.size(), false);
  return fetches;
}

void ClusterBackups::Collect(Fetches& fetches, proto::Backup& record, size_t enough) {
  auto pending = [&] {
    return std::count(fetches.collected.begin(), fetches.collected.end(), false);
  };
  // Once enough copies are in, the others get a moment more: masters that answer finish about
  // together, so a healthy cluster's backup is READY with every copy, and only a slow or paused
  // master's copy comes later. Real time, as the fetches' own waits are.
  std::optional<std::chrono::steady_clock::time_point> enough_since;
  auto waiting = [&] {
    if (enough == 0 || static_cast<size_t>(record.replicas_size()) < enough) return true;
    if (!enough_since) enough_since = std::chrono::steady_clock::now();
    return std::chrono::steady_clock::now() - *enough_since < kLaggardGrace;
  };
  while (pending() > 0 && waiting()) {
    for (size_t i = 0; i < fetches.targets.size(); ++i) {
      if (fetches.collected[i] ||
          fetches.results[i].wait_for(std::chrono::milliseconds(20)) != std::future_status::ready) {
        continue;
      }
      fetches.collected[i] = true;
      Status fetched = fetches.results[i].get();
      if (!fetched.ok()) {
        log::Warn(
            "replication failed",
            {{"id", record.id()}, {"to", fetches.targets[i].name()}, {"error", fetched.message()}});
        continue;
      }
      proto::Replica* replica = record.add_replicas();
      replica->set_master(fetches.targets[i].name());
      replica->set_sha256(record.sha256());
      replica->set_stored_at(UtcTimestamp(clock_));
    }
  }
}

Result<proto::Backup> ClusterBackups::Latest(const proto::Backup& record) const {
  return find_record_ ? find_record_(record.id()) : Result<proto::Backup>(record);
}

void ClusterBackups::CollectLaggards(Fetches& fetches, const proto::Backup& record) {
  for (size_t i = 0; i < fetches.targets.size(); ++i) {
    if (fetches.collected[i]) continue;
    const std::string& master = fetches.targets[i].name();
    Status fetched = fetches.results[i].get();  // a paused master: until it answers
    fetches.collected[i] = true;
    if (!fetched.ok()) {
      log::Warn("late replication failed",
                {{"id", record.id()}, {"to", master}, {"error", fetched.message()}});
      continue;
    }
    Result<proto::Backup> latest = Latest(record);
    if (!latest.ok() || latest->deleted()) continue;
    proto::Replica* replica = latest->add_replicas();
    replica->set_master(master);
    replica->set_sha256(record.sha256());
    replica->set_stored_at(UtcTimestamp(clock_));
    log::Info("late replica added", {{"id", record.id()}, {"master", master}});
    Publish(*latest);
  }
}

void ClusterBackups::Replicate(AgentClient& agents, proto::Backup& record,
                               const proto::MasterStatus& from,
                               std::vector<proto::MasterStatus> others) {
  Fetches fetches = StartFetches(agents, record, from, std::move(others));
  Collect(fetches, record, 0);
}

Result<proto::Backup> ClusterBackups::Register(proto::Backup record, const std::string& holder) {
  const ClusterView view = view_(true);
  proto::MasterStatus from;
  std::vector<proto::MasterStatus> others;
  for (const auto& master : view.masters) {
    if (master.name() == holder)
      from = master;
    else if (master.agent_reachable())
      others.push_back(master);
  }
  if (from.name().empty()) return NotFound("no master named '" + holder + "'");
  ASSIGN_OR_RETURN(std::unique_ptr<AgentClient> agents, Fenced());
  std::unique_ptr<ClusterLock> lock = LockFor(*agents, "import", record.id(), view);
  RETURN_IF_ERROR(lock->Acquire());
  const auto begun = clock_.Now();
  record.set_timestamp(UtcTimestamp(clock_));
  record.set_status(proto::STATUS_BACKING_UP);
  record.set_operation_holder(settings_.self);
  record.clear_replicas();
  proto::Replica* first = record.add_replicas();
  first->set_master(holder);
  first->set_sha256(record.sha256());
  first->set_stored_at(UtcTimestamp(clock_));
  PublishWith(*agents, record);
  Replicate(*agents, record, from, others);
  EndWith(record, proto::STATUS_READY, "");
  record.set_finished_at(UtcTimestamp(clock_));
  record.set_duration_seconds(std::chrono::duration<double>(clock_.Now() - begun).count());
  PublishWith(*agents, record);
  log::Info("imported backup ready",
            {{"id", record.id()}, {"replicas", std::to_string(record.replicas_size())}});
  return record;
}

Result<proto::Backup> ClusterBackups::Delete(proto::Backup record) {
  return RemoveArchives(std::move(record), "delete");
}

Result<proto::Backup> ClusterBackups::ReleaseReplicas(proto::Backup record) {
  if (record.remote().status() != proto::STATUS_READY) {
    return FailedPrecondition("the repository holds no complete copy of " + record.id() +
                              ": its masters' replicas are its only ones");
  }
  return RemoveArchives(std::move(record), "release");
}

Result<proto::Backup> ClusterBackups::RemoveArchives(proto::Backup record,
                                                     const std::string& operation) {
  const ClusterView view = view_(false);
  ASSIGN_OR_RETURN(std::unique_ptr<AgentClient> agents, Fenced());
  std::unique_ptr<ClusterLock> lock = LockFor(*agents, operation, record.id(), view);
  RETURN_IF_ERROR(lock->Acquire());
  for (const auto& member : MembersOf(view)) {
    Status removed = agents->RemoveArchive(member, record.id());
    if (!removed.ok() && removed.code() != StatusCode::kNotFound) {
      log::Warn("archive not removed", {{"agent", member.name}, {"error", removed.message()}});
    }
  }
  record.set_deleted(operation == "delete");
  record.clear_replicas();
  PublishWith(*agents, record);
  log::Info(
      operation == "delete" ? "backup deleted" : "replicas released, the repository's copy kept",
      {{"id", record.id()}});
  return record;
}

void ClusterBackups::RecoverInterrupted(const std::vector<proto::Backup>& catalog) {
  std::optional<std::vector<Member>> members;  // asked for only when there is something to check
  for (proto::Backup record : catalog) {
    if (record.deleted() || record.status() != proto::STATUS_BACKING_UP || Running(record.id())) {
      continue;
    }
    if (!members) members = MembersOf(view_(false));
    // Still locked somewhere: its coordinator may be alive, or its lease not yet lapsed.
    bool locked = false;
    for (const auto& member : *members) {
      auto state = agents_.LockState(member);
      if (state.ok() && state->id() == record.id()) locked = true;
    }
    if (locked) continue;
    const std::string reason = "interrupted: coordinator " + record.operation_holder() +
                               " was lost before the backup finished; take a new backup";
    log::Warn("marking an interrupted backup as failed", {{"id", record.id()}});
    EndWith(record, proto::STATUS_ERROR, reason);
    Publish(record);
  }
}

void ClusterBackups::Run(Job job) {
  const auto begun = clock_.Now();
  proto::Backup& record = job.record;
  CrashPoint("backup.before_take");
  Result<proto::TakeReply> taken = job.agents->Take(MemberOf(job.source), job.take);
  CrashPoint("backup.after_take");
  Status outcome = taken.status().Prepend("archiving on " + job.source.name());
  Fetches fetches;
  if (taken.ok()) {
    Record(record, *taken, job.source.name());
    fetches = StartFetches(*job.agents, record, job.source, job.others);
    Collect(fetches, record, ReadyReplicas(job.masters));
    CrashPoint("backup.before_ready");
    if (job.lock->lost()) {
      outcome = Internal(
          "the operation lock lapsed while the backup ran (another operation "
          "took it); this backup is not trusted");
    }
  }
  // Released before the outcome is published, so whoever sees READY or ERROR (a `--wait`, a
  // script's next command) finds the cluster free. An offline source is back and caught up by
  // now: Take returns only once it serves again.
  job.lock.reset();
  if (!outcome.ok()) {
    Fail(job, outcome);
  } else {
    EndWith(record, proto::STATUS_READY, "");
    record.set_finished_at(UtcTimestamp(clock_));
    record.set_duration_seconds(std::chrono::duration<double>(clock_.Now() - begun).count());
    PublishWith(*job.agents, record);
    log::Info("backup ready", {{"id", record.id()},
                               {"size_bytes", std::to_string(record.size_bytes())},
                               {"replicas", std::to_string(record.replicas_size())},
                               {"stopped_ms", std::to_string(taken->stopped_ms())}});
  }
  CollectLaggards(fetches, record);  // READY already: a late copy only adds a replica
  std::lock_guard lock(mu_);
  running_.erase(record.id());
}

void ClusterBackups::Record(proto::Backup& record, const proto::TakeReply& taken,
                            const std::string& source) {
  record.set_size_bytes(taken.size_bytes());
  record.set_sha256(taken.sha256());
  record.set_encryption(taken.encryption());
  if (record.component_status().count("zookeeper")) {
    auto& zookeeper = (*record.mutable_component_status())["zookeeper"];
    zookeeper.set_last_zxid(taken.last_zxid());
    zookeeper.set_node_count(taken.node_count());
    zookeeper.set_out_of_quorum_ms(taken.stopped_ms());
  }
  for (const auto& dump : taken.dumps()) {
    auto& component = (*record.mutable_component_status())[dump.name()];
    component.set_root(dump.root());
    component.set_zxid_from(dump.zxid_from());
    component.set_zxid_to(dump.zxid_to());
    component.set_node_count(dump.node_count());
    *component.mutable_ephemeral() = dump.ephemeral();
  }
  proto::Replica* first = record.add_replicas();
  first->set_master(source);
  first->set_sha256(taken.sha256());
  first->set_stored_at(UtcTimestamp(clock_));
}

}  // namespace lockstep::coordinator
