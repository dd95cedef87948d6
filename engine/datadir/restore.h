// The single-master restore engine: an archive (Lockstep's, or a DC/OS dcos-zk one) into a
// ZooKeeper data directory pair, with nothing touched until the archive is proven good.
//
// 1. refuse while a server runs on the directories;
// 2. extract into staging directories beside the targets (same filesystem), checking every
//    entry against the manifest and its SHA-256, then parse the staged files and check they
//    replay to the manifest's zxid and node count;
// 3. carry `myid` (and epoch files that are not older than the restored data) into staging;
// 4. swap each target with its staging directory atomically (RENAME_EXCHANGE), keeping the
//    previous data as a rollback directory; a failure undoes the swaps already made.
// Any failure before step 4 leaves the targets byte-for-byte unchanged and removes staging.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/crypto/keys.h"
#include "common/fs.h"
#include "common/status.h"
#include "engine/datadir/progress.h"
#include "engine/zk/zoo_cfg.h"
#include "engine/zkfmt/data_dir.h"
#include "proto/manifest.pb.h"

namespace lockstep::datadir {

struct RestoreOptions {
  zkfmt::DataDirs dirs;
  std::string archive_path;
  std::optional<zk::Endpoint> client;  // checked for a running server when known
  ProgressCallback progress;
  FileCallback on_file;
  Filesystem* fs = nullptr;    // defaults to the real filesystem
  std::string stamp;           // suffix for staging/rollback names; defaults to the time
  age::Identities identities;  // open an encrypted archive
};

struct RestoreResult {
  std::optional<proto::Manifest> manifest;  // absent for dcos-zk archives
  std::string archive_sha256;
  std::string last_zxid;
  uint64_t node_count = 0;
  uint64_t files = 0;
  uint64_t bytes = 0;
  std::string rollback_data_dir;  // empty when the target did not exist
  std::string rollback_log_dir;   // empty when shared with the data dir or absent
};

Result<RestoreResult> RunRestore(const RestoreOptions& options);

// The same in two steps, for a cluster-wide restore: Stage() extracts and verifies beside the
// live directories while the server still runs (no outage); Commit() - with the server stopped -
// carries myid over, raises the epoch files to at least `min_epoch` (0: keep them as RunRestore
// does) and swaps. Staging is removed when the object goes away uncommitted.
class StagedRestore {
 public:
  static Result<StagedRestore> Stage(const RestoreOptions& options);
  StagedRestore(StagedRestore&&) noexcept;
  ~StagedRestore();
  // Staging already on disk from an earlier Stage() with these options' stamp (an agent that
  // restarted between staging and swapping: its journal says what was verified).
  static Result<StagedRestore> Adopt(const RestoreOptions& options, const RestoreResult& verified);
  Result<RestoreResult> Commit(uint32_t min_epoch);
  // Leaves the staging directories on disk when this object goes away (a journal owns them).
  void Keep();
  // What the staged data was verified to be (zxid, node count, manifest, sha256).
  const RestoreResult& verified() const;
  // Where the staged data lies (beside the live directories).
  const zkfmt::DataDirs& dirs() const;

 private:
  struct Run;
  explicit StagedRestore(std::unique_ptr<Run> run);
  std::unique_ptr<Run> run_;
};

}  // namespace lockstep::datadir
