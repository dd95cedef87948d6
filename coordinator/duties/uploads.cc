#include "coordinator/duties/uploads.h"

#include <algorithm>

#include "agent/master/replica_sources.h"
#include "common/log.h"
#include "coordinator/cluster_backups.h"

namespace lockstep::agent {
namespace {

// 2 s after the first failure, doubling up to 5 minutes: a store that is down for a while is not
// hammered, and one that is back gets the backlog within minutes.
std::chrono::seconds Backoff(uint32_t attempts) {
  const uint32_t doublings = std::min<uint32_t>(attempts, 8);
  return std::min<std::chrono::seconds>(std::chrono::seconds(1u << doublings),
                                        std::chrono::minutes(5));
}

bool Pending(const proto::Backup& record) {
  return !record.deleted() && record.status() == proto::STATUS_READY &&
         record.remote().status() != proto::STATUS_READY;
}

}  // namespace

Uploads::Uploads(const Repository* repository, LocalAgent* self, Catalog* catalog,
                 const MastersView* masters, coordinator::ClusterBackups* backups, Clock& clock)
    : repository_(repository),
      self_(self),
      catalog_(catalog),
      masters_(masters),
      backups_(backups),
      clock_(clock) {}

Uploads::~Uploads() = default;  // the task waits for a running upload

void Uploads::Tick(const std::vector<proto::Backup>& catalog) {
  const proto::Backup* due = nullptr;
  {
    std::lock_guard lock(mu_);
    for (const auto& record : catalog) {
      if (!Pending(record)) continue;
      auto wait = not_before_.find(record.id());
      const bool ready = wait == not_before_.end() || clock_.Now() >= wait->second;
      // Oldest first (ids sort by label, timestamps by time).
      if (ready && (!due || record.timestamp() < due->timestamp())) due = &record;
    }
  }
  if (!due || !task_.Idle("upload").ok()) return;
  task_.Start([this, record = *due] { Upload(record); });
}

void Uploads::Upload(proto::Backup record) {
  proto::RemoteCopy uploading = record.remote();
  uploading.set_status(proto::STATUS_UPLOADING);
  uploading.set_url(repository_->UrlOf(record.id()));
  PublishRemote(record.id(), uploading);
  log::Info("uploading a backup to the repository",
            {{"id", record.id()},
             {"url", uploading.url()},
             {"size_bytes", std::to_string(record.size_bytes())}});
  if (Status uploaded = UploadOne(record); !uploaded.ok()) return Failed(record, uploaded);
  std::lock_guard lock(mu_);
  not_before_.erase(record.id());
  attempts_.erase(record.id());
}

Status Uploads::UploadOne(const proto::Backup& record) {
  RETURN_IF_ERROR(EnsureReplica(record));
  ASSIGN_OR_RETURN(proto::RemoteCopy copy,
                   repository_->PutArchive(record, self_->replicas().PathOf(record.id())));
  copy.set_uploaded_at(UtcTimestamp(clock_));
  // The record goes up with the copy READY, so the bucket's catalog describes itself.
  ASSIGN_OR_RETURN(proto::Backup latest, catalog_->Find(record.id()));
  if (latest.deleted()) return repository_->Remove(record.id());  // deleted while it went up
  *latest.mutable_remote() = copy;
  RETURN_IF_ERROR(repository_->PutRecord(latest));
  PublishRemote(record.id(), copy);
  log::Info("backup copied to the repository", {{"id", record.id()}, {"url", copy.url()}});
  return Status::Ok();
}

Status Uploads::EnsureReplica(const proto::Backup& record) {
  if (self_->replicas().Has(record.id())) return Status::Ok();
  std::vector<std::string> sources = ReplicaSources(record, masters_->View(), self_->name());
  // Uploading the repository's own copy back to it would prove nothing.
  std::erase_if(sources, [](const std::string& url) { return url.starts_with("s3://"); });
  return FetchFromAny(self_->replicas(), record, sources)
      .Prepend("no replica of " + record.id() + " to upload");
}

void Uploads::PublishRemote(const std::string& id, const proto::RemoteCopy& remote) {
  Result<proto::Backup> latest = catalog_->Find(id);
  if (!latest.ok() || latest->deleted()) return;  // deleted meanwhile: nothing to say
  *latest->mutable_remote() = remote;
  backups_->Publish(*latest);
}

void Uploads::Failed(const proto::Backup& record, const Status& why) {
  const std::string reason = why.message() + " (" + repository_->Where() + ")";
  uint32_t attempts = 0;
  {
    std::lock_guard lock(mu_);
    attempts = ++attempts_[record.id()];
    not_before_[record.id()] = clock_.Now() + Backoff(attempts);
  }
  log::Warn("upload to the repository failed; retrying later",
            {{"id", record.id()},
             {"attempt", std::to_string(attempts)},
             {"retry_in_s", std::to_string(Backoff(attempts).count())},
             {"error", reason}});
  proto::RemoteCopy failed;
  failed.set_status(proto::STATUS_ERROR);
  failed.set_url(repository_->UrlOf(record.id()));
  failed.set_reason(reason + "; retried by itself, next in " +
                    std::to_string(Backoff(attempts).count()) + " s");
  failed.set_attempts(attempts);
  PublishRemote(record.id(), failed);
}

}  // namespace lockstep::agent
