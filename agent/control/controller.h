// How an agent stops and starts its master's ZooKeeper server. One interface, three backends
// (docs/design.md "The agent"): `process` supervises the JVM itself, `systemd` asks systemctl,
// `exec` runs configured commands. Restore and offline backup drive servers only through this, so
// their state machines can be tested with a fake.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "agent/control/controller_config.h"
#include "common/status.h"
#include "engine/zk/zoo_cfg.h"

namespace lockstep::control {

class ZkController {
 public:
  virtual ~ZkController() = default;
  virtual std::string backend() const = 0;
  // Starts the server; returns once it has been launched (serving is the prober's business).
  virtual Status Start() = 0;
  // Stops the server; returns once it has exited.
  virtual Status Stop() = 0;
  // The JVM's pid when this agent supervises it, 0 otherwise.
  virtual int64_t pid() const { return 0; }
  // Unexpected exits this agent restarted the server after.
  virtual uint64_t restarts() const { return 0; }
};

Result<std::unique_ptr<ZkController>> MakeController(const ControllerConfig& config,
                                                     const std::string& zoo_cfg_path,
                                                     const zk::ZooCfg& zoo_cfg);

}  // namespace lockstep::control
