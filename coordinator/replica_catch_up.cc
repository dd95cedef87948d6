#include "coordinator/replica_catch_up.h"

#include <algorithm>
#include <set>

#include "common/log.h"
#include "coordinator/cluster_backups.h"

namespace lockstep::coordinator {

std::optional<CatchUpFetch> NextCatchUp(const proto::Backup& record, const ClusterView& view,
                                        uint32_t replicas) {
  if (record.deleted() || record.status() != proto::STATUS_READY || record.replicas_size() == 0) {
    return std::nullopt;
  }
  const size_t wanted =
      replicas == 0 ? view.masters.size() : std::min<size_t>(replicas, view.masters.size());
  if (static_cast<size_t>(record.replicas_size()) >= wanted) return std::nullopt;
  std::set<std::string> holders;
  for (const auto& replica : record.replicas()) holders.insert(replica.master());
  std::vector<proto::MasterStatus> masters = view.masters;
  std::sort(masters.begin(), masters.end(),
            [](const auto& a, const auto& b) { return a.name() < b.name(); });
  std::optional<proto::MasterStatus> from;
  std::optional<proto::MasterStatus> to;
  for (const auto& master : masters) {
    if (!master.agent_reachable()) continue;
    const bool holds = holders.count(master.name()) > 0;
    if (holds && !from) from = master;
    if (!holds && !to) to = master;
  }
  if (!from || !to) return std::nullopt;
  return CatchUpFetch{.from = *from, .to = *to};
}

void ClusterBackups::CatchUp(const std::vector<proto::Backup>& catalog) {
  std::lock_guard guard(catch_up_mu_);
  if (!catch_up_.Idle("catching up a replica").ok()) return;
  const ClusterView view = view_(false);
  for (const proto::Backup& record : catalog) {
    if (Running(record.id())) continue;  // its own replication is still under way
    std::optional<CatchUpFetch> next = NextCatchUp(record, view, settings_.replicas);
    if (!next) continue;
    auto retry = catch_up_retry_.find(record.id() + "@" + next->to.name());
    if (retry != catch_up_retry_.end() && clock_.Now() < retry->second.due) continue;
    Result<std::unique_ptr<AgentClient>> agents = Fenced();
    if (!agents.ok()) return;  // no longer the coordinator
    std::shared_ptr<AgentClient> fenced = std::move(*agents);
    catch_up_.Start(
        [this, fenced, record, next = *next] { CatchUpOne(fenced, record, next.from, next.to); });
    return;
  }
}

void ClusterBackups::CatchUpOne(std::shared_ptr<AgentClient> agents, proto::Backup record,
                                proto::MasterStatus from, proto::MasterStatus to) {
  proto::FetchRequest fetch;
  fetch.set_id(record.id());
  fetch.set_from_url(from.address());
  fetch.set_sha256(record.sha256());
  fetch.set_size_bytes(record.size_bytes());
  const std::string key = record.id() + "@" + to.name();
  Status fetched = agents->Fetch(MemberOf(to), fetch);
  if (!fetched.ok()) {
    std::lock_guard guard(catch_up_mu_);
    Retry& retry = catch_up_retry_[key];
    const auto wait = std::min<std::chrono::seconds>(
        kCatchUpRetry * (1 << std::min(retry.failures, 6u)), std::chrono::minutes(10));
    retry.failures++;
    retry.due = clock_.Now() + wait;
    log::Warn("catching up a replica failed", {{"id", record.id()},
                                               {"to", to.name()},
                                               {"from", from.name()},
                                               {"error", fetched.message()},
                                               {"retry_in_s", std::to_string(wait.count())}});
    return;
  }
  {
    std::lock_guard guard(catch_up_mu_);
    catch_up_retry_.erase(key);
  }
  Result<proto::Backup> latest = Latest(record);
  if (!latest.ok() || latest->deleted()) {
    // Deleted meanwhile: the copy just made must not outlive it.
    (void)agents->RemoveArchive(MemberOf(to), record.id());
    return;
  }
  for (const auto& replica : latest->replicas()) {
    if (replica.master() == to.name()) return;  // recorded by someone else meanwhile
  }
  proto::Replica* replica = latest->add_replicas();
  replica->set_master(to.name());
  replica->set_sha256(latest->sha256());
  replica->set_stored_at(UtcTimestamp(clock_));
  PublishWith(*agents, *latest);
  log::Info("replica caught up",
            {{"id", record.id()}, {"master", to.name()}, {"from", from.name()}});
}

}  // namespace lockstep::coordinator
