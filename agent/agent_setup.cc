#include "agent/agent_setup.h"

#include <filesystem>

namespace lockstep::agent {

// Voting members named in zoo.cfg; a config without server lines is a standalone server.
int CountVoters(const zk::ZooCfg& cfg) {
  int voters = 0;
  for (const auto& [id, line] : cfg.servers) {
    if (line.find(":observer") == std::string::npos) ++voters;
  }
  return voters == 0 ? 1 : voters;
}

// The ensemble's client addresses: each server line's host with its client port (3.5+ syntax
// "host:quorum:election[:role];[address:]port"), or this server's client port when the line has
// none (DC/OS runs every server on the same port).
std::string DefaultZkConnect(const zk::ZooCfg& cfg) {
  if (cfg.servers.empty()) return cfg.client->ToString();
  std::string hosts;
  for (const auto& [id, line] : cfg.servers) {
    std::string host = line.substr(0, line.find(':'));
    std::string port = std::to_string(cfg.client->port);
    if (size_t semicolon = line.find(';'); semicolon != std::string::npos) {
      std::string client = line.substr(semicolon + 1);
      port = client.substr(client.rfind(':') == std::string::npos ? 0 : client.rfind(':') + 1);
    }
    hosts += (hosts.empty() ? "" : ",") + host + ":" + port;
  }
  return hosts;
}

std::vector<proto::ComponentSpec> ComponentSpecs(const std::vector<ComponentConfig>& configs) {
  std::vector<proto::ComponentSpec> specs;
  for (const auto& config : configs) {
    proto::ComponentSpec spec;
    spec.set_name(config.name);
    spec.set_path(config.path);
    specs.push_back(std::move(spec));
  }
  return specs;
}

bool NeedsClientTls(const AgentConfig& config) {
  if (!config.peer_tls.ca_file.empty()) return true;
  for (const auto& peer : config.peers) {
    if (peer.url.starts_with("https://")) return true;
  }
  return false;
}

// The store holds everything ZooKeeper guards with ACLs: the directory 0700 and every file in it
// 0600, also what an older version left readable.
Status MakePrivate(const std::string& store_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::permissions(store_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) return IoError("cannot make " + store_dir + " private (0700): " + ec.message());
  for (auto it = fs::recursive_directory_iterator(store_dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::file_status status = it->symlink_status(ec);
    if (ec || (status.permissions() & (fs::perms::group_all | fs::perms::others_all)) ==
                  fs::perms::none) {
      continue;
    }
    if (fs::is_directory(status)) {
      fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::replace, ec);
    } else if (fs::is_regular_file(status)) {
      fs::permissions(it->path(), fs::perms::owner_read | fs::perms::owner_write,
                      fs::perm_options::replace, ec);
    }
    if (ec) return IoError("cannot make " + it->path().string() + " private: " + ec.message());
  }
  return ec ? IoError("cannot read " + store_dir + ": " + ec.message()) : Status::Ok();
}

// What this master's side of the coordinator's calls needs from the configuration. Built field by
// field: GCC 12 at -O3 misreads a designated initializer this large (maybe-uninitialized).
LocalAgentOptions LocalOptions(const AgentConfig& c, const std::string& token,
                               const zk::ZooCfg& zoo_cfg, coordinator::Election* election,
                               const Repository* repository) {
  LocalAgentOptions options;
  options.store_dir = c.store_dir;
  options.token = token;
  options.zoo_cfg = zoo_cfg;
  options.rollback_keep = c.restore_rollback_keep;
  options.compact.java = c.controller.process.java;
  options.compact.classpath = c.controller.process.classpath;
  // a load before the outage, on a busy master
  options.compact.start_timeout =
      std::max<std::chrono::milliseconds>(c.restore_start_timeout, std::chrono::minutes(2));
  options.compact.min_replay_bytes = c.restore_compact_min_log_bytes;
  options.elected_generation = [election]() -> uint64_t {
    auto current = election->Current();
    return current ? current->generation : 0;
  };
  options.encryption = c.encryption;
  options.repository = repository;
  options.history = [election] { return election->history(); };
  return options;
}

}  // namespace lockstep::agent
