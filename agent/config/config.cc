#include "agent/config/config.h"

#include <filesystem>
#include <regex>
#include <set>

#include "agent/config/toml_reader.h"
#include "common/file.h"
#include "common/http/url.h"
#include "engine/components/dump.h"
#include "engine/zk/zoo_cfg.h"

namespace lockstep::agent {
namespace {

// Master names appear in URLs, logs and metrics labels.
Status CheckName(const std::string& what, const std::string& name) {
  static const std::regex kName("^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$");
  if (!std::regex_match(name, kName)) {
    return InvalidArgument(what + " '" + name +
                           "' must be 1-63 letters, digits, '_', '.' or '-', starting with a "
                           "letter or digit");
  }
  return Status::Ok();
}

Status ReadProcess(TomlReader& reader, ProcessControllerConfig* out) {
  RETURN_IF_ERROR(reader.String("java", &out->java));
  RETURN_IF_ERROR(reader.String("heap", &out->heap));
  static const std::regex kHeap("^[0-9]+[kKmMgG]?$");
  if (!std::regex_match(out->heap, kHeap)) {
    return InvalidArgument("'" + reader.Name("heap") + "' must look like 512m or 2g, not '" +
                           out->heap + "'");
  }
  RETURN_IF_ERROR(reader.String("classpath", &out->classpath));
  RETURN_IF_ERROR(reader.StringList("jvm_flags", &out->jvm_flags));
  RETURN_IF_ERROR(reader.String("log_file", &out->log_file));
  RETURN_IF_ERROR(reader.Millis("stop_grace_ms", &out->stop_grace));
  RETURN_IF_ERROR(reader.Millis("restart_backoff_min_ms", &out->restart_backoff_min));
  RETURN_IF_ERROR(reader.Millis("restart_backoff_max_ms", &out->restart_backoff_max));
  RETURN_IF_ERROR(reader.Bool("stop_on_exit", &out->stop_on_exit));
  return reader.RejectUnknownKeys();
}

Status ReadController(TomlReader& reader, ControllerConfig* out) {
  RETURN_IF_ERROR(reader.String("backend", &out->backend, true));
  ASSIGN_OR_RETURN(const toml::table* process, reader.Table("process"));
  ASSIGN_OR_RETURN(const toml::table* systemd, reader.Table("systemd"));
  ASSIGN_OR_RETURN(const toml::table* exec, reader.Table("exec"));
  RETURN_IF_ERROR(reader.RejectUnknownKeys());
  if (out->backend == "process") {
    if (process) {
      TomlReader sub(*process, "controller.process");
      RETURN_IF_ERROR(ReadProcess(sub, &out->process));
    }
  } else if (out->backend == "systemd") {
    if (!systemd) return InvalidArgument("backend 'systemd' needs [controller.systemd] unit = …");
    TomlReader sub(*systemd, "controller.systemd");
    RETURN_IF_ERROR(sub.String("unit", &out->systemd.unit, true));
    RETURN_IF_ERROR(sub.String("systemctl", &out->systemd.systemctl));
    RETURN_IF_ERROR(sub.RejectUnknownKeys());
  } else if (out->backend == "exec") {
    if (!exec) return InvalidArgument("backend 'exec' needs [controller.exec] start and stop");
    TomlReader sub(*exec, "controller.exec");
    RETURN_IF_ERROR(sub.String("start", &out->exec.start, true));
    RETURN_IF_ERROR(sub.String("stop", &out->exec.stop, true));
    RETURN_IF_ERROR(sub.Millis("timeout_ms", &out->exec.timeout));
    RETURN_IF_ERROR(sub.RejectUnknownKeys());
  } else {
    return InvalidArgument("'controller.backend' must be process, systemd or exec, not '" +
                           out->backend + "'");
  }
  const bool mismatched = (process && out->backend != "process") ||
                          (systemd && out->backend != "systemd") ||
                          (exec && out->backend != "exec");
  if (mismatched) {
    return InvalidArgument("[controller] has settings for a backend other than '" + out->backend +
                           "'; remove them or change 'controller.backend'");
  }
  return Status::Ok();
}

Status ReadTls(TomlReader& reader, AgentConfig* out) {
  http::ServerTlsFiles server;
  RETURN_IF_ERROR(reader.String("cert_file", &server.cert_file));
  RETURN_IF_ERROR(reader.String("key_file", &server.key_file));
  RETURN_IF_ERROR(reader.String("client_ca_file", &server.client_ca_file));
  RETURN_IF_ERROR(reader.String("ca_file", &out->peer_tls.ca_file));
  RETURN_IF_ERROR(reader.String("client_cert_file", &out->peer_tls.cert_file));
  RETURN_IF_ERROR(reader.String("client_key_file", &out->peer_tls.key_file));
  RETURN_IF_ERROR(reader.RejectUnknownKeys());
  if (server.cert_file.empty() != server.key_file.empty()) {
    return InvalidArgument("'tls.cert_file' and 'tls.key_file' go together");
  }
  if (!server.cert_file.empty()) out->tls = server;
  return Status::Ok();
}

Status ReadPeers(TomlReader& reader, AgentConfig* out) {
  ASSIGN_OR_RETURN(auto peers, reader.TableArray("peers"));
  std::set<std::string> names = {out->name};
  for (size_t i = 0; i < peers.size(); ++i) {
    TomlReader sub(*peers[i], "peers[" + std::to_string(i) + "]");
    PeerConfig peer;
    RETURN_IF_ERROR(sub.String("name", &peer.name, true));
    RETURN_IF_ERROR(sub.String("url", &peer.url, true));
    RETURN_IF_ERROR(sub.RejectUnknownKeys());
    RETURN_IF_ERROR(CheckName("'" + sub.Name("name") + "'", peer.name));
    RETURN_IF_ERROR(http::ParseUrl(peer.url).status().Prepend("'" + sub.Name("url") + "'"));
    if (!names.insert(peer.name).second) {
      return InvalidArgument("master name '" + peer.name + "' appears twice (peers or name)");
    }
    out->peers.push_back(std::move(peer));
  }
  return Status::Ok();
}

Status ReadComponents(TomlReader& reader, AgentConfig* out) {
  ASSIGN_OR_RETURN(auto tables, reader.TableArray("components"));
  if (tables.empty()) return Status::Ok();  // the default stays
  out->components.clear();
  std::set<std::string> names;
  for (size_t i = 0; i < tables.size(); ++i) {
    TomlReader sub(*tables[i], "components[" + std::to_string(i) + "]");
    ComponentConfig component;
    RETURN_IF_ERROR(sub.String("name", &component.name, true));
    RETURN_IF_ERROR(sub.String("path", &component.path, true));
    RETURN_IF_ERROR(sub.String("pre_restore", &component.pre_restore));
    RETURN_IF_ERROR(sub.String("post_restore", &component.post_restore));
    RETURN_IF_ERROR(sub.Millis("hook_timeout_ms", &component.hook_timeout));
    RETURN_IF_ERROR(sub.RejectUnknownKeys());
    RETURN_IF_ERROR(components::CheckComponent(component.name, component.path)
                        .Prepend("'" + sub.Name("name") + "'"));
    if (!names.insert(component.name).second) {
      return InvalidArgument("component '" + component.name + "' appears twice");
    }
    out->components.push_back(std::move(component));
  }
  return Status::Ok();
}

Status ReadListen(TomlReader& reader, AgentConfig* out) {
  std::string listen;
  RETURN_IF_ERROR(reader.String("listen", &listen, true));
  Result<zk::Endpoint> endpoint = zk::ParseEndpoint(listen);
  if (!endpoint.ok()) return InvalidArgument("'listen' must be IP:PORT, not '" + listen + "'");
  out->listen_host = endpoint->host;
  out->listen_port = endpoint->port;
  RETURN_IF_ERROR(reader.String("advertise", &out->advertise));
  if (out->advertise.empty()) out->advertise = (out->tls ? "https://" : "http://") + listen;
  RETURN_IF_ERROR(http::ParseUrl(out->advertise).status().Prepend("'advertise'"));
  return Status::Ok();
}

Status ReadCredentialFiles(TomlReader& reader, AgentConfig* out) {
  RETURN_IF_ERROR(reader.String("token_file", &out->token_file));
  RETURN_IF_ERROR(reader.String("tokens_file", &out->tokens_file));
  RETURN_IF_ERROR(reader.String("cluster_token_file", &out->cluster_token_file));
  if (out->token_file.empty() && out->tokens_file.empty()) {
    return InvalidArgument(
        "'tokens_file' (named tokens with roles) or 'token_file' (one shared token) is required");
  }
  return Status::Ok();
}

// A table of name = "role" (uids, or DC/OS group ids) under [auth]; false when absent.
Result<bool> ReadRoleTable(TomlReader& auth, const std::string& name,
                           std::map<std::string, api::Role>* out) {
  ASSIGN_OR_RETURN(const toml::table* table, auth.Table(name));
  if (!table) return false;
  TomlReader entries(*table, "auth." + name);
  for (const auto& [key, value] : *table) {
    const std::string entry(key.str());
    std::string role_name;
    RETURN_IF_ERROR(entries.String(entry, &role_name));
    Result<api::Role> role = api::ParseRole(role_name);
    if (!role.ok()) return role.status().Prepend("'" + entries.Name(entry) + "'");
    (*out)[entry] = *role;
  }
  return true;
}

// [auth] iam_url, iam_token_file, iam_ca_file, iam_cache_seconds: the IAM asked for groups.
Status ReadIam(TomlReader& reader, IamConfig* out) {
  RETURN_IF_ERROR(reader.String("iam_url", &out->url));
  RETURN_IF_ERROR(reader.String("iam_token_file", &out->token_file));
  RETURN_IF_ERROR(reader.String("iam_ca_file", &out->ca_file));
  int64_t cache_seconds = out->cache_for.count();
  RETURN_IF_ERROR(reader.Integer("iam_cache_seconds", 0, 3600, &cache_seconds));
  out->cache_for = std::chrono::seconds(cache_seconds);
  return Status::Ok();
}

// [auth]: jwks_file, dcos_default_role, the IAM, and the [auth.dcos_roles] (uid = "role") and
// [auth.dcos_group_roles] (DC/OS group id = "role") tables.
Status ReadAuth(TomlReader& root, DcosAuthConfig* out) {
  ASSIGN_OR_RETURN(const toml::table* table, root.Table("auth"));
  if (!table) return Status::Ok();
  TomlReader reader(*table, "auth");
  RETURN_IF_ERROR(reader.String("jwks_file", &out->jwks_file));
  std::string fallback = "operator";
  RETURN_IF_ERROR(reader.String("dcos_default_role", &fallback));
  if (fallback == "none") {
    out->default_role.reset();
  } else {
    Result<api::Role> role = api::ParseRole(fallback);
    if (!role.ok()) return role.status().Prepend("'auth.dcos_default_role' (or \"none\")");
    out->default_role = *role;
  }
  ASSIGN_OR_RETURN(const bool roles, ReadRoleTable(reader, "dcos_roles", &out->roles));
  ASSIGN_OR_RETURN(const bool group_roles,
                   ReadRoleTable(reader, "dcos_group_roles", &out->group_roles));
  RETURN_IF_ERROR(ReadIam(reader, &out->iam));
  if (group_roles && out->iam.url.empty()) {
    return InvalidArgument(
        "[auth] dcos_group_roles needs iam_url: a DC/OS token names its user, not its groups, "
        "which only the IAM knows");
  }
  if (out->jwks_file.empty() &&
      (roles || group_roles || !out->iam.url.empty() || fallback != "operator")) {
    return InvalidArgument(
        "[auth] sets DC/OS roles but no jwks_file: DC/OS tokens are checked "
        "against the IAM's public keys, so name the file that holds them");
  }
  return reader.RejectUnknownKeys();
}

// [zookeeper]: auth_file.
Status ReadZookeeper(TomlReader& root, AgentConfig* out) {
  ASSIGN_OR_RETURN(const toml::table* table, root.Table("zookeeper"));
  if (!table) return Status::Ok();
  TomlReader reader(*table, "zookeeper");
  RETURN_IF_ERROR(reader.String("auth_file", &out->zk_auth_file));
  return reader.RejectUnknownKeys();
}

// [ui]: enabled.
Status ReadUi(TomlReader& root, AgentConfig* out) {
  ASSIGN_OR_RETURN(const toml::table* table, root.Table("ui"));
  if (!table) return Status::Ok();
  TomlReader reader(*table, "ui");
  RETURN_IF_ERROR(reader.Bool("enabled", &out->console));
  return reader.RejectUnknownKeys();
}

Status ReadArchiving(TomlReader& root, ArchivingConfig* out) {
  ASSIGN_OR_RETURN(const toml::table* table, root.Table("archiving"));
  if (!table) return Status::Ok();
  TomlReader reader(*table, "archiving");
  RETURN_IF_ERROR(reader.Bool("enabled", &out->enabled));
  RETURN_IF_ERROR(reader.Millis("interval_ms", &out->interval));
  if (out->interval < std::chrono::milliseconds(100) || out->interval > std::chrono::minutes(10)) {
    return InvalidArgument("'archiving.interval_ms' must be between 100 and 600000");
  }
  int64_t segment_mb = static_cast<int64_t>(out->segment_bytes >> 20);
  RETURN_IF_ERROR(reader.Integer("segment_mb", 1, 256, &segment_mb));
  out->segment_bytes = static_cast<uint64_t>(segment_mb) << 20;
  return reader.RejectUnknownKeys();
}

Status ReadRoot(TomlReader& reader, AgentConfig* out) {
  RETURN_IF_ERROR(reader.String("name", &out->name, true));
  RETURN_IF_ERROR(CheckName("'name'", out->name));
  ASSIGN_OR_RETURN(const toml::table* tls, reader.Table("tls"));
  if (tls) {
    TomlReader sub(*tls, "tls");
    RETURN_IF_ERROR(ReadTls(sub, out));
  }
  RETURN_IF_ERROR(ReadListen(reader, out));
  RETURN_IF_ERROR(ReadPeers(reader, out));
  RETURN_IF_ERROR(reader.String("zoo_cfg", &out->zoo_cfg, true));
  RETURN_IF_ERROR(reader.String("store_dir", &out->store_dir, true));
  RETURN_IF_ERROR(ReadCredentialFiles(reader, out));
  RETURN_IF_ERROR(reader.Millis("peer_timeout_ms", &out->peer_timeout));
  RETURN_IF_ERROR(reader.Millis("probe_interval_ms", &out->probe_interval));
  RETURN_IF_ERROR(reader.Millis("request_timeout_ms", &out->request_timeout));
  RETURN_IF_ERROR(reader.String("zk_connect", &out->zk_connect));
  RETURN_IF_ERROR(reader.Millis("election_session_ms", &out->election_session));
  RETURN_IF_ERROR(reader.Millis("lock_lease_ms", &out->lock_lease));
  int64_t replicas = out->backup_replicas, margin = out->quorum_margin;
  RETURN_IF_ERROR(reader.Integer("backup_replicas", 0, 99, &replicas));
  int64_t ready_replicas = out->backup_ready_replicas;
  RETURN_IF_ERROR(reader.Integer("backup_ready_replicas", 0, 99, &ready_replicas));
  out->backup_ready_replicas = static_cast<uint32_t>(ready_replicas);
  RETURN_IF_ERROR(reader.Integer("quorum_margin", 0, 9, &margin));
  RETURN_IF_ERROR(reader.Millis("restore_start_timeout_ms", &out->restore_start_timeout));
  RETURN_IF_ERROR(
      reader.Millis("restore_rollback_start_timeout_ms", &out->restore_rollback_start_timeout));
  int64_t keep = out->restore_rollback_keep;
  RETURN_IF_ERROR(reader.Integer("restore_rollback_keep", 0, 99, &keep));
  out->restore_rollback_keep = static_cast<uint32_t>(keep);
  int64_t compact_mb = static_cast<int64_t>(out->restore_compact_min_log_bytes >> 20);
  RETURN_IF_ERROR(reader.Integer("restore_compact_min_log_mb", 0, 1 << 20, &compact_mb));
  out->restore_compact_min_log_bytes = static_cast<uint64_t>(compact_mb) << 20;
  RETURN_IF_ERROR(reader.Bool("allow_crash_points", &out->allow_crash_points));
  RETURN_IF_ERROR(reader.Bool("identities_over_http", &out->identities_over_http));
  RETURN_IF_ERROR(ReadComponents(reader, out));
  RETURN_IF_ERROR(ReadRepository(reader, &out->repository));
  RETURN_IF_ERROR(ReadEncryption(reader, &out->encryption));
  RETURN_IF_ERROR(ReadArchiving(reader, &out->archiving));
  RETURN_IF_ERROR(ReadAuth(reader, &out->dcos_auth));
  RETURN_IF_ERROR(ReadZookeeper(reader, out));
  RETURN_IF_ERROR(ReadUi(reader, out));
  out->backup_replicas = static_cast<uint32_t>(replicas);
  out->quorum_margin = static_cast<int>(margin);
  int64_t audit_days = out->audit_retention_days;
  RETURN_IF_ERROR(reader.Integer("audit_retention_days", 1, 3650, &audit_days));
  out->audit_retention_days = static_cast<uint32_t>(audit_days);
  int64_t body = static_cast<int64_t>(out->max_body_bytes);
  RETURN_IF_ERROR(reader.Integer("max_body_bytes", 1024, 64LL << 20, &body));
  out->max_body_bytes = static_cast<uint64_t>(body);
  ASSIGN_OR_RETURN(const toml::table* controller, reader.Table("controller"));
  if (!controller)
    return InvalidArgument("[controller] is required (backend = process|systemd|exec)");
  TomlReader sub(*controller, "controller");
  RETURN_IF_ERROR(ReadController(sub, &out->controller));
  return reader.RejectUnknownKeys();
}

}  // namespace

Result<AgentConfig> ParseAgentConfig(const std::string& text, const std::string& origin) {
  toml::table root;
  try {
    root = toml::parse(text);
  } catch (const toml::parse_error& e) {
    return InvalidArgument(origin + ": line " + std::to_string(e.source().begin.line) + ": " +
                           std::string(e.description()));
  }
  AgentConfig config;
  TomlReader reader(root, "");
  RETURN_IF_ERROR(ReadRoot(reader, &config).Prepend(origin));
  if (config.controller.process.log_file.empty()) {
    config.controller.process.log_file = config.store_dir + "/zookeeper.out";
  }
  return config;
}

Result<AgentConfig> LoadAgentConfig(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, 1 << 20));
  return ParseAgentConfig(text, path);
}

}  // namespace lockstep::agent
