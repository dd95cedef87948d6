// What the other masters' agents last said about themselves. One poller per peer asks
// `GET /v1/node/status` every interval with a short deadline, so a dead or paused peer shows as
// unreachable within one deadline and status requests never wait on the network.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/config/config.h"
#include "common/http/client.h"
#include "proto/agent.pb.h"

namespace lockstep::agent {

// Thread-safe: pollers write the latest answers under a mutex, any thread reads a snapshot.
class PeerView {
 public:
  PeerView(std::vector<PeerConfig> peers, const http::Client& client, std::string token,
           std::chrono::milliseconds interval, std::chrono::milliseconds timeout);
  ~PeerView();

  void Begin();
  std::vector<proto::MasterStatus> Snapshot() const;
  // Asks peer `name` now instead of at its next poll (after an action changed it).
  void RefreshNow(const std::string& name);
  // Asks every peer now, in parallel (at most one peer timeout): for decisions that must not
  // rest on a view up to one poll interval old.
  void RefreshAll();
  // The peer's URL, or empty when `name` is not a peer.
  std::string UrlOf(const std::string& name) const;
  // How long peer `name`'s agent is known to have given no answer at all (no connection, or no
  // reply within the deadline): from the start of the first unanswered ask of the current run to
  // the end of the last one. Evidence only: it does not grow between asks, so a peer that wakes
  // is not taken for silent while the next ask is pending. Zero while it answers, even with an
  // error status (a refusal proves the process runs), and for unknown names.
  std::chrono::milliseconds SilentFor(const std::string& name) const;
  // The entries of the ZooKeeper connect string `connect` (host:port,…[/chroot]) that are not on
  // a peer whose last ask went unanswered (matched by the host of the peer's URL); all of them
  // when that would leave none.
  std::string ServersOfAnsweringMasters(const std::string& connect) const;

 private:
  struct Asked {
    proto::MasterStatus status;
    bool answered = false;                     // an HTTP reply came back, whatever its status
    std::chrono::steady_clock::time_point at;  // when the ask began
  };
  void Poll(size_t index);
  Asked Ask(const PeerConfig& peer) const;
  void Record(size_t index, Asked asked);  // under mu_

  const std::vector<PeerConfig> peers_;
  const http::Client& client_;
  const std::string token_;
  const std::chrono::milliseconds interval_;
  const std::chrono::milliseconds timeout_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<proto::MasterStatus> latest_;
  // Per peer, while its last ask went unanswered: when the run of unanswered asks began, and
  // when the last of them gave up.
  struct Silence {
    std::chrono::steady_clock::time_point since, through;
  };
  std::vector<std::optional<Silence>> silent_;
  std::vector<std::thread> pollers_;
};

// GETs `path` from every reachable peer at once and returns the bodies of the 200 answers; each
// peer costs at most `timeout`.
std::vector<std::string> AskPeers(const PeerView& peers, const http::Client& client,
                                  const std::string& token, const std::string& path,
                                  std::chrono::milliseconds timeout);

// The status of a master whose agent could not be asked: ZooKeeper reported down (Exhibitor's
// view: nobody vouches for it), with the reason.
proto::MasterStatus UnreachableMaster(const PeerConfig& peer, const std::string& error);

}  // namespace lockstep::agent
