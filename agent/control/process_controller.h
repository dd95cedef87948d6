// The `process` backend: the agent launches ZooKeeper's JVM itself and supervises it, as
// Exhibitor did. An unexpected exit is restarted after a backoff (doubling up to a maximum,
// reset once the server has run for a minute); a server stopped through Stop() stays stopped.
// A server already running on this master's zoo.cfg when the agent starts (the agent was
// restarted) is adopted, not started twice.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "agent/control/controller.h"

namespace lockstep::control {

// Thread-safe: the supervisor thread and callers share the child's state under one mutex.
class ProcessController : public ZkController {
 public:
  ProcessController(ProcessControllerConfig config, std::string zoo_cfg_path,
                    std::vector<std::string> data_dirs);
  ~ProcessController() override;  // stops the server when configured to (stop_on_exit)

  std::string backend() const override { return "process"; }
  Status Start() override;
  Status Stop() override;
  int64_t pid() const override;
  uint64_t restarts() const override;

  std::vector<std::string> CommandLine() const;

 private:
  using Clock = std::chrono::steady_clock;

  Status LaunchLocked();
  void Supervise();
  void OnExitLocked(const std::string& how);
  bool ExitedLocked();  // reaps our child or notices an adopted one is gone

  const ProcessControllerConfig config_;
  const std::string zoo_cfg_path_;
  const std::vector<std::string> data_dirs_;

  mutable std::mutex mu_;
  std::condition_variable changed_;
  pid_t pid_ = -1;
  bool adopted_ = false;  // not our child: can't waitpid, poll its existence instead
  bool want_running_ = false;
  bool shutting_down_ = false;
  uint64_t restarts_ = 0;
  std::chrono::milliseconds backoff_;
  Clock::time_point launched_at_;
  Clock::time_point restart_at_;
  std::thread supervisor_;
};

}  // namespace lockstep::control
