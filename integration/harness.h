// Integration harness: real ZooKeeper servers (Debian's package) as child processes on loopback,
// the `lockstep` CLI run as a subprocess, polling with deadlines instead of sleeps, and tree
// dumps through the ZooKeeper C client for comparing states.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/zk_client.h"

namespace lockstep::integration {

// Polls `condition` every 50 ms until it holds or `timeout` passes.
bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

// A free TCP port on `host` (bound and released).
uint16_t FreePort(const std::string& host);

struct ZkServerOptions {
  std::string work_dir;  // zoo.cfg and the server's output go here
  std::string data_dir;
  std::string data_log_dir;  // empty: same as data_dir
  std::string host = "127.0.1.1";
  uint16_t port = 0;  // 0: pick a free one
  int heap_mb = 512;
  int snap_count = 100000;  // ZooKeeper's zookeeper.snapCount: transactions between snapshots
};

class ZkServer {
 public:
  explicit ZkServer(ZkServerOptions options);
  ~ZkServer();  // kills the server if still running

  // Writes zoo.cfg, starts the JVM and waits until it serves (ruok + srvr).
  Status Start(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // SIGTERM, then waits for the process to exit.
  Status Stop();
  bool running() const { return pid_ > 0; }
  std::string endpoint() const;
  const std::string& zoo_cfg() const { return zoo_cfg_; }
  const ZkServerOptions& options() const { return options_; }

 private:
  ZkServerOptions options_;
  std::string zoo_cfg_;
  pid_t pid_ = -1;
};

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the `lockstep` binary built alongside the tests.
CliResult RunCli(const std::vector<std::string>& args);

struct NodeState {
  std::string data;
  std::vector<ZkAcl> acl;
  ZkStat stat;
  bool operator==(const NodeState& o) const {
    return data == o.data && acl == o.acl && stat.czxid == o.stat.czxid &&
           stat.mzxid == o.stat.mzxid && stat.version == o.stat.version &&
           stat.cversion == o.stat.cversion && stat.aversion == o.stat.aversion &&
           stat.ephemeral_owner == o.stat.ephemeral_owner;
  }
};

using TreeDump = std::map<std::string, NodeState>;

// Every node below `root` (ZooKeeper's own /zookeeper excluded).
Result<TreeDump> DumpTree(ZkClient& client, const std::string& root = "/");

}  // namespace lockstep::integration
