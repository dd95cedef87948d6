#include "agent/control/controller.h"

#include "agent/control/command_controller.h"
#include "agent/control/process_controller.h"

namespace lockstep::control {

Result<std::unique_ptr<ZkController>> MakeController(const ControllerConfig& config,
                                                     const std::string& zoo_cfg_path,
                                                     const zk::ZooCfg& zoo_cfg) {
  if (config.backend == "process") {
    return std::unique_ptr<ZkController>(std::make_unique<ProcessController>(
        config.process, zoo_cfg_path,
        std::vector<std::string>{zoo_cfg.data_dir, zoo_cfg.data_log_dir}));
  }
  if (config.backend == "systemd") {
    return std::unique_ptr<ZkController>(CommandController::ForSystemd(config.systemd));
  }
  if (config.backend == "exec") {
    return std::unique_ptr<ZkController>(std::make_unique<CommandController>(
        "exec", config.exec.start, config.exec.stop, config.exec.timeout));
  }
  return InvalidArgument("unknown controller backend '" + config.backend + "'");
}

}  // namespace lockstep::control
