// This master: its ZooKeeper server's controller, its maintenance flag, and a prober that keeps
// the server's status fresh so status requests answer from memory instead of waiting on a probe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "agent/control/controller.h"
#include "agent/control/maintenance.h"
#include "engine/zk/zoo_cfg.h"
#include "proto/agent.pb.h"

namespace lockstep::agent {

struct LocalNodeOptions {
  std::string name;
  std::string address;   // the agent's advertised URL
  std::string hostname;  // host part of the address
  zk::Endpoint client;   // where this master's server answers clients
  std::chrono::milliseconds probe_interval{1000};
  std::chrono::milliseconds probe_timeout{1000};
};

// Thread-safe: one action (stop/start/restart) at a time; the last probe is read under a
// second mutex, so status never waits for an action.
class LocalNode {
 public:
  LocalNode(LocalNodeOptions options, std::unique_ptr<control::ZkController> controller,
            MaintenanceFlag maintenance);
  ~LocalNode();

  // Starts the server unless the node is in maintenance, then starts probing.
  Status Begin();
  proto::MasterStatus Snapshot() const;
  // "stop" (enters maintenance), "start" (leaves it), "restart". Serialised: one at a time.
  Result<proto::ZkServerStatus> Act(const std::string& action, const std::string& reason);

  const LocalNodeOptions& options() const { return options_; }
  const control::ZkController& controller() const { return *controller_; }
  // For operations that stop the server briefly without entering maintenance (offline backup):
  // an agent restarted mid-way starts the server again.
  control::ZkController& mutable_controller() { return *controller_; }
  // Stops the server, runs `work`, starts it again, holding off node actions throughout (an
  // offline backup). Refused while the node is in maintenance: an operator stopped it on purpose.
  Status WithServerStopped(const std::function<void()>& work);
  // Probes now and returns the fresh status.
  proto::ZkServerStatus Refresh();

 private:
  void ProbeLoop();
  void ProbeNow();

  const LocalNodeOptions options_;
  std::unique_ptr<control::ZkController> controller_;
  MaintenanceFlag maintenance_;

  std::mutex action_mu_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  proto::ZkServerStatus last_;
  bool stopping_ = false;
  std::thread prober_;
};

}  // namespace lockstep::agent
