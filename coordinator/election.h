// Election of one coordinator among the agents through ZooKeeper, the standard recipe: each
// agent holds an ephemeral sequential znode under /lockstep/election; the lowest leads; every
// other agent watches only its predecessor, so a departure wakes one agent, not all. A lost
// session loses the znode and with it the role; the loop then reconnects and re-enrols.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/clock.h"
#include "coordinator/election_zk.h"

namespace lockstep::coordinator {

struct ElectionOptions {
  std::string zk_connect;  // host:port,… of the ensemble's client ports
  std::string self_name;
  std::string self_url;
  std::string root = "/lockstep/election";
  std::chrono::milliseconds session_timeout{6000};
  std::chrono::milliseconds recheck{1000};  // safety net beside the watch
  // How long the named master's agent has not answered its peers at all (zero while it answers).
  // When given, the next in line removes the election znode of a coordinator silent for a whole
  // session timeout, rather than wait for ZooKeeper to expire its session. The two differ when
  // the silent master also led ZooKeeper: the followers give up on it only after syncLimit x
  // tickTime, and the new leader then restarts every session's timeout, so the frozen
  // coordinator would keep its role for that long plus a second whole timeout. Fencing makes
  // the removal safe: a coordinator whose znode is gone confirms nothing and is refused by its
  // peers, and steps down at its next look.
  std::function<std::chrono::milliseconds(const std::string& master)> silent_for;
  // The servers worth trying now (host:port,…): zk_connect less those on masters that do not
  // answer. A frozen server accepts the connection and then stalls the attempt for a whole
  // timeout (4 s of a 6 s session), so new sessions, and a session that lost its server, try
  // only these. Not given: zk_connect.
  std::function<std::string()> servers;
  // Why no coordinator can be elected at all right now, or "": ZooKeeper without a quorum of
  // serving voters, as this agent's view of the masters shows it. Not given: never said.
  std::function<std::string()> no_quorum;
};

struct CoordinatorInfo {
  std::string name;
  std::string url;
  // The leadership's fencing token: the zxid that created the leader's election znode. A later
  // leader always has a higher one (its znode was created after the previous leader's, or it
  // queued behind it), and a restore raises epochs, so it grows across restores too.
  uint64_t generation = 0;
};

// Thread-safe: the election loop writes the view under a mutex, any thread reads it.
class Election {
 public:
  // Over ZkClient sessions to `options.zk_connect`, on the real clock.
  explicit Election(ElectionOptions options);
  // Sessions from `connect` (`options.zk_connect` unused); retries and the session timeout run
  // on `clock`.
  Election(ElectionOptions options, ElectionZkConnector connect, Clock& clock);
  ~Election();  // leaves the election (closes the session, so the znode goes at once)

  void Begin();
  // This agent's master.
  const std::string& self_name() const { return options_.self_name; }
  bool IsCoordinator() const;
  // This agent's leadership generation while it coordinates; 0 when it does not.
  uint64_t Generation() const;
  // This agent's session to ZooKeeper is connected right now (as of the last pass).
  bool Connected() const;
  // The coordinator last seen, if any.
  std::optional<CoordinatorInfo> Current() const;
  // Why there is no coordinator, when there is none (e.g. ZooKeeper unreachable).
  std::string problem() const;
  // ElectionOptions::no_quorum's answer: why no election can finish right now, or "".
  std::string NoQuorum() const { return options_.no_quorum ? options_.no_quorum() : ""; }
  // The ensemble's history marker: a random token in /lockstep/history, made by the first agent
  // to enrol in a history. Restores bring it back with the data; when every server's data is
  // lost the next enrolment makes a new one. "" until this agent has enrolled once.
  std::string history() const;
  // Confirms, before the coordinator acts on a request, that it still leads as a ZooKeeper
  // quorum sees it. Its own session can outlive a partition by up to the session timeout: a
  // server cut off in a minority answers until it notices, and meanwhile this agent would act
  // alone. A fresh session needs the quorum (the leader creates it); through it, the election's
  // first znode must still be this agent's, with the same generation. NotCoordinator otherwise.
  Status ConfirmLeading() const;

 private:
  void Loop();
  Status Step();  // one pass: connect / enrol / look at the queue / watch
  // Points a disconnected session at the servers worth trying now, when they changed.
  void RetargetSession();
  // Whether the next in line should remove `leader`'s znode: it has not answered for a whole
  // session timeout (see ElectionOptions::silent_for).
  bool Silent(const CoordinatorInfo& leader) const;
  void Wake();

  const ElectionOptions options_;
  const ElectionZkConnector connect_;
  Clock& clock_;
  std::unique_ptr<ElectionZk> client_;  // only the loop thread touches it
  std::string client_servers_;          // the servers client_ was last pointed at
  std::string my_node_;
  std::string history_;  // guarded by mu_

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool woken_ = false;
  bool stopping_ = false;
  bool leading_ = false;
  std::string leading_node_;  // this agent's election znode while it leads
  bool connected_ = false;
  std::optional<CoordinatorInfo> current_;
  std::string problem_;
  std::optional<Clock::TimePoint> trouble_since_;
  // Shared with pending watches, which may fire after this object is gone.
  struct Waker {
    std::mutex mu;
    Election* election = nullptr;
  };
  std::shared_ptr<Waker> waker_;
  std::thread thread_;
};

}  // namespace lockstep::coordinator
