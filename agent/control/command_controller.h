// The `exec` and `systemd` backends: the server is someone else's process (a systemd unit, a
// vendor's scripts); the agent runs a command to start or stop it and checks its exit status.
#pragma once

#include <chrono>
#include <string>

#include "agent/control/controller.h"

namespace lockstep::control {

class CommandController : public ZkController {
 public:
  CommandController(std::string backend, std::string start_command, std::string stop_command,
                    std::chrono::milliseconds timeout);
  std::string backend() const override { return backend_; }
  Status Start() override;
  Status Stop() override;

  // `systemctl start|stop UNIT` with the configured systemctl.
  static std::unique_ptr<CommandController> ForSystemd(const SystemdControllerConfig& config);

 private:
  Status Run(const std::string& action, const std::string& command);

  std::string backend_;
  std::string start_command_;
  std::string stop_command_;
  std::chrono::milliseconds timeout_;
};

}  // namespace lockstep::control
