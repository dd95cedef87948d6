#include "agent/offsite/bucket_shipper.h"

#include <algorithm>

#include "common/log.h"

namespace lockstep::agent {

BucketShipper::BucketShipper(archiving::SegmentShipper* peers, const Repository* repository,
                             const archiving::SegmentStore* store, Clock& clock)
    : peers_(peers), repository_(repository), store_(store), backlog_(clock, kCatchUpEvery) {}

std::vector<std::string> BucketShipper::Ship(const proto::ArchiveSegment& record,
                                             const std::string& path, uint64_t generation) {
  std::vector<std::string> unshipped = peers_->Ship(record, path, generation);
  // A bucket behind is caught up by CatchUp, in order, not sent this one out of turn.
  if (backlog_.StandingOf(kName) != ShippingBacklog::Standing::kCurrent) {
    unshipped.push_back(kName);
    return unshipped;
  }
  const Status sent = repository_->PutSegment(record, path);
  Note(sent, record.id());
  if (!sent.ok()) unshipped.push_back(kName);
  return unshipped;
}

void BucketShipper::CatchUp(uint64_t generation) {
  peers_->CatchUp(generation);
  if (backlog_.StandingOf(kName) == ShippingBacklog::Standing::kDue) {
    Note(UploadMissing(), "catch-up");
  }
}

void BucketShipper::Recheck() {
  peers_->Recheck();
  backlog_.Recheck({kName});
}

void BucketShipper::Note(const Status& sent, const std::string& what) {
  const ShippingBacklog::Noted noted = backlog_.Note(kName, sent.ok());
  if (noted.caught_up) {
    log::Info("the repository's archive caught up", {{"url", repository_->ArchiveUrl()}});
  }
  if (noted.first_failure) {
    log::Warn("archive segment not uploaded to the repository; catching up later",
              {{"segment", what},
               {"error", sent.message() + " (" + repository_->Where() + ")"},
               {"retry_in_s", std::to_string(kCatchUpEvery.count())}});
  }
}

Status BucketShipper::UploadMissing() {
  ASSIGN_OR_RETURN(std::vector<std::string> ids, repository_->ListSegmentIds());
  std::sort(ids.begin(), ids.end());
  std::vector<proto::ArchiveSegment> held = store_->List();
  std::sort(held.begin(), held.end(), [](const auto& a, const auto& b) { return a.id() < b.id(); });
  size_t sent = 0;
  for (const auto& record : held) {
    if (std::binary_search(ids.begin(), ids.end(), record.id())) continue;
    {
      std::lock_guard lock(mu_);
      if (conflicts_.count(record.id())) continue;
    }
    if (sent == kCatchUpBatch) {
      return Status(StatusCode::kUnavailable, "the repository still lacks segments");
    }
    Status put = repository_->PutSegment(record, store_->PathOf(record.id()));
    if (put.code() == StatusCode::kFailedPrecondition) {
      // Another history's segment under this id: kept, and this one stays on the masters only.
      log::Error("the repository holds another segment under this id; not overwritten",
                 {{"segment", record.id()}, {"error", put.message()}});
      std::lock_guard lock(mu_);
      conflicts_.insert(record.id());
      continue;
    }
    RETURN_IF_ERROR(put);
    ++sent;
  }
  return Status::Ok();
}

}  // namespace lockstep::agent
