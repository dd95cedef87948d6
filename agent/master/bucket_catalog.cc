#include "agent/master/bucket_catalog.h"

#include "common/log.h"

namespace lockstep::agent {

void BucketCatalog::Tick() {
  if (done_ || clock_.Now() < not_before_) return;
  if (!decided_) {
    decided_ = true;
    // A master with records of its own catches up from its peers, not from the bucket.
    if (!self_->records().All().empty()) {
      done_ = true;
      return;
    }
  }
  Status adopted = Adopt();
  if (adopted.ok()) {
    done_ = true;
    return;
  }
  log::Warn("cannot read the repository's catalog yet; trying again",
            {{"master", self_->name()},
             {"error", adopted.message()},
             {"retry_in_s", std::to_string(kRetryAfter.count())}});
  not_before_ = clock_.Now() + kRetryAfter;
}

Status BucketCatalog::Adopt() {
  ASSIGN_OR_RETURN(std::vector<proto::Backup> records, repository_->ListRecords());
  int adopted = 0;
  for (proto::Backup& record : records) {
    if (record.deleted()) continue;
    record.clear_replicas();
    record.set_revision(0);
    ASSIGN_OR_RETURN(bool stored, self_->PutRecord(record));
    adopted += stored ? 1 : 0;
  }
  log::Info("adopted the repository's catalog", {{"master", self_->name()},
                                                 {"backups", std::to_string(adopted)},
                                                 {"repository", repository_->Where()}});
  return Status::Ok();
}

}  // namespace lockstep::agent
