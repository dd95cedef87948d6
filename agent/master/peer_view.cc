#include "agent/master/peer_view.h"

#include <future>
#include <set>
#include <sstream>

#include "agent/control/zk_probe.h"
#include "api/paths.h"
#include "common/log.h"
#include "proto/json.h"

namespace lockstep::agent {

proto::MasterStatus UnreachableMaster(const PeerConfig& peer, const std::string& error) {
  proto::MasterStatus master;
  master.set_name(peer.name);
  master.set_address(peer.url);
  if (auto url = http::ParseUrl(peer.url); url.ok()) master.set_hostname(url->host);
  master.set_agent_reachable(false);
  master.set_error(error);
  master.mutable_zk()->set_code(api::kDown);
  master.mutable_zk()->set_description(api::ExhibitorDescription(api::kDown));
  master.mutable_zk()->set_error("agent unreachable");
  return master;
}

std::vector<std::string> AskPeers(const PeerView& peers, const http::Client& client,
                                  const std::string& token, const std::string& path,
                                  std::chrono::milliseconds timeout) {
  std::vector<std::future<std::string>> answers;
  for (const auto& peer : peers.Snapshot()) {
    if (!peer.agent_reachable()) continue;
    answers.push_back(std::async(std::launch::async, [&, url = peer.address()] {
      Result<http::Url> parsed = http::ParseUrl(url);
      if (!parsed.ok()) return std::string();
      auto reply = client.Call(
          *parsed, {.method = "GET", .target = path, .token = token, .timeout = timeout});
      return reply.ok() && reply->status == 200 ? reply->body : std::string();
    }));
  }
  std::vector<std::string> bodies;
  for (auto& answer : answers) {
    std::string body = answer.get();
    if (!body.empty()) bodies.push_back(std::move(body));
  }
  return bodies;
}

namespace {

// What a peer's answer to GET /v1/node/status says of it: an unreachable master unless it is a
// 200 carrying the status of the master we asked for.
proto::MasterStatus StatusFromReply(const PeerConfig& peer, const http::Reply& reply) {
  if (reply.status != 200) {
    return UnreachableMaster(
        peer, "answered HTTP " + std::to_string(reply.status) + ": " + reply.body.substr(0, 200));
  }
  proto::MasterStatus master;
  Status parsed = proto::FromJson(reply.body, &master, true);
  if (!parsed.ok()) return UnreachableMaster(peer, parsed.message());
  if (master.name() != peer.name) {
    return UnreachableMaster(peer, "the agent at " + peer.url + " says it is '" + master.name() +
                                       "': check the peers in its configuration");
  }
  master.set_address(peer.url);
  return master;
}

}  // namespace

PeerView::PeerView(std::vector<PeerConfig> peers, const http::Client& client, std::string token,
                   std::chrono::milliseconds interval, std::chrono::milliseconds timeout)
    : peers_(std::move(peers)),
      client_(client),
      token_(std::move(token)),
      interval_(interval),
      timeout_(timeout) {
  for (const auto& peer : peers_) {
    proto::MasterStatus latent = UnreachableMaster(peer, "not asked yet");
    latent.mutable_zk()->set_code(api::kLatent);
    latent.mutable_zk()->set_description(api::ExhibitorDescription(api::kLatent));
    latest_.push_back(std::move(latent));
  }
  silent_.resize(peers_.size());
}

PeerView::~PeerView() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& poller : pollers_) poller.join();
}

void PeerView::Begin() {
  for (size_t i = 0; i < peers_.size(); ++i) pollers_.emplace_back([this, i] { Poll(i); });
}

PeerView::Asked PeerView::Ask(const PeerConfig& peer) const {
  Asked asked{.at = std::chrono::steady_clock::now()};
  Result<http::Url> url = http::ParseUrl(peer.url);
  if (!url.ok()) {
    asked.status = UnreachableMaster(peer, url.status().message());
    return asked;
  }
  http::CallOptions call{
      .method = "GET", .target = api::paths::kPeerStatus, .token = token_, .timeout = timeout_};
  Result<http::Reply> reply = client_.Call(*url, call);
  if (!reply.ok()) {
    asked.status = UnreachableMaster(peer, reply.status().message());
    return asked;
  }
  asked.answered = true;
  asked.status = StatusFromReply(peer, *reply);
  return asked;
}

void PeerView::Poll(size_t index) {
  const PeerConfig& peer = peers_[index];
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    Asked asked = Ask(peer);
    lock.lock();
    if (asked.status.agent_reachable() != latest_[index].agent_reachable()) {
      log::Info(asked.status.agent_reachable() ? "peer reachable" : "peer unreachable",
                {{"peer", peer.name}, {"error", asked.status.error()}});
    }
    Record(index, std::move(asked));
    wake_.wait_for(lock, interval_);
  }
}

void PeerView::Record(size_t index, Asked asked) {
  if (asked.answered) {
    silent_[index].reset();
  } else {
    const auto since = silent_[index] ? silent_[index]->since : asked.at;
    silent_[index] = Silence{since, std::chrono::steady_clock::now()};
  }
  latest_[index] = std::move(asked.status);
}

std::vector<proto::MasterStatus> PeerView::Snapshot() const {
  std::lock_guard lock(mu_);
  return latest_;
}

void PeerView::RefreshNow(const std::string& name) {
  for (size_t i = 0; i < peers_.size(); ++i) {
    if (peers_[i].name != name) continue;
    Asked asked = Ask(peers_[i]);
    std::lock_guard lock(mu_);
    Record(i, std::move(asked));
  }
}

void PeerView::RefreshAll() {
  std::vector<std::thread> askers;
  for (const auto& peer : peers_) askers.emplace_back([this, &peer] { RefreshNow(peer.name); });
  for (auto& asker : askers) asker.join();
}

std::string PeerView::ServersOfAnsweringMasters(const std::string& connect) const {
  const size_t slash = connect.find('/');
  const std::string chroot = slash == std::string::npos ? "" : connect.substr(slash);
  std::set<std::string> silent_hosts;
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < peers_.size(); ++i) {
      if (!silent_[i]) continue;
      if (Result<http::Url> url = http::ParseUrl(peers_[i].url); url.ok()) {
        silent_hosts.insert(url->host);
      }
    }
  }
  std::string kept;
  std::istringstream entries(connect.substr(0, slash));
  for (std::string entry; std::getline(entries, entry, ',');) {
    if (silent_hosts.count(entry.substr(0, entry.rfind(':')))) continue;
    kept += (kept.empty() ? "" : ",") + entry;
  }
  return kept.empty() ? connect : kept + chroot;
}

std::chrono::milliseconds PeerView::SilentFor(const std::string& name) const {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < peers_.size(); ++i) {
    if (peers_[i].name != name || !silent_[i]) continue;
    return std::chrono::duration_cast<std::chrono::milliseconds>(silent_[i]->through -
                                                                 silent_[i]->since);
  }
  return std::chrono::milliseconds(0);
}

std::string PeerView::UrlOf(const std::string& name) const {
  for (const auto& peer : peers_) {
    if (peer.name == name) return peer.url;
  }
  return "";
}

}  // namespace lockstep::agent
