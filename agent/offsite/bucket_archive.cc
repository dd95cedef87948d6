#include "agent/offsite/bucket_archive.h"

#include <algorithm>
#include <filesystem>

#include "common/log.h"
#include "engine/archiving/chain_view.h"

namespace lockstep::agent {

BucketArchive::BucketArchive(const Repository* repository, archiving::SegmentStore* store,
                             std::string master, Clock& clock)
    : repository_(repository), store_(store), master_(std::move(master)), clock_(clock) {}

BucketArchive::~BucketArchive() = default;  // the task waits for a running adoption

void BucketArchive::Tick() {
  if (done_) return;
  if (!decided_) {
    decided_ = true;
    // A master with segments of its own is caught up by the archiver, not from the bucket.
    if (!store_->List().empty()) {
      done_ = true;
      return;
    }
  }
  {
    std::lock_guard lock(mu_);
    if (clock_.Now() < not_before_) return;
  }
  if (!task_.Idle("adoption").ok()) return;
  task_.Start([this] { Adopt(); });
}

std::string BucketArchive::Adopting() const {
  if (done_) return "";
  std::lock_guard lock(mu_);
  std::string where = "copying the archive from " + repository_->ArchiveUrl();
  if (total_ > 0) {
    where += ": " + std::to_string(adopted_.load()) + " of " + std::to_string(total_.load()) +
             " segments";
  }
  if (!failure_.empty()) where += " (the last attempt failed: " + failure_ + ")";
  return where;
}

void BucketArchive::Adopt() {
  Result<std::vector<std::string>> ids = repository_->ListSegmentIds();
  if (!ids.ok()) {
    const std::string why = ids.status().message() + " (" + repository_->Where() + ")";
    log::Warn(
        "cannot list the repository's archive yet; trying again",
        {{"master", master_}, {"error", why}, {"retry_in_s", std::to_string(kRetryAfter.count())}});
    std::lock_guard lock(mu_);
    failure_ = why;
    not_before_ = clock_.Now() + kRetryAfter;
    return;
  }
  std::sort(ids->begin(), ids->end());  // zxid order: the archive grows from its start
  total_ = ids->size();
  size_t skipped = 0;
  for (const std::string& id : *ids) {
    if (!store_->Has(id)) {
      if (Status one = AdoptOne(id); !one.ok()) {
        ++skipped;
        log::Error(
            "a segment in the repository cannot be adopted; skipped (the archive has a "
            "hole there)",
            {{"master", master_}, {"segment", id}, {"error", one.message()}});
      }
    }
    ++adopted_;
  }
  log::Info("adopted the repository's archive",
            {{"master", master_},
             {"segments", std::to_string(ids->size() - skipped)},
             {"skipped", std::to_string(skipped)},
             {"url", repository_->ArchiveUrl()}});
  done_ = true;
}

Status BucketArchive::AdoptOne(const std::string& id) {
  ASSIGN_OR_RETURN(proto::ArchiveSegment record, repository_->GetSegmentRecord(id));
  return FetchSegmentFromRepository(*repository_, *store_, record);
}

Status FetchSegmentFromRepository(const Repository& repository, archiving::SegmentStore& store,
                                  const proto::ArchiveSegment& record) {
  const std::string scratch = store.ScratchPath(record.id() + ".downloaded");
  Status fetched = repository.GetSegment(record.id(), scratch);
  if (fetched.ok()) fetched = store.Add(record, scratch);
  if (!fetched.ok()) {
    std::error_code ignored;
    std::filesystem::remove(scratch, ignored);
  }
  return fetched.Prepend("segment " + record.id() + " from " + repository.ArchiveUrl());
}

std::vector<std::string> BucketArchive::Prune(const std::vector<proto::Backup>& catalog) {
  if (clock_.Now() < next_prune_) return {};
  next_prune_ = clock_.Now() + kPruneEvery;
  const std::vector<archiving::Base> bases = archiving::BasesOf(catalog);
  if (bases.empty()) return {};
  Result<std::vector<std::string>> ids = repository_->ListSegmentIds();
  if (!ids.ok()) return {};  // tried again at the next prune
  std::vector<std::string> removed;
  for (const std::string& id : *ids) {
    Result<std::pair<Zxid, Zxid>> zxids = archiving::ZxidsOfSegmentId(id);
    if (!zxids.ok() || zxids->second > bases.front().zxid) continue;
    if (Status gone = repository_->RemoveSegment(id); !gone.ok()) {
      log::Warn("archive retention in the repository failed",
                {{"segment", id}, {"error", gone.message()}});
      break;
    }
    removed.push_back(id);
  }
  if (!removed.empty()) {
    log::Info("archive retention: segments no kept base needs removed from the repository",
              {{"segments", std::to_string(removed.size())},
               {"oldest_base", bases.front().id},
               {"through", FormatZxid(bases.front().zxid)}});
  }
  return removed;
}

}  // namespace lockstep::agent
