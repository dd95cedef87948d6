#include "engine/archiving/archiver.h"

#include <filesystem>

#include "common/log.h"
#include "engine/archiving/log_tail.h"
#include "engine/zkfmt/data_dir.h"

namespace lockstep::archiving {
namespace {

constexpr size_t kRecentPasses = 256;

// The first zxid of the oldest transaction log in `log_dir`.
Result<Zxid> OldestLogged(const std::string& log_dir) {
  ASSIGN_OR_RETURN(std::vector<zkfmt::ZkFile> logs,
                   zkfmt::ListZkFiles(log_dir, zkfmt::FileRole::kTxnLog));
  if (logs.empty()) return NotFound("no transaction log in " + log_dir + " yet");
  return logs.front().zxid;
}

}  // namespace

struct Archiver::Shipped {
  Status status;  // the first failure, if any
  Zxid end = 0;   // the archive's end after the pass
  int64_t end_time_ms = 0;
  uint64_t segments = 0;
  uint64_t bytes = 0;
  std::vector<std::string> unshipped;
  TailResult tail;
};

Archiver::Archiver(ArchiverOptions options, SegmentStore* store, SegmentShipper* shipper,
                   Clock& clock)
    : options_(std::move(options)), store_(store), shipper_(shipper), clock_(clock) {
  report_.set_master(options_.master);
}

Archiver::~Archiver() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

proto::ArchiveReport Archiver::Assign(const proto::ArchiveAssignment& assignment,
                                      uint64_t generation) {
  std::lock_guard lock(mu_);
  const Clock::TimePoint now = clock_.Now();
  if (!Active(now) || generation != generation_) {
    // A fresh job: continue from the later of the coordinator's end and this store's.
    std::optional<Zxid> end = ParseHexZxid(assignment.after_zxid());
    std::optional<Zxid> stored = store_->LastZxid();
    if (stored && (!end || *stored > *end)) end = stored;
    if (!cursor_ || (end && *end > *cursor_)) cursor_ = end;
    report_.set_segments(0);
    report_.set_bytes(0);
    fresh_ = true;
    shipper_->Recheck();
    log::Info("archiver assigned", {{"master", options_.master},
                                    {"coordinator", assignment.coordinator()},
                                    {"after", cursor_ ? FormatZxid(*cursor_) : "(server's now)"}});
  }
  generation_ = generation;
  lease_end_ = now + std::chrono::milliseconds(assignment.lease_ms());
  interval_ = std::chrono::milliseconds(std::max<uint32_t>(assignment.interval_ms(), 100));
  report_.set_active(true);
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
  wake_.notify_all();
  return report_;
}

void Archiver::Release() {
  std::lock_guard lock(mu_);
  if (report_.active()) log::Info("archiver released", {{"master", options_.master}});
  lease_end_ = {};
  report_.set_active(false);
}

proto::ArchiveReport Archiver::Report() const {
  std::lock_guard lock(mu_);
  proto::ArchiveReport report = report_;
  report.set_active(Active(clock_.Now()));
  if (report.caught_up_ms() > 0) {
    report.set_lag_seconds(
        static_cast<double>(UnixMillis(clock_.WallNow()) - report.caught_up_ms()) / 1000.0);
  }
  return report;
}

bool Archiver::Active(Clock::TimePoint now) const { return now < lease_end_; }

void Archiver::Loop() {
  std::unique_lock lock(mu_);
  // Passes start every interval, however long each takes (one that overruns starts the next
  // at once): the interval, not the interval plus a pass, bounds what a disaster loses.
  Clock::TimePoint next = clock_.Now();
  while (!stop_) {
    next = std::max(next + interval_, clock_.Now() - interval_);
    clock_.WaitUntil(lock, wake_, next, [&] { return stop_ || fresh_; });
    if (fresh_) next = clock_.Now();
    fresh_ = false;
    if (stop_) break;
    if (!Active(clock_.Now())) {
      report_.set_active(false);
      continue;
    }
    lock.unlock();
    Pass();
    lock.lock();
  }
}

void Archiver::Pass() {
  uint64_t generation = 0;
  std::optional<Zxid> cursor;
  std::optional<TailPosition> read_to;
  {
    std::lock_guard lock(mu_);
    if (!Active(clock_.Now())) return;
    generation = generation_;
    cursor = cursor_;
    read_to = read_to_;
  }
  const int64_t asked_ms = UnixMillis(clock_.WallNow());
  Result<ServerPosition> position = options_.position();
  if (!position.ok() || !position->serving) {
    std::lock_guard lock(mu_);
    report_.set_error(position.ok() ? "this master's server is not serving"
                                    : position.status().message());
    return;
  }
  // An archive with nothing yet starts with everything its server's logs still hold, so that
  // a base backup taken a moment later (or earlier) is continued.
  Zxid after = 0;
  if (cursor) {
    after = *cursor;
  } else if (Result<Zxid> oldest = OldestLogged(options_.log_dir); oldest.ok()) {
    after = *oldest - 1;
  } else {
    std::lock_guard lock(mu_);
    report_.set_error(oldest.status().message());
    return;
  }
  Shipped shipped = TailAndShip(after, position->zxid, generation, read_to);
  shipper_->CatchUp(generation);
  std::lock_guard lock(mu_);
  if (generation != generation_) return;  // reassigned meanwhile: the new job's cursor stands
  Record(shipped, position->zxid, asked_ms);
}

Archiver::Shipped Archiver::TailAndShip(Zxid after, Zxid upto, uint64_t generation,
                                        const std::optional<TailPosition>& read_to) {
  Shipped shipped;
  shipped.end = after;
  std::unique_ptr<SegmentWriter> writer;
  std::string scratch;
  uint64_t pending_bytes = 0;
  auto finish = [&]() -> Status {
    if (!writer || writer->records() == 0) return Status::Ok();
    Result<SegmentInfo> info = writer->Finish();
    writer.reset();
    RETURN_IF_ERROR(info.status());
    const proto::ArchiveSegment record = SegmentRecord(*info, options_.master, shipped.end);
    if (Status kept = store_->Add(record, scratch); !kept.ok()) {
      std::error_code ec;
      std::filesystem::remove(scratch, ec);
      return kept;
    }
    // The copy the store holds (a peer may have shipped this segment first) is what goes out.
    Result<proto::ArchiveSegment> held = store_->Get(record.id());
    shipped.unshipped =
        shipper_->Ship(held.ok() ? *held : record, store_->PathOf(record.id()), generation);
    ++shipped.segments;
    shipped.bytes += info->size_bytes;
    shipped.end = info->last_zxid;
    shipped.end_time_ms = info->last_time_ms;
    return Status::Ok();
  };
  zkfmt::TxnVisitor visit = [&](const zkfmt::TxnRecord& record) {
    if (!shipped.status.ok()) return;
    if (!writer) {
      scratch = store_->ScratchPath("pass-" + std::to_string(++scratch_serial_) + ".zst");
      Result<std::unique_ptr<SegmentWriter>> created =
          SegmentWriter::Create(scratch, 0, options_.recipients);
      if (!created.ok()) {
        shipped.status = created.status();
        return;
      }
      writer = std::move(*created);
      pending_bytes = 0;
    }
    shipped.status = writer->Append(record);
    pending_bytes += record.txn ? record.txn->size() : 0;
    if (shipped.status.ok() && pending_bytes >= options_.max_segment_bytes) {
      shipped.status = finish();
    }
  };
  Result<TailResult> tail = TailLogs(options_.log_dir, after, upto, visit, read_to);
  if (shipped.status.ok()) shipped.status = finish();
  if (!tail.ok() && shipped.status.ok()) shipped.status = tail.status();
  if (tail.ok()) shipped.tail = *tail;
  return shipped;
}

void Archiver::Record(const Shipped& shipped, Zxid upto, int64_t asked_ms) {
  report_.set_server_zxid(FormatZxid(upto));
  report_.set_segments(report_.segments() + shipped.segments);
  report_.set_bytes(report_.bytes() + shipped.bytes);
  if (shipped.segments > 0) {
    report_.set_last_zxid(FormatZxid(shipped.end));
    report_.set_last_time_ms(shipped.end_time_ms);
    report_.clear_unshipped();
    for (const auto& master : shipped.unshipped) report_.add_unshipped(master);
  }
  cursor_ = shipped.end;
  // Where the logs were read to: the next pass reads on from there when it starts at its zxid
  // (not after a failed pass, which kept less than it read).
  read_to_ = shipped.tail.position;
  if (shipped.tail.gap && shipped.tail.resumes_at) {
    // What followed the archive's end is in no log here: the chain breaks, and the archive goes
    // on from where the logs resume (the coordinator takes a base backup to start a new chain).
    report_.set_broken(true);
    report_.set_break_after(FormatZxid(shipped.end));
    report_.set_resumes_at(FormatZxid(*shipped.tail.resumes_at));
    cursor_ = *shipped.tail.resumes_at - 1;
    log::Warn("archive chain broken", {{"master", options_.master},
                                       {"after", FormatZxid(shipped.end)},
                                       {"resumes_at", FormatZxid(*shipped.tail.resumes_at)}});
  }
  if (!shipped.status.ok()) {
    report_.set_error(shipped.status.message());
    log::Warn("archive pass failed",
              {{"master", options_.master}, {"error", shipped.status.message()}});
    return;
  }
  report_.clear_error();
  asked_.emplace_back(asked_ms, upto);
  while (!asked_.empty() && asked_.front().second <= shipped.end) {
    report_.set_caught_up_ms(asked_.front().first);
    asked_.pop_front();
  }
  if (asked_.size() > kRecentPasses) asked_.pop_front();
}

}  // namespace lockstep::archiving
