// ZkClient: a small synchronous C++ face on the ZooKeeper C client (libzookeeper_mt), enough for
// tests, tools and health checks. Thread-safe as the C client is; one session per object.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

struct _zhandle;
struct Stat;

namespace lockstep {

struct ZkAcl {
  int32_t perms = 0;
  std::string scheme;
  std::string id;
  bool operator==(const ZkAcl&) const = default;
};

struct ZkStat {
  int64_t czxid = 0, mzxid = 0, pzxid = 0, ephemeral_owner = 0;
  int32_t version = 0, cversion = 0, aversion = 0, num_children = 0, data_length = 0;
  int64_t ctime = 0;  // the leader's clock when the node was created (ms since 1970)
};

// Credentials a session presents (zoo_add_auth), e.g. {"digest", "user:password"}: ZooKeeper
// grants what the nodes' ACLs give that identity. A secret: never logged.
struct ZkAuth {
  std::string scheme;
  std::string credential;
};

enum class CreateMode { kPersistent, kEphemeral, kPersistentSequential, kEphemeralSequential };

class ZkClient {
 public:
  // Connects and waits until the session is established or `timeout` passes, then presents
  // `auth` (each must be accepted, or the connection fails naming its scheme).
  static Result<std::unique_ptr<ZkClient>> Connect(
      const std::string& hosts, std::chrono::milliseconds timeout,
      std::chrono::milliseconds session_timeout = std::chrono::seconds(10),
      const std::vector<ZkAuth>& auth = {});
  ~ZkClient();

  // Returns the created path (sequential nodes get their suffix) and its stat.
  Result<std::pair<std::string, ZkStat>> Create(const std::string& path, const std::string& data,
                                                const std::vector<ZkAcl>& acl, CreateMode mode);
  Result<std::pair<std::string, ZkStat>> Get(const std::string& path);
  Result<std::vector<std::string>> Children(const std::string& path);
  Result<std::vector<ZkAcl>> GetAcl(const std::string& path);
  Status Set(const std::string& path, const std::string& data);
  Status Delete(const std::string& path);
  int64_t session_id() const;
  // The session is gone for good (its ephemeral nodes with it): make a new client.
  bool expired() const;
  // Connected right now (a disconnected session may still recover within its timeout).
  bool connected() const;
  // Replaces the servers the session may move to (host:port,…). The client leaves the server it
  // is on (or trying) when that one is not in the list.
  Status SetServers(const std::string& hosts);
  // Whether `path` exists; `on_change` runs once, on ZooKeeper's thread, when it is created,
  // changed or deleted.
  Result<bool> ExistsWatch(const std::string& path, std::function<void()> on_change);

  // --- batches (zk_batch.cc) ---
  struct NodeRead {
    std::string path;
    bool exists = true;  // false: gone between listing and reading
    std::string data;    // once read
    ZkStat stat;
    std::vector<ZkAcl> acl;
    std::vector<std::string> children;
    // The session may not read it (ZNOAUTH), in a read that asked to be told rather than fail.
    bool denied = false;
  };
  // Pipelined, one request per node with all in flight: the ACL and stat, the children, or the
  // data of every node (by its `path`). A node the session may not read fails the batch, or with
  // `mark_denied` is marked `denied` and the rest are read.
  Status ReadAcls(std::vector<NodeRead*>& nodes, bool mark_denied = false);
  Status ReadChildren(std::vector<NodeRead*>& nodes, bool mark_denied = false);
  Status ReadData(std::vector<NodeRead*>& nodes, bool mark_denied = false);
  // Brings the connected server up to date with the leader for `path`.
  Status Sync(const std::string& path);
  struct Op {
    enum class Kind { kCreate, kDelete, kSetData };
    Kind kind = Kind::kCreate;
    std::string path;
    std::string data;
    std::vector<ZkAcl> acl;  // create
  };
  // One transaction: every op or none.
  Status Multi(const std::vector<Op>& ops);
  Status SetAcl(const std::string& path, const std::vector<ZkAcl>& acl);

  static std::vector<ZkAcl> OpenAcl();      // world:anyone, all permissions
  static std::vector<ZkAcl> ReadOnlyAcl();  // world:anyone, read

 private:
  explicit ZkClient(_zhandle* handle) : handle_(handle) {}
  Status ForEachNode(std::vector<NodeRead*>& nodes, const char* what, bool mark_denied,
                     const std::function<int(const char*, const void*)>& issue,
                     const std::function<void(NodeRead&, NodeRead&)>& take);
  _zhandle* handle_;
  std::shared_ptr<void> context_;  // the session watcher's state
};

}  // namespace lockstep
