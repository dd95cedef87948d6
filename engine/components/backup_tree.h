// A subtree of a backup, read without starting a server: from the dump of the app component
// whose root holds it when the backup has one (cheap: one archive entry streamed), else from the
// backup's ZooKeeper files (extracted into scratch space, the snapshot and logs replayed into a
// zkfmt::NodeTable, the scratch removed before the first record is returned).
//
// Records can be renamed on the way (`to`): a spot restore under another path sees the backup's
// `path` subtree as if it had lived at `to`.
#pragma once

#include <memory>
#include <string>

#include "common/crypto/keys.h"
#include "common/status.h"
#include "engine/components/dump.h"

namespace lockstep::components {

struct BackupTreeOptions {
  std::string path = "/";      // the subtree
  std::string to;              // rename `path` to this in every record; empty: keep the paths
  bool keep_data = true;       // false: records carry zkfmt::DataDigest of their data
  std::string scratch_parent;  // where a full backup's files are extracted (same disk as the
                               // archives, not /tmp: they can be large)
};

// NotFound when the backup holds neither ZooKeeper's files nor a component holding `path`.
Result<std::unique_ptr<ZNodeSource>> OpenBackupTree(const std::string& archive_path,
                                                    const age::Identities& identities,
                                                    const BackupTreeOptions& options);

// `path` renamed from under `from` to under `to` (`path` must lie in `from`'s subtree).
std::string Rebase(const std::string& path, const std::string& from, const std::string& to);

}  // namespace lockstep::components
