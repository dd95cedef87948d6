#include "engine/datadir/cluster_swap.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <functional>

#include "common/file.h"
#include "common/log.h"
#include "engine/datadir/dir_swap.h"

namespace lockstep::datadir {
namespace fs = std::filesystem;
namespace {

constexpr const char* kEpochFiles[] = {"acceptedEpoch", "currentEpoch"};

std::string MarkerIn(const std::string& dir) { return dir + "/" + kRestoreMarker; }

bool HoldsMarker(const std::string& dir, const std::string& restore_id) {
  Result<std::string> text = ReadSmallFile(MarkerIn(dir), 4096);
  return text.ok() && *text == restore_id;
}

// The previous data of `live` after `restore_id`'s data was swapped in.
Result<std::string> PreviousDataOf(Filesystem& fsys, const std::string& live,
                                   const std::string& stamp, const std::string& restore_id) {
  const std::string rollback = RollbackDirOf(live, stamp);
  if (fsys.Exists(rollback)) return rollback;
  const std::string staging = StagingDirOf(live, stamp);
  if (fsys.Exists(staging) && !HoldsMarker(staging, restore_id)) return staging;
  return NotFound("the previous data of " + live + " is missing (neither " + rollback + " nor " +
                  staging + " holds it); the restored data stays in place");
}

// Paths beside `live` named after it plus `infix` and a stamp, with the stamps.
std::vector<std::string> SiblingsOf(const std::string& live, const std::string& infix) {
  const fs::path path(live);
  const std::string prefix = path.filename().string() + infix;
  std::vector<std::string> siblings;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(path.parent_path(), ec)) {
    if (entry.path().filename().string().starts_with(prefix)) {
      siblings.push_back(entry.path().string());
    }
  }
  return siblings;
}

}  // namespace

Status RemoveOrphanStaging(Filesystem& fsys, const zkfmt::DataDirs& live,
                           const std::function<bool(const std::string& stamp)>& orphaned) {
  const std::vector<std::string> lives = LiveDirsOf(live);
  for (const auto& dir : lives) {
    const std::string infix = ".lockstep-staging-";
    for (const std::string& staging : SiblingsOf(dir, infix)) {
      const std::string stamp = staging.substr(dir.size() + infix.size());
      // Once a swap began, the staging name may hold the previous live data (between the
      // exchange and the rename): never an orphan, whatever else is said of it.
      const bool swap_began = std::any_of(
          lives.begin(), lives.end(), [&](const std::string& l) { return HoldsMarker(l, stamp); });
      if (!swap_began && orphaned(stamp)) {
        log::Warn("removing staging left by an interrupted restore", {{"dir", staging}});
        RETURN_IF_ERROR(fsys.RemoveAll(staging));
      }
    }
  }
  return Status::Ok();
}

std::optional<uint32_t> ReadEpochFile(const std::string& path) {
  Result<std::string> text = ReadSmallFile(path, 64);
  if (!text.ok()) return std::nullopt;
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc()) return std::nullopt;
  return value;
}

std::string StagingDirOf(const std::string& live, const std::string& stamp) {
  return live + ".lockstep-staging-" + stamp;
}

std::string RollbackDirOf(const std::string& live, const std::string& stamp) {
  return live + ".lockstep-rollback-" + stamp;
}

std::vector<std::string> LiveDirsOf(const zkfmt::DataDirs& dirs) {
  std::vector<std::string> live{dirs.data_dir};
  if (dirs.data_log_dir != dirs.data_dir) live.push_back(dirs.data_log_dir);
  return live;
}

Status MarkStaged(const zkfmt::DataDirs& live, const std::string& stamp,
                  const std::string& restore_id) {
  for (const auto& dir : LiveDirsOf(live)) {
    RETURN_IF_ERROR(WriteFileAtomically(MarkerIn(StagingDirOf(dir, stamp)), restore_id));
  }
  return Status::Ok();
}

bool IsSwappedIn(const zkfmt::DataDirs& live, const std::string& restore_id) {
  for (const auto& dir : LiveDirsOf(live)) {
    if (!HoldsMarker(dir, restore_id)) return false;
  }
  return true;
}

Status UndoSwap(Filesystem& fsys, const zkfmt::DataDirs& live, const std::string& stamp,
                const std::string& restore_id, uint32_t min_epoch) {
  bool undone = false;
  for (const auto& dir : LiveDirsOf(live)) {
    if (!HoldsMarker(dir, restore_id)) continue;
    ASSIGN_OR_RETURN(std::string previous, PreviousDataOf(fsys, dir, stamp, restore_id));
    const std::string failed = dir + ".lockstep-failed-" + stamp;
    RETURN_IF_ERROR(SwapDirectories(fsys, {{dir, previous, failed}}).status());
    if (Status removed = fsys.RemoveAll(failed); !removed.ok()) {
      log::Warn("restored copy not removed", {{"dir", failed}, {"error", removed.message()}});
    }
    undone = true;
  }
  RETURN_IF_ERROR(DiscardStaging(fsys, live, stamp));
  if (undone && min_epoch > 0) RETURN_IF_ERROR(RaiseEpochFiles(live.SnapshotDir(), min_epoch));
  return Status::Ok();
}

Status DiscardStaging(Filesystem& fsys, const zkfmt::DataDirs& live, const std::string& stamp) {
  for (const auto& dir : LiveDirsOf(live)) {
    const std::string staging = StagingDirOf(dir, stamp);
    if (fsys.Exists(staging)) RETURN_IF_ERROR(fsys.RemoveAll(staging));
  }
  return Status::Ok();
}

Status PruneRollbacks(Filesystem& fsys, const zkfmt::DataDirs& live, uint32_t keep) {
  for (const auto& dir : LiveDirsOf(live)) {
    std::vector<std::string> rollbacks = SiblingsOf(dir, ".lockstep-rollback-");
    // Stamps start with the time, so names sort oldest first.
    std::sort(rollbacks.begin(), rollbacks.end());
    const size_t remove = rollbacks.size() > keep ? rollbacks.size() - keep : 0;
    for (size_t i = 0; i < remove; ++i) RETURN_IF_ERROR(fsys.RemoveAll(rollbacks[i]));
  }
  return Status::Ok();
}

uint32_t HighestEpochOnDisk(const zkfmt::DataDirs& live) {
  uint32_t highest = 0;
  for (const char* name : kEpochFiles) {
    highest = std::max(highest, ReadEpochFile(live.SnapshotDir() + "/" + name).value_or(0));
  }
  return highest;
}

Status RaiseEpochFiles(const std::string& snapshot_dir, uint32_t epoch) {
  for (const char* name : kEpochFiles) {
    const std::string path = snapshot_dir + "/" + name;
    if (ReadEpochFile(path).value_or(0) >= epoch) continue;
    RETURN_IF_ERROR(WriteFileAtomically(path, std::to_string(epoch)));
  }
  return Status::Ok();
}

}  // namespace lockstep::datadir
