#include "agent/control/process_controller.h"

#include <signal.h>

#include "common/log.h"
#include "common/process.h"
#include "engine/zk/server_guard.h"

namespace lockstep::control {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(50);
constexpr auto kStableRun = std::chrono::seconds(60);  // a run this long resets the backoff
constexpr auto kKillWait = std::chrono::seconds(10);

}  // namespace

ProcessController::ProcessController(ProcessControllerConfig config, std::string zoo_cfg_path,
                                     std::vector<std::string> data_dirs)
    : config_(std::move(config)),
      zoo_cfg_path_(std::move(zoo_cfg_path)),
      data_dirs_(std::move(data_dirs)),
      backoff_(config_.restart_backoff_min) {
  if (auto running = zk::ServerConfiguredOn(data_dirs_)) {
    pid_ = running->pid;
    adopted_ = true;
    want_running_ = true;
    launched_at_ = Clock::now();
    log::Info("adopted running ZooKeeper server", {{"pid", std::to_string(pid_)}});
  }
  supervisor_ = std::thread([this] { Supervise(); });
}

ProcessController::~ProcessController() {
  if (config_.stop_on_exit) {
    Status stopped = Stop();
    if (!stopped.ok())
      log::Error("stopping ZooKeeper on exit failed", {{"error", stopped.message()}});
  }
  {
    std::lock_guard lock(mu_);
    shutting_down_ = true;
  }
  changed_.notify_all();
  supervisor_.join();
}

std::vector<std::string> ProcessController::CommandLine() const {
  std::vector<std::string> argv = {config_.java, "-Xmx" + config_.heap};
  argv.insert(argv.end(), config_.jvm_flags.begin(), config_.jvm_flags.end());
  argv.insert(argv.end(), {"-cp", config_.classpath,
                           "org.apache.zookeeper.server.quorum.QuorumPeerMain", zoo_cfg_path_});
  return argv;
}

Status ProcessController::LaunchLocked() {
  Result<pid_t> pid = SpawnProcess(CommandLine(), {.output_file = config_.log_file});
  if (!pid.ok()) return pid.status().Prepend("starting ZooKeeper");
  pid_ = *pid;
  adopted_ = false;
  launched_at_ = Clock::now();
  log::Info("started ZooKeeper", {{"pid", std::to_string(pid_)}, {"log", config_.log_file}});
  changed_.notify_all();
  return Status::Ok();
}

Status ProcessController::Start() {
  std::lock_guard lock(mu_);
  want_running_ = true;
  backoff_ = config_.restart_backoff_min;
  if (pid_ > 0) return Status::Ok();
  return LaunchLocked();
}

Status ProcessController::Stop() {
  std::unique_lock lock(mu_);
  want_running_ = false;
  changed_.notify_all();
  if (pid_ <= 0) return Status::Ok();
  const pid_t pid = pid_;
  log::Info("stopping ZooKeeper", {{"pid", std::to_string(pid)}});
  kill(pid, SIGTERM);
  auto gone = [&] { return pid_ != pid; };
  if (!changed_.wait_for(lock, config_.stop_grace, gone)) {
    log::Warn(
        "ZooKeeper ignored SIGTERM; sending SIGKILL",
        {{"pid", std::to_string(pid)}, {"grace_ms", std::to_string(config_.stop_grace.count())}});
    kill(pid, SIGKILL);
    if (!changed_.wait_for(lock, kKillWait, gone)) {
      return Internal("ZooKeeper process " + std::to_string(pid) +
                      " survived SIGKILL; check it with `ps -o stat= -p " + std::to_string(pid) +
                      "`");
    }
  }
  return Status::Ok();
}

int64_t ProcessController::pid() const {
  std::lock_guard lock(mu_);
  return pid_ > 0 ? pid_ : 0;
}

uint64_t ProcessController::restarts() const {
  std::lock_guard lock(mu_);
  return restarts_;
}

bool ProcessController::ExitedLocked() {
  if (pid_ <= 0) return false;
  if (adopted_) {
    if (ProcessAlive(pid_)) return false;
    OnExitLocked("exited (adopted process, status unknown)");
    return true;
  }
  if (auto how = TryReap(pid_)) {
    OnExitLocked(*how);
    return true;
  }
  return false;
}

void ProcessController::OnExitLocked(const std::string& how) {
  const bool expected = !want_running_;
  (expected ? log::Info : log::Warn)(
      expected ? "ZooKeeper stopped" : "ZooKeeper exited unexpectedly",
      {{"pid", std::to_string(pid_)}, {"how", how}});
  pid_ = -1;
  if (!expected) {
    if (Clock::now() - launched_at_ >= kStableRun) backoff_ = config_.restart_backoff_min;
    restart_at_ = Clock::now() + backoff_;
    log::Info("restarting ZooKeeper after backoff",
              {{"backoff_ms", std::to_string(backoff_.count())}});
    backoff_ = std::min(backoff_ * 2, config_.restart_backoff_max);
  }
  changed_.notify_all();
}

void ProcessController::Supervise() {
  std::unique_lock lock(mu_);
  while (!shutting_down_) {
    changed_.wait_for(lock, kPollInterval);
    if (shutting_down_) break;
    ExitedLocked();
    if (pid_ <= 0 && want_running_ && Clock::now() >= restart_at_) {
      Status launched = LaunchLocked();
      if (launched.ok()) {
        ++restarts_;
      } else {
        log::Error("restart failed", {{"error", launched.message()}});
        restart_at_ = Clock::now() + backoff_;
        backoff_ = std::min(backoff_ * 2, config_.restart_backoff_max);
      }
    }
  }
}

}  // namespace lockstep::control
