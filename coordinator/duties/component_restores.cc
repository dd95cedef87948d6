#include "coordinator/duties/component_restores.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "agent/master/replica_sources.h"
#include "api/names.h"
#include "api/znode_path.h"
#include "common/clock.h"
#include "common/crash_point.h"
#include "common/log.h"
#include "common/process.h"
#include "common/zk_client.h"
#include "coordinator/cluster_lock.h"
#include "engine/components/backup_tree.h"
#include "engine/components/dump.h"
#include "engine/components/subtree_restore.h"

namespace lockstep::agent {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kHookOutput = 4096;

std::string Tail(const std::string& text) {
  return text.size() <= kHookOutput ? text : text.substr(text.size() - kHookOutput);
}

// Ok, or why the hook failed; its output goes into `output` either way.
Status RunHook(const std::string& which, const std::string& command,
               std::chrono::milliseconds timeout, std::string* output) {
  if (command.empty()) return Status::Ok();
  log::Info("running restore hook", {{"hook", which}, {"command", command}});
  Result<CommandResult> ran = RunShellCommand(command, timeout);
  if (!ran.ok()) return ran.status().Prepend(which + " hook");
  *output = Tail(ran->output);
  if (ran->timed_out) {
    return Internal(which + " hook timed out after " + std::to_string(timeout.count() / 1000) +
                    " s: " + command);
  }
  if (ran->exit_code != 0) {
    return Internal(which + " hook failed (exit " + std::to_string(ran->exit_code) +
                    "): " + command);
  }
  return Status::Ok();
}

}  // namespace

struct ComponentRestores::Run {
  std::unique_ptr<coordinator::AgentClient> agents;  // at the generation the restore began in
  proto::Backup backup;
  proto::RestoreRecord record;
  std::vector<std::string> names;
  std::optional<std::pair<std::string, std::string>> spot;  // a spot restore's path and to
  std::vector<std::string> identities;                      // secret: for reading the archive only
  std::unique_ptr<coordinator::ClusterLock> lock;
  Clock::time_point begun = Clock::now();
};

ComponentRestores::ComponentRestores(ComponentRestoreOptions options,
                                     coordinator::AgentClient& agents,
                                     coordinator::Leadership leadership,
                                     coordinator::RestoreHost host, ReplicaStore* archives)
    : options_(std::move(options)),
      agents_(agents),
      leadership_(std::move(leadership)),
      host_(std::move(host)),
      archives_(archives) {}

ComponentRestores::~ComponentRestores() = default;  // the task waits for a running restore

const ComponentConfig* ComponentRestores::ConfigOf(const std::string& name) const {
  for (const auto& c : options_.components) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

void ComponentRestores::Publish(Run& run) {
  coordinator::PublishRestore(host_, *run.agents, run.backup, run.record);
}

Status ComponentRestores::Choose(Run& run, Target target) const {
  const proto::Backup& backup = run.backup;
  const std::string& id = backup.id();
  if (!target.path.empty()) {
    const bool full = backup.component_status().count("zookeeper") > 0;
    const bool dumped = std::any_of(
        backup.component_status().begin(), backup.component_status().end(), [&](const auto& c) {
          return !c.second.root().empty() && api::InSubtree(target.path, c.second.root());
        });
    if (!full && !dumped) {
      return NotFound("backup " + id + " holds neither ZooKeeper's data nor an app component " +
                      "holding " + target.path);
    }
    run.spot = {target.path, target.to};
    run.names = {target.to};
    run.record.set_path(target.path);
    run.record.set_to(target.to);
    (*run.record.mutable_component_status())[target.to].set_root(target.to);
    return Status::Ok();
  }
  std::vector<std::string>& names = target.names;
  if (names.empty()) {
    for (const auto& [name, status] : backup.component_status()) {
      if (name != "zookeeper") names.push_back(name);
    }
    if (names.empty()) {
      return InvalidArgument("backup " + id +
                             " holds no app component; restoring ZooKeeper's whole data needs "
                             "--component zookeeper (the last resort), one subtree --path P");
    }
  }
  for (const auto& name : names) {
    if (!backup.component_status().count(name)) {
      return InvalidArgument("backup " + id + " holds no component '" + name + "'");
    }
  }
  std::sort(names.begin(), names.end());
  run.names = names;
  for (const auto& name : names) {
    (*run.record.mutable_component_status())[name].set_root(
        backup.component_status().at(name).root());
  }
  return Status::Ok();
}

Result<proto::RestoreRecord> ComponentRestores::Start(const std::string& backup_id, Target target,
                                                      const std::string& request_id,
                                                      std::vector<std::string> identities) {
  RETURN_IF_ERROR(api::CheckRequestId(request_id));
  std::lock_guard guard(mu_);
  auto run = std::make_unique<Run>();
  run->identities = std::move(identities);
  ASSIGN_OR_RETURN(run->backup, host_.find(backup_id));
  // Before the busy check: the retry of a running restore is answered with it, not refused.
  if (auto earlier = coordinator::RestoreOfRequest(run->backup, request_id)) return *earlier;
  RETURN_IF_ERROR(task_.Idle(coordinator::kRestoreRunning));
  if (run->backup.status() != proto::STATUS_READY) {
    return FailedPrecondition("backup " + backup_id +
                              " is not READY; only a complete backup "
                              "can be restored");
  }
  RETURN_IF_ERROR(Choose(*run, std::move(target)));
  const std::vector<std::string>& names = run->names;
  const std::string restore_id = api::NewRestoreId();
  ASSIGN_OR_RETURN(uint64_t generation, coordinator::CurrentGeneration(leadership_));
  run->agents = agents_.AtGeneration(generation);
  // No server stops: an unreachable master can't conflict, as for a backup.
  run->lock =
      coordinator::MakeOperationLock(*run->agents, coordinator::MembersOf(host_.view(false)),
                                     "restore", restore_id, options_.self, options_.lease, false);
  RETURN_IF_ERROR(run->lock->Acquire());
  // A component restore whose driver died is still RESTORING: this one supersedes it.
  bool superseded = false;
  for (auto& earlier : *run->backup.mutable_restores()) {
    if (earlier.status() != proto::STATUS_RESTORING ||
        earlier.component_status().count("zookeeper")) {
      continue;
    }
    superseded = true;
    earlier.set_status(proto::STATUS_ERROR);
    earlier.set_reason("interrupted (its driver " + earlier.driver() +
                       " was lost); superseded by " + restore_id);
    for (auto& [name, component] : *earlier.mutable_component_status()) {
      if (component.status() == proto::STATUS_RESTORING) {
        component.set_status(proto::STATUS_ERROR);
        component.set_reason(earlier.reason());
      }
    }
  }
  if (superseded) host_.publish(*run->agents, run->backup);
  proto::RestoreRecord& record = run->record;
  record.set_id(restore_id);
  record.set_timestamp(UtcTimestamp());
  record.set_status(proto::STATUS_RESTORING);
  record.set_driver(options_.self);
  record.set_phase("restoring " + names.front());
  for (auto& [name, component] : *record.mutable_component_status()) {
    component.set_status(proto::STATUS_RESTORING);
  }
  Publish(*run);
  proto::RestoreRecord started = record;
  task_.Start([this, run = std::move(run)]() mutable { Drive(std::move(run)); });
  return started;
}

Status ComponentRestores::EnsureArchive(Run& run) {
  // A replica here is re-hashed before use (Fetch), and replaced when it is corrupt.
  return FetchFromAny(*archives_, run.backup,
                      ReplicaSources(run.backup, host_.view(false), options_.self));
}

Result<std::unique_ptr<components::ZNodeSource>> ComponentRestores::OpenSource(
    const Run& run, const std::string& name) const {
  ASSIGN_OR_RETURN(age::Identities identities, archives_->Identities(run.identities));
  const std::string archive = archives_->PathOf(run.backup.id());
  if (!run.spot) {
    ASSIGN_OR_RETURN(std::unique_ptr<components::DumpReader> dump,
                     components::DumpReader::Open(archive, name, identities));
    return std::unique_ptr<components::ZNodeSource>(std::move(dump));
  }
  components::BackupTreeOptions options;
  options.path = run.spot->first;
  options.to = run.spot->second == run.spot->first ? "" : run.spot->second;
  options.scratch_parent = archives_->dir();
  return components::OpenBackupTree(archive, identities, options);
}

void ComponentRestores::RestoreOne(Run& run, const std::string& name, ZkClient& zk) {
  auto& status = (*run.record.mutable_component_status())[name];
  const std::string root = status.root();
  const ComponentConfig* config = run.spot ? nullptr : ConfigOf(name);
  const auto timeout = config ? config->hook_timeout : std::chrono::milliseconds(0);
  auto fail = [&](const Status& why) {
    status.set_status(proto::STATUS_ERROR);
    status.set_reason(why.message());
    log::Error("component restore failed", {{"component", name}, {"error", why.message()}});
  };
  std::string output;
  Status pre = RunHook("pre-restore", config ? config->pre_restore : "", timeout, &output);
  status.set_pre_hook_output(output);
  if (!pre.ok()) return fail(pre.Prepend(root + " left untouched"));
  CrashPoint("component_restore.after_pre_hook");
  Result<std::unique_ptr<components::ZNodeSource>> source = OpenSource(run, name);
  if (!source.ok()) return fail(source.status().Prepend(root + " left untouched"));
  Result<components::SubtreeRestoreStats> stats = components::RestoreSubtree(zk, **source, root);
  if (!stats.ok()) return fail(stats.status().Prepend("restoring " + root));
  status.set_nodes_created(stats->created);
  status.set_nodes_updated(stats->updated);
  status.set_nodes_deleted(stats->deleted);
  status.set_node_count(static_cast<uint32_t>(stats->created + stats->updated + stats->unchanged));
  output.clear();
  Status post = RunHook("post-restore", config ? config->post_restore : "", timeout, &output);
  status.set_post_hook_output(output);
  if (!post.ok()) return fail(post.Prepend(root + " was restored, but"));
  status.set_status(proto::STATUS_READY);
  log::Info("component restored", {{"component", name},
                                   {"created", std::to_string(stats->created)},
                                   {"updated", std::to_string(stats->updated)},
                                   {"deleted", std::to_string(stats->deleted)}});
}

void ComponentRestores::Drive(std::unique_ptr<Run> run) {
  Status ready = EnsureArchive(*run);
  Result<std::unique_ptr<ZkClient>> zk =
      ready.ok() ? ZkClient::Connect(options_.zk_connect, std::chrono::seconds(30),
                                     std::chrono::seconds(10), options_.zk_auth)
                 : Result<std::unique_ptr<ZkClient>>(ready);
  std::string reasons;
  for (const auto& name : run->names) {
    run->record.set_phase("restoring " + name);
    Publish(*run);
    if (!zk.ok()) {
      auto& status = (*run->record.mutable_component_status())[name];
      status.set_status(proto::STATUS_ERROR);
      status.set_reason(zk.status().message());
    } else {
      RestoreOne(*run, name, **zk);
    }
    const auto& status = run->record.component_status().at(name);
    if (status.status() != proto::STATUS_READY) {
      reasons += (reasons.empty() ? "" : "; ") + name + ": " + status.reason();
    }
  }
  run->record.set_status(reasons.empty() ? proto::STATUS_READY : proto::STATUS_ERROR);
  run->record.set_reason(reasons);
  run->record.set_phase("done");
  run->record.set_finished_at(UtcTimestamp());
  run->record.set_duration_seconds(
      std::chrono::duration<double>(Clock::now() - run->begun).count());
  Publish(*run);
  run->lock.reset();
}

}  // namespace lockstep::agent
