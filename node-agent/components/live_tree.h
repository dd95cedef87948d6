// The live side of a subtree, for comparing it with a backup: every persistent node's path with a
// digest of its data and its ACL (not the data itself), read after a sync by the pipelined walk.
// Ephemeral nodes and /zookeeper are left out, as in the backup's side (zkfmt/node_table.h).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "common/zk_client.h"
#include "proto/manifest.pb.h"

namespace lockstep::components {

struct LiveNode {
  std::string digest;  // zkfmt::DataDigest of the data
  std::vector<ZkAcl> acl;
  bool seen = false;   // matched by a backup record
};

using LiveTree = std::unordered_map<std::string, LiveNode>;

// Empty when `root` doesn't exist.
Result<LiveTree> WalkLive(ZkClient& zk, const std::string& root);

std::vector<ZkAcl> AclOf(const proto::ZNodeRecord& record);

}  // namespace lockstep::components
