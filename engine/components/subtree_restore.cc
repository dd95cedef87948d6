#include "engine/components/subtree_restore.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <unordered_map>

#include "common/log.h"
#include "engine/components/live_tree.h"
#include "engine/zkfmt/node_table.h"

namespace lockstep::components {
namespace {

constexpr size_t kBatchOps = 1000;
constexpr size_t kBatchBytes = 256 * 1024;  // plus one node of up to 1 MiB: jute.maxbuffer

size_t Depth(const std::string& path) { return std::count(path.begin(), path.end(), '/'); }

// Parents of `root` that don't exist yet (outside the subtree, created empty).
Status EnsureAncestors(ZkClient& zk, const std::string& root) {
  for (size_t at = root.find('/', 1); at != std::string::npos; at = root.find('/', at + 1)) {
    const std::string parent = root.substr(0, at);
    auto created = zk.Create(parent, "", ZkClient::OpenAcl(), CreateMode::kPersistent);
    if (!created.ok() && created.status().message().find("node exists") == std::string::npos) {
      return created.status();
    }
  }
  return Status::Ok();
}

// Ops collected until a batch is full, then committed in one `multi`. If the multi fails
// (something changed underneath), the ops are retried one by one, tolerating what's already so.
class Batcher {
 public:
  explicit Batcher(ZkClient& zk) : zk_(zk) {}

  Status Add(ZkClient::Op op) {
    bytes_ += op.path.size() + op.data.size() + 64;
    ops_.push_back(std::move(op));
    if (ops_.size() >= kBatchOps || bytes_ >= kBatchBytes) return Flush();
    return Status::Ok();
  }

  Status Flush() {
    std::vector<ZkClient::Op> ops;
    ops.swap(ops_);
    bytes_ = 0;
    if (ops.empty() || zk_.Multi(ops).ok()) return Status::Ok();
    for (const auto& op : ops) RETURN_IF_ERROR(ApplyOne(op));
    return Status::Ok();
  }

 private:
  Status ApplyOne(const ZkClient::Op& op) {
    switch (op.kind) {
      case ZkClient::Op::Kind::kCreate: {
        auto created = zk_.Create(op.path, op.data, op.acl, CreateMode::kPersistent);
        if (created.ok()) return Status::Ok();
        if (created.status().message().find("node exists") == std::string::npos) {
          return created.status();
        }
        RETURN_IF_ERROR(zk_.Set(op.path, op.data));
        return zk_.SetAcl(op.path, op.acl);
      }
      case ZkClient::Op::Kind::kSetData:
        return zk_.Set(op.path, op.data);
      case ZkClient::Op::Kind::kDelete: {
        Status deleted = zk_.Delete(op.path);
        return deleted.code() == StatusCode::kNotFound ? Status::Ok() : deleted;
      }
    }
    return Status::Ok();
  }

  ZkClient& zk_;
  std::vector<ZkClient::Op> ops_;
  size_t bytes_ = 0;
};

}  // namespace

Result<SubtreeRestoreStats> RestoreSubtree(ZkClient& zk, ZNodeSource& dump,
                                           const std::string& root) {
  if (dump.data_is_digest()) return Internal("a restore needs the backup's data, not digests");
  SubtreeRestoreStats stats;
  ASSIGN_OR_RETURN(auto live, WalkLive(zk, root));
  if (live.empty()) RETURN_IF_ERROR(EnsureAncestors(zk, root));
  Batcher batch(zk);
  std::vector<std::pair<std::string, std::vector<ZkAcl>>> acl_changes;
  proto::ZNodeRecord record;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, dump.Next(&record));
    if (!more) break;
    if (record.path() != root && !record.path().starts_with(root + "/")) {
      return Corruption("the dump holds " + record.path() + ", outside " + root);
    }
    if (record.ephemeral_owner() != 0) {
      ++stats.ephemeral_skipped;
      continue;
    }
    std::vector<ZkAcl> acl = AclOf(record);
    auto it = live.find(record.path());
    if (it == live.end()) {
      RETURN_IF_ERROR(batch.Add({ZkClient::Op::Kind::kCreate, record.path(),
                                 std::move(*record.mutable_data()), std::move(acl)}));
      ++stats.created;
      continue;
    }
    it->second.seen = true;
    const bool data_differs = it->second.digest != zkfmt::DataDigest(record.data());
    const bool acl_differs = it->second.acl != acl;
    if (data_differs) {
      RETURN_IF_ERROR(batch.Add(
          {ZkClient::Op::Kind::kSetData, record.path(), std::move(*record.mutable_data()), {}}));
    }
    if (acl_differs) acl_changes.emplace_back(record.path(), std::move(acl));
    ++(data_differs || acl_differs ? stats.updated : stats.unchanged);
  }
  RETURN_IF_ERROR(batch.Flush());
  for (const auto& [path, acl] : acl_changes) RETURN_IF_ERROR(zk.SetAcl(path, acl));
  // Children before parents: deepest first.
  std::vector<std::string> extra;
  for (const auto& [path, node] : live) {
    if (!node.seen) extra.push_back(path);
  }
  std::sort(extra.begin(), extra.end(), [](const auto& a, const auto& b) {
    return Depth(a) != Depth(b) ? Depth(a) > Depth(b) : a > b;
  });
  for (const auto& path : extra) {
    RETURN_IF_ERROR(batch.Add({ZkClient::Op::Kind::kDelete, path, "", {}}));
    ++stats.deleted;
  }
  RETURN_IF_ERROR(batch.Flush());
  return stats;
}

}  // namespace lockstep::components
