// The live side of a subtree, for comparing it with a backup: every persistent node's path with its
// ACL, the zxids of its creation and last data change, and a digest of its data (not the data
// itself), read after a sync by the pipelined walk. Ephemeral nodes and /zookeeper are left out,
// as in the backup's side (zkfmt/node_table.h).
//
// Without data (`with_data` false) a diff reads one request per node fewer: a node whose
// creation and last change have the backup's zxids holds the backup's data (a zxid names one
// transaction of the ensemble's history), and only the others' data is read (ReadDigests).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "common/zk_client.h"
#include "proto/manifest.pb.h"

namespace lockstep::components {

struct LiveNode {
  std::string digest;  // zkfmt::DataDigest of the data; empty when walked without data
  std::vector<ZkAcl> acl;
  int64_t czxid = 0;
  int64_t mzxid = 0;
  bool seen = false;  // matched by a backup record
};

using LiveTree = std::unordered_map<std::string, LiveNode>;

// Empty when `root` doesn't exist. With `denied`, nodes the session may not read are listed
// there (and what lies below them is not walked) instead of failing the walk.
Result<LiveTree> WalkLive(ZkClient& zk, const std::string& root, bool with_data = true,
                          std::vector<std::string>* denied = nullptr);

// The data digests of `paths` (pipelined reads); a node gone since has none in the result. With
// `denied`, nodes the session may not read go there instead of failing the read.
Result<std::unordered_map<std::string, std::string>> ReadDigests(
    ZkClient& zk, const std::vector<std::string>& paths,
    std::vector<std::string>* denied = nullptr);

std::vector<ZkAcl> AclOf(const proto::ZNodeRecord& record);

}  // namespace lockstep::components
