#include "engine/zkfmt/tree_model.h"

#include <vector>

namespace lockstep::zkfmt {
namespace {

// The root is serialised with path "" in snapshots; clients name it "/".
std::string Normalise(const std::string& path) { return path == "/" ? std::string() : path; }

}  // namespace

void TreeModel::AddSnapshotNode(const std::string& path, int64_t ephemeral_owner) {
  nodes_[Normalise(path)] = ephemeral_owner;
}

void TreeModel::Apply(const TxnRecord& record) {
  const std::string& txn = *record.txn;
  ApplyBody(record.type, record.client_id, txn.data() + kTxnHeaderSize,
            txn.size() - kTxnHeaderSize);
}

void TreeModel::ApplyBody(int32_t type, int64_t client_id, const char* body, size_t size) {
  if (type == kOpMulti) return ApplyMulti(client_id, body, size);
  if (type == kOpCloseSession) return CloseSession(client_id);
  std::optional<TxnBody> txn = ParseTxnBody(type, body, size);
  if (!txn) return;  // data, ACL, session and unknown opcodes leave the set of nodes unchanged
  if (txn->kind == TxnBody::Kind::kCreate) {
    nodes_.try_emplace(Normalise(txn->path), txn->ephemeral ? client_id : 0);
  } else if (txn->kind == TxnBody::Kind::kDelete) {
    nodes_.erase(Normalise(txn->path));
  }
}

// A failed multi keeps its successful sub-txns in the log but marks the failing ones as errors;
// ZooKeeper then applies none of them.
void TreeModel::ApplyMulti(int64_t client_id, const char* body, size_t size) {
  for (const auto& [type, data] : MultiOps(body, size)) {
    ApplyBody(type, client_id, data.data(), data.size());
  }
}

void TreeModel::CloseSession(int64_t session) {
  std::vector<std::string> owned;
  for (const auto& [path, owner] : nodes_) {
    if (owner == session) owned.push_back(path);
  }
  for (const auto& path : owned) nodes_.erase(path);
}

}  // namespace lockstep::zkfmt
