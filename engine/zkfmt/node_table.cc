#include "engine/zkfmt/node_table.h"

#include <openssl/sha.h>

#include <algorithm>

#include "api/znode_path.h"

namespace lockstep::zkfmt {
namespace {

// The root is serialised with path "" in snapshots; clients name it "/".
std::string ClientPath(const std::string& path) { return path.empty() ? "/" : path; }

size_t Depth(const std::string& path) {
  return path == "/" ? 0 : std::count(path.begin(), path.end(), '/');
}

std::string AclKey(const AclList& acl) {
  std::string key;
  for (const auto& entry : acl) {
    key += std::to_string(entry.perms) + '\0' + entry.scheme + '\0' + entry.id + '\0';
  }
  return key;
}

}  // namespace

std::string DataDigest(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), 16);
}

bool IsSessionOwned(int64_t owner) {
  if (owner == 0 || owner == INT64_MIN) return false;
  return (static_cast<uint64_t>(owner) >> 56) != 0xFF;
}

NodeTable::NodeTable(NodeTableOptions options) : options_(std::move(options)) {}

bool NodeTable::Keeps(const std::string& path) const {
  return api::InSubtree(path, options_.root) && !api::InSubtree(path, "/zookeeper");
}

uint32_t NodeTable::Intern(AclList acl) {
  std::string key = AclKey(acl);
  auto [it, added] = acl_index_.try_emplace(std::move(key), static_cast<uint32_t>(acls_.size()));
  if (added) acls_.push_back(std::move(acl));
  return it->second;
}

void NodeTable::AddSnapshotAcl(int64_t acl_ref, AclList acl) {
  snapshot_acls_[acl_ref] = Intern(std::move(acl));
}

void NodeTable::AddSnapshotNode(const SnapshotNode& node) {
  const std::string path = ClientPath(node.path);
  if (!Keeps(path) || IsSessionOwned(node.ephemeral_owner)) return;
  TableNode entry;
  entry.data = options_.keep_data ? node.data : DataDigest(node.data);
  // ACL ref -1 is ZooKeeper's "open to all" shorthand; any other ref must be in the cache.
  auto acl = snapshot_acls_.find(node.acl_ref);
  entry.acl = acl != snapshot_acls_.end() ? acl->second : Intern({{0x1f, "world", "anyone"}});
  entry.czxid = node.czxid;
  entry.mzxid = node.mzxid;
  entry.version = node.version;
  entry.aversion = node.aversion;
  nodes_[path] = std::move(entry);
}

void NodeTable::Apply(const TxnRecord& record) {
  const std::string& txn = *record.txn;
  ApplyBody(record.type, record.zxid, txn.data() + kTxnHeaderSize, txn.size() - kTxnHeaderSize);
}

void NodeTable::ApplyBody(int32_t type, Zxid zxid, const char* body, size_t size) {
  if (type == kOpMulti) {
    for (const auto& [op, data] : MultiOps(body, size)) {
      ApplyBody(op, zxid, data.data(), data.size());
    }
    return;
  }
  std::optional<TxnBody> txn = ParseTxnBody(type, body, size);
  if (txn && Keeps(txn->path)) ApplyTxn(std::move(*txn), zxid);
}

void NodeTable::ApplyTxn(TxnBody txn, Zxid zxid) {
  switch (txn.kind) {
    case TxnBody::Kind::kCreate: {
      if (txn.ephemeral || nodes_.count(txn.path)) return;
      TableNode entry;
      entry.data = options_.keep_data ? std::move(txn.data) : DataDigest(txn.data);
      entry.acl = Intern(std::move(txn.acl));
      entry.czxid = entry.mzxid = static_cast<int64_t>(zxid);
      nodes_.emplace(std::move(txn.path), std::move(entry));
      return;
    }
    case TxnBody::Kind::kDelete:
      nodes_.erase(txn.path);
      return;
    case TxnBody::Kind::kSetData: {
      auto it = nodes_.find(txn.path);
      if (it == nodes_.end()) return;
      it->second.data = options_.keep_data ? std::move(txn.data) : DataDigest(txn.data);
      it->second.mzxid = static_cast<int64_t>(zxid);
      it->second.version = txn.version;
      return;
    }
    case TxnBody::Kind::kSetAcl: {
      auto it = nodes_.find(txn.path);
      if (it == nodes_.end()) return;
      it->second.acl = Intern(std::move(txn.acl));
      it->second.aversion = txn.version;
      return;
    }
  }
}

std::vector<const std::pair<const std::string, TableNode>*> NodeTable::ParentsFirst() const {
  std::vector<const std::pair<const std::string, TableNode>*> order;
  order.reserve(nodes_.size());
  for (const auto& entry : nodes_) order.push_back(&entry);
  std::sort(order.begin(), order.end(), [](const auto* a, const auto* b) {
    const size_t da = Depth(a->first), db = Depth(b->first);
    return da != db ? da < db : a->first < b->first;
  });
  return order;
}

}  // namespace lockstep::zkfmt
