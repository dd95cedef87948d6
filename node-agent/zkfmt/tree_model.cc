#include "node-agent/zkfmt/tree_model.h"

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
  SpanReader span(body, size);
  std::string path;
  switch (type) {
    case kOpCreate:
    case kOpCreate2: {
      // CreateTxn {path, data, acl vector, boolean ephemeral, int parentCVersion}
      std::string data;
      int32_t acl_count = 0;
      if (!span.ReadBuffer(&path) || !span.ReadBuffer(&data) || !span.ReadInt32(&acl_count)) return;
      for (int32_t i = 0; i < acl_count; ++i) {
        int32_t perms = 0;
        std::string scheme, id;
        if (!span.ReadInt32(&perms) || !span.ReadBuffer(&scheme) || !span.ReadBuffer(&id)) return;
      }
      bool ephemeral = false;
      if (!span.ReadBool(&ephemeral)) return;
      nodes_.try_emplace(Normalise(path), ephemeral ? client_id : 0);
      return;
    }
    case kOpCreateContainer:
    case kOpCreateTtl:
      if (span.ReadBuffer(&path)) nodes_.try_emplace(Normalise(path), 0);
      return;
    case kOpDelete:
    case kOpDeleteContainer:
      if (span.ReadBuffer(&path)) nodes_.erase(Normalise(path));
      return;
    case kOpMulti:
      ApplyMulti(client_id, body, size);
      return;
    case kOpCloseSession:
      CloseSession(client_id);
      return;
    default:
      return;  // data, ACL, session and unknown opcodes leave the set of nodes unchanged
  }
}

// MultiTxn {vector<Txn{int type, buffer data}>}. A failed multi keeps its successful sub-txns in
// the log but marks the failing ones as errors; ZooKeeper then applies none of them.
void TreeModel::ApplyMulti(int64_t client_id, const char* body, size_t size) {
  SpanReader span(body, size);
  int32_t count = 0;
  if (!span.ReadInt32(&count) || count < 0) return;
  std::vector<std::pair<int32_t, std::string>> ops;
  for (int32_t i = 0; i < count; ++i) {
    int32_t type = 0;
    std::string data;
    if (!span.ReadInt32(&type) || !span.ReadBuffer(&data)) return;
    if (type == kOpError) return;
    ops.emplace_back(type, std::move(data));
  }
  for (const auto& [type, data] : ops) ApplyBody(type, client_id, data.data(), data.size());
}

void TreeModel::CloseSession(int64_t session) {
  std::vector<std::string> owned;
  for (const auto& [path, owner] : nodes_) {
    if (owner == session) owned.push_back(path);
  }
  for (const auto& path : owned) nodes_.erase(path);
}

}  // namespace lockstep::zkfmt
