// What the agent derives from its configuration as it starts (agent.cc wires the parts): the
// ensemble's shape from zoo.cfg, the components to back up, whether peers need TLS, the store's
// permissions, and the options of this master's side of the coordinator's calls.
#pragma once

#include <string>
#include <vector>

#include "agent/config/config.h"
#include "agent/master/local_agent.h"
#include "agent/offsite/repository.h"
#include "common/status.h"
#include "coordinator/election.h"
#include "engine/zk/zoo_cfg.h"
#include "proto/backup.pb.h"

namespace lockstep::agent {

// Voting members named in zoo.cfg; a config without server lines is a standalone server.
int CountVoters(const zk::ZooCfg& cfg);
// The ensemble's client addresses: each server line's host with its client port (3.5+ syntax
// "host:quorum:election[:role];[address:]port"), or this server's client port when the line has
// none (DC/OS runs every server on the same port).
std::string DefaultZkConnect(const zk::ZooCfg& cfg);
std::vector<proto::ComponentSpec> ComponentSpecs(const std::vector<ComponentConfig>& configs);
// Whether calls to the peers need a TLS client (a CA configured, or a peer on https).
bool NeedsClientTls(const AgentConfig& config);
// The store holds everything ZooKeeper guards with ACLs: the directory 0700 and every file in it
// 0600, also what an older version left readable.
Status MakePrivate(const std::string& store_dir);
// What this master's side of the coordinator's calls needs from the configuration.
LocalAgentOptions LocalOptions(const AgentConfig& c, const std::string& token,
                               const zk::ZooCfg& zoo_cfg, coordinator::Election* election,
                               const Repository* repository);

}  // namespace lockstep::agent
