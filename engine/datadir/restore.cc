#include "engine/datadir/restore.h"

#include <charconv>
#include <ctime>
#include <filesystem>
#include <system_error>

#include "common/clock.h"
#include "common/file.h"
#include "common/log.h"
#include "engine/backup_file/extract.h"
#include "engine/datadir/backup.h"
#include "engine/datadir/cluster_swap.h"
#include "engine/datadir/describe.h"
#include "engine/datadir/dir_swap.h"
#include "engine/zk/server_guard.h"

namespace lockstep::datadir {
namespace fs = std::filesystem;
namespace {

std::string Clean(const std::string& dir) {
  std::string out = fs::path(dir).lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

Status CheckDirs(const zkfmt::DataDirs& dirs) {
  if (dirs.data_dir.empty()) return InvalidArgument("no data directory given");
  if (dirs.data_dir == "/" || dirs.data_log_dir == "/") {
    return InvalidArgument("refusing to restore over /");
  }
  bool separate = dirs.data_dir != dirs.data_log_dir;
  if (separate && (dirs.data_log_dir.starts_with(dirs.data_dir + "/") ||
                   dirs.data_dir.starts_with(dirs.data_log_dir + "/"))) {
    return InvalidArgument("dataLogDir " + dirs.data_log_dir + " is nested in dataDir " +
                           dirs.data_dir + " (or the reverse); use sibling directories");
  }
  return Status::Ok();
}

// Checks the archive's own checksum file when one lies beside it.
Status CheckSidecar(const std::string& archive_path, const std::string& actual) {
  std::string sidecar = Sha256SidecarPath(archive_path);
  std::error_code ec;
  if (!fs::exists(sidecar, ec)) return Status::Ok();
  ASSIGN_OR_RETURN(std::string text, ReadSmallFile(sidecar, 4096));
  std::string expected = text.substr(0, text.find_first_of(" \t\n"));
  if (expected != actual) {
    return Corruption("archive " + archive_path + " does not match " + sidecar + " (expected " +
                      expected + ", computed " + actual + ")");
  }
  return Status::Ok();
}

// The staged files must form a restorable set that replays to what the manifest promises.
// Returns the zxid they replay to.
Result<Zxid> VerifyStaged(const zkfmt::DataDirs& staged,
                          const backup_file::ExtractedArchive& extracted, RestoreResult* result) {
  ASSIGN_OR_RETURN(zkfmt::RestorableSet set, zkfmt::SelectRestorableSet(staged));
  if (!set.valid()) {
    return Corruption("the archive's ZooKeeper files are not restorable: " +
                      DescribeProblems(set.problems));
  }
  result->last_zxid = FormatZxid(set.last_zxid);
  result->node_count = set.node_count;
  if (!extracted.manifest) return set.last_zxid;
  const proto::Manifest& m = *extracted.manifest;
  if (m.last_zxid() != result->last_zxid || m.node_count() != set.node_count) {
    return Corruption("the archive's files replay to zxid " + result->last_zxid + " with " +
                      std::to_string(set.node_count) + " nodes, but its manifest says " +
                      m.last_zxid() + " with " + std::to_string(m.node_count()));
  }
  return set.last_zxid;
}

// myid identifies this server and stays. Epoch files stay when they are not older than the
// restored data's epoch: ZooKeeper refuses to start with a current epoch behind its last zxid,
// and keeping a higher one lets clients that saw newer zxids reconnect. With `min_epoch` (a
// cluster-wide restore: above every epoch the ensemble used), both files are raised to it, so the
// next election starts an epoch newer than any zxid a client has seen.
Status CarryOverIdentity(Filesystem& fsys, const zkfmt::DataDirs& live,
                         const zkfmt::DataDirs& staged, Zxid restored_zxid, uint32_t min_epoch) {
  std::string myid = live.data_dir + "/myid";
  if (fsys.Exists(myid)) RETURN_IF_ERROR(fsys.CopySmallFile(myid, staged.data_dir + "/myid"));
  for (const char* name : {"acceptedEpoch", "currentEpoch"}) {
    std::string from = live.SnapshotDir() + "/" + name;
    const int64_t restored_epoch = static_cast<int64_t>(ZxidEpoch(restored_zxid));
    // -1: no readable epoch file.
    const std::optional<uint32_t> read = ReadEpochFile(from);
    const int64_t epoch = read.has_value() ? static_cast<int64_t>(*read) : int64_t{-1};
    const bool keep_live = epoch >= restored_epoch;
    const int64_t wanted = std::max<int64_t>({min_epoch, keep_live ? epoch : 0, 0});
    if (min_epoch > 0 && wanted > 0) {
      RETURN_IF_ERROR(WriteFileAtomically(staged.SnapshotDir() + "/" + name,
                                          std::to_string(std::max(wanted, restored_epoch))));
    } else if (keep_live) {
      RETURN_IF_ERROR(fsys.CopySmallFile(from, staged.SnapshotDir() + "/" + name));
    }
  }
  return Status::Ok();
}

class RestoreRun {
 public:
  explicit RestoreRun(const RestoreOptions& options)
      : options_(options), fs_(options.fs ? *options.fs : RealFilesystem()) {
    live_ = {Clean(options.dirs.data_dir), Clean(options.dirs.data_log_dir)};
    stamp_ = options.stamp.empty() ? FormatUtcNow("%Y%m%dT%H%M%SZ") : options.stamp;
    staged_ = {live_.data_dir + ".lockstep-staging-" + stamp_,
               live_.data_log_dir + ".lockstep-staging-" + stamp_};
  }

  ~RestoreRun() {
    if (!swapped_ && !kept_) {
      (void)fs_.RemoveAll(staged_.data_dir);
      (void)fs_.RemoveAll(staged_.data_log_dir);
    }
  }

  // Extracts and verifies beside the live directories; touches nothing live, so the server may
  // still be running.
  Status Stage() {
    RETURN_IF_ERROR(CheckDirs(live_));
    std::error_code ec;
    if (!fs::is_regular_file(options_.archive_path, ec)) {
      return NotFound("archive " + options_.archive_path + " does not exist");
    }
    if (fs_.Exists(staged_.data_dir) || fs_.Exists(staged_.data_log_dir)) {
      return FailedPrecondition("staging directory " + staged_.data_dir +
                                " exists: is another restore running? Remove it if not");
    }
    ASSIGN_OR_RETURN(backup_file::ExtractedArchive extracted, Extract());
    RETURN_IF_ERROR(CheckSidecar(options_.archive_path, extracted.archive_sha256));
    Report("verifying");
    ASSIGN_OR_RETURN(restored_zxid_, VerifyStaged(staged_, extracted, &result_));
    result_.manifest = extracted.manifest;
    result_.archive_sha256 = extracted.archive_sha256;
    staged_ok_ = true;
    return Status::Ok();
  }

  // The server must be down: carries identity over and swaps the staged data in.
  Result<RestoreResult> Commit(uint32_t min_epoch) {
    if (!staged_ok_) return FailedPrecondition("nothing staged to swap in");
    RETURN_IF_ERROR(zk::EnsureServerStopped(
        live_, options_.client, "; a restore replaces its data, so the server must be down"));
    RETURN_IF_ERROR(CarryOverIdentity(fs_, live_, staged_, restored_zxid_, min_epoch));
    Report("swapping");
    RETURN_IF_ERROR(Swap());
    return result_;
  }

  const RestoreResult& staged_result() const { return result_; }
  const zkfmt::DataDirs& staged_dirs() const { return staged_; }
  void Keep() { kept_ = true; }

  // Trusts staging that an earlier run on this stamp verified.
  Status Adopt(const RestoreResult& verified) {
    RETURN_IF_ERROR(CheckDirs(live_));
    if (!fs_.Exists(staged_.data_dir) || !fs_.Exists(staged_.data_log_dir)) {
      kept_ = true;  // nothing of ours to remove
      return NotFound("staging directory " + staged_.data_dir + " is gone");
    }
    std::optional<Zxid> zxid = ParseHexZxid(verified.last_zxid);
    if (!zxid) return InvalidArgument("bad staged zxid '" + verified.last_zxid + "'");
    result_ = verified;
    restored_zxid_ = *zxid;
    staged_ok_ = true;
    return Status::Ok();
  }

 private:
  void Report(const char* phase) {
    progress_.phase = phase;
    if (options_.progress) options_.progress(progress_);
  }

  Result<backup_file::ExtractedArchive> Extract() {
    ASSIGN_OR_RETURN(uint64_t archive_size, FileSize(options_.archive_path));
    progress_.bytes_total = archive_size;
    Report("extracting");
    std::string last_file;
    auto on_progress = [&](uint64_t data_bytes, uint64_t archive_bytes, const std::string& name) {
      result_.bytes = data_bytes;
      progress_.bytes_done = archive_bytes;
      progress_.current_file = name;
      if (name != last_file) {
        if (!last_file.empty() && options_.on_file) options_.on_file(last_file, 0);
        last_file = name;
        ++progress_.files_done;
      }
      if (options_.progress) options_.progress(progress_);
    };
    ASSIGN_OR_RETURN(
        backup_file::ExtractedArchive extracted,
        backup_file::ExtractArchive(options_.archive_path, options_.identities,
                                    {staged_.SnapshotDir(), staged_.LogDir()}, on_progress));
    if (!last_file.empty() && options_.on_file) options_.on_file(last_file, 0);
    result_.files = extracted.files.size();
    return extracted;
  }

  Status Swap() {
    std::vector<SwapTarget> targets{
        {live_.data_dir, staged_.data_dir, live_.data_dir + ".lockstep-rollback-" + stamp_}};
    if (live_.data_log_dir != live_.data_dir) {
      targets.push_back({live_.data_log_dir, staged_.data_log_dir,
                         live_.data_log_dir + ".lockstep-rollback-" + stamp_});
    }
    ASSIGN_OR_RETURN(SwapOutcome outcome, SwapDirectories(fs_, targets));
    swapped_ = true;
    for (const auto& rollback : outcome.rollbacks) {
      if (rollback.starts_with(live_.data_dir + ".")) {
        result_.rollback_data_dir = rollback;
      } else {
        result_.rollback_log_dir = rollback;
      }
    }
    return Status::Ok();
  }

  const RestoreOptions options_;
  Filesystem& fs_;
  zkfmt::DataDirs live_;
  zkfmt::DataDirs staged_;
  std::string stamp_;
  Progress progress_;
  RestoreResult result_;
  Zxid restored_zxid_ = 0;
  bool staged_ok_ = false;
  bool swapped_ = false;
  bool kept_ = false;
};

}  // namespace

struct StagedRestore::Run : RestoreRun {
  using RestoreRun::RestoreRun;
};

StagedRestore::StagedRestore(std::unique_ptr<Run> run) : run_(std::move(run)) {}
StagedRestore::~StagedRestore() = default;
StagedRestore::StagedRestore(StagedRestore&&) noexcept = default;

Result<StagedRestore> StagedRestore::Stage(const RestoreOptions& options) {
  auto run = std::make_unique<Run>(options);
  RETURN_IF_ERROR(run->Stage());
  return StagedRestore(std::move(run));
}

Result<StagedRestore> StagedRestore::Adopt(const RestoreOptions& options,
                                           const RestoreResult& verified) {
  auto run = std::make_unique<Run>(options);
  RETURN_IF_ERROR(run->Adopt(verified));
  return StagedRestore(std::move(run));
}

Result<RestoreResult> StagedRestore::Commit(uint32_t min_epoch) { return run_->Commit(min_epoch); }

void StagedRestore::Keep() { run_->Keep(); }

const RestoreResult& StagedRestore::verified() const { return run_->staged_result(); }

const zkfmt::DataDirs& StagedRestore::dirs() const { return run_->staged_dirs(); }

Result<RestoreResult> RunRestore(const RestoreOptions& options) {
  {
    // Refused up front, before minutes of extraction, when a server runs on the targets.
    zkfmt::DataDirs live{Clean(options.dirs.data_dir), Clean(options.dirs.data_log_dir)};
    RETURN_IF_ERROR(CheckDirs(live));
    RETURN_IF_ERROR(zk::EnsureServerStopped(
        live, options.client, "; a restore replaces its data, so the server must be down"));
  }
  ASSIGN_OR_RETURN(StagedRestore staged, StagedRestore::Stage(options));
  return staged.Commit(0);
}

}  // namespace lockstep::datadir
