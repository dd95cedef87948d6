#include "node-agent/agent/agent.h"

#include <filesystem>

#include "common/log.h"
#include "node-agent/agent/token.h"
#include "node-agent/control/controller.h"

namespace lockstep::agent {
namespace {

// Voting members named in zoo.cfg; a config without server lines is a standalone server.
int CountVoters(const zk::ZooCfg& cfg) {
  int voters = 0;
  for (const auto& [id, line] : cfg.servers) {
    if (line.find(":observer") == std::string::npos) ++voters;
  }
  return voters == 0 ? 1 : voters;
}

bool NeedsClientTls(const AgentConfig& config) {
  if (!config.peer_tls.ca_file.empty()) return true;
  for (const auto& peer : config.peers) {
    if (peer.url.starts_with("https://")) return true;
  }
  return false;
}

}  // namespace

Result<std::unique_ptr<Agent>> Agent::Create(AgentConfig config) {
  std::unique_ptr<Agent> agent(new Agent(std::move(config)));
  const AgentConfig& c = agent->config_;
  ASSIGN_OR_RETURN(std::string token, LoadToken(c.token_file));
  ASSIGN_OR_RETURN(zk::ZooCfg zoo_cfg, zk::LoadZooCfg(c.zoo_cfg));
  if (!zoo_cfg.client) {
    return InvalidArgument(c.zoo_cfg + " has no clientPort: the agent needs it to probe ZooKeeper");
  }
  std::error_code ec;
  std::filesystem::create_directories(c.store_dir, ec);
  if (ec) return IoError("cannot create store_dir " + c.store_dir + ": " + ec.message());

  std::shared_ptr<boost::asio::ssl::context> client_tls;
  if (NeedsClientTls(c)) {
    ASSIGN_OR_RETURN(client_tls, http::MakeClientContext(c.peer_tls));
  }
  agent->client_ = std::make_unique<http::Client>(client_tls);

  ASSIGN_OR_RETURN(auto controller, control::MakeController(c.controller, c.zoo_cfg, zoo_cfg));
  ASSIGN_OR_RETURN(http::Url advertised, http::ParseUrl(c.advertise));
  LocalNodeOptions node{.name = c.name, .address = c.advertise, .hostname = advertised.host,
                        .client = *zoo_cfg.client, .probe_interval = c.probe_interval,
                        .probe_timeout = c.peer_timeout};
  agent->node_ = std::make_unique<LocalNode>(node, std::move(controller),
                                             MaintenanceFlag(c.store_dir));
  agent->peers_ = std::make_unique<PeerView>(c.peers, *agent->client_, token, c.probe_interval,
                                             c.peer_timeout);
  agent->api_ = std::make_unique<Api>(ApiContext{.token = token, .node = agent->node_.get(),
                                                 .peers = agent->peers_.get(),
                                                 .client = agent->client_.get(),
                                                 .voters = CountVoters(zoo_cfg)});
  http::ServerOptions server{.host = c.listen_host, .port = c.listen_port, .tls = c.tls,
                             .body_limit = c.max_body_bytes, .read_timeout = c.request_timeout,
                             .write_timeout = c.request_timeout};
  Api* api = agent->api_.get();
  agent->server_ = std::make_unique<http::Server>(
      server, [api](const http::Request& request) { return api->Handle(request); });
  api->set_server(&agent->server_->counters());
  return agent;
}

Agent::~Agent() { End(); }

Status Agent::Begin() {
  // Listen first: a port in use should stop start-up before ZooKeeper is touched.
  RETURN_IF_ERROR(server_->Start());
  RETURN_IF_ERROR(node_->Begin());
  peers_->Begin();
  log::Info("agent serving", {{"listen", config_.listen_host + ":" + std::to_string(port())},
                              {"advertise", config_.advertise},
                              {"controller", config_.controller.backend},
                              {"peers", std::to_string(config_.peers.size())}});
  return Status::Ok();
}

void Agent::End() {
  if (server_) server_->Stop();
  peers_.reset();
  node_.reset();  // the process controller stops the JVM here when it owns it
}

}  // namespace lockstep::agent
