// The ZooKeeper operations the coordinator election needs, on one session: an interface, so the
// election runs against a fake ensemble in unit tests (tests/fake_zk.h) and over ZkClient in the
// agent. Errors are ZkClient's: NotFound for a missing znode, Unavailable for a lost connection,
// FailedPrecondition otherwise, its message naming ZooKeeper's error (e.g. "node exists").
// Implementations are thread-safe; watches run on a thread of their own.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/zk_client.h"

namespace lockstep::coordinator {

class ElectionZk {
 public:
  virtual ~ElectionZk() = default;  // closes the session: its ephemeral znodes go at once

  // Creates `path` with open permissions; a sequential mode appends the sequence number. Returns
  // the path created.
  virtual Result<std::string> Create(const std::string& path, const std::string& data,
                                     CreateMode mode) = 0;
  // A znode's data and the zxid that created it.
  struct Znode {
    std::string data;
    int64_t czxid = 0;
  };
  virtual Result<Znode> GetData(const std::string& path) = 0;
  virtual Result<std::vector<std::string>> Children(const std::string& path) = 0;
  virtual Status Delete(const std::string& path) = 0;
  // Whether `path` exists; `on_change` runs once when it is created, changed or deleted.
  virtual Result<bool> ExistsWatch(const std::string& path, std::function<void()> on_change) = 0;
  // The session is gone for good (its ephemeral znodes with it): open a new one.
  virtual bool expired() const = 0;
  // Connected right now (a disconnected session may still recover within its timeout).
  virtual bool connected() const = 0;
  // The servers (host:port,…) the session may reconnect to from now on.
  virtual Status SetServers(const std::string& hosts) = 0;
};

// Opens a session, waiting until it is established.
using ElectionZkConnector = std::function<Result<std::unique_ptr<ElectionZk>>()>;

// Sessions over ZkClient to the servers `hosts()` names at each connection (host:port,…).
ElectionZkConnector ZkClientConnector(std::function<std::string()> hosts,
                                      std::chrono::milliseconds session_timeout);

}  // namespace lockstep::coordinator
