// A ZooKeeper data directory pair (dataDir for snapshots, dataLogDir for transaction logs, each
// with a `version-2` subdirectory) and the selection of its restorable set: the newest valid
// snapshot plus every log needed to replay from it — the logs that start after the snapshot's zxid
// and the last one that starts at or before it (leaving that one out loses data).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/zxid.h"
#include "engine/zkfmt/problem.h"

namespace lockstep::zkfmt {

struct DataDirs {
  std::string data_dir;      // holds version-2/snapshot.*, myid, epoch files
  std::string data_log_dir;  // holds version-2/log.*; equal to data_dir when not separate

  std::string SnapshotDir() const { return data_dir + "/version-2"; }
  std::string LogDir() const { return data_log_dir + "/version-2"; }
};

enum class FileRole { kSnapshot, kTxnLog };

struct ZkFile {
  std::string path;  // absolute path on disk
  std::string name;  // "snapshot.1a" / "log.1b"
  FileRole role = FileRole::kSnapshot;
  Zxid zxid = 0;  // from the name
};

// Files named snapshot.<hex> or log.<hex> in `dir`, oldest first. A missing dir is empty.
Result<std::vector<ZkFile>> ListZkFiles(const std::string& dir, FileRole role);

struct ScannedFile {
  ZkFile file;
  uint64_t size = 0;     // bytes of data: the whole snapshot, a log up to its last kept record
  uint64_t records = 0;  // znodes in a snapshot, records in a log
  std::optional<Zxid> first_zxid;
  std::optional<Zxid> last_zxid;
  std::string sha256;  // of the first `size` bytes (when requested)
  bool selected = false;
  bool valid = false;
  bool checked = true;  // false: listed but not read
};

struct RestorableSet {
  std::optional<ScannedFile> snapshot;
  std::vector<ScannedFile> logs;     // selected logs, oldest first
  std::vector<ScannedFile> skipped;  // other files seen (older snapshots and logs, invalid ones)
  Zxid snapshot_zxid = 0;
  Zxid last_zxid = 0;
  uint64_t node_count = 0;
  Problems problems;
  bool valid() const { return snapshot.has_value() && !HasFatal(problems); }
};

struct ScanOptions {
  // The online backup's Z: logs are cut after the last record with zxid <= max_zxid.
  std::optional<Zxid> max_zxid;
  bool compute_sha256 = false;
};

class TreeModel;

// Step 1: the newest snapshot that parses and whose seal matches (newer broken ones are reported).
// Fills `tree` with its nodes.
Status SelectSnapshot(const DataDirs& dirs, const ScanOptions& options, TreeModel* tree,
                      RestorableSet* set);
// Step 2: the logs needed from the snapshot on, read and cut at max_zxid; checks that zxids run on
// from the snapshot without a gap and replays them into `tree`.
Status SelectLogs(const DataDirs& dirs, const ScanOptions& options, TreeModel* tree,
                  RestorableSet* set);
// Both steps.
Result<RestorableSet> SelectRestorableSet(const DataDirs& dirs, const ScanOptions& options = {});

}  // namespace lockstep::zkfmt
