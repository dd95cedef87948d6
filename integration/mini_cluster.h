// MiniCluster (after Kudu's ExternalMiniCluster): N masters on one machine, each a real ZooKeeper
// server supervised by a real lockstep-agent (process backend), master i on its own loopback
// address 127.0.1.i with the same ports. Used by the scenario tests and by `lockstep-sandbox`.
// Everything lives under one directory:
//   DIR/token (the admin's), DIR/viewer-token, DIR/cluster-token (the agents' own credential),
//   DIR/tokens.toml (both named tokens with their roles), DIR/cluster.env,
//   DIR/tls/{cert,key}.pem (with tls)
//   DIR/mI/{agent.toml, agent.pid, agent.log, zoo.cfg, zookeeper.out, zk/data, zk/datalog, store}
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/http/client.h"
#include "common/http/tls.h"
#include "common/status.h"
#include "integration/netns.h"
#include "proto/agent.pb.h"

namespace lockstep::integration {

struct MiniClusterOptions {
  std::string dir;
  int masters = 3;
  uint16_t zk_client_port = 2181;
  uint16_t zk_quorum_port = 2888;
  uint16_t zk_election_port = 3888;
  uint16_t agent_port = 8420;
  int heap_mb = 256;
  int snap_count = 100000;
  std::vector<std::string> zk_jvm_flags;  // more -D flags for every server (a super digest, say)
  bool tls = false;  // agents serve https with a self-signed certificate made by openssl
  // With tls: agents also require a client certificate signed by that one ([tls]
  // client_ca_file), present it to each other, and the CLI and Call present it too.
  bool client_certs = false;
  std::chrono::milliseconds probe_interval{500};
  std::chrono::milliseconds peer_timeout{1000};
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds lock_lease{30000};
  bool allow_crash_points = false;    // tests arm them through the agents' internal API
  bool identities_over_http = false;  // restores with --identity between plain-HTTP agents
  std::chrono::milliseconds restore_start_timeout{60000};
  int restore_compact_min_log_mb = 16;  // 0: every restore's staging is compacted
  // Master whose DIR/mI/zk (data and datalog) is a tmpfs of `small_disk_mb` (0: none): a disk a
  // test can fill. Needs root; unmounted by Down().
  int small_disk_master = 0;
  int small_disk_mb = 512;
  // Continuous archiving ([archiving]): off unless a test is about it, since after a restore it
  // takes a base backup by itself, which other tests' operations would find holding the lock.
  bool archiving = false;
  bool console = false;  // [ui] enabled: the web console at /ui/ (on in the sandbox)
  std::chrono::milliseconds archive_interval{1000};
  std::string extra_agent_toml;  // appended to every agent.toml (e.g. [[components]] tables)
  std::string extra_env;         // appended to cluster.env (NAME=value lines)
  std::string java = "/usr/bin/java";
  // Each master in a network namespace of its own (netns.h) instead of on 127.0.1.i, so that
  // partitions() can cut masters apart. Needs root.
  bool netns = false;

  // Ports free on every master's address, for tests that must not collide with a sandbox.
  static MiniClusterOptions WithFreePorts(std::string dir, int masters);
};

class MiniCluster {
 public:
  explicit MiniCluster(MiniClusterOptions options);
  ~MiniCluster();  // Down(), unless Detach()ed
  MiniCluster(const MiniCluster&) = delete;
  MiniCluster& operator=(const MiniCluster&) = delete;

  // Writes every file, starts the agents (which start ZooKeeper) and waits until every server
  // serves with one leader; writes DIR/cluster.env.
  Status Up(std::chrono::milliseconds timeout = std::chrono::seconds(90));
  // Up(), then waits (30 s at most) until the agents have elected a coordinator: what a suite
  // that sends operations needs before its first test.
  Status UpWithCoordinator();
  // Stops the agents (which stop their servers) and kills anything left on this cluster's dirs.
  Status Down();
  // Tears down a cluster started by another process, from the pid files under `dir`.
  static Status DownDir(const std::string& dir);
  // Keep everything running when this object goes away (the sandbox's `up`).
  // With options.netns, the namespaces stay too (described in DIR/netns for DownDir and
  // AttachNetworks).
  Status Detach();
  // The networks of a detached sandbox under `dir` (started with netns), to partition and heal.
  static Result<std::unique_ptr<MasterNetworks>> AttachNetworks(const std::string& dir);

  int masters() const { return options_.masters; }
  const MiniClusterOptions& options() const { return options_; }
  std::string name(int i) const;  // masters are numbered 1..N
  std::string host(int i) const;
  std::string url(int i) const;
  std::string urls() const;  // every agent's URL, comma-separated (what the CLI accepts)
  std::string zk_endpoint(int i) const;
  std::string zk_connect() const;  // every server, comma-separated
  std::string token_file() const;  // an admin token, "admin" in the tokens file
  std::string token() const;
  std::string viewer_token_file() const;  // a viewer token, "viewer" in the tokens file
  std::string viewer_token() const;
  std::string operator_token_file() const;  // an operator token, "deployer" in the tokens file
  std::string operator_token() const;
  std::string cluster_token_file() const;  // what the agents present to each other
  std::string cluster_token() const;
  std::string tokens_file() const;
  std::string ca_file() const;  // empty without tls
  // What a client of the agents presents: the CA, and with client_certs the certificate.
  http::ClientTlsFiles ClientTls() const;
  std::string master_dir(int i) const;
  // `lockstep` arguments reaching this cluster (every agent, or agent `agent` only) with its
  // token (and CA with tls), then `rest`.
  std::vector<std::string> CliArgs(std::vector<std::string> rest, int agent = 0) const;
  std::string zoo_cfg(int i) const;

  // Process control for scenarios.
  pid_t agent_pid(int i) const;
  bool AgentAlive(int i) const;
  pid_t zk_pid(int i) const;  // 0 when no server runs on this master's dirs
  Status StartAgent(int i);
  // Starts every agent a scenario killed or stopped: suites sharing one cluster call it after
  // each test.
  Status StartStoppedAgents();
  Status KillAgent(int i);   // SIGKILL; its ZooKeeper keeps running
  Status StopAgent(int i);   // SIGTERM; its ZooKeeper stops with it
  Status PauseAgent(int i);  // SIGSTOP
  Status ResumeAgent(int i);
  Status KillZk(int i);  // SIGKILL the JVM (the agent will restart it)
  Status PauseZk(int i);
  Status ResumeZk(int i);

  // With options.netns: cut masters apart and heal (netns.h); nullptr otherwise.
  MasterNetworks* partitions() { return networks_.get(); }

  // HTTP to agent i with `token`; by default the admin token, or on /v1/internal/ paths the
  // cluster credential (the test speaks as an agent there).
  Result<http::Reply> Call(int i, const std::string& method, const std::string& path,
                           const std::string& body = "", const std::string* token = nullptr,
                           std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  Result<proto::ClusterStatus> ClusterStatus(int i = 1) const;
  // Test-only crash points (options.allow_crash_points): delay 0 kills agent i at `point`.
  Status ArmCrashPoint(int i, const std::string& point,
                       std::chrono::milliseconds delay = std::chrono::milliseconds(0),
                       bool disarm = false) const;
  // Master numbers (1..N) of the elected coordinator and of the leading server, as agent `i`
  // reports them; 0 when there is none.
  int CoordinatorIndex(int i = 1) const;
  int LeaderIndex(int i = 1) const;
  // Polls agent i until every master serves and exactly one leads. On timeout, `last` (if
  // given) says what was seen last.
  bool WaitHealthy(std::chrono::milliseconds timeout, int i = 1, std::string* last = nullptr) const;
  // The same, until every running agent sees it (views converge at each agent's poll interval).
  bool WaitAllHealthy(std::chrono::milliseconds timeout) const;

 private:
  Status WriteFiles();
  Status WriteTokens();
  Status WriteTls();
  Status MountSmallDisk(int i);
  static void UnmountUnder(const std::string& dir);
  std::string AgentToml(int i) const;
  std::string ZooCfgText(int i) const;

  MiniClusterOptions options_;
  std::vector<pid_t> agent_pids_;
  std::unique_ptr<http::Client> client_;
  std::unique_ptr<MasterNetworks> networks_;  // with options.netns, while up
  bool detached_ = false;
  bool up_ = false;
};

}  // namespace lockstep::integration
