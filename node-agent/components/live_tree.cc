#include "node-agent/components/live_tree.h"

#include "node-agent/components/dump.h"
#include "api/znode_path.h"
#include "node-agent/zkfmt/node_table.h"

namespace lockstep::components {

Result<LiveTree> WalkLive(ZkClient& zk, const std::string& root) {
  LiveTree live;
  RETURN_IF_ERROR(zk.Sync(root));
  RETURN_IF_ERROR(WalkSubtree(zk, root, [&](ZkClient::NodeRead& read) {
    if (zkfmt::IsSessionOwned(read.stat.ephemeral_owner) ||
        api::InSubtree(read.path, "/zookeeper")) {
      return Status::Ok();
    }
    live[read.path] = {zkfmt::DataDigest(read.data), std::move(read.acl), false};
    return Status::Ok();
  }));
  return live;
}

std::vector<ZkAcl> AclOf(const proto::ZNodeRecord& record) {
  std::vector<ZkAcl> acl;
  for (const auto& entry : record.acl()) acl.push_back({entry.perms(), entry.scheme(), entry.id()});
  return acl;
}

}  // namespace lockstep::components
