// A master's share of a cluster-wide restore, on disk: which directories a restore stamped
// STAMP uses beside each live data directory, a marker that tells restored data from previous
// data (so an agent that died mid-swap can still tell which is which), undoing a swap, and the
// epoch files. Every step here is idempotent: the restore's driver may repeat any of them after
// a crash.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/fs.h"
#include "common/status.h"
#include "engine/zkfmt/data_dir.h"

namespace lockstep::datadir {

std::string StagingDirOf(const std::string& live, const std::string& stamp);
std::string RollbackDirOf(const std::string& live, const std::string& stamp);
// The live directories of `dirs`, once each (dataDir and dataLogDir may be the same).
std::vector<std::string> LiveDirsOf(const zkfmt::DataDirs& dirs);

// Written into each staging directory once it is verified: the restore id.
inline constexpr char kRestoreMarker[] = ".lockstep-restore";
// Work directory of staging compaction inside the staging (zoo.cfg and its scratch server's
// output), so that staging left by a crash takes it along.
inline constexpr char kCompactWorkPrefix[] = ".lockstep-compact-";
Status MarkStaged(const zkfmt::DataDirs& live, const std::string& stamp,
                  const std::string& restore_id);
// True when every live directory holds the data staged by `restore_id`.
bool IsSwappedIn(const zkfmt::DataDirs& live, const std::string& restore_id);

// Puts the previous data back wherever `restore_id`'s data is live (the rollback directory, or
// the staging name when the agent died between the exchange and the rename), removes restored
// and staged copies, and raises the previous data's epoch files to at least `min_epoch` (clients
// may have seen zxids of the restored ensemble). Nothing to undo is not an error.
Status UndoSwap(Filesystem& fs, const zkfmt::DataDirs& live, const std::string& stamp,
                const std::string& restore_id, uint32_t min_epoch);
// Removes the staging directories of `stamp`, if any (nothing swapped: a restore abandoned).
Status DiscardStaging(Filesystem& fs, const zkfmt::DataDirs& live, const std::string& stamp);
// At agent start: removes staging directories beside the live ones whose stamp `orphaned` says
// no restore owns (an agent killed while staging or compacting leaves them), unless a live
// directory holds that stamp's marker (a swap began: the staging name may hold previous data).
Status RemoveOrphanStaging(Filesystem& fs, const zkfmt::DataDirs& live,
                           const std::function<bool(const std::string& stamp)>& orphaned);
// After a confirmed restore: keeps the newest `keep` rollback directories of each live one.
Status PruneRollbacks(Filesystem& fs, const zkfmt::DataDirs& live, uint32_t keep);

// An epoch file's number; nullopt when missing or not a number.
std::optional<uint32_t> ReadEpochFile(const std::string& path);
// The highest epoch in the live epoch files (acceptedEpoch, currentEpoch); 0 when none.
uint32_t HighestEpochOnDisk(const zkfmt::DataDirs& live);
// Raises acceptedEpoch and currentEpoch in `snapshot_dir` to at least `epoch`.
Status RaiseEpochFiles(const std::string& snapshot_dir, uint32_t epoch);

}  // namespace lockstep::datadir
