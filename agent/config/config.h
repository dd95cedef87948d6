// `lockstep-agent --config agent.toml`: everything one agent needs to know about its master and
// its peers. Parsing is strict: an unknown key or a value of the wrong type or range stops
// start-up with a message naming the key, because a typo in a key would otherwise silently fall
// back to a default on a production master.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "agent/config/dcos_tokens.h"
#include "agent/config/encryption_config.h"
#include "agent/config/repository_config.h"
#include "agent/control/controller_config.h"
#include "common/http/tls.h"
#include "common/status.h"

namespace lockstep::agent {

struct PeerConfig {
  std::string name;
  std::string url;  // http(s)://HOST:PORT of the peer's agent
};

// [archiving]: continuous archiving of committed transactions (archiving/archiver.h).
struct ArchivingConfig {
  bool enabled = true;
  std::chrono::milliseconds interval{1000};  // segments are shipped this often
  uint64_t segment_bytes = 8 << 20;          // ...or once this much log is read
};

// The ZooKeeper controller's settings live with the controllers (control/), which must not
// depend on the agent; the agent's configuration names them here.
using ProcessControllerConfig = control::ProcessControllerConfig;
using SystemdControllerConfig = control::SystemdControllerConfig;
using ExecControllerConfig = control::ExecControllerConfig;
using ControllerConfig = control::ControllerConfig;

// An app component: a znode subtree backed up and restored through the ZooKeeper client, with
// optional commands run on the driving master before and after a restore (e.g. stop and start
// Marathon). Default when none is configured: marathon = /marathon.
struct ComponentConfig {
  std::string name;
  std::string path;
  std::string pre_restore;  // shell command; empty: none
  std::string post_restore;
  std::chrono::milliseconds hook_timeout{300000};
};

struct AgentConfig {
  std::string name;
  std::string listen_host;
  uint16_t listen_port = 0;
  std::string advertise;  // this agent's URL as peers and operators reach it
  std::vector<PeerConfig> peers;
  std::string zoo_cfg;
  std::string store_dir;
  // Credentials (credentials.h): the original single token (one admin token), named tokens with
  // roles, and the agents' own credential. At least one of the first two.
  std::string token_file;
  std::string tokens_file;
  std::string cluster_token_file;
  DcosAuthConfig dcos_auth;  // [auth]: DC/OS login tokens (dcos_tokens.h)
  std::string zk_auth_file;  // [zookeeper] auth_file: the agent's ZooKeeper credentials (zk_auth.h)
  std::optional<http::ServerTlsFiles> tls;
  http::ClientTlsFiles peer_tls;  // how this agent checks its peers' certificates
  ControllerConfig controller;
  std::chrono::milliseconds peer_timeout{1000};
  std::chrono::milliseconds probe_interval{1000};
  uint64_t max_body_bytes = 1 << 20;
  std::string zk_connect;  // the ensemble's client addresses; default: from zoo.cfg
  std::chrono::milliseconds election_session{6000};
  std::chrono::milliseconds lock_lease{30000};
  uint32_t backup_replicas = 0;        // masters keeping each archive; 0: all
  uint32_t backup_ready_replicas = 0;  // copies a backup needs to be READY; 0: a majority
  int quorum_margin = 0;
  // A restored ensemble gets this long to elect one leader with every server serving before
  // every master is rolled back.
  std::chrono::milliseconds restore_start_timeout{120000};
  // After a failed restore is rolled back, how long the previous data gets to form again.
  std::chrono::milliseconds restore_rollback_start_timeout{120000};
  // Rollback copies of the previous data kept per directory after a restore succeeds.
  uint32_t restore_rollback_keep = 0;
  // Staged data with at least this much transaction log to replay is loaded once by a scratch
  // ZooKeeper before the outage, which leaves one snapshot (see local/compact_staging.h).
  uint64_t restore_compact_min_log_bytes = 16ull << 20;
  bool allow_crash_points = false;  // tests only: POST /v1/internal/crash-points
  // Whether age identities given with a restore may be passed to peers whose URL is plain
  // http:// (they open every backup): off, so a restore with identities needs TLS between the
  // agents unless the operator says otherwise.
  bool identities_over_http = false;
  // The audit log's retention in days (audit_log.h; also bounded to 16 MiB of disk).
  uint32_t audit_retention_days = 365;
  std::vector<ComponentConfig> components{{.name = "marathon", .path = "/marathon"}};
  std::chrono::milliseconds request_timeout{10000};
  RepositoryConfig repository;
  EncryptionConfig encryption;
  ArchivingConfig archiving;
  // [ui] enabled: serve the read-only web console at /ui/ (agent/ui/console.h). Off by default:
  // a master serves no page its operators did not ask for.
  bool console = false;
};

// `origin` names the source in errors (usually the file path).
Result<AgentConfig> ParseAgentConfig(const std::string& text, const std::string& origin);
Result<AgentConfig> LoadAgentConfig(const std::string& path);

}  // namespace lockstep::agent
