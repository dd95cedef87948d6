// ZkClient's pipelined reads and multi-op writes: a walk of tens of thousands of znodes costs a
// few round trips instead of one per request.
#include <condition_variable>
#include <functional>
#include <mutex>

#include "common/zk_client.h"
#include "common/zk_internal.h"

namespace lockstep {
namespace {

using zk_internal::AclVector;
using zk_internal::FromStat;
using zk_internal::ZkError;

// Counts outstanding completions for one batch; the first failure (other than a node gone
// meanwhile) is kept.
struct Batch {
  std::mutex mu;
  std::condition_variable done;
  int pending = 0;
  int error = ZOK;
  std::string error_path;
  std::vector<ZkClient::NodeRead>* reads = nullptr;
  bool mark_denied = false;

  void Finish(int rc, size_t index) {
    std::lock_guard lock(mu);
    if (rc == ZNONODE) {
      (*reads)[index].exists = false;
    } else if (rc == ZNOAUTH && mark_denied) {
      (*reads)[index].denied = true;
    } else if (rc != ZOK && error == ZOK) {
      error = rc;
      error_path = (*reads)[index].path;
    }
    if (--pending == 0) done.notify_all();
  }
};

struct Request {
  Batch* batch;
  size_t index;
};

void OnData(int rc, const char* value, int length, const struct Stat* stat, const void* data) {
  auto* request = static_cast<const Request*>(data);
  if (rc == ZOK) {
    auto& read = (*request->batch->reads)[request->index];
    read.data.assign(value ? value : "", value && length > 0 ? static_cast<size_t>(length) : 0);
    read.stat = FromStat(*stat);
  }
  request->batch->Finish(rc, request->index);
}

void OnAcl(int rc, struct ACL_vector* acl, struct Stat* stat, const void* data) {
  auto* request = static_cast<const Request*>(data);
  if (rc == ZOK) {
    auto& read = (*request->batch->reads)[request->index];
    read.acl = zk_internal::FromAclVector(*acl);
    read.stat = FromStat(*stat);
  }
  request->batch->Finish(rc, request->index);
}

void OnChildren(int rc, const struct String_vector* children, const struct Stat*,
                const void* data) {
  auto* request = static_cast<const Request*>(data);
  if (rc == ZOK) {
    auto& read = (*request->batch->reads)[request->index];
    read.children.assign(children->data, children->data + children->count);
  }
  request->batch->Finish(rc, request->index);
}

void OnSync(int rc, const char*, const void* data) {
  auto* batch = static_cast<Batch*>(const_cast<void*>(data));
  std::lock_guard lock(batch->mu);
  batch->error = rc;
  if (--batch->pending == 0) batch->done.notify_all();
}

}  // namespace

// One request per node (`issue`), all in flight; what each answer holds is moved back (`take`).
Status ZkClient::ForEachNode(std::vector<NodeRead*>& nodes, const char* what, bool mark_denied,
                             const std::function<int(const char*, const void*)>& issue,
                             const std::function<void(NodeRead&, NodeRead&)>& take) {
  std::vector<NodeRead> reads(nodes.size());
  std::vector<Request> requests(nodes.size());
  Batch batch;
  batch.reads = &reads;
  batch.mark_denied = mark_denied;
  batch.pending = static_cast<int>(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    reads[i].path = nodes[i]->path;
    reads[i].exists = true;
    requests[i] = {&batch, i};
    int rc = issue(reads[i].path.c_str(), &requests[i]);
    if (rc != ZOK) batch.Finish(rc, i);
  }
  std::unique_lock lock(batch.mu);
  batch.done.wait(lock, [&] { return batch.pending == 0; });
  if (batch.error != ZOK) return ZkError(what, batch.error_path, batch.error);
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (!reads[i].exists) nodes[i]->exists = false;
    if (reads[i].denied) {
      nodes[i]->denied = true;
      continue;
    }
    take(*nodes[i], reads[i]);
  }
  return Status::Ok();
}

Status ZkClient::ReadAcls(std::vector<NodeRead*>& nodes, bool mark_denied) {
  return ForEachNode(
      nodes, "get ACL of", mark_denied,
      [&](const char* path, const void* context) {
        return zoo_aget_acl(handle_, path, OnAcl, context);
      },
      [](NodeRead& node, NodeRead& read) {
        node.acl = std::move(read.acl);
        if (read.exists) node.stat = read.stat;
      });
}

Status ZkClient::ReadChildren(std::vector<NodeRead*>& nodes, bool mark_denied) {
  return ForEachNode(
      nodes, "list", mark_denied,
      [&](const char* path, const void* context) {
        return zoo_aget_children2(handle_, path, 0, OnChildren, context);
      },
      [](NodeRead& node, NodeRead& read) { node.children = std::move(read.children); });
}

Status ZkClient::ReadData(std::vector<NodeRead*>& nodes, bool mark_denied) {
  return ForEachNode(
      nodes, "get", mark_denied,
      [&](const char* path, const void* context) {
        return zoo_aget(handle_, path, 0, OnData, context);
      },
      [](NodeRead& node, NodeRead& read) {
        node.data = std::move(read.data);
        if (read.exists) node.stat = read.stat;
      });
}

Status ZkClient::Sync(const std::string& path) {
  Batch batch;
  batch.pending = 1;
  int rc = zoo_async(handle_, path.c_str(), OnSync, &batch);
  if (rc != ZOK) return ZkError("sync", path, rc);
  std::unique_lock lock(batch.mu);
  batch.done.wait(lock, [&] { return batch.pending == 0; });
  return batch.error == ZOK ? Status::Ok() : ZkError("sync", path, batch.error);
}

Status ZkClient::Multi(const std::vector<Op>& ops) {
  if (ops.empty()) return Status::Ok();
  std::vector<zoo_op_t> zoo_ops(ops.size());
  std::vector<zoo_op_result_t> results(ops.size());
  std::vector<std::unique_ptr<AclVector>> acls;
  std::vector<std::string> created(ops.size());
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    switch (op.kind) {
      case Op::Kind::kCreate:
        acls.push_back(std::make_unique<AclVector>(op.acl));
        created[i].assign(op.path.size() + 32, '\0');
        zoo_create_op_init(&zoo_ops[i], op.path.c_str(), op.data.data(),
                           static_cast<int>(op.data.size()), &acls.back()->vector, ZOO_PERSISTENT,
                           created[i].data(), static_cast<int>(created[i].size()));
        break;
      case Op::Kind::kDelete:
        zoo_delete_op_init(&zoo_ops[i], op.path.c_str(), -1);
        break;
      case Op::Kind::kSetData:
        zoo_set_op_init(&zoo_ops[i], op.path.c_str(), op.data.data(),
                        static_cast<int>(op.data.size()), -1, nullptr);
        break;
    }
  }
  int rc = zoo_multi(handle_, static_cast<int>(ops.size()), zoo_ops.data(), results.data());
  if (rc == ZOK) return Status::Ok();
  for (size_t i = 0; i < ops.size(); ++i) {
    if (results[i].err != ZOK && results[i].err != ZRUNTIMEINCONSISTENCY) {
      return ZkError("multi op on", ops[i].path, results[i].err);
    }
  }
  return ZkError("multi of " + std::to_string(ops.size()) + " ops from", ops.front().path, rc);
}

Status ZkClient::SetAcl(const std::string& path, const std::vector<ZkAcl>& acl) {
  AclVector acls(acl);
  int rc = zoo_set_acl(handle_, path.c_str(), -1, &acls.vector);
  return rc == ZOK ? Status::Ok() : ZkError("set ACL of", path, rc);
}

}  // namespace lockstep
