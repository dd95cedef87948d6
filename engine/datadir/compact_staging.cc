#include "engine/datadir/compact_staging.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>

#include "common/disk_space.h"
#include "common/file.h"
#include "common/fs.h"
#include "common/scratch_dir.h"
#include "engine/datadir/cluster_swap.h"
#include "engine/zk/scratch_server.h"
#include "engine/zkfmt/byte_source.h"
#include "engine/zkfmt/snapshot.h"
#include "engine/zkfmt/tree_model.h"

namespace lockstep::datadir {
namespace fs = std::filesystem;
namespace {

using zkfmt::DataDirs;
using zkfmt::FileRole;
using zkfmt::ZkFile;

Result<std::vector<ZkFile>> ZkFilesIn(const DataDirs& dirs) {
  ASSIGN_OR_RETURN(std::vector<ZkFile> files,
                   zkfmt::ListZkFiles(dirs.SnapshotDir(), FileRole::kSnapshot));
  ASSIGN_OR_RETURN(std::vector<ZkFile> logs, zkfmt::ListZkFiles(dirs.LogDir(), FileRole::kTxnLog));
  files.insert(files.end(), logs.begin(), logs.end());
  return files;
}

std::vector<ZkFile> Added(const std::vector<ZkFile>& before, const std::vector<ZkFile>& after) {
  std::set<std::string> known;
  for (const ZkFile& file : before) known.insert(file.path);
  std::vector<ZkFile> added;
  for (const ZkFile& file : after) {
    if (!known.contains(file.path)) added.push_back(file);
  }
  return added;
}

Status CheckStaging(const DataDirs& dirs, Zxid zxid, uint64_t node_count,
                    zkfmt::RestorableSet* set) {
  ASSIGN_OR_RETURN(*set, zkfmt::SelectRestorableSet(dirs));
  if (!set->valid() || set->last_zxid != zxid || set->node_count != node_count) {
    return Corruption("the staging in " + dirs.data_dir + " no longer holds what was verified (" +
                      FormatZxid(zxid) + ", " + std::to_string(node_count) + " znodes) but " +
                      (set->valid() ? FormatZxid(set->last_zxid) + ", " +
                                          std::to_string(set->node_count) + " znodes"
                                    : "unrestorable data"));
  }
  return Status::Ok();
}

// The scratch server must have added exactly one file: a sound snapshot of everything.
Result<ZkFile> NewSnapshot(const std::vector<ZkFile>& added, const CompactOptions& options) {
  if (added.size() != 1 || added[0].role != FileRole::kSnapshot || added[0].zxid != options.zxid) {
    std::string names;
    for (const ZkFile& file : added) names += (names.empty() ? "" : ", ") + file.name;
    return FailedPrecondition("the scratch ZooKeeper wrote [" + names + "], not one snapshot at " +
                              FormatZxid(options.zxid));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<zkfmt::FileSource> source,
                   zkfmt::FileSource::Open(added[0].path));
  // Counted the way the staging was verified (and `srvr` counts), through the same model.
  zkfmt::TreeModel tree;
  const zkfmt::SnapshotNodeVisitor add = [&tree](const std::string& path, int64_t owner) {
    tree.AddSnapshotNode(path, owner);
  };
  ASSIGN_OR_RETURN(zkfmt::SnapshotSummary summary,
                   zkfmt::ReadSnapshot(source.get(), added[0].name, {.visitor = &add}));
  if (!summary.valid || tree.node_count() != options.node_count) {
    return FailedPrecondition("the scratch ZooKeeper's " + added[0].name + " holds " +
                              std::to_string(tree.node_count()) + " znodes, not " +
                              std::to_string(options.node_count));
  }
  ASSIGN_OR_RETURN(UniqueFd fd, OpenForRead(added[0].path));
  RETURN_IF_ERROR(SyncFd(fd.get(), added[0].path));
  return added[0];
}

// One run of a scratch ZooKeeper on the staging: the snapshot it wrote, checked.
Result<ZkFile> RunScratchServer(const CompactOptions& options, uint64_t data_bytes,
                                const std::vector<ZkFile>& before) {
  ASSIGN_OR_RETURN(ScratchDir work,
                   ScratchDir::Create(options.staged.data_dir, kCompactWorkPrefix));
  ASSIGN_OR_RETURN(std::unique_ptr<zk::ScratchServer> server,
                   zk::ScratchServer::Start({.dirs = options.staged,
                                             .work_dir = work.path(),
                                             .java = options.java,
                                             .classpath = options.classpath,
                                             .data_bytes = data_bytes}));
  ASSIGN_OR_RETURN(zk::SrvrInfo served, server->WaitServing(options.start_timeout));
  server->Kill();
  if (served.zxid != options.zxid) {
    return FailedPrecondition("the scratch ZooKeeper served " + FormatZxid(served.zxid) +
                              ", not the staged " + FormatZxid(options.zxid));
  }
  ASSIGN_OR_RETURN(std::vector<ZkFile> after, ZkFilesIn(options.staged));
  return NewSnapshot(Added(before, after), options);
}

// Removes whatever a scratch server added. Failing that, the staging is no longer what was
// verified, which the caller must learn as a failed staging (Corruption), not as "left as staged".
Status UndoScratchServer(const DataDirs& staged, const std::vector<ZkFile>& before) {
  Result<std::vector<ZkFile>> after = ZkFilesIn(staged);
  if (!after.ok()) return Corruption("cannot undo compaction: " + after.status().message());
  for (const ZkFile& file : Added(before, *after)) {
    if (Status removed = RealFilesystem().RemoveAll(file.path); !removed.ok()) {
      return Corruption("cannot undo compaction: " + removed.message());
    }
  }
  return Status::Ok();
}

// Lets a scratch ZooKeeper write a snapshot at options.zxid; on any doubt removes what it wrote.
// A second try covers the free port taken by someone else before the JVM bound it.
Result<ZkFile> WriteSnapshotWithZooKeeper(const CompactOptions& options, uint64_t data_bytes) {
  ASSIGN_OR_RETURN(std::vector<ZkFile> before, ZkFilesIn(options.staged));
  Result<ZkFile> snapshot = Internal("not tried");
  for (int attempt = 0; attempt < 2 && !snapshot.ok(); ++attempt) {
    snapshot = RunScratchServer(options, data_bytes, before);
    if (!snapshot.ok()) RETURN_IF_ERROR(UndoScratchServer(options.staged, before));
  }
  return snapshot;
}

Status RemoveAllBut(const DataDirs& dirs, const ZkFile& keep) {
  ASSIGN_OR_RETURN(std::vector<ZkFile> files, ZkFilesIn(dirs));
  for (const ZkFile& file : files) {
    if (file.path != keep.path) RETURN_IF_ERROR(RealFilesystem().RemoveAll(file.path));
  }
  RETURN_IF_ERROR(RealFilesystem().SyncDir(dirs.SnapshotDir()));
  return RealFilesystem().SyncDir(dirs.LogDir());
}

Result<CompactResult> Compact(const CompactOptions& options) {
  CompactResult result;
  zkfmt::RestorableSet set;
  RETURN_IF_ERROR(CheckStaging(options.staged, options.zxid, options.node_count, &set));
  uint64_t data_bytes = set.snapshot->size;
  for (const auto& log : set.logs) result.replay_bytes += log.size;
  data_bytes += result.replay_bytes;
  if (set.logs.empty()) {
    result.detail = "already one snapshot";
    return result;
  }
  if (result.replay_bytes < options.min_replay_bytes) {
    result.detail = "only " + HumanBytes(result.replay_bytes) + " of log to replay";
    return result;
  }
  ZkFile snapshot = set.snapshot->file;
  if (set.snapshot_zxid != options.zxid) {
    Result<ZkFile> written = WriteSnapshotWithZooKeeper(options, data_bytes);
    if (!written.ok() && written.status().code() == StatusCode::kCorruption) {
      return written.status();
    }
    if (!written.ok()) {
      result.detail = "left as staged: " + written.status().message();
      return result;
    }
    snapshot = *written;
  }
  // The snapshot at the staged zxid holds everything: older snapshots and every log (cut at that
  // zxid when the backup was taken) are superseded, and ZooKeeper would still read through them.
  RETURN_IF_ERROR(RemoveAllBut(options.staged, snapshot));
  RETURN_IF_ERROR(CheckStaging(options.staged, options.zxid, options.node_count, &set));
  result.compacted = true;
  result.detail = HumanBytes(result.replay_bytes) + " of log compacted into " + snapshot.name;
  return result;
}

}  // namespace

Result<CompactResult> CompactStaging(const CompactOptions& options) {
  const auto begun = std::chrono::steady_clock::now();
  Result<CompactResult> result = Compact(options);
  if (result.ok()) {
    result->seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begun).count();
  }
  return result;
}

}  // namespace lockstep::datadir
