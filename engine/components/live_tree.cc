#include "engine/components/live_tree.h"

#include <algorithm>

#include "api/znode_path.h"
#include "engine/components/dump.h"
#include "engine/zkfmt/node_table.h"

namespace lockstep::components {

Result<LiveTree> WalkLive(ZkClient& zk, const std::string& root, bool with_data,
                          std::vector<std::string>* denied) {
  LiveTree live;
  RETURN_IF_ERROR(zk.Sync(root));
  RETURN_IF_ERROR(WalkSubtree(
      zk, root,
      [&](ZkClient::NodeRead& read) {
        if (zkfmt::IsSessionOwned(read.stat.ephemeral_owner) ||
            api::InSubtree(read.path, "/zookeeper")) {
          return Status::Ok();
        }
        live[read.path] = {with_data ? zkfmt::DataDigest(read.data) : std::string(),
                           std::move(read.acl), read.stat.czxid, read.stat.mzxid, false};
        return Status::Ok();
      },
      with_data, denied));
  return live;
}

Result<std::unordered_map<std::string, std::string>> ReadDigests(
    ZkClient& zk, const std::vector<std::string>& paths, std::vector<std::string>* denied) {
  std::unordered_map<std::string, std::string> digests;
  for (size_t begin = 0; begin < paths.size(); begin += kReadWindow) {
    const size_t end = std::min(paths.size(), begin + kReadWindow);
    std::vector<ZkClient::NodeRead> reads(end - begin);
    std::vector<ZkClient::NodeRead*> all;
    for (size_t i = begin; i < end; ++i) {
      reads[i - begin].path = paths[i];
      all.push_back(&reads[i - begin]);
    }
    RETURN_IF_ERROR(zk.ReadData(all, denied != nullptr));
    for (const auto& read : reads) {
      if (read.denied) {
        denied->push_back(read.path);
      } else if (read.exists) {
        digests[read.path] = zkfmt::DataDigest(read.data);
      }
    }
  }
  return digests;
}

std::vector<ZkAcl> AclOf(const proto::ZNodeRecord& record) {
  std::vector<ZkAcl> acl;
  for (const auto& entry : record.acl()) acl.push_back({entry.perms(), entry.scheme(), entry.id()});
  return acl;
}

}  // namespace lockstep::components
